"""bench/interaction.py runs end to end and prints its figures (no assertion on speed:
a benchmark is not a timed test)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NUMBER = r"\d+\.\d+"


def run_bench(script: str, *options: str) -> subprocess.CompletedProcess[str]:
    """Run a bench script; it ran (a missed target is a figure) and named the machine."""
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *options],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    # 1 means "a target was missed", which is a figure, not a failure of the script.
    assert run.returncode in (0, 1), run.stderr[-3000:]
    assert re.search(r"^CPU: .+, \d+ cores", run.stdout, re.M), run.stdout
    return run


def test_interaction_benchmark_prints_its_figures() -> None:
    run = run_bench("interaction.py", "--quick")
    out = run.stdout
    assert re.search(r"^Python 3\.\d+\.\d+, SQLite \d+\.\d+", out, re.M), out
    assert "filled 2,000 entries" in out
    assert "(30 of each after" in out
    ratio = rf"\s+{NUMBER}x"  # the median over the floor's
    for name in ("search (real bot)", "search: typo'd names"):
        assert re.search(rf"^\s+{re.escape(name)}(\s+{NUMBER}){{4}}{ratio}$", out, re.M), name
    rows = ("floor (bare bot, /ping)", "search, real bot", "/ping, bare bot", "search_entries()")
    for name in (*rows, "render.search_page()", "SQL on the driver alone", "a session: SELECT 1"):
        assert re.search(rf"^\s+{re.escape(name)}(\s+{NUMBER}){{4}}$", out, re.M), name
    for bot in ("real bot", "bare bot"):
        assert re.search(rf"^  {bot}:\s+{NUMBER} ->\s+{NUMBER}$", out, re.M), bot
    over = rf"^  real over bare: once ready [+-]{NUMBER}, peak [+-]{NUMBER}$"
    assert re.search(over, out, re.M), out
    verdicts = re.findall(
        r"^  (PASS|FAIL)  (search/floor median|search/floor p99|slowest kind/floor median"
        r"|inside the bot/SQL on the driver, median) ",
        out,
        re.M,
    )
    assert len(verdicts) == 4, out
    assert re.search(r"^RESULT: (ALL PASS|SOME FAIL)$", out, re.M)
    assert ("ALL PASS" in out) == (run.returncode == 0)


def test_load_benchmark_prints_its_figures() -> None:
    run = run_bench(
        "load.py",
        *("--duration", "3", "--volunteers", "5", "--entries", "2000", "--backend", "sqlite"),
    )
    out = run.stdout
    assert "5 volunteers, 3 s, no pause" in out
    assert "filled 2,000 entries" in out
    assert re.search(r"^  interactions: [\d,]+ in \d+\.\d s, \d+\.\d answered a second", out, re.M)
    kinds = ("search", "autocomplete", "show", "propose: command", "all interactions")
    for kind in kinds:
        # n, over 3 s, then median, p95, p99 and max
        assert re.search(rf"^    {re.escape(kind)}\s+\d+\s+\d+(\s+{NUMBER}){{4}}$", out, re.M), kind
    assert re.search(rf"^  bot RSS, MB: {NUMBER} once ready -> {NUMBER} peak$", out, re.M), out
    assert re.search(r"^  CPU during the run: bot \d+\.\d s", out, re.M), out
    # The deadline is Discord's rule, not a speed target: a miss is a bug.
    assert "answers later than 3 s or none: 0 (late answers the double refused: 0)" in out, out
    assert "PASS  every interaction answered within 3 s" in out
    assert re.search(r"^RESULT: (ALL PASS|SOME FAIL)$", out, re.M)
    assert ("ALL PASS" in out) == (run.returncode == 0)


def test_transfer_benchmark_prints_its_figures() -> None:
    run = run_bench("transfer.py", "--entries", "500", "--backend", "sqlite")
    out = run.stdout
    assert "filled 500 entries" in out
    for what in ("export json", "export csv", "import json", "import csv", "floor (executemany)"):
        assert re.search(rf"^  {re.escape(what)}\s+[\d,]+ entries/s  \(", out, re.M), what
    verdicts = re.findall(r"^  (PASS|FAIL)  (import [^:]+):", out, re.M)
    assert len(verdicts) == 3, out
    assert re.search(r"^RESULT: (ALL PASS|SOME FAIL)$", out, re.M)
    assert ("ALL PASS" in out) == (run.returncode == 0)
