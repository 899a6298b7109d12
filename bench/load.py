"""Load: volunteers at once searching, showing and proposing, against 100,000 entries.

    .venv/bin/python bench/load.py [--duration 60] [--volunteers 50] [--entries 100000]
        [--backend sqlite|postgresql|mariadb|both|all] [--think 0] [--profile]
        [--ramp 50,100,150,200]      (both: SQLite, PostgreSQL; all, the default: and MariaDB)

Per backend, this process fills a fresh database (bench/search.py's generator) and
starts the real bot in a process of its own (bench/_child.py) against a Discord
double; the double and the volunteers share this process's event loop, the bot has
its own. Each volunteer, a member of the guild that holds the entries (every fourth
with a Spanish client), loops until the time is up: 60% `/partnership search` (common
and rare words, typo'd names, phrases, filters), 25% typing a name into `/partnership
show`'s autocomplete (twice, as a person types) and showing the chosen entry, 15%
`/partnership propose` (command -> modal -> submit -> confirm button, then the bot
posts it for review; FILL_IN_S and READ_S are the only pauses inside). With --think 0
(the default) nobody pauses otherwise: each volunteer sends the next interaction as soon
as the last was answered, the most they can ask at once.

A round trip is the double's: INTERACTION_CREATE written to the first callback
received. Targets: every interaction answered within Discord's 3 s deadline, without
errors or payloads Discord would refuse, every proposal posted for review or queued to post
at the review channel's pace (Discord: 5 posts a 5 s); the bot's
peak RSS under Toolforge's default job size (512 MiB); PostgreSQL answering at least as
many interactions a second as SQLite. Beside them, without a target: the bot's CPU per
interaction against the bare bot's (bench/_child.py) per `/ping` under the same crowd,
the bot's event-loop lag, its waits for a pooled connection, the database server's CPU.

With --ramp, each backend's bot meets a growing crowd, --duration seconds per step, and
the run reports where it saturates (the step at which p99 passes 1 s), with a py-spy
profile of the bot (pip install py-spy) at the last step; --profile profiles a plain run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import os
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# bench/ is not a package: run as a script, its siblings import by their own names.
import probes
import sqlalchemy as sa
from common import Scene, filled_database, machine, start_scene, stop_scene, summary
from crowd import (
    DEADLINE_S,
    KINDS,
    WARM_UP,
    Tally,
    Volunteer,
    review_channel,
    settle,
    volunteers,
)
from sqlalchemy.ext.asyncio import create_async_engine

from bot.double import NoResponse
from storage.models import Entry, Status

TITLES = {"sqlite": "SQLite", "postgresql": "PostgreSQL", "mariadb": "MariaDB"}
CHOSEN = {"both": ["sqlite", "postgresql"], "all": [*TITLES]}
JOB_MIB = 512  # Toolforge's default job size
SATURATED_MS = 1_000.0  # p99 past this: the bot no longer keeps up


@dataclass
class Step:
    """The crowd at work for one stretch of time, and what it cost."""

    volunteers: int
    tally: Tally
    started: float  # time.monotonic(), to cut the bot's own samples
    seconds: float
    bot_cpu: float
    own_cpu: float
    server_cpu: float
    load_average: tuple[float, float]
    bot_waited: float  # seconds its event loop was ready to run but had no CPU

    @property
    def answered(self) -> int:
        return sum(len(self.tally.latencies[kind]) for kind in [*KINDS, "ping"])

    @property
    def all_latencies(self) -> list[float]:
        return [ms for latencies in self.tally.latencies.values() for ms in latencies]

    def samples(self, report: dict[str, Any], name: str) -> list[float]:
        """The bot's samples (event-loop lag, pool waits) taken during this step."""
        return probes.between(report.get(name, []), self.started, self.started + self.seconds)


@dataclass
class Run:
    backend: str
    steps: list[Step]
    scene: Scene
    posted: int  # proposals posted for review: those confirmed too late count too
    queued: int = 0  # proposals left to post (Discord's 5 a 5 s in the review channel)
    logged: list[str] = field(default_factory=list)  # the bot's standard error
    profile: list[str] = field(default_factory=list)  # py-spy's summary


@contextlib.contextmanager
def young_collections_only() -> Iterator[None]:
    """This process is the Discord double that times the bot, and its heap grows with
    every interaction it keeps: full collections paused it for up to 1.8 s in a 60 s
    step (more, the longer the step), and the answers it read after a pause were judged
    late. While the crowd works, only the young generations are collected."""
    gc.collect()
    gc.freeze()
    thresholds = gc.get_threshold()
    gc.set_threshold(thresholds[0], thresholds[1], 1_000_000)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


