"""What the benchmarks that run the real bot share: the machine, a filled database,
the bot in a process of its own against a Discord double, the searches people type,
and percentiles.

bench/ is not a package: scripts import this module (and search.py) by their names.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from corpus import COMMON, GUILD, PHRASES, create_database
from corpus import admin as _admin
from corpus import analyze as _analyze
from corpus import fill as fill_entries
from corpus import random_filters as _filters
from corpus import typoed_fragment as _typoed_fragment

from bot.double import Channel, DiscordDouble, Member
from storage.db import Database

HERE = Path(__file__).resolve().parent
START_TIMEOUT = 90.0
# The real bot of interaction.py runs every search's SQL again before it reports: on
# MariaDB, on a loaded machine, that takes minutes.
STOP_TIMEOUT = 600.0
# The child's last line carries every search it timed: more than asyncio's 64 KiB under load.
LINE_LIMIT = 2**24


def machine() -> list[str]:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.partition(":")[2].strip()
                break
    return [
        f"CPU: {cpu}, {os.cpu_count()} cores; {platform.system()} {platform.release()}",
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}",
    ]


@contextlib.asynccontextmanager
async def filled_database(backend: str, entries: int) -> AsyncIterator[tuple[str, list[dict]]]:
    """A fresh migrated database with `entries` in GUILD (dropped after): its URL and a
    sample of its rows."""
    with tempfile.TemporaryDirectory() as folder:
        drop = None
        if backend == "sqlite":
            url = f"sqlite+aiosqlite:///{folder}/bench.db"
        else:
            url, drop = await create_database(backend, f"pb_bench_{uuid.uuid4().hex[:8]}")
        try:
            db = Database(url)
            try:
                await db.upgrade()
                seconds, sample = await fill_entries(db, entries, random.Random(20261125))
                await _analyze(db)
                if backend == "postgresql":
                    async with db.engine.connect() as connection:
                        version = await connection.exec_driver_sql("SHOW server_version")
                        print(f"PostgreSQL {version.scalar()}")
            finally:
                await db.dispose()
            print(f"filled {entries:,} entries (+3,000 in other guilds) in {seconds:.1f} s")
            yield url, sample
        finally:
            if drop:
                await _admin(drop, backend)


# --- the bots, each in its own process ---------------------------------------------------


@dataclass
class Scene:
    """A double with one guild, a channel and a member, and a bot process connected to it."""

    double: DiscordDouble
    channel: Channel
    member: Member
    process: asyncio.subprocess.Process | None = None
    ready_mb: float = math.nan
    report: dict[str, Any] = field(default_factory=dict)  # the child's last line
    violations: list[str] = field(default_factory=list)  # what Discord would have refused


async def start_scene(
    kind: str,
    database_url: str = "",
    profile: str | None = None,
    log: IO[bytes] | None = None,
    stack_costs: bool = False,
    probes: bool = False,
    double: DiscordDouble | None = None,
) -> Scene:
    """A double (`double`, if given: with more guilds, or Discord's message limit), and the
    `kind` bot connected to it; `log` takes the bot's standard error. With `stack_costs`,
    the real bot measures what its stack costs alone; with `probes`, its event loop's lag
    and its waits for a pooled connection (bench/_child.py)."""
    double = double or DiscordDouble()
    guild = double.add_guild("Wikimedia ES", guild_id=GUILD)
    scene = Scene(double, guild.add_text_channel("general"), guild.add_member("Ben"))
    await double.start()
    env = os.environ | {
        "DISCORD_TOKEN": double.token,
        "DISCORD_API_BASE_URL": double.api_base_url,
        "DISCORD_GATEWAY_URL": double.gateway_url,
        "DATABASE_URL": database_url,
    }
    if profile:
        env["BENCH_PROFILE"] = profile
    if stack_costs:
        env["BENCH_STACK_COSTS"] = "1"
    if probes:
        env["BENCH_PROBES"] = "1"
    scene.process = await asyncio.create_subprocess_exec(
        *(sys.executable, str(HERE / "_child.py"), kind),
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=log,
        limit=LINE_LIMIT,
    )
    assert scene.process.stdout is not None
    line = await asyncio.wait_for(scene.process.stdout.readline(), START_TIMEOUT)
    if not line.startswith(b"ready"):
        raise RuntimeError(f"the {kind} bot did not start (exit {await scene.process.wait()})")
    scene.ready_mb = float(line.split()[1])
    return scene


async def stop_scene(scene: Scene) -> None:
    """Stop the bot (collecting its report), then its double."""
    process = scene.process
    try:
        if process is not None and process.returncode is None:
            assert process.stdin is not None and process.stdout is not None
            process.stdin.write(b"stop\n")
            await process.stdin.drain()
            line = await asyncio.wait_for(process.stdout.readline(), STOP_TIMEOUT)
            scene.report = json.loads(line) if line.strip() else {}
            await asyncio.wait_for(process.wait(), 30)
    finally:
        if process is not None and process.returncode is None:
            process.kill()
            await process.wait()
        await scene.double.stop()
        scene.violations = [str(violation) for violation in scene.double.violations]


# --- the searches people type -----------------------------------------------------------

Request = tuple[str, dict[str, Any]]  # (kind of query, options of /partnership search)


def search_requests(rng: random.Random, sample: list[dict[str, Any]], n: int) -> list[Request]:
    """`n` searches, taking turns over the kinds of query people type."""
    rare = [row["summary"].split()[-2] for row in sample]

    def typo() -> Request:
        return "typo'd names", {
            "query": _typoed_fragment(rng, rng.choice(sample)["name"], rng.randint(1, 3))
        }

    def filtered() -> Request:
        chosen = _filters(rng)
        options: dict[str, Any] = {"query": rng.choice(COMMON + rare[:20])}
        for option in ("kind", "area", "status", "steward"):
            value = getattr(chosen, option)
            if value is not None:
                options[option] = value.value
        if chosen.models_only:
            options["models"] = True
        return "with filters", options

    makers: list[Callable[[], Request]] = [
        lambda: ("common words", {"query": rng.choice(COMMON)}),
        lambda: ("rare words", {"query": rng.choice(rare)}),
        typo,
        lambda: ("phrases, OR, -not", {"query": rng.choice(PHRASES)}),
        filtered,
    ]
    return [makers[i % len(makers)]() for i in range(n)]


def summary(values: list[float]) -> tuple[float, float, float, float]:
    """Median, p95, p99 (nearest rank) and max."""
    ordered = sorted(values)

    def rank(q: float) -> float:
        return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]

    return statistics.median(ordered), rank(0.95), rank(0.99), ordered[-1]
