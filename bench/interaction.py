"""Interaction round trip and memory: `/partnership search` against a bare discord.py bot.

    .venv/bin/python bench/interaction.py [--entries 100000] [--requests 300]
        [--backend sqlite|postgresql|mariadb] [--quick] [--profile FILE]

The parent process fills a fresh database (bench/search.py's generator), runs two
Discord doubles and starts each bot in a process of its own (bench/_child.py): the
real bot on the filled database, and a bare discord.py client answering `/ping`
(the floor). It then sends, alternately, a search and a ping, and takes each round
trip from the double: INTERACTION_CREATE written to the first callback received.
Each child reports its own peak RSS, so neither counts the double nor the filler, and
the time each interaction spent inside it (parsed to answer sent); the real bot then
runs each search's statements again straight on the driver.

Targets (issue #17; ratios within one run, since machines differ):
- the search round trip within 4x of the floor's median and 6x of its p99 on SQLite, no
  kind of query over 6x the floor's median; within 6x and 8x on PostgreSQL;
- the time inside the bot per search within 1.5x of its statements on the driver alone
  (medians): the ORM, the session and the rendering cost at most half of what the
  database itself does (SQLite and PostgreSQL).
MariaDB's figures are printed with no target; so is RSS beside the bare bot's.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import random
import sys
import time
from typing import Any

# bench/ is not a package: run as a script, its siblings import by their own names.
from common import (
    Request,
    Scene,
    filled_database,
    machine,
    search_requests,
    start_scene,
    stop_scene,
    summary,
)

from bot.double import DiscordDouble

# (median, p99) of the search round trip over the floor's; None: no target (MariaDB).
ROUND_TRIP = {"sqlite": (4.0, 6.0), "postgresql": (6.0, 8.0), "mariadb": None}
KIND_MEDIAN = {"sqlite": 6.0}  # each kind of query's median over the floor's
INSIDE_OVER_SQL = {"sqlite": 1.5, "postgresql": 1.5}  # inside the bot over the SQL alone
QUICK_ENTRIES, QUICK_REQUESTS = 2_000, 30


# --- the requests --------------------------------------------------------------------------


async def round_trip(scene: Scene, command: str, options: dict[str, Any]) -> float:
    """Milliseconds from INTERACTION_CREATE written to the first callback received."""
    double = scene.double
    ix = await double.slash(scene.member, command, options, channel=scene.channel)
    await ix.response()
    assert ix.latency is not None
    return ix.latency * 1000


async def measure(real: Scene, bare: Scene, searches: list[Request], warmup: int) -> dict:
    """Alternate search and ping, so that drift on the machine weighs on both alike."""
    timings: dict[str, list[float]] = {"search": [], "floor": []}
    by_kind: dict[str, list[float]] = {}
    for i, (kind, options) in enumerate(searches[:warmup] + searches):
        search_ms = await round_trip(real, "partnership search", options)
        floor_ms = await round_trip(bare, "ping", {})
        if i >= warmup:
            timings["search"].append(search_ms)
            timings["floor"].append(floor_ms)
            by_kind.setdefault(kind, []).append(search_ms)
    return {"timings": timings, "by_kind": by_kind, "warmup": warmup}


# --- the report ----------------------------------------------------------------------------


def row(name: str, values: list[float], indent: int = 2, floor: float | None = None) -> None:
    """Median, p95, p99 and max; and the median over the floor's, if given."""
    if not values:
        return
    figures = " ".join(f"{figure:8.2f}" for figure in summary(values))
    ratio = f"  {summary(values)[0] / floor:10.2f}x" if floor else ""
    print(f"{' ' * indent}{name:{30 - indent}s} {figures}{ratio}")


def callback_check_ms(double: DiscordDouble) -> float:
    """The double's own share of a round trip: checking callback bodies against OpenAPI."""
    template = "/interactions/{interaction_id}/{interaction_token}/callback"
    bodies = [r.body for r in double.requests if r.route == template]
    started = time.perf_counter()
    for body in bodies:
        double.openapi.problems("POST", template, body)
    return (time.perf_counter() - started) * 1000 / max(1, len(bodies))


def gc_line(name: str, scene: Scene) -> str:
    pauses = scene.report.get("gc", [])
    full = [ms for generation, ms in pauses if generation == 2]
    longest = max((ms for _, ms in pauses), default=0.0)
    return f"{name} {len(pauses)} collections ({len(full)} full), longest {longest:.1f} ms"


def ratio_check(name: str, ratio: float, target: float | None) -> tuple[str, bool | None]:
    """A line of the verdict, and whether it passes (None: no target)."""
    if target is None:
        return f"{name} {ratio:.2f}x (no target)", None
    return f"{name} {ratio:.2f}x (target <= {target:g}x)", ratio <= target


