"""Catch-up after a day of downtime: 10,000 reminders due in 200 channels.

    .venv/bin/python bench/catchup.py [--reminders 10000] [--channels 200]
        [--entries 5000] [--volunteers 4] [--profile FILE] [--quick]

A fresh SQLite database holds `--entries` entries (to search) and, in each of
`--channels` guilds, milestones that fell due over the past day (23 hours of it)
while the bot was down (one reminder each, pinging one of five coordinators). The
real bot then starts in a process of its own (bench/_child.py) against a Discord
double that enforces Discord's per-channel limit (5 messages per 5 s; past it, 429
as Discord answers), and catches up, while volunteers in another guild search back
to back (a pause of THINK_S between).

Prints how long the catch-up took against the floor the limit imposes on the slowest
channel (ceil(messages / 5) windows of 5 s), the messages and 429s, the reminders
delivered (each exactly once: counted from the messages' buttons and menus, and from
the database), and the volunteers' round trips (the double's: INTERACTION_CREATE
written to the first callback). Targets: every reminder once, 0 429s, every
interaction answered within 3 s. `--profile FILE`: cProfile statistics of the bot's
process (main thread), to see where the catch-up's time goes.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

# bench/ is not a package: run as a script, its siblings import by their own names.
from common import Scene, filled_database, machine, search_requests, start_scene, stop_scene
from common import summary as percentiles
from reminders import seed_guild
from sqlmodel import col, func, select

from bot.double import Channel, DiscordDouble, Member, MessageLimit, NoResponse
from bot.jobs.pacing import MESSAGES_PER_WINDOW, POSTS_PER_SECOND, WINDOW_S
from bot.render.reminders import milestone_ids
from storage.db import Database
from storage.models import Reminder

DEADLINE_S = 3.0
THINK_S = 0.2
COORDINATORS = 5
# Due over the day, but for its first hour: a milestone's first overdue reminder comes
# 24 hours after its due one, and would fall due again during the run.
DOWNTIME = timedelta(hours=23)
POSTS = "/channels/{channel_id}/messages"


async def seed(
    url: str, channels: list[Channel], coordinators: dict[int, list[Member]], count: int
) -> datetime:
    """`count` milestones spread over the channels' guilds, due over the past DOWNTIME;
    returns its end."""
    now = datetime.now(UTC)
    database = Database(url)
    try:
        for index, channel in enumerate(channels):
            assert channel.guild is not None
            async with database.transaction() as session:
                await seed_guild(
                    session,
                    guild_id=channel.guild.id,
                    channel_id=channel.id,
                    dues=[
                        now - DOWNTIME * (1 - n / count) for n in range(index, count, len(channels))
                    ],
                    coordinators=[m.id for m in coordinators[channel.guild.id]],
                    now=now - DOWNTIME - timedelta(minutes=1),  # before the bot went down
                )
    finally:
        await database.dispose()
    return now


async def delivered_rows(url: str, seeded_at: datetime) -> Counter[str]:
    """The states of the reminders that fell due during the downtime."""
    database = Database(url)
    try:
        async with database.sessions() as session:
            rows = await session.exec(
                select(Reminder.state, func.count())
                .where(col(Reminder.fire_at) <= seeded_at)
                .group_by(col(Reminder.state))
            )
            return Counter({str(state): n for state, n in rows.all()})
    finally:
        await database.dispose()


class Volunteers:
    """Members of the entries' guild searching, one after another, until told to stop."""

    def __init__(self, scene: Scene, count: int, sample: list[dict]) -> None:
        guild = scene.channel.guild
        assert guild is not None
        self.scene = scene
        self.members = [guild.add_member(f"Volunteer {n}") for n in range(count)]
        self.searches = search_requests(random.Random(17), sample, 1_000)
        self.latencies: list[float] = []
        self.unanswered = 0
        self.stopping = asyncio.Event()

    async def run(self, member: Member, rng: random.Random) -> None:
        while not self.stopping.is_set():
            _, options = rng.choice(self.searches)
            ix = await self.scene.double.slash(
                member, "partnership search", options, channel=self.scene.channel
            )
            try:
                await ix.response()
            except NoResponse:
                self.unanswered += 1
            else:
                assert ix.latency is not None
                self.latencies.append(ix.latency)
            await asyncio.sleep(THINK_S)


async def wait_for_all(double: DiscordDouble, channels: list[Channel], count: int) -> None:
    """Until the reminder channels' messages carry `count` reminders (or 20 minutes)."""
    deadline = time.monotonic() + 1200
    while time.monotonic() < deadline:
        carried = sum(
            len(milestone_ids({"components": m.components}))
            for channel in channels
            for m in double.messages(channel)
        )
        if carried >= count:
            return
        await asyncio.sleep(0.25)


async def measure(
    reminders: int, channel_count: int, entry_count: int, volunteers: int, profile: str | None
) -> int:
    double = DiscordDouble(message_limit=MessageLimit(MESSAGES_PER_WINDOW, WINDOW_S))
    channels, coordinators = [], {}
    for n in range(channel_count):
        guild = double.add_guild(f"Chapter {n:03d}")
        channels.append(guild.add_text_channel("reminders"))
        coordinators[guild.id] = [guild.add_member(f"Coordinator {c}") for c in range(COORDINATORS)]
    async with filled_database("sqlite", entry_count) as (url, sample):
        started = time.monotonic()
        seeded_at = await seed(url, channels, coordinators, reminders)
        print(
            f"seeded {reminders:,} reminders due over the past day in {channel_count} "
            f"channels in {time.monotonic() - started:.1f} s; the bot starts now"
        )
        spawned = time.monotonic()
        scene = await start_scene("real", url, profile=profile, double=double)
        crowd = Volunteers(scene, volunteers, sample)
        searching = [
            asyncio.create_task(crowd.run(member, random.Random(n)))
            for n, member in enumerate(crowd.members)
        ]
        try:
            await wait_for_all(double, channels, reminders)
        finally:
            crowd.stopping.set()
            await asyncio.gather(*searching, return_exceptions=True)
            await stop_scene(scene)
        states = await delivered_rows(url, seeded_at)
    return report(scene, channels, crowd, states, reminders, spawned)


