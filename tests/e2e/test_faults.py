"""Discord faults through the double: rate limits, 5xx bursts and gateway drops, while the
bot posts digests, reminders and review-channel posts. Each arrives exactly once."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.double import Channel, Message
from storage.models import Reminder, ReminderKind, ReminderState, Status
from storage.services import digest, entries, milestones, reminders, settings
from tests.e2e import test_digest_commands
from tests.e2e.conftest import World, eventually
from tests.e2e.test_digest_commands import SLOT, START
from tests.e2e.test_proposals import button, propose, recorded, set_review_channel, stored
from tests.support.clocks import FixedClock
from tests.support.factories import entry_input

clock = test_digest_commands.clock  # the fixture: the bot on a FixedClock at START
DUE = START + timedelta(hours=1)  # the milestone's due time
POSTS = "POST /channels/{channel_id}/messages"


def attempts(world: World, channel: Channel) -> list[int]:
    """The status of every message the bot tried to post in the channel, in order."""
    path = f"/channels/{channel.id}/messages"
    return [r.status for r in world.double.requests if r.method == "POST" and r.path.endswith(path)]


def posted(world: World, channel: Channel) -> list[Message]:
    return [m for m in world.double.messages(channel) if m.kind == "post"]


async def weekly_digest(world: World, channel: Channel) -> None:
    async with world.bot.database.transaction() as session:
        await digest.setup_digest(
            session=session,
            guild_id=world.guild.id,
            channel_id=channel.id,
            weekday=0,
            time_of_day="09:30",
            timezone="Europe/Madrid",
            locale="en",
            languages=["en", "es"],
            actor_id=None,
            now=START,
        )


async def run_due(world: World) -> None:
    assert world.bot.waker is not None
    await world.bot.waker.run_all()


async def database_free(world: World) -> None:
    """No connection is held (so no transaction), and a write commits at once: whoever
    is waiting on Discord holds nothing."""
    assert world.bot.database.engine.pool.checkedout() == 0  # type: ignore[attr-defined]

    async def write() -> None:
        async with world.bot.database.transaction() as session:
            await settings.update_settings(
                session=session,
                guild_id=world.other_guild.id,
                actor_id=None,
                followthrough_days=9,
                now=world.bot.clock.now(),
            )

    await asyncio.wait_for(write(), 1.0)


async def served(world: World, status: int) -> None:
    """Until the double has answered a request with the injected `status`."""
    for _ in range(250):
        if any(f.status == status for f in world.double.faults.served):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"no {status} was served")


@pytest.mark.parametrize("is_global", [False, True], ids=["route", "global"])
async def test_digest_waits_out_a_rate_limit_and_posts_once(
    world: World, clock: FixedClock, is_global: bool
) -> None:
    await weekly_digest(world, world.general)
    world.double.fail_next(POSTS, 429, retry_after=0.5, is_global=is_global)
    clock.set(SLOT + timedelta(minutes=1))
    started = time.monotonic()
    job = asyncio.create_task(run_due(world))
    await served(world, 429)
    await database_free(world)  # the job sleeps on the limit outside any transaction
    await job
    assert 0.5 <= time.monotonic() - started < 3
    assert attempts(world, world.general) == [429, 200]
    assert len(posted(world, world.general)) == 1
    await run_due(world)
    assert len(posted(world, world.general)) == 1


@pytest.mark.parametrize("is_global", [False, True], ids=["route", "global"])
async def test_review_post_waits_out_a_rate_limit_and_posts_once(
    world: World, is_global: bool
) -> None:
    world.double.fail_next(POSTS, 429, retry_after=0.5, is_global=is_global)
    post = await propose(world)
    assert attempts(world, world.review) == [429, 200]
    assert posted(world, world.review) == [post]
    entry = await eventually(lambda: recorded(world))
    assert entry is not None and entry.review_message_id == post.id


@pytest.mark.parametrize("job", ["digest", "reminder"])
async def test_long_rate_limit_job_gives_up_then_delivers_once_later(
    world: World, clock: FixedClock, job: str
) -> None:
    if job == "digest":
        await weekly_digest(world, world.general)
        channel, due, retried_after = world.general, SLOT, digest.STALE_CLAIM
    else:
        await reminder_due(world, clock)
        channel, due, retried_after = world.reminders, DUE, reminders.LEASE
    # The limit discord.py applies: at least 30 s, whatever MAX_RATELIMIT_TIMEOUT asks.
    limit = world.bot.http.max_ratelimit_timeout
    assert limit is not None
    world.double.fail_next(POSTS, 429, retry_after=limit + 60)
    clock.set(due + timedelta(minutes=1))
    started = time.monotonic()
    await run_due(world)
    assert time.monotonic() - started < 2  # gave up instead of sleeping past the limit
    await database_free(world)
    assert (attempts(world, channel), posted(world, channel)) == ([429], [])
    await run_due(world)  # still claimed by the attempt that gave up: not sent again yet
    assert attempts(world, channel) == [429]
    clock.advance(retried_after)
    await run_due(world)
    await run_due(world)
    assert attempts(world, channel) == [429, 200]
    assert len(posted(world, channel)) == 1


async def test_review_post_survives_a_5xx_burst_once_in_sane_time(world: World) -> None:
    await set_review_channel(world)
    async with world.bot.database.transaction() as session:
        entry = await entries.create_entry(
            entry_input(name="Museo Abierto"),
            session=session,
            guild_id=world.guild.id,
            actor_id=world.volunteer.id,
            now=world.bot.clock.now(),
        )
    # discord.py retries 500 and 502 itself (after 1 s, then 3 s); the bot resends after 503.
    for status in (500, 502, 503):
        world.double.fail_next(POSTS, status)
    started = time.monotonic()
    await world.bot.reviews.post(entry)
    assert time.monotonic() - started < 7
    assert attempts(world, world.review) == [500, 502, 503, 200]
    [post] = posted(world, world.review)
    assert "Museo Abierto" in post.text
    assert (await recorded(world)).review_message_id == post.id


@pytest.mark.parametrize("resumable", [True, False], ids=["resume", "reidentify"])
async def test_digest_due_while_disconnected_posts_once_after_reconnect(
    world: World, clock: FixedClock, resumable: bool
) -> None:
    await weekly_digest(world, world.general)
    identifies = len(world.double.gateway.identifies)
    clock.set(SLOT + timedelta(minutes=1))
    if resumable:
        await world.double.drop_gateway(resumable=True)
    else:
        await world.double.invalidate_session()
    message = await world.double.wait_for_message(world.general, timeout=10)
    assert "Weekly partnerships digest" in message.text
    expected = identifies + (0 if resumable else 1)

    async def reidentified() -> bool:
        return len(world.double.gateway.identifies) == expected

    assert await eventually(reidentified, seconds=10)
    await run_due(world)
    assert attempts(world, world.general) == [200]


async def reminder_due(world: World, clock: FixedClock) -> int:
    async with world.bot.database.transaction() as session:
        await settings.update_settings(
            session=session,
            guild_id=world.guild.id,
            actor_id=None,
            reminder_channel_id=world.reminders.id,
            now=clock.now(),
        )
        entry = await stored(world, "Wiki-to-print")
        assert entry is not None
        milestone = await milestones.add_milestone(
            session=session,
            guild_id=world.guild.id,
            entry_id=entry.id,
            title="Send the report",
            due_at=DUE,
            coordinator_id=world.volunteer.id,
            actor_id=world.moderator.id,
            now=clock.now(),
        )
    assert milestone.id is not None
    return milestone.id


async def test_reminder_through_503_burst_and_rate_limit_arrives_once(
    world: World, clock: FixedClock
) -> None:
    milestone_id = await reminder_due(world, clock)
    world.double.fail_next(POSTS, 503, times=2)
    world.double.fail_next(POSTS, 429, retry_after=0.3)
    clock.set(DUE + timedelta(minutes=1))
    job = asyncio.create_task(run_due(world))
    await served(world, 503)
    await database_free(world)  # the job pauses before resending outside any transaction
    await job
    assert attempts(world, world.reminders) == [503, 503, 429, 200]
    clock.advance(reminders.LEASE)
    await run_due(world)
    [message] = posted(world, world.reminders)
    assert "Send the report" in message.text
    async with world.bot.database.sessions() as session:
        rows = (
            await session.exec(select(Reminder).where(Reminder.milestone_id == milestone_id))
        ).all()
    assert [r.state for r in rows if r.kind == ReminderKind.DUE] == [ReminderState.SENT]
    assert attempts(world, world.reminders) == [503, 503, 429, 200]


@pytest.mark.parametrize("status", [503, 429], ids=["503-burst", "long-429"])
async def test_decision_stands_when_the_proposers_dm_fails(
    world: World, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    post = await propose(world)
    limit = world.bot.http.max_ratelimit_timeout or 0
    # More 503s than the bot resends, or a limit longer than it waits: the DM is given up.
    world.double.fail_next(POSTS, status, times=3 if status == 503 else 1, retry_after=limit + 60)

    async def told() -> bool:
        return any("could not tell proposer" in r.message for r in caplog.records)

    with caplog.at_level(logging.WARNING):
        approve = await world.double.click(
            world.moderator, post, button(post, "rv:ap:"), locale="en-US"
        )
        answer = await approve.response()
        assert await eventually(told, seconds=6)
    assert "approved" in answer.message.content.lower() and approve.followups == []
    assert not [r for r in caplog.records if r.name == "bot.errors" and r.levelno >= logging.ERROR]
    assert (await stored(world, "Museo Abierto")).status == Status.ACTIVE
    assert world.double.dm_messages(world.volunteer) == []
