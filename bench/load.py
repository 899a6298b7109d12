"""Load: volunteers at once searching, showing and proposing, against 100,000 entries.

    .venv/bin/python bench/load.py [--duration 60] [--volunteers 50] [--entries 100000]
        [--backend sqlite|postgresql|mariadb|both] [--think 0]  (both: SQLite, PostgreSQL)

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
received. Target: every interaction answered within Discord's 3 s deadline, without
errors or payloads Discord would refuse.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import random
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
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
from corpus import GUILD, generate, typoed_fragment

from bot.double import Channel, Interaction, Member, NoResponse, Response
from bot.double.interactions import AUTOCOMPLETE
from bot.i18n import t

DEADLINE_S = 3.0
ACTIONS, WEIGHTS = ["search", "show", "propose"], [60, 25, 15]
KINDS = [
    "search",
    "autocomplete",
    "show",
    "propose: command",
    "propose: modal submit",
    "propose: confirm",
]
LOCALES = ["en-US", "en-US", "en-US", "es-ES"]
# The bot's answers when something failed on its side: counted as errors.
ERROR_ANSWERS = {
    t(locale, key): key for locale in LOCALES for key in ("error-generic", "error-try-again")
}
SEARCHES, WARM_UP = 1_000, 10
# Before submitting the modal and pressing Confirm: far quicker than any person, yet not
# before the bot has read Discord's answer to its callback, which is when discord.py starts
# listening for that modal or button (sooner, the bot would never see the click).
FILL_IN_S, READ_S = 0.5, 0.3
TITLES = {"sqlite": "SQLite", "postgresql": "PostgreSQL", "mariadb": "MariaDB"}


class Unexpected(Exception):
    """The bot answered, but not as the step expects."""


@dataclass
class Tally:
    latencies: defaultdict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    proposals: list[float] = field(default_factory=list)  # a flow's 3 round trips, ms
    unanswered: Counter[str] = field(default_factory=Counter)  # nothing Discord took within 3 s
    errors: Counter[str] = field(default_factory=Counter)


class Volunteer:
    """One member, doing one thing after another as a person would, only faster."""

    def __init__(
        self,
        scene: Scene,
        member: Member,
        number: int,
        sample: list[dict[str, Any]],
        searches: list[Request],
        tally: Tally,
    ) -> None:
        self.double, self.channel = scene.double, scene.channel
        self.member, self.number, self.sample, self.searches = member, number, sample, searches
        self.rng, self.tally = random.Random(number), tally
        self.proposed = 0

    async def run(self, until: float, think: float) -> None:
        loop = asyncio.get_running_loop()
        while loop.time() < until:
            action = self.rng.choices(ACTIONS, WEIGHTS)[0]
            try:
                await getattr(self, action)()
            except NoResponse:
                pass  # counted in `unanswered` where it happened
            except Unexpected as error:
                self.tally.errors[str(error)] += 1
            except Exception as error:
                self.tally.errors[f"{action}: {type(error).__name__}: {error}"[:160]] += 1
            if think:
                await asyncio.sleep(self.rng.expovariate(1 / think))

    async def answer(self, kind: str, ix: Interaction, callback: int) -> Response:
        """The first callback, timed; it must be of type `callback` and no error answer."""
        try:
            response = await ix.response()
        except NoResponse:
            self.tally.unanswered[kind] += 1
            raise
        assert ix.latency is not None
        self.tally.latencies[kind].append(ix.latency * 1000)
        error = ERROR_ANSWERS.get(response.message.content) if response.message else None
        if error:
            raise Unexpected(f"{kind}: the bot's {error} answer")
        if response.type != callback:
            raise Unexpected(f"{kind}: callback type {response.type}, expected {callback}")
        return response

    async def search(self) -> None:
        _, options = self.rng.choice(self.searches)
        ix = await self.double.slash(
            self.member, "partnership search", options, channel=self.channel
        )
        await self.answer("search", ix, 4)

    async def autocomplete(self, typed: str) -> list[dict[str, Any]]:
        try:
            choices = await self.double.autocomplete(
                self.member,
                "partnership show",
                {"entry": typed},
                focused="entry",
                channel=self.channel,
            )
        except NoResponse:
            self.tally.unanswered["autocomplete"] += 1
            raise
        # The double hands back the choices only: its record of this member's latest one.
        ix = next(
            ix
            for ix in reversed(self.double.interactions.values())
            if ix.type == AUTOCOMPLETE and ix.user.id == self.member.id
        )
        assert ix.latency is not None
        self.tally.latencies["autocomplete"].append(ix.latency * 1000)
        return choices

    async def show(self) -> None:
        name = self.rng.choice(self.sample)["name"]
        typed = [name[: self.rng.randint(2, 4)]]
        if self.rng.random() < 0.7:
            typed.append(name[: self.rng.randint(6, 14)])
        else:
            typed.append(typoed_fragment(self.rng, name, self.rng.randint(1, 2)))
        for text in typed:
            choices = await self.autocomplete(text)
        picked = next((c for c in choices if c["name"] == name), choices[0] if choices else None)
        entry = picked["value"] if picked else name  # nothing offered: the name typed in full
        ix = await self.double.slash(
            self.member, "partnership show", {"entry": entry}, channel=self.channel
        )
        await self.answer("show", ix, 4)

    async def propose(self) -> None:
        row = next(generate(self.rng, GUILD, 1))
        self.proposed += 1
        suffix = f" {self.number}-{self.proposed}"
        options = {"kind": row["kind"], "area": row["area"], "steward": row["steward"]}
        if row["chapter_name"]:
            options["chapter"] = row["chapter_name"]
        command = await self.double.slash(
            self.member, "partnership propose", options, channel=self.channel
        )
        await self.answer("propose: command", command, 9)
        locale = self.member.user.locale
        values = {
            t(locale, "field-name"): row["name"][: 100 - len(suffix)].rstrip() + suffix,
            t(locale, "field-partners"): row["partners"],
            t(locale, "field-summary"): row["summary"],
        }
        if row["success_measures"]:
            values[t(locale, "field-success_measures")] = row["success_measures"]
        await asyncio.sleep(FILL_IN_S)
        submitted = await self.double.submit_modal(self.member, command, values)
        confirmation = (await self.answer("propose: modal submit", submitted, 4)).message
        if confirmation is None or not confirmation.components:
            raise Unexpected("no confirm button after the modal")
        confirm_id = confirmation.components[0]["components"][0]["custom_id"]
        await asyncio.sleep(READ_S)
        done = await self.double.click(self.member, confirmation, confirm_id)
        await self.answer("propose: confirm", done, 7)
        steps = (command, submitted, done)
        self.tally.proposals.append(sum(ix.latency or 0.0 for ix in steps) * 1000)


async def volunteers(
    scene: Scene, sample: list[dict[str, Any]], count: int, tally: Tally
) -> tuple[list[Volunteer], Channel]:
    """`count` volunteers in the guild, and the review channel a moderator set."""
    guild = scene.channel.guild
    assert guild is not None
    review = guild.add_text_channel("review")
    moderator = guild.add_moderator("Moderator")
    ix = await scene.double.slash(moderator, "settings review-channel", {"channel": review})
    answer = (await ix.response()).message
    if answer is None or answer.content in ERROR_ANSWERS:
        raise RuntimeError("the moderator could not set the review channel")
    searches = search_requests(random.Random(7), sample, SEARCHES)
    crowd = [
        Volunteer(
            scene,
            guild.add_member(f"Volunteer {n:02d}", locale=LOCALES[n % len(LOCALES)]),
            n,
            sample,
            searches,
            tally,
        )
        for n in range(count)
    ]
    return crowd, review


async def settle(scene: Scene, review: Channel, proposals: int) -> int:
    """Let the bot finish what follows its answers (review posts, the pager's read of
    @original) before it is stopped; returns how many proposals it posted for review."""
    double = scene.double
    with contextlib.suppress(TimeoutError):
        await double.world.changed.wait_for(
            lambda: len(double.messages(review)) >= proposals or None, 10, "the review posts"
        )
    seen = -1
    while seen != len(double.requests):  # until a quiet moment: no request for 0.2 s
        seen = len(double.requests)
        await asyncio.sleep(0.2)
    return len(double.messages(review))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Run:
    tally: Tally
    seconds: float
    bot_cpu: float
    own_cpu: float
    load_average: tuple[float, float]
    scene: Scene
    posted: int  # proposals the bot posted for review
    logged: list[str] = field(default_factory=list)  # the bot's standard error


async def drive(scene: Scene, sample: list[dict[str, Any]], args: argparse.Namespace) -> Run:
    """The volunteers at work on the bot for `args.duration` seconds."""
    assert scene.process is not None
    tally = Tally()
    crowd, review = await volunteers(scene, sample, args.volunteers, tally)
    warm = Volunteer(scene, crowd[0].member, -1, sample, crowd[0].searches, Tally())
    for _ in range(WARM_UP):  # not timed: the first queries fill the caches
        await warm.search()
        await warm.show()
    before = cpu_seconds(scene.process.pid), time.process_time(), os.getloadavg()[0]
    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.gather(*(v.run(started + args.duration, args.think) for v in crowd))
    seconds = loop.time() - started
    bot_cpu = cpu_seconds(scene.process.pid) - before[0]
    own_cpu = time.process_time() - before[1]
    load_average = (before[2], os.getloadavg()[0])
    posted = await settle(scene, review, len(tally.proposals))
    return Run(tally, seconds, bot_cpu, own_cpu, load_average, scene, posted)


async def load(backend: str, args: argparse.Namespace) -> Run:
    with tempfile.TemporaryFile() as log:
        async with filled_database(backend, args.entries) as (url, sample):
            scene = await start_scene("real", url, log=log)
            try:
                run = await drive(scene, sample, args)
            finally:
                await stop_scene(scene)  # the bot's report, peak RSS included
        log.seek(0)
        run.logged = log.read().decode(errors="replace").splitlines()
    return run


def row(name: str, values: list[float], late: int = 0) -> None:
    figures = " ".join(f"{figure:8.1f}" for figure in summary(values)) if values else ""
    print(f"    {name:28s} {len(values) + late:6d} {late:5d} {figures}")


def report(run: Run) -> bool:
    tally, scene = run.tally, run.scene
    answered = sum(len(tally.latencies[kind]) for kind in KINDS)
    late = sum(tally.unanswered.values())
    print(
        f"  interactions: {answered + late:,} in {run.seconds:.1f} s, "
        f"{answered / run.seconds:.1f} answered a second; proposals completed: "
        f"{len(tally.proposals):,} (posted for review: {run.posted:,})"
    )
    print("  round trip, ms")
    print(f"    {'':28s} {'n':>6s} {'>3 s':>5s} {'p50':>8s} {'p95':>8s} {'p99':>8s} {'max':>8s}")
    for kind in KINDS:
        row(kind, tally.latencies[kind], tally.unanswered[kind])
    row("all interactions", [ms for kind in KINDS for ms in tally.latencies[kind]], late)
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
    share = 100 / run.seconds
    print(
        f"  CPU during the run: bot {run.bot_cpu:.1f} s ({run.bot_cpu * share:.0f}% of a core), "
        f"volunteers + double {run.own_cpu:.1f} s ({run.own_cpu * share:.0f}%); "
        f"load average {run.load_average[0]:.1f} -> {run.load_average[1]:.1f}"
    )
    peak = scene.report.get("peak", float("nan"))
    print(f"  bot RSS, MB: {scene.ready_mb:.1f} once ready -> {peak:.1f} peak")
    ok = not late and not deadline
    clean = not tally.errors and not others and run.posted == len(tally.proposals)
    print(f"  {'PASS' if ok else 'FAIL'}  every interaction answered within {DEADLINE_S:g} s")
    print(f"  {'PASS' if clean else 'FAIL'}  no errors, no refused payloads, all proposals posted")
    return ok and clean


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per backend")
    parser.add_argument("--volunteers", type=int, default=50)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--backend", choices=[*TITLES, "both"], default="both")
    parser.add_argument(
        "--think", type=float, default=0.0, help="mean pause between interactions, s"
    )
    args = parser.parse_args()
    # The double warns of each late answer; the report counts them.
    logging.getLogger("bot.double").setLevel(logging.ERROR)
    for line in machine():
        print(line)
    pause = f"pauses of {args.think:g} s on average" if args.think else "no pause"
    print(
        f"{args.volunteers} volunteers, {args.duration:g} s, {pause}; the bot in its own "
        "process, the volunteers and the Discord double in this one"
    )
    ok = True
    for backend in ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]:
        print(f"\n{TITLES[backend]}")
        ok &= report(await load(backend, args))
    print("\nRESULT:", "ALL PASS" if ok else "SOME FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
