"""bench/catchup.py runs end to end and prints its figures (no assertion on speed)."""

from __future__ import annotations

import re

from tests.bench.test_smoke import run_bench


def test_catchup_benchmark_prints_its_figures() -> None:
    run = run_bench("catchup.py", *("--reminders", "120", "--channels", "4", "--entries", "500"))
    out = run.stdout
    assert "seeded 120 reminders due over the past day in 4 channels" in out
    assert re.search(r"^catch-up: \d+\.\d s from the first reminder message to the last", out, re.M)
    assert re.search(r"the slowest channel needs \d+ messages, .* = \d+ s; catch-up / floor", out)
    assert re.search(r"^messages sent: \d+ .*; 429s received: \d+ \(target 0\)", out, re.M)
    assert "reminders delivered: 120 of 120, duplicates: 0" in out
    assert re.search(r"^volunteers' searches meanwhile: \d+ answered", out, re.M)
