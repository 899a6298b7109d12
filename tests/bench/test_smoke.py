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
    assert re.search(rf"^  bot RSS, MiB: {NUMBER} once ready -> {NUMBER} peak$", out, re.M), out
    assert re.search(r"^  CPU during the run: bot \d+\.\d s", out, re.M), out
    assert re.search(r"^The bare bot, /ping: \d+ answered a second", out, re.M), out
    assert re.search(
        rf"^  bot CPU per interaction: {NUMBER} ms; the bare bot's per /ping under the same "
        rf"crowd: {NUMBER} ms \(\d+ a second\): {NUMBER}x$",
        out,
        re.M,
    ), out
    assert re.search(r"^  the bot's event-loop lag, ms \(p50 / p99 / max\): [\d.]+ / ", out, re.M)
    assert re.search(r"^  waits for a pooled connection: [\d,]+, ms", out, re.M), out
    assert re.search(r"^  (PASS|FAIL)  peak RSS \d+ MiB, under 512 MiB", out, re.M), out
    # The deadline is Discord's rule, not a speed target: a miss is a bug.
    assert "answers later than 3 s or none: 0 (late answers the double refused: 0)" in out, out
    assert "PASS  every interaction answered within 3 s" in out
    assert re.search(r"^RESULT: (ALL PASS|SOME FAIL)$", out, re.M)
    assert ("ALL PASS" in out) == (run.returncode == 0)


def test_load_ramp_reports_each_step_and_where_the_bot_saturates() -> None:
    run = run_bench(
        "load.py",
        *("--duration", "2", "--ramp", "2,4", "--entries", "2000", "--backend", "sqlite"),
    )
    out = run.stdout
    assert "2, 4 volunteers, 2 s each, no pause" in out
    for crowd in (2, 4):  # crowd, answered/s, p50, p99, >3 s, errors, CPU%, no CPU%, -, lag, pool
        assert re.search(
            rf"^\s+{crowd}\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}\s+\d+\s+\d+\s+\d+%\s+\d+%\s+-"
            rf"\s+{NUMBER}\s+{NUMBER}$",
            out,
            re.M,
        ), out
    assert re.search(r"^  (saturated: p99 passes|p99 stays under) 1000 ms", out, re.M), out
    assert "py-spy profile of the bot at 4 volunteers:" in out
    assert re.search(r"^    ([\d,]+ samples; by library|\(py-spy)", out, re.M), out


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


def test_wiki_benchmark_prints_its_figures(mediawiki: object) -> None:
    # `mediawiki`: the tests' wiki, so a machine without MediaWiki skips (fails under CI).
    out = run_bench("wiki.py", "--entries", "50", "--runs", "1").stdout
    assert "50 entries; the page's text:" in out, out
    for what in ("first publish", "publish, nothing changed", "publish, one entry changed"):
        assert re.search(rf"^{re.escape(what)}[^:]*:\s+{NUMBER} s$", out, re.M), what