def report(
    scene: Scene,
    channels: list[Channel],
    crowd: Volunteers,
    states: Counter[str],
    reminders: int,
    spawned: float,
) -> int:
    double = scene.double
    ids = {channel.id: channel for channel in channels}
    posts = [r for r in double.requests if r.method == "POST" and r.route == POSTS]
    accepted = [r for r in posts if r.status == 200 and int(r.path.split("/")[-2]) in ids]
    per_channel = Counter(int(r.path.split("/")[-2]) for r in accepted)
    carried = Counter(
        m
        for channel in channels
        for message in double.messages(channel)
        for m in milestone_ids({"components": message.components})
    )
    assert double.message_limit is not None
    refused = len(double.message_limit.refused)
    slowest = max(per_channel.values(), default=0)
    floor = math.ceil(slowest / MESSAGES_PER_WINDOW) * WINDOW_S
    # Discord's global limit, 50 requests a second, bounds the whole: the bot keeps its
    # posts to POSTS_PER_SECOND, leaving the rest to its other requests.
    global_floor = len(accepted) / POSTS_PER_SECOND
    took = accepted[-1].at - accepted[0].at if accepted else math.nan
    overall = accepted[-1].at - spawned if accepted else math.nan
    crowded = _crowded_windows(accepted)
    for line in machine():
        print(line)
    print(
        f"load average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
        "the catch-up's own time is mostly the bot's CPU"
    )
    print(
        f"catch-up: {took:.1f} s from the first reminder message to the last "
        f"({overall:.1f} s from starting the bot's process)"
    )
    print(
        f"floor of the limit ({MESSAGES_PER_WINDOW} per {WINDOW_S:g} s per channel): the slowest "
        f"channel needs {slowest} messages, ceil({slowest}/{MESSAGES_PER_WINDOW}) x "
        f"{WINDOW_S:g} s = {floor:.0f} s; catch-up / floor: {took / floor:.2f}x"
    )
    strict = floor - WINDOW_S  # a channel's first MESSAGES_PER_WINDOW go at once
    if strict > 0:
        print(
            f"  strictly, (ceil({slowest}/{MESSAGES_PER_WINDOW}) - 1) x {WINDOW_S:g} s = "
            f"{strict:.0f} s: the first {MESSAGES_PER_WINDOW} go at once; catch-up / that: "
            f"{took / strict:.2f}x"
        )
    print(
        f"floor of the bot's global pace ({POSTS_PER_SECOND} posts a second, under Discord's "
        f"50 requests): {len(accepted)} messages, {global_floor:.1f} s; catch-up / the larger "
        f"floor: {took / max(floor, global_floor):.2f}x"
    )
    print(
        f"messages sent: {len(accepted)} ({len(accepted) / len(channels):.1f} a channel); "
        f"429s received: {refused} (target 0); windows over the limit: {crowded}"
    )
    duplicates = sum(carried.values()) - len(carried)
    sent_rows = states.get("sent", 0)
    print(
        f"reminders delivered: {len(carried):,} of {reminders:,}, duplicates: {duplicates} "
        f"(database: {sent_rows:,} sent, {states.get('pending', 0)} pending, "
        f"{states.get('sending', 0)} sending)"
    )
    round_trips = [seconds * 1000 for seconds in crowd.latencies]
    over = sum(1 for seconds in crowd.latencies if seconds > DEADLINE_S) + crowd.unanswered
    if round_trips:
        p50, _, p99, worst = percentiles(round_trips)
        print(
            f"volunteers' searches meanwhile: {len(round_trips)} answered, round trip ms p50 "
            f"{p50:.0f}, p99 {p99:.0f}, max {worst:.0f}; past 3 s or unanswered: {over} "
            "(target 0)"
        )
    if scene.violations:
        print(f"violations (Discord would have refused): {len(scene.violations)}")
        for violation in scene.violations[:5]:
            print(f"  {violation}")
    met = (
        len(carried) == reminders == sent_rows
        and duplicates == 0
        and refused == 0
        and crowded == 0
        and over == 0
        and not scene.violations
    )
    return 0 if met else 1


def _crowded_windows(accepted: list) -> int:
    """How many times a channel's accepted messages numbered more than the limit within one
    window (a sliding window: stricter than Discord's)."""
    times: dict[str, list[float]] = {}
    for record in accepted:
        times.setdefault(record.path, []).append(record.at)
    return sum(
        1
        for stamps in times.values()
        for early, late in zip(stamps, stamps[MESSAGES_PER_WINDOW:], strict=False)
        if late - early < WINDOW_S
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--channels", type=int, default=200)
    parser.add_argument("--entries", type=int, default=5_000, help="to search meanwhile")
    parser.add_argument("--volunteers", type=int, default=4)
    parser.add_argument("--profile", help="write the bot's cProfile statistics to this file")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.reminders, args.channels, args.entries = 1_000, 20, 1_000
    return asyncio.run(
        measure(args.reminders, args.channels, args.entries, args.volunteers, args.profile)
    )


if __name__ == "__main__":
    raise SystemExit(main())
