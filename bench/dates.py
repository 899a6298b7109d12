"""Due-date parsing speed and memory: cold first call, then warm over the test phrases.

    .venv/bin/python bench/dates.py [--rounds 50]

The phrases are the table of tests/storage/test_dates.py (English and Spanish, three
zones), then 100-character junk that falls through to dateparser. Targets: warm median
under 1 ms and p99 under 2 ms on the table; dateparser must not load every locale
(that alone would be about 2 s and 35 MB).
"""

from __future__ import annotations

import argparse
import contextlib
import resource
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

Case = tuple[str, str, str]  # phrase, locale, zone
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
JUNK = ["qwhe qwekj " * 9, "1 2 3 4 5 6 7 8 9 " * 5, "el de la a las " * 6, "12:30 " * 16]


def rss_mb() -> float:
    """Resident memory now (Linux), or the peak where /proc is missing."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def time_calls(attempt: Callable[[Case], None], cases: list[Case], rounds: int) -> list[float]:
    """Milliseconds per call, sorted, after one warm-up pass over every case."""
    timings = []
    for round_ in range(rounds + 1):
        for case in cases:
            started = time.perf_counter()
            attempt(case)
            if round_:
                timings.append((time.perf_counter() - started) * 1000)
    return sorted(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()

    baseline = rss_mb()
    started = time.perf_counter()
    from storage.dates import parse_due
    from storage.errors import InvalidInput

    imported = time.perf_counter() - started
    after_import = rss_mb()
    started = time.perf_counter()
    parse_due("el 1 de marzo de 2027", now=NOW, timezone="Europe/Madrid", locale="es-ES")
    cold = time.perf_counter() - started
    after_cold = rss_mb()

    # Imported only now: the test module brings pytest and hypothesis into memory.
    from tests.storage.test_dates import PHRASES

    def attempt(case: Case) -> None:
        phrase, locale, zone = case
        with contextlib.suppress(InvalidInput):
            parse_due(phrase, now=NOW, timezone=zone, locale=locale)

    groups = {
        "test table": [(phrase, locale, zone) for phrase, locale, zone, _ in PHRASES],
        "100-char junk": [(text, "es-ES", "Europe/Madrid") for text in JUNK],
    }
    print(f"phrases: {len(PHRASES)} from the test table, {len(JUNK)} junk; rounds: {args.rounds}")
    print(f"import storage.dates: {imported * 1000:.0f} ms, +{after_import - baseline:.1f} MB RSS")
    print(f"cold first call (Spanish, via dateparser): {cold * 1000:.0f} ms, ", end="")
    print(f"+{after_cold - after_import:.1f} MB RSS")
    for name, cases in groups.items():
        timings = time_calls(attempt, cases, args.rounds)
        p99 = timings[int(len(timings) * 0.99)]
        print(f"warm, {name}: median {statistics.median(timings):.3f} ms, ", end="")
        print(f"p99 {p99:.3f} ms, max {timings[-1]:.3f} ms")
    print(f"RSS: {baseline:.1f} MB at start, {after_cold:.1f} MB after the first parse")


if __name__ == "__main__":
    main()