async def step(
    scene: Scene, crowd: list[Volunteer], backend: str, args: argparse.Namespace, **run: Any
) -> Step:
    """`crowd` at work on the bot for `args.duration` seconds."""
    assert scene.process is not None
    pid, tally = scene.process.pid, Tally()
    for volunteer in crowd:
        volunteer.tally = tally
    with young_collections_only():
        before = probes.cpu_seconds(pid), time.process_time(), probes.server_cpu(backend)
        waited = probes.waited_for_cpu(pid)
        load_before, started = os.getloadavg()[0], time.monotonic()
        loop = asyncio.get_running_loop()
        until = loop.time() + args.duration
        await asyncio.gather(*(v.run(until, args.think, **run) for v in crowd))
        return Step(
            len(crowd),
            tally,
            started,
            time.monotonic() - started,
            probes.cpu_seconds(pid) - before[0],
            time.process_time() - before[1],
            probes.server_cpu(backend) - before[2],
            (load_before, os.getloadavg()[0]),
            probes.waited_for_cpu(pid) - waited,
        )


async def profiled(scene: Scene, running: asyncio.Future[Step], seconds: float) -> list[str]:
    """py-spy's summary of the bot while `running` runs (for `seconds`)."""
    assert scene.process is not None
    with tempfile.TemporaryDirectory() as folder:
        into = Path(folder) / "profile.txt"
        spy = await probes.record(scene.process.pid, seconds, into)
        if spy is None:
            return ["    (py-spy is not installed: pip install py-spy)"]
        _, errors = await spy.communicate()
        if not into.exists():
            return [f"    (py-spy failed: {errors.decode(errors='replace').strip()[-200:]})"]
        return probes.summarise(into)


async def load(backend: str, args: argparse.Namespace, sizes: list[int]) -> Run:
    """Per size of crowd, a step of `args.duration` s against one bot and database."""
    with tempfile.TemporaryFile() as log:
        async with filled_database(backend, args.entries) as (url, sample):
            scene = await start_scene("real", url, log=log, probes=True)
            run = Run(backend, [], scene, 0)
            started = datetime.now(UTC)
            try:
                review = await review_channel(scene)
                crowd = volunteers(scene, sample, max(sizes))
                warm = crowd[0]
                for _ in range(WARM_UP):  # not timed: the first queries fill the caches
                    with contextlib.suppress(NoResponse):
                        await warm.search()
                        await warm.show()
                for size in sizes:
                    working = asyncio.ensure_future(step(scene, crowd[:size], backend, args))
                    if size == sizes[-1] and (args.profile or args.ramp):
                        run.profile = await profiled(scene, working, args.duration)
                    run.steps.append(await working)
                proposals = sum(len(s.tally.proposals) for s in run.steps)
                run.posted = await settle(scene, review, proposals)
            finally:
                await stop_scene(scene)  # the bot's report, peak RSS included
            run.queued = await unposted_proposals(url, started)
        log.seek(0)
        run.logged = log.read().decode(errors="replace").splitlines()
    return run


