"""Catch-up after downtime, through the real bot and a double that enforces Discord's
per-channel message limit: every reminder once, packed per channel, paced within the
limit, and interactions answered meanwhile."""

from __future__ import annotations

import asyncio
import functools
import time
from collections import Counter
from datetime import UTC, datetime

import pytest

from bot.double import Channel, MessageLimit
from bot.jobs.pacing import ChannelPacer
from bot.render.reminders import milestone_ids
from tests.e2e.conftest import World, start_bot, stop_bot
from tests.support.milestone_factories import DAY, configure, new_entry, new_milestone

POSTS = "/channels/{channel_id}/messages"
# Two messages a second per channel, in the double and in the bot alike: the limit's
# shape, at a test's speed (Discord's is 5 per 5 s).
LIMIT, WINDOW = 2, 1.0


async def _seed(world: World, due: dict[Channel, int], now: datetime) -> None:
    """`due[channel]` milestones in the channel's guild, due over the past day."""
    async with world.bot.database.transaction() as session:
        for channel, count in due.items():
            assert channel.guild is not None
            await configure(session, channel.guild.id, channel=channel.id, role=None)
            entry = await new_entry(session, channel.guild.id, now=now - 2 * DAY)
            for number in range(count):
                await new_milestone(
                    session,
                    entry,
                    due=now - DAY + DAY * number / count,
                    title=f"Report {number}",
                    coordinator=world.volunteer.id,
                    now=now - 2 * DAY,
                )


async def test_catch_up_delivers_each_reminder_once_within_the_limit_while_answering(
    world: World, e2e_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    double = world.double
    busy, other = world.reminders, world.other_guild.add_text_channel("reminders")
    # 110 due in one channel: a few messages (about 35 reminders fit in one), so that the
    # limit holds some back for a window or two.
    due = {busy: 110, other: 3}
    await stop_bot(world.bot, world.bot_task)  # the downtime
    now = datetime.now(UTC)
    await _seed(world, due, now)
    double.message_limit = MessageLimit(limit=LIMIT, window=WINDOW)
    monkeypatch.setattr(
        "bot.jobs.sender.ChannelPacer", functools.partial(ChannelPacer, LIMIT, WINDOW)
    )

    starting = asyncio.create_task(start_bot(double, e2e_db_url))
    await double.wait_for_message(busy, timeout=30)
    asked_at = time.monotonic()  # the catch-up under way: its first message is out
    asked = await double.slash(world.volunteer, "partnership search", {"query": "wiki"})
    answer = await asked.response()
    world.bot, world.bot_task = await starting
    assert answer.message is not None and "Search: wiki" in answer.message.text

    posted = {channel: double.messages(channel) for channel in due}
    delivered = Counter(
        m
        for messages in posted.values()
        for message in messages
        for m in milestone_ids({"components": message.components})
    )
    assert sum(delivered.values()) == sum(due.values()) == len(delivered)  # each once
    # Packed per channel: full messages, more than one window's worth in the busy one.
    assert LIMIT < len(posted[busy]) <= 4 and len(posted[other]) == 1
    assert all("should have arrived" in m.text for ms in posted.values() for m in ms)
    assert all(double.pings(m) == {world.volunteer.id} for ms in posted.values() for m in ms)
    # Paced by the bot itself: no 429, and no LIMIT + 1 posts within one window.
    assert double.message_limit.refused == []
    for channel in due:
        times = [
            r.at
            for r in double.requests
            if r.route == POSTS
            and r.method == "POST"
            and r.path.endswith(f"/{channel.id}/messages")
        ]
        assert len(times) == len(posted[channel])
        assert all(b - a >= WINDOW for a, b in zip(times, times[LIMIT:], strict=False))
    assert asked_at < max(r.at for r in double.requests if r.route == POSTS)
