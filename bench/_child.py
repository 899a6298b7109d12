"""One bot in a process of its own, for bench/interaction.py: `real` or `bare`.

    python bench/_child.py real|bare   (settings in DISCORD_TOKEN, DISCORD_API_BASE_URL,
                                        DISCORD_GATEWAY_URL and, for `real`, DATABASE_URL)

It connects to the Discord double that the parent process runs, prints one line
`ready <RSS MB>` once it can answer interactions, and on a line on standard input
(or its end) it stops and prints one JSON line: its memory (the peak is this
process's alone, so neither the double nor the database filler is counted in it),
its garbage-collector pauses since ready, how long each interaction spent inside it
(parsed to answer sent) and, for the real bot, how long each search and its rendering
took. With BENCH_STACK_COSTS=1 (bench/interaction.py,
whose searches run one at a time) the real bot then measures what the stack costs on its
own: each search's SQL statements run again straight on the database driver, and a
session running `SELECT 1`. With BENCH_PROBES=1 (bench/load.py) it records its event
loop's lag and each wait for a pooled connection. With BENCH_PROFILE=<file> it also writes
cProfile statistics of its whole run (main thread only) to that file.
"""

from __future__ import annotations

import asyncio
import cProfile
import gc
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.endpoints import point_discord_py_at

if TYPE_CHECKING:  # the bare bot's process must not load the real bot's stack
    from sqlalchemy.ext.asyncio import AsyncEngine

    from bot.client import PartnerBot
    from storage.db import Database


STACK_COSTS = os.environ.get("BENCH_STACK_COSTS") == "1"
PROBES = os.environ.get("BENCH_PROBES") == "1"
LAG_EVERY = 0.05  # seconds between two looks at the event loop's lag
Samples = list[tuple[float, float]]  # (time.monotonic(), ms): the parent cuts them in steps


class BareBot(discord.Client):
    """The floor: discord.py alone, answering `/ping` with a plain message."""

    def __init__(self) -> None:
        super().__init__(intents=discord.Intents(guilds=True), guild_ready_timeout=0.05)
        self.tree = app_commands.CommandTree(self)

        @self.tree.command(description="Answer pong")
        async def ping(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("pong")

    async def setup_hook(self) -> None:
        # Global, as the real bot syncs (no DEV_GUILD_ID).
        await self.tree.sync()


async def _real_bot() -> PartnerBot:
    from bot.app import create_bot
    from bot.config import Settings

    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        discord_token=os.environ["DISCORD_TOKEN"],
        database_url=os.environ["DATABASE_URL"],
        discord_api_base_url=os.environ["DISCORD_API_BASE_URL"],
        discord_gateway_url=os.environ["DISCORD_GATEWAY_URL"],
    )
    # discord.py waits 2 s after the last GUILD_CREATE before on_ready; the double is quick.
    return await create_bot(settings, guild_ready_timeout=0.05)


Statements = list[tuple[str, dict[str, Any]]]  # what one search sent to the driver