def report(result: dict, real: Scene, bare: Scene, backend: str) -> bool:
    timings, by_kind, warmup = result["timings"], result["by_kind"], result["warmup"]
    floor = summary(timings["floor"])
    print(f"\nround trip, ms ({len(timings['search'])} of each after {warmup} warm-up)")
    print(f"  {'':28s} {'median':>8s} {'p95':>8s} {'p99':>8s} {'max':>8s}  median/floor")
    row("search (real bot)", timings["search"], floor=floor[0])
    row("floor (bare bot, /ping)", timings["floor"])
    for kind, values in by_kind.items():
        row(f"search: {kind}", values, indent=4, floor=floor[0])
    inside = real.report.get("answers", [])[warmup:]
    calls = real.report.get("calls", [])[warmup:]
    sql = real.report.get("stack", {}).get("sql", [])[warmup:]
    print("  inside the bot (interaction parsed to answer sent), and within it:")
    row("search, real bot", inside, indent=4)
    row("/ping, bare bot", bare.report.get("answers", [])[warmup:], indent=4)
    if calls:
        row("search_entries()", [c["search"] for c in calls], indent=6)
        row("of which driver calls", [c["driver"] for c in calls if "driver" in c], indent=8)
        row("render.search_page()", [c["render"] for c in calls if "render" in c], indent=6)
    stack = real.report.get("stack", {})
    if stack:
        # What the database itself costs: the search's statements as the driver runs
        # them; and what a session of the ORM costs around a trivial statement.
        print("  the stack alone, after the run:")
        row("SQL on the driver alone", sql, indent=4)
        row("a session: SELECT 1", stack["select_1"][warmup:], indent=4)
    checked = callback_check_ms(real.double), callback_check_ms(bare.double)
    print(
        "  the double's OpenAPI check of a callback body (within the round trip): "
        f"search {checked[0]:.2f} ms, floor {checked[1]:.2f} ms"
    )
    print(f"  GC since ready: {gc_line('real bot', real)}; {gc_line('bare bot', bare)}")
    real_peak, bare_peak = real.report.get("peak", math.nan), bare.report.get("peak", math.nan)
    print("\nRSS, MB (each bot's own process): once ready -> peak (no target)")
    print(f"  real bot: {real.ready_mb:7.1f} -> {real_peak:7.1f}")
    print(f"  bare bot: {bare.ready_mb:7.1f} -> {bare_peak:7.1f}")
    ready, peak = real.ready_mb - bare.ready_mb, real_peak - bare_peak
    print(f"  real over bare: once ready {ready:+.1f}, peak {peak:+.1f}")
    search = summary(timings["search"])
    targets = ROUND_TRIP[backend] or (None, None)
    checks = [
        ratio_check("search/floor median ", search[0] / floor[0], targets[0]),
        ratio_check("search/floor p99    ", search[2] / floor[2], targets[1]),
    ]
    worst = max(by_kind, key=lambda kind: summary(by_kind[kind])[0])
    checks.append(
        ratio_check(
            f"slowest kind/floor median ({worst})",
            summary(by_kind[worst])[0] / floor[0],
            KIND_MEDIAN.get(backend),
        )
    )
    if inside and sql:
        checks.append(
            ratio_check(
                "inside the bot/SQL on the driver, median",
                summary(inside)[0] / summary(sql)[0],
                INSIDE_OVER_SQL.get(backend),
            )
        )
    print()
    for text, ok in checks:
        print(f"  {'----' if ok is None else 'PASS' if ok else 'FAIL'}  {text}")
    return all(ok is not False for _, ok in checks)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300, help="timed searches (and pings)")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "mariadb"], default="sqlite")
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK_ENTRIES:,} entries, {QUICK_REQUESTS} requests"
    )
    parser.add_argument("--profile", metavar="FILE", help="cProfile the real bot's process")
    args = parser.parse_args()
    if args.quick:
        args.entries, args.requests = QUICK_ENTRIES, QUICK_REQUESTS
    for line in machine():
        print(line)
    warmup = min(30, max(5, args.requests // 5))
    async with filled_database(args.backend, args.entries) as (url, sample):
        searches = search_requests(random.Random(7), sample, args.requests)
        async with contextlib.AsyncExitStack() as stack:
            # One after the other: on a small machine, two start-ups at once slow both.
            bare = await start_scene("bare")
            stack.push_async_callback(stop_scene, bare)
            real = await start_scene("real", url, args.profile, stack_costs=True)
            stack.push_async_callback(stop_scene, real)
            result = await measure(real, bare, searches, warmup)
    violations = real.violations + bare.violations
    if violations:
        raise AssertionError("a bot broke Discord's rules:\n  " + "\n  ".join(violations))
    ok = report(result, real, bare, args.backend)
    verdict = "ALL PASS" if ok else "SOME FAIL"
    print("\nRESULT:", verdict if ROUND_TRIP[args.backend] else "NO TARGETS (figures only)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
