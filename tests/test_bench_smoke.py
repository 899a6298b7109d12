"""bench/interaction.py runs end to end and prints its figures (no assertion on speed:
a benchmark is not a timed test)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NUMBER = r"\d+\.\d+"


def test_interaction_benchmark_prints_its_figures() -> None:
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "interaction.py"), "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = run.stdout
    # 1 means "a target was missed", which is a figure, not a failure of the script.
    assert run.returncode in (0, 1), run.stderr[-3000:]
    assert re.search(r"^CPU: .+, \d+ cores", out, re.M), out
    assert re.search(r"^Python 3\.\d+\.\d+, SQLite \d+\.\d+", out, re.M), out
    assert "filled 2,000 entries" in out
    assert "(30 of each after" in out
    for name in ("search (real bot)", "floor (bare bot, /ping)", "search_entries()"):
        assert re.search(rf"^\s+{re.escape(name)}(\s+{NUMBER}){{4}}$", out, re.M), name
    for bot in ("real bot", "bare bot"):
        assert re.search(rf"^  {bot}:\s+{NUMBER} ->\s+{NUMBER}$", out, re.M), bot
    verdicts = re.findall(
        r"^  (PASS|FAIL)  (search/floor median|search/floor p99|peak RSS)", out, re.M
    )
    assert len(verdicts) == 3, out
    assert re.search(r"^RESULT: (ALL PASS|SOME FAIL)$", out, re.M)
    assert ("ALL PASS" in out) == (run.returncode == 0)
