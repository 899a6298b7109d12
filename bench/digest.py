"""Benchmark the weekly digest.

1. One large guild (1,000 entries, 5,000 milestones, a week of audit events):
   build_digest + render_digest, median and p99 over repeated runs (target < 50 ms).
2. 1,000 guilds whose digests are due at the same minute, through DigestDispatcher
   with a sender that only counts: total and per-guild time.

On SQLite (a temporary file), and on PostgreSQL when one answers at TEST_POSTGRES_URL.
Run: .venv/bin/python -m bench.digest [--runs 50] [--guilds 1000] [--no-postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import sqlalchemy as sa

from bot.jobs.digests import DigestDispatcher
from bot.jobs.sender import SentMessage
from bot.render.digest import render_digest
from storage.db import Database
from storage.models import AuditEvent, DigestSchedule, Entry, Milestone
from storage.services import digest

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday; 10:00 in Madrid
DAY = timedelta(days=1)
BIG_GUILD = 1
STATUSES = ["active"] * 12 + ["proposed"] * 4 + ["paused", "completed", "archived", "rejected"]


class NullSender:
    """Accepts every message instantly: measures our side only."""

    def __init__(self) -> None:
        self.count = 0

    async def send(self, channel_id: int, payload: dict[str, Any], *, nonce: str) -> SentMessage:
        self.count += 1
        return SentMessage(channel_id, self.count)

    async def send_dm(self, user_id: int, payload: dict[str, Any], *, nonce: str) -> SentMessage:
        return await self.send(user_id, payload, nonce=nonce)


def entry_rows(guild_id: int, count: int) -> list[dict[str, Any]]:
    rows = []
    for n in range(count):
        age = (n * 7919) % 400  # spread over ~13 months, some quiet for the follow-through
        rows.append(
            {
                "guild_id": guild_id,
                "kind": "partnership" if n % 3 == 0 else "alliance",
                "name": f"Relationship {n:04} with Org_{n}*",
                "name_key": f"relationship {n:04} with org_{n}*",
                "partners": "",
                "area": "content",
                "steward": "volunteers",
                "status": STATUSES[n % len(STATUSES)],
                "summary": "",
                "search_text": "",
                "links": [],
                "is_model": False,
                "support_count": n % 9,
                "created_at": NOW - (age + 30) * DAY,
                "updated_at": NOW - age * DAY,
            }
        )
    return rows


async def seed_guild(database: Database, guild_id: int, entries: int, milestones: int) -> None:
    async with database.engine.begin() as connection:
        await connection.execute(sa.insert(Entry), entry_rows(guild_id, entries))
        result = await connection.execute(
            sa.select(Entry.id, Entry.status).where(Entry.guild_id == guild_id).order_by(Entry.id)
        )
        ids = [(row[0], row[1]) for row in result]
        stones = []
        for n in range(milestones):
            # Two entries in three have milestones; the rest only their own changes.
            entry_id, _ = ids[n % max(1, len(ids) * 2 // 3)]
            due = NOW + ((n * 31) % 120 - 60) * DAY + timedelta(hours=n % 24)
            done = due if n % 4 == 0 and due < NOW else None
            touched = min(due, NOW) - 20 * DAY
            stones.append(
                {
                    "guild_id": guild_id,
                    "entry_id": entry_id,
                    "title": f"Milestone {n} for the report_{n}",
                    "due_at": due,
                    "coordinator_id": 900_000_000_000_000_000 + n % 50,
                    "source": "manual",
                    "done_at": done,
                    "created_at": touched,
                    "updated_at": done or touched,
                }
            )
        if stones:
            await connection.execute(sa.insert(Milestone), stones)
        events = [
            {
                "guild_id": guild_id,
                "entry_id": entry_id,
                "action": "approve" if status == "active" else "status",
                "at": NOW - timedelta(hours=(n * 13) % 160),
                "before": {"status": "proposed"},
                "after": {"status": status},
            }
            for n, (entry_id, status) in enumerate(ids[: max(1, len(ids) // 5)])
        ]
        await connection.execute(sa.insert(AuditEvent), events)


async def analyze(database: Database) -> None:
    """Planner statistics, as autovacuum (PostgreSQL) or `PRAGMA optimize` would gather."""
    async with database.engine.begin() as connection:
        await connection.exec_driver_sql("ANALYZE")


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def timed(runs: int, work: Callable[[], Awaitable[Any]]) -> list[float]:
    await work()  # warm up caches and the connection pool
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        await work()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def report(label: str, samples: list[float]) -> None:
    print(
        f"  {label:<38} median {statistics.median(samples):7.2f} ms   "
        f"p99 {percentile(samples, 0.99):7.2f} ms   (n={len(samples)})"
    )


async def bench_big_guild(database: Database, runs: int) -> None:
    await seed_guild(database, BIG_GUILD, 1000, 5000)
    await analyze(database)
    print("One guild, 1,000 entries, 5,000 milestones:")
    for label, limit in (
        ("build (sections capped at 25)", digest.SECTION_LIMIT),
        ("build (every item)", None),
    ):

        async def build(limit: int | None = limit) -> digest.DigestContent:
            async with database.sessions() as session:
                return await digest.build_digest(
                    session=session, guild_id=BIG_GUILD, now=NOW, followthrough_days=90, limit=limit
                )

        content = await build()
        report(label, await timed(runs, build))
        render_samples = []
        for _ in range(runs):
            start = time.perf_counter()
            payloads = render_digest(content, locale="en", now=NOW, late_since=None)
            render_samples.append((time.perf_counter() - start) * 1000)
        report(f"  render -> {len(payloads)} message(s)", render_samples)

        async def both(limit: int | None = limit) -> None:
            render_digest(await build(limit), locale="es", now=NOW, late_since=None)

        report("  build + render", await timed(runs, both))
        print(f"    section totals: {[s.total for s in content.sections]}")


async def bench_many_guilds(database: Database, guilds: int) -> None:
    for n in range(guilds):
        await seed_guild(database, 10_000 + n, 5, 10)
    async with database.engine.begin() as connection:
        await connection.execute(
            sa.insert(DigestSchedule),
            [
                {
                    "guild_id": 10_000 + n,
                    "channel_id": 500_000 + n,
                    "weekday": 0,
                    "time_of_day": "10:00",
                    "timezone": "Europe/Madrid",
                    "locale": "es" if n % 2 else "en",
                    "enabled": True,
                    "notice_pending": False,
                    "next_run_at": NOW,
                    "created_at": NOW - 30 * DAY,
                }
                for n in range(guilds)
            ],
        )
    await analyze(database)
    sender = NullSender()
    dispatcher = DigestDispatcher(database, sender)
    start = time.perf_counter()
    next_due = await dispatcher.run_due(NOW + timedelta(seconds=30))
    total = time.perf_counter() - start
    print(f"{guilds:,} guilds due at the same minute (dispatcher, null sender):")
    print(
        f"  total {total:6.2f} s   per guild {total / guilds * 1000:6.2f} ms   "
        f"messages sent {sender.count:,}   next due {next_due}"
    )


async def run_backend(name: str, url: str, runs: int, guilds: int) -> None:
    print(f"\n=== {name} ===")
    database = Database(url)
    try:
        await database.upgrade()
        await bench_big_guild(database, runs)
        await bench_many_guilds(database, guilds)
    finally:
        await database.dispose()


async def postgres(runs: int, guilds: int) -> None:
    url = os.environ.get("TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    base, admin_db = url.rsplit("/", 1)
    dsn = base.replace("postgresql+asyncpg://", "postgresql://") + "/" + admin_db
    try:
        admin = await asyncpg.connect(dsn, timeout=5)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        print(f"\n=== PostgreSQL === skipped: not reachable ({exc})")
        return
    name = f"pb_bench_{uuid.uuid4().hex[:8]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        await run_backend("PostgreSQL", f"{base}/{name}", runs, guilds)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--guilds", type=int, default=1000)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        await run_backend("SQLite", url, args.runs, args.guilds)
    if not args.no_postgres:
        await postgres(args.runs, args.guilds)


if __name__ == "__main__":
    asyncio.run(main())