async def unposted_proposals(url: str, since: datetime) -> int:
    """Proposals the bot holds to post for review: a review channel takes 5 posts a 5 s
    (Discord's limit, which the bot keeps), fewer than a crowd with no pause proposes."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return (
                await connection.scalar(
                    sa.select(sa.func.count()).where(
                        Entry.status == Status.PROPOSED,  # type: ignore[arg-type]
                        Entry.review_message_id.is_(None),  # type: ignore[union-attr]
                        Entry.created_at >= since,  # type: ignore[operator]
                    )
                )
                or 0
            )
    finally:
        await engine.dispose()


async def bare(args: argparse.Namespace) -> Step:
    """The bare bot answering `/ping` to the same crowd, pausing as it does."""
    scene = await start_scene("bare")
    try:
        crowd = volunteers(scene, [], args.volunteers)
        return await step(scene, crowd, "", args, actions=["ping"], weights=[1])
    finally:
        await stop_scene(scene)


def row(name: str, values: list[float], late: int = 0) -> None:
    figures = " ".join(f"{figure:8.1f}" for figure in summary(values)) if values else ""
    print(f"    {name:28s} {len(values) + late:6d} {late:5d} {figures}")


def verdict(ok: bool, text: str) -> bool:
    print(f"  {'PASS' if ok else 'FAIL'}  {text}")
    return ok


def percentiles(values: list[float]) -> str:
    """`p50 / p99 / max` in ms, or a dash."""
    if not values:
        return "-"
    median, _, p99, most = summary(values)
    return f"{median:.1f} / {p99:.1f} / {most:.1f}"


def costs(run: Run, done: Step, floor: Step | None) -> None:
    """CPU per interaction (against the bare bot's per /ping), the event loop, the pool,
    the database server."""
    share, report = 100 / done.seconds, run.scene.report
    print(
        f"  CPU during the run: bot {done.bot_cpu:.1f} s ({done.bot_cpu * share:.0f}% of a "
        f"core), volunteers + double {done.own_cpu:.1f} s ({done.own_cpu * share:.0f}%); "
        f"load average {done.load_average[0]:.1f} -> {done.load_average[1]:.1f}"
    )
    per = 1000 * done.bot_cpu / max(done.answered, 1)
    line = f"  bot CPU per interaction: {per:.2f} ms"
    if floor is not None:
        bare = 1000 * floor.bot_cpu / max(floor.answered, 1)
        line += (
            f"; the bare bot's per /ping under the same crowd: {bare:.2f} ms "
            f"({floor.answered / floor.seconds:.0f} a second): {per / bare:.1f}x"
        )
    print(line)
    if run.backend in probes.SERVER_COMMANDS:
        print(
            f"  {TITLES[run.backend]} server CPU (all its clients): {done.server_cpu:.1f} s "
            f"({done.server_cpu * share:.0f}% of a core), "
            f"{1000 * done.server_cpu / max(done.answered, 1):.2f} ms per interaction"
        )
    lags, waits = done.samples(report, "lag"), done.samples(report, "pool_waits")
    print(
        f"  the bot's event-loop lag, ms (p50 / p99 / max): {percentiles(lags)}; its loop "
        f"waited for a CPU {done.bot_waited:.1f} s ({done.bot_waited * share:.0f}% of the run)"
    )
    slow = sum(ms > 100 for ms in waits)
    print(
        f"  waits for a pooled connection: {len(waits):,}, ms (p50 / p99 / max) "
        f"{percentiles(waits)}; {slow} over 100 ms"
    )


def report(run: Run, floor: Step | None) -> bool:
    (done,) = run.steps
    tally, scene = done.tally, run.scene
    answered, late = done.answered, sum(tally.unanswered.values())
    print(
        f"  interactions: {answered + late:,} in {done.seconds:.1f} s, "
        f"{answered / done.seconds:.1f} answered a second; proposals completed: "
        f"{len(tally.proposals):,} (posted for review: {run.posted:,}; the rest queued "
        f"for the review channel, at Discord's 5 posts a 5 s: {run.queued:,})"
    )
    print("  round trip, ms")
    print(f"    {'':28s} {'n':>6s} {'>3 s':>5s} {'p50':>8s} {'p95':>8s} {'p99':>8s} {'max':>8s}")
    for kind in KINDS:
        row(kind, tally.latencies[kind], tally.unanswered[kind])
    row("all interactions", done.all_latencies, late)
    row("proposal (its 3 together)", tally.proposals)
    searches = [call["search"] for call in scene.report.get("calls", [])[WARM_UP:]]
    if searches:
        row("search_entries(), in the bot", searches)
    deadline = [v for v in scene.violations if "deadline" in v]
    others = [v for v in scene.violations if "deadline" not in v]
    print(
        f"  answers later than {DEADLINE_S:g} s or none: {late} "
        f"(late answers the double refused: {len(deadline)})"
    )
    print(f"  errors: {sum(tally.errors.values())}")
    for text, count in tally.errors.most_common(5):
        print(f"    {count:5d}  {text}")
    print(f"  payloads Discord would refuse: {len(others)}")
    for text in others[:5]:
        print(f"    {text}")
    # Its log's first lines, ids and figures masked so that alike lines count together.
    heads = Counter(
        re.sub(r"\d+", "N", line)[:100]
        for line in run.logged
        if line[:1].isalpha() and not line.startswith(("Traceback", "During handling"))
    )
    print(f"  the bot's log: {len(run.logged)} lines")
    for text, count in heads.most_common(4):
        print(f"    {count:5d}  {text}")
    costs(run, done, floor)
    if run.profile:
        print("  py-spy profile of the bot:")
        print("\n".join(run.profile))
    peak = scene.report.get("peak", float("nan"))
    print(f"  bot RSS, MiB: {scene.ready_mb:.1f} once ready -> {peak:.1f} peak")
    return all(
        [
            verdict(
                not late and not deadline, f"every interaction answered within {DEADLINE_S:g} s"
            ),
            verdict(
                not tally.errors and not others and run.posted + run.queued >= len(tally.proposals),
                "no errors, no refused payloads, every proposal posted or queued to post",
            ),
            verdict(
                peak < JOB_MIB, f"peak RSS {peak:.0f} MiB, under {JOB_MIB} MiB (Toolforge's job)"
            ),
        ]
    )


def report_ramp(run: Run) -> None:
    """A line per step, and the step at which p99 passes SATURATED_MS."""
    report = run.scene.report
    print(
        f"    {'crowd':>5s} {'answered/s':>10s} {'p50 ms':>8s} {'p99 ms':>8s} {'>3 s':>5s} "
        f"{'errors':>6s} {'bot CPU':>8s} {'no CPU':>7s} {'db CPU':>7s} {'lag p99':>8s} "
        f"{'pool p99':>8s}"
    )
    saturated: Step | None = None
    for done in run.steps:
        latencies, share = done.all_latencies, 100 / done.seconds
        median, _, p99, _ = summary(latencies) if latencies else (0.0,) * 4
        lags, waits = done.samples(report, "lag"), done.samples(report, "pool_waits")
        lag99 = summary(lags)[2] if lags else 0.0
        wait99 = summary(waits)[2] if waits else 0.0
        db = f"{done.server_cpu * share:6.0f}%" if run.backend != "sqlite" else f"{'-':>7s}"
        print(
            f"    {done.volunteers:5d} {done.answered / done.seconds:10.1f} {median:8.1f} "
            f"{p99:8.1f} {sum(done.tally.unanswered.values()):5d} "
            f"{sum(done.tally.errors.values()):6d} {done.bot_cpu * share:7.0f}% "
            f"{done.bot_waited * share:6.0f}% {db} "
            f"{lag99:8.1f} {wait99:8.1f}"
        )
        if saturated is None and p99 > SATURATED_MS:
            saturated = done
    if saturated is None:
        top = run.steps[-1]
        print(
            f"  p99 stays under {SATURATED_MS:g} ms up to {top.volunteers} volunteers "
            f"({top.answered / top.seconds:.0f} interactions a second)"
        )
    else:
        print(
            f"  saturated: p99 passes {SATURATED_MS:g} ms at {saturated.volunteers} volunteers, "
            f"{saturated.answered / saturated.seconds:.0f} interactions a second"
        )
    peak = report.get("peak", float("nan"))
    print(f"  bot RSS, MiB: {run.scene.ready_mb:.1f} once ready -> {peak:.1f} peak")
    print(f"  py-spy profile of the bot at {run.steps[-1].volunteers} volunteers:")
    print("\n".join(run.profile))


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per run or step")
    parser.add_argument("--volunteers", type=int, default=50)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--backend", choices=[*TITLES, *CHOSEN], default="all")
    parser.add_argument(
        "--think", type=float, default=0.0, help="mean pause between interactions, s"
    )
    parser.add_argument("--profile", action="store_true", help="profile the bot with py-spy")
    parser.add_argument("--ramp", help="crowd sizes, one step each: e.g. 50,100,150,200")
    args = parser.parse_args()
    # The double warns of each late answer; the report counts them.
    logging.getLogger("bot.double").setLevel(logging.ERROR)
    for line in machine():
        print(line)
    sizes = [int(size) for size in args.ramp.split(",")] if args.ramp else [args.volunteers]
    pause = f"pauses of {args.think:g} s on average" if args.think else "no pause"
    print(
        f"{', '.join(map(str, sizes))} volunteers, {args.duration:g} s"
        f"{' each' if args.ramp else ''}, {pause}; the bot in its own process, the "
        "volunteers and the Discord double in this one"
    )
    floor = None
    if not args.ramp:
        floor = await bare(args)
        print(
            f"\nThe bare bot, /ping: {floor.answered / floor.seconds:.0f} answered a second, "
            f"p50 / p99 / max {percentiles(floor.all_latencies)} ms, CPU {floor.bot_cpu:.1f} s"
        )
    ok, rates = True, {}
    for backend in CHOSEN.get(args.backend, [args.backend]):
        print(f"\n{TITLES[backend]}")
        run = await load(backend, args, sizes)
        if args.ramp:
            report_ramp(run)
            continue
        ok &= report(run, floor)
        rates[backend] = run.steps[0].answered / run.steps[0].seconds
    if "sqlite" in rates and "postgresql" in rates:
        print()
        ok &= verdict(
            rates["postgresql"] >= rates["sqlite"],
            f"PostgreSQL {rates['postgresql']:.1f} interactions a second, at least SQLite's "
            f"{rates['sqlite']:.1f}",
        )
    print("\nRESULT:", "ALL PASS" if ok else "SOME FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
