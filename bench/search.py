"""Search latency at scale: 100,000 entries in one guild, on SQLite, PostgreSQL, MariaDB.

    .venv/bin/python bench/search.py [--entries 100000]
        [--backend sqlite|postgresql|mariadb|both|all]  (both: SQLite and PostgreSQL)

Each backend gets a fresh, migrated database that is filled with generated
entries in several languages, then every query kind is timed after a warm-up.
Targets per line: median < 5 ms and p99 < 20 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from corpus import (
    COMMON,
    GUILD,
    OTHER_GUILDS,
    PHRASES,
    admin,
    analyze,
    create_database,
    fill,
    random_filters,
    typoed_fragment,
)

from storage.db import Database
from storage.search import (
    SearchFilters,
    autocomplete_names,
    search_entries,
    similar_entries,
)
from storage.text import fold

TITLES = {"sqlite": "SQLite", "postgresql": "PostgreSQL", "mariadb": "MariaDB"}
MEDIAN_TARGET_MS = 5.0
P99_TARGET_MS = 20.0

Call = Callable[[Any], Awaitable[Any]]


def workloads(rng: random.Random, sample: list[dict[str, Any]], n: int) -> dict[str, list[Call]]:
    """Per line of the table: `n` calls, each taking a session."""

    def search(text: str, filters: SearchFilters | None = None) -> Call:
        return lambda s: search_entries(text, session=s, guild_id=GUILD, filters=filters)

    def complete(text: str) -> Call:
        return lambda s: autocomplete_names(text, session=s, guild_id=GUILD)

    def similar(name: str, partners: str) -> Call:
        return lambda s: similar_entries(name, partners, session=s, guild_id=GUILD)

    rare = [row["summary"].split()[-2] for row in sample]
    pick = [rng.choice(sample) for _ in range(n)]
    return {
        "search: common words": [search(rng.choice(COMMON)) for _ in range(n)],
        "search: rare words": [search(rng.choice(rare)) for _ in range(n)],
        "search: phrases, OR, -not": [search(rng.choice(PHRASES)) for _ in range(n)],
        "search: with filters": [
            search(rng.choice(COMMON + rare[:20] + [""]), random_filters(rng)) for _ in range(n)
        ],
        "search: typo'd names": [
            search(typoed_fragment(rng, row["name"], rng.randint(1, 3))) for row in pick
        ],
        "autocomplete: 1-4 letters": [
            complete(fold(rng.choice(pick)["name"])[: rng.randint(1, 4)]) for _ in range(n)
        ],
        "autocomplete: typo'd names": [
            complete(typoed_fragment(rng, row["name"], rng.randint(1, 2))) for row in pick
        ],
        "(similar entries, proposing)": [
            similar(typoed_fragment(rng, row["name"], 4), row["partners"]) for row in pick
        ],
    }


def _rss_mb() -> float:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except OSError:
        return float("nan")
    return pages * 4096 / 2**20


async def measure(db: Database, calls: list[Call], warmup: int) -> list[float]:
    timings = []
    for i, call in enumerate(calls[:warmup] + calls):
        started = time.perf_counter()
        async with db.sessions() as session:
            await call(session)
        if i >= warmup:
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def report(name: str, timings: list[float]) -> bool:
    """One line of the table; lines without a target (in brackets) always pass."""
    ordered = sorted(timings)
    median = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, math.ceil(0.99 * len(ordered)) - 1)]
    ok = median < MEDIAN_TARGET_MS and p99 < P99_TARGET_MS
    verdict = "(no target)" if name.startswith("(") else "PASS" if ok else "FAIL"
    print(f"  {name:30s} {len(ordered):5d} {median:9.2f} {p99:9.2f} {ordered[-1]:9.2f}  {verdict}")
    return ok or name.startswith("(")


async def run(url: str, entries: int, queries: int) -> bool:
    rng = random.Random(20261125)
    db = Database(url)
    try:
        await db.upgrade()
        seconds, sample = await fill(db, entries, rng)
        print(
            f"  filled {entries:,} entries (+{len(OTHER_GUILDS) * 1_000:,} in other guilds)"
            f" in {seconds:.1f} s"
        )
        await analyze(db)
        rss = _rss_mb()
        print(f"  {'query kind':30s} {'n':>5s} {'median ms':>9s} {'p99 ms':>9s} {'max ms':>9s}")
        results = [
            report(name, await measure(db, calls, warmup=min(30, queries)))
            for name, calls in workloads(rng, sample, queries).items()
        ]
        print(f"  RSS growth while searching: {_rss_mb() - rss:.1f} MB")
        return all(results)
    finally:
        await db.dispose()


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300, help="timed calls per line")
    parser.add_argument(
        "--backend",
        choices=[*TITLES, "both", "all"],
        default="both",
        help="both: SQLite, PostgreSQL",
    )
    args = parser.parse_args()
    chosen = {"both": ["sqlite", "postgresql"], "all": list(TITLES)}.get(args.backend)
    ok = True
    for backend in chosen or [args.backend]:
        print(TITLES[backend])
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as folder:
                url = f"sqlite+aiosqlite:///{folder}/bench.db"
                ok &= await run(url, args.entries, args.queries)
            continue
        url, drop = await create_database(backend, f"pb_bench_{uuid.uuid4().hex[:8]}")
        try:
            ok &= await run(url, args.entries, args.queries)
        finally:
            await admin(drop, backend)
    print("ALL PASS" if ok else "SOME FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
