"""Import and export at scale: 100,000 entries, on SQLite and PostgreSQL.

    .venv/bin/python bench/transfer.py [--entries 100000] [--backend sqlite|postgresql|both]

Each backend gets a database filled with the generated directory (bench/corpus.py),
which `partnerbot export` writes as JSON and as CSV; each file is then imported by
`partnerbot import` into a fresh database. Both commands run in processes of their
own, as an operator runs them: their time is the whole command's, start-up included
(shown apart: the import of an empty file), and their peak RSS and CPU time are the
process's own (on SQLite the database's work is in it too; PostgreSQL's is not).
The floor is the same entries' rows inserted straight through the driver
(`executemany`, one transaction) into another fresh database, in the same run.

Targets: the import within 3x of the floor's time, at least 5,000 entries a second on
SQLite, and the import's peak RSS under 250 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any

import asyncpg
import sqlalchemy as sa
from common import machine
from corpus import GUILD, PG_SERVER, admin, fill

from storage import transfer
from storage.db import Database
from storage.services.entries import new_entry_values
from storage.types import utcnow

ROOT = Path(__file__).resolve().parents[1]
COPY_GUILD = 1_000_000_000_000_000_100
FLOOR_RATIO_TARGET = 3.0
SQLITE_RATE_TARGET = 5_000  # entries a second
RSS_TARGET_MB = 250.0
FORMATS = ("json", "csv")


@contextlib.asynccontextmanager
async def fresh_database(backend: str, folder: str) -> AsyncIterator[str]:
    """The URL of a new, migrated database (dropped after, on PostgreSQL)."""
    name = f"pb_transfer_{uuid.uuid4().hex[:8]}"
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{folder}/{name}.db"
    else:
        await admin(f'CREATE DATABASE "{name}"')
        url = f"{PG_SERVER}/{name}"
    try:
        db = Database(url)
        await db.upgrade()
        await db.dispose()
        yield url
    finally:
        if backend != "sqlite":
            await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# The command as `partnerbot` runs it, then on standard error its peak RSS, VmHWM, of
# this program alone (a child's rusage would not do: Linux counts in its ru_maxrss the
# memory of the parent it was forked from, before its exec), and its CPU seconds: on a
# shared machine, the figure that other programs' load changes least.
_CHILD = (
    "import os, sys; from bot.cli import main; code = main(sys.argv[1:]);"
    " status = open('/proc/self/status').read(); t = os.times();"
    " print('VmHWM', status.split('VmHWM:')[1].split()[0], t.user + t.system, file=sys.stderr);"
    " sys.exit(code)"
)


@dataclass
class Run:
    seconds: float
    peak_mb: float
    cpu_seconds: float
    out: str


def command(url: str, *args: str) -> Run:
    """Run `partnerbot ARGS` on `url`."""
    env = os.environ | {"DATABASE_URL": url, "LOG_LEVEL": "WARNING"}
    started = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-c", _CHILD, *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    last = (run.stderr.strip().splitlines() or [""])[-1]
    if run.returncode or not last.startswith("VmHWM"):
        raise RuntimeError(f"partnerbot {' '.join(args)} failed: {run.stderr[-2000:]}")
    _, peak_kb, cpu = last.split()
    return Run(seconds, int(peak_kb) / 1024, float(cpu), run.stdout)


def floor_rows(path: Path) -> list[dict[str, Any]]:
    """The entry columns that the import of this JSON file writes, computed beforehand."""
    rows = transfer.parse_rows(path.read_text(encoding="utf-8"), "json")
    now = utcnow()
    return [
        new_entry_values(row, guild_id=COPY_GUILD, actor_id=None, now=now)
        | {name: getattr(row, name) for name in ("is_model", "rejection_reason")}
        | {"outcomes": row.outcomes, "lessons": row.lessons, "support_count": 0}
        for row in rows
    ]


def _plain(value: Any, backend: str) -> Any:
    """A value as the driver takes it for its column (as SQLAlchemy's types bind it)."""
    if isinstance(value, list):
        return json.dumps(value)
    if isinstance(value, str):
        return str(value)  # enums
    if backend == "sqlite" and hasattr(value, "astimezone"):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    return value


async def floor(backend: str, url: str, rows: list[dict[str, Any]]) -> float:
    """Seconds to insert `rows` with the driver's executemany in one transaction."""
    columns = list(rows[0])
    params = [tuple(_plain(row[c], backend) for c in columns) for row in rows]
    names = ", ".join(columns)
    if backend == "sqlite":
        connection = sqlite3.connect(url.split("///", 1)[1], isolation_level=None)
        connection.execute("PRAGMA synchronous=NORMAL")
        started = time.perf_counter()
        connection.execute("BEGIN")
        sql = f"INSERT INTO entry ({names}) VALUES ({', '.join('?' for _ in columns)})"
        connection.executemany(sql, params)
        connection.execute("COMMIT")
        seconds = time.perf_counter() - started
        connection.close()
        return seconds
    pg = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        marks = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
        started = time.perf_counter()
        async with pg.transaction():
            await pg.executemany(f"INSERT INTO entry ({names}) VALUES ({marks})", params)
        return time.perf_counter() - started
    finally:
        await pg.close()


def show(what: str, entries: int, run: Run, more: str = "") -> None:
    print(
        f"  {what:11}  {entries / run.seconds:>9,.0f} entries/s  ({run.seconds:.1f} s,"
        f" {run.cpu_seconds:.1f} s CPU{more})  peak RSS {run.peak_mb:.0f} MB"
    )


def verdict(ok: bool, what: str, figure: str) -> bool:
    print(f"  {'PASS' if ok else 'FAIL'}  {what}: {figure}")
    return ok


async def run_backend(backend: str, entries: int) -> bool:
    label = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[backend]
    print(f"\n{label}: {entries:,} entries")
    with tempfile.TemporaryDirectory() as folder:
        files = {fmt: Path(folder) / f"entries.{fmt}" for fmt in FORMATS}
        async with fresh_database(backend, folder) as source:
            db = Database(source)
            try:
                seconds, _ = await fill(db, entries, random.Random(20261125))
                # The corpus leaves rejected entries without the reason an import requires.
                async with db.transaction() as session:
                    await session.exec(
                        sa.text(
                            "UPDATE entry SET rejection_reason = 'Out of scope.'"
                            " WHERE status = 'rejected'"
                        )
                    )
            finally:
                await db.dispose()
            print(f"  filled {entries:,} entries (+3,000 in other guilds) in {seconds:.1f} s")
            for fmt, path in files.items():
                run = command(
                    source, "export", "--guild", str(GUILD), "--format", fmt, "--output", str(path)
                )
                size = path.stat().st_size / 2**20
                show(f"export {fmt}", entries, run, f", {size:.0f} MB file")
        rates, peaks = {}, []
        for fmt, path in files.items():
            async with fresh_database(backend, folder) as target:
                run = command(target, "import", str(path), "--guild", str(COPY_GUILD))
            assert f"Imported {entries} entries" in run.out, run.out
            rates[fmt] = entries / run.seconds
            peaks.append(run.peak_mb)
            show(f"import {fmt}", entries, run)
        empty = Path(folder) / "empty.json"
        empty.write_text("[]", encoding="utf-8")
        async with fresh_database(backend, folder) as target:
            startup = command(target, "import", str(empty), "--guild", str(COPY_GUILD))
        print(
            f"  the import command's own cost (an empty file): {startup.seconds:.1f} s"
            f" ({startup.cpu_seconds:.1f} s CPU)"
        )
        rows = floor_rows(files["json"])
        async with fresh_database(backend, folder) as target:
            floor_seconds = await floor(backend, target, rows)
        floor_rate = entries / floor_seconds
        print(f"  floor (executemany)  {floor_rate:>9,.0f} entries/s  ({floor_seconds:.1f} s)")
    slowest = min(rates.values())
    ratios = ", ".join(f"{fmt} {floor_rate / rate:.1f}x" for fmt, rate in rates.items())
    ratio = floor_rate / slowest
    ok = verdict(ratio <= FLOOR_RATIO_TARGET, "import within 3x of the floor", ratios)
    if backend == "sqlite":
        target = f"{slowest:,.0f} entries/s"
        ok &= verdict(slowest >= SQLITE_RATE_TARGET, "import >= 5,000 entries/s", target)
    ok &= verdict(max(peaks) < RSS_TARGET_MB, "import peak RSS < 250 MB", f"{max(peaks):.0f} MB")
    return ok


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    for line in machine():
        print(line)
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    ok = True
    for backend in backends:
        ok &= await run_backend(backend, args.entries)
    print(f"\nRESULT: {'ALL PASS' if ok else 'SOME FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