def time_searches(keep_sql: bool) -> tuple[list[dict[str, float]], list[Statements]]:
    """Time each search and its rendering inside the bot: their share of a round trip;
    and, if `keep_sql`, keep the statements each search ran, to run them again on the
    driver alone.

    The command calls both through their modules, and the search runs its statements
    through storage.search.driver's: wrapping those module attributes times exactly
    those calls; a wrapper costs about a microsecond.
    """
    from bot.render import entries as render
    from storage import search
    from storage.search import driver

    calls: list[dict[str, float]] = []
    sent: list[Statements] = []
    searching, rendering, fetching = search.search_entries, render.search_page, driver.fetch
    running = driver.run
    on_driver = 0.0  # the current search's time in driver calls

    async def timed_search(*args: Any, **kwargs: Any) -> Any:
        nonlocal on_driver
        on_driver, started = 0.0, time.perf_counter()
        try:
            if keep_sql:
                sent.append([])
            return await searching(*args, **kwargs)
        finally:
            took = (time.perf_counter() - started) * 1000
            calls.append({"search": took, "driver": on_driver})

    async def timed_run(*args: Any) -> Any:
        nonlocal on_driver
        started = time.perf_counter()
        try:
            return await running(*args)
        finally:
            on_driver += (time.perf_counter() - started) * 1000

    async def kept_fetch(session: Any, sql: str, params: dict[str, Any]) -> Any:
        if sent:  # only a search's own statements, not autocomplete's
            sent[-1].append((sql, dict(params)))
        return await fetching(session, sql, params)

    def timed_render(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return rendering(*args, **kwargs)
        finally:
            if calls:
                calls[-1]["render"] = (time.perf_counter() - started) * 1000

    search.search_entries = timed_search  # type: ignore[assignment]
    driver.run = timed_run  # type: ignore[assignment]
    render.search_page = timed_render  # type: ignore[assignment]
    if keep_sql:
        driver.fetch = kept_fetch  # type: ignore[assignment]
    return calls, sent


async def stack_costs(database: Database, sent: list[Statements]) -> dict[str, list[float]]:
    """Milliseconds of each search's statements run again straight on the driver
    (aiosqlite, asyncpg or aiomysql, as the dialect compiles them), and of sessions
    running `SELECT 1`: what the database itself costs, and the session around it."""
    from sqlmodel import select

    from storage.search.driver import compiled, run

    costs: dict[str, list[float]] = {"sql": [], "select_1": []}
    dialect = database.engine.dialect
    async with database.engine.connect() as connection:
        driver = (await connection.get_raw_connection()).driver_connection
        for statements in sent:
            ready = []
            for sql, params in statements:
                statement, names = compiled(dialect, sql)
                ready.append((statement, tuple(params[name] for name in names)))
            started = time.perf_counter()
            for statement, values in ready:
                await run(driver, dialect.name, statement, values)
            costs["sql"].append((time.perf_counter() - started) * 1000)
    for _ in range(len(sent)):
        started = time.perf_counter()
        async with database.sessions() as session:
            (await session.exec(select(1))).one()
        costs["select_1"].append((time.perf_counter() - started) * 1000)
    return costs


def time_answers() -> list[float]:
    """Milliseconds from each INTERACTION_CREATE that discord.py parses to its answer handed
    to the HTTP client: the time the interaction spends inside the bot. Installed before
    the client is made, whose state binds its parsers when made."""
    from discord.state import ConnectionState
    from discord.webhook.async_ import AsyncWebhookAdapter

    arrived: dict[int, float] = {}
    answers: list[float] = []
    parse, respond = (
        ConnectionState.parse_interaction_create,
        AsyncWebhookAdapter.create_interaction_response,
    )

    def timed_parse(state: ConnectionState, data: Any) -> None:
        arrived[int(data["id"])] = time.perf_counter()
        parse(state, data)

    def timed_respond(adapter: Any, interaction_id: int, *args: Any, **kwargs: Any) -> Any:
        started = arrived.pop(int(interaction_id), None)
        if started is not None:
            answers.append((time.perf_counter() - started) * 1000)
        return respond(adapter, interaction_id, *args, **kwargs)

    ConnectionState.parse_interaction_create = timed_parse  # type: ignore[method-assign]
    AsyncWebhookAdapter.create_interaction_response = timed_respond  # type: ignore[method-assign]
    return answers


def time_collections() -> list[tuple[int, float]]:
    """(generation, milliseconds) of every garbage collection from now on."""
    pauses: list[tuple[int, float]] = []
    started = 0.0

    def callback(phase: str, info: dict[str, int]) -> None:
        nonlocal started
        if phase == "start":
            started = time.perf_counter()
        else:
            pauses.append((info["generation"], (time.perf_counter() - started) * 1000))

    gc.callbacks.append(callback)
    return pauses


async def sample_lag(lags: Samples) -> None:
    """How much later than asked the event loop wakes a sleeper: the time any callback
    ready to run waits for the loop."""
    loop = asyncio.get_running_loop()
    while True:
        asked = loop.time() + LAG_EVERY
        await asyncio.sleep(LAG_EVERY)
        lags.append((time.monotonic(), (loop.time() - asked) * 1000))


def time_pool_waits(engine: AsyncEngine) -> Samples:
    """How long each checkout waited for a pooled connection (or made a new one)."""
    waits: Samples = []
    pool: Any = engine.sync_engine.pool
    get = pool._do_get

    def timed_get() -> Any:
        started = time.perf_counter()
        try:
            return get()
        finally:
            waits.append((time.monotonic(), (time.perf_counter() - started) * 1000))

    pool._do_get = timed_get
    return waits


def memory_mb() -> dict[str, float]:
    """Resident now, and the peak (high-water mark) of this process, in MB."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024
    # ru_maxrss is in KiB on Linux: the same peak where /proc is missing.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"rss": fields.get("VmRSS", float("nan")), "peak": fields.get("VmHWM", peak)}


async def run(kind: str) -> None:
    calls: list[dict[str, float]] = []
    sent: list[Statements] = []
    lags: Samples = []
    pool_waits: Samples = []
    real: PartnerBot | None = None
    client: discord.Client
    answers = time_answers()
    if kind == "real":
        client = real = await _real_bot()
        calls, sent = time_searches(STACK_COSTS)
        if PROBES:
            pool_waits = time_pool_waits(real.database.engine)
    else:
        point_discord_py_at(os.environ["DISCORD_API_BASE_URL"], os.environ["DISCORD_GATEWAY_URL"])
        client = BareBot()
    await client.login(os.environ["DISCORD_TOKEN"])  # runs setup_hook: commands synced
    task = asyncio.create_task(client.connect())
    await client.wait_until_ready()
    pauses = time_collections()
    lagging = asyncio.create_task(sample_lag(lags)) if PROBES else None
    print(f"ready {memory_mb()['rss']:.1f}", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    gc.callbacks.clear()
    if lagging is not None:
        lagging.cancel()
    report: dict[str, Any] = {**memory_mb(), "calls": calls, "answers": answers, "gc": pauses}
    if PROBES:
        report |= {"lag": lags, "pool_waits": pool_waits}
    if real is not None and sent:  # after the peak was read: adds nothing to it
        report["stack"] = await stack_costs(real.database, sent)
    await client.close()
    await asyncio.wait_for(task, timeout=10)
    if real is not None:
        await real.database.dispose()
    print(json.dumps(report), flush=True)


def main() -> None:
    kind = sys.argv[1] if len(sys.argv) == 2 else ""
    if kind not in ("real", "bare"):
        raise SystemExit("usage: _child.py real|bare")
    profile_to = os.environ.get("BENCH_PROFILE")
    if not profile_to:
        asyncio.run(run(kind))
        return
    profiler = cProfile.Profile()
    profiler.runcall(asyncio.run, run(kind))
    profiler.dump_stats(profile_to)


if __name__ == "__main__":
    main()
