"""Process faults: `kill -9` at random moments, two bot processes on one PostgreSQL or MariaDB.

Two `partnerbot run` processes, shards 0 and 1 of 2, serve four guilds through the
Discord double. In every guild a volunteer proposes, a moderator approves or rejects,
and a coordinator marks reminders done or snoozes them and adds milestones, while
milestones seeded before the start fall due and each guild's weekly digest comes
round: both processes run the reminder and digest dispatchers on the one database.
Meanwhile each process is killed with SIGKILL ten times, at seeded random moments
(mostly while serving, some while starting), and started again.

Afterwards, both up: every action the bot answered is stored, with its audit event;
nothing is half-written; every reminder that fell due was posted exactly once (as
the channel shows it: the double drops a repeated nonce as Discord does), and so was
every digest; the bot sent Discord nothing it would have refused, and logged no
unhandled error. The Discord effects that follow an answer are lost when the process
dies just after answering (see `kill_checks`): the run prints how many.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.double import DiscordDouble
from storage import transfer
from storage.db import Database
from storage.services import digest, entries, milestones, settings
from tests.e2e.kill_burst import ENTRY, Burst, Cast
from tests.e2e.kill_checks import FINAL, Checker, Stored
from tests.e2e.kill_fleet import Fleet, chaos

SEED = 20261125
GUILDS = 4
KILLS_PER_SHARD = 10
MILESTONES_PER_GUILD = 8
FIRST_DUE = timedelta(seconds=5)  # after the start: both processes are up by then
DUE_EVERY = timedelta(seconds=3)  # the guilds' milestones fall due together, racing
DIGEST_EVERY = timedelta(seconds=5)
SETTLE_TIMEOUT = 30.0

pytestmark = pytest.mark.parametrize("db_url", ["postgresql", "mariadb"], indirect=True)


async def seed(database: Database, casts: list[Cast], start: datetime) -> datetime:
    """Channels, the examples, milestones due during the burst, a digest each: the last due time."""
    last = start
    async with database.transaction() as session:
        for cast in casts:
            guild_id = cast.guild.id
            await settings.update_settings(
                session=session,
                guild_id=guild_id,
                actor_id=None,
                review_channel_id=cast.review.id,
                reminder_channel_id=cast.reminders.id,
                now=start,
            )
            await transfer.import_examples(session=session, guild_id=guild_id, now=start)
            entry = await entries.find_by_name(session=session, guild_id=guild_id, name=ENTRY)
            assert entry is not None
            for number in range(MILESTONES_PER_GUILD):
                last = start + FIRST_DUE + number * DUE_EVERY
                await milestones.add_milestone(
                    session=session,
                    guild_id=guild_id,
                    entry_id=entry.id,
                    title=f"Deadline {cast.number}-{number}",
                    due_at=last,
                    coordinator_id=cast.coordinator.id,
                    actor_id=None,
                    now=start,
                )
            schedule = await digest.setup_digest(
                session=session,
                guild_id=guild_id,
                channel_id=cast.digest.id,
                weekday=0,
                time_of_day="09:00",
                timezone="UTC",
                locale="en",
                languages=["en", "es"],
                actor_id=None,
                now=start,
            )
            # This week's digest falls due during the burst.
            schedule.next_run_at = start + FIRST_DUE + cast.number * DIGEST_EVERY
            session.add(schedule)
    return max(last, start + FIRST_DUE + len(casts) * DIGEST_EVERY)


async def scheduled_post(double: DiscordDouble, casts: list[Cast]) -> None:
    """Until the next reminder or digest reaches a channel (or a few seconds without one)."""
    channels = [channel for cast in casts for channel in (cast.reminders, cast.digest)]

    def count() -> int:
        return sum(len(double.messages(channel)) for channel in channels)

    before = count()
    with contextlib.suppress(TimeoutError):
        await double.world.changed.wait_for(
            lambda: True if count() > before else None, DUE_EVERY.total_seconds(), "a post"
        )


async def settled(
    database: Database, double: DiscordDouble, guild_ids: list[int], cutoff: datetime
) -> Stored:
    """The rows once everything due by `cutoff` is done and the bot has gone quiet."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SETTLE_TIMEOUT
    requests = -1
    while True:
        stored = await Stored.load(database, guild_ids)
        busy = [s for s in stored.stages if s.fire_at <= cutoff and s.state not in FINAL]
        waiting = [s for s in stored.schedules if s.next_run_at and s.next_run_at <= cutoff]
        untold = [  # left undone after an answer: the reviews dispatcher's work
            e
            for e in stored.entries
            if e.proposer_id is not None
            and (
                (e.status == "proposed" and e.review_message_id is None)
                or (e.decided_at is not None and e.decision_told_at is None)
            )
        ]
        quiet = requests == len(double.requests)
        if (quiet and not busy and not waiting and not untold) or loop.time() > deadline:
            return stored  # past the deadline, the checks say what is left
        requests = len(double.requests)
        await asyncio.sleep(0.5)


async def test_kill_nine_at_random_moments_loses_and_doubles_nothing(
    db_url: str, tmp_path: Path
) -> None:
    rng = random.Random(SEED)
    double = DiscordDouble()
    casts = [Cast.create(double, number) for number in range(GUILDS)]
    guild_ids = [cast.guild.id for cast in casts]
    fleet = Fleet(double, db_url, tmp_path)
    assert {fleet.shard_of(g) for g in guild_ids} == {0, 1}  # both processes serve guilds
    database = Database(db_url)
    await double.start()
    burst = Burst(double, random.Random(rng.random()))
    try:
        cutoff = await seed(database, casts, datetime.now(UTC))
        await fleet.start_all()
        killers = asyncio.gather(
            *(
                chaos(
                    fleet,
                    shard,
                    random.Random(rng.random()),
                    KILLS_PER_SHARD,
                    scheduled_post=lambda: scheduled_post(double, casts),
                )
                for shard in range(fleet.shards)
            )
        )
        await burst.run(casts, killers)
        for shard in range(fleet.shards):
            await fleet.serving(shard)
        stored = await settled(database, double, guild_ids, cutoff)
    finally:
        await fleet.stop_all()
        await database.dispose()
        await double.stop()

    checker = Checker(double, fleet, casts, stored, burst.actions)
    checker.answered()
    checker.whole()
    checker.reminders(cutoff)
    checker.digests()
    findings, figures = checker.findings, checker.findings.figures
    figures["interrupted reminder sends resumed"] = fleet.logged("interrupted send")
    serving = sum(life.killed_serving for life in fleet.kills)
    print(f"\nkills: {len(fleet.kills)} ({serving} while serving); {dict(figures)}")
    assert len(fleet.kills) >= 20
    assert not findings.problems, "\n".join(findings.problems)
    assert figures["reminders sent"] == GUILDS * MILESTONES_PER_GUILD
    assert figures["propose"] and figures["approve"] + figures["reject"]
    assert figures["done"] + figures["snooze"] and figures["add"]
    assert not fleet.tracebacks()  # no unhandled error in any process
    double.assert_no_violations()
