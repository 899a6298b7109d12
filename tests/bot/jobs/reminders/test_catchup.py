"""Catch-up after downtime: claimed channel by channel, in bounded batches, packed per
channel, each reminder once; and the channels due, the longest waiting first."""

from __future__ import annotations

from collections import Counter, defaultdict

from bot.jobs.reminders import ReminderDispatcher
from bot.render.reminders import milestone_ids
from storage.db import Database
from storage.services import reminder_claims
from tests.bot.jobs.reminders.conftest import DedupingSender, states
from tests.support.factories import GUILD, OTHER_GUILD
from tests.support.milestone_factories import (
    CHANNEL,
    DAY,
    OTHER_CHANNEL,
    START,
    configure,
    new_entry,
    new_milestone,
)

THIRD_GUILD, THIRD_CHANNEL, QUIET_GUILD = 333_333_333_333_333_333, 700_000_000_000_000_003, 4


async def _backlog(database: Database, due: dict[tuple[int, int | None], int]) -> None:
    """`due[(guild, channel)]` milestones per guild, due over the day before START + DAY."""
    async with database.transaction() as session:
        for (guild, channel), count in due.items():
            await configure(session, guild, channel=channel)
            entry = await new_entry(session, guild)
            for n in range(count):
                await new_milestone(
                    session, entry, due=START + DAY * n / count, title=f"M {n}", now=START - DAY
                )


async def test_a_backlog_goes_out_per_channel_in_bounded_batches_each_reminder_once(
    database: Database, sender: DedupingSender
) -> None:
    await _backlog(database, {(GUILD, CHANNEL): 40, (OTHER_GUILD, OTHER_CHANNEL): 5})
    dispatcher = ReminderDispatcher(database, sender, claim_limit=15)
    await dispatcher.run_due(START + 2 * DAY)  # a day after the last fell due
    per_channel: defaultdict[int, list[int]] = defaultdict(list)
    for channel, payload, _ in sender.sent:
        per_channel[channel].append(len(milestone_ids(payload)))
    # A claim of 15 is one message; a channel's batches never mix with another's.
    assert per_channel == {CHANNEL: [15, 15, 10], OTHER_CHANNEL: [5]}
    delivered = Counter(m for _, payload, _ in sender.sent for m in milestone_ids(payload))
    assert len(delivered) == 45 and set(delivered.values()) == {1}
    assert all("should have arrived" in str(payload) for _, payload, _ in sender.sent)
    assert (await states(database)).get("sending", 0) == 0
    sender.sent.clear()
    await dispatcher.run_due(START + 2 * DAY)
    assert sender.sent == []  # nothing twice


async def test_due_channels_longest_waiting_first_and_claims_of_one_channel(
    database: Database,
) -> None:
    await _backlog(
        database,
        {(GUILD, CHANNEL): 2, (OTHER_GUILD, OTHER_CHANNEL): 3, (QUIET_GUILD, None): 2},
    )
    async with database.transaction() as session:
        await configure(session, THIRD_GUILD, channel=THIRD_CHANNEL)
        entry = await new_entry(session, THIRD_GUILD)
        await new_milestone(session, entry, due=START + 10 * DAY, now=START - DAY)  # not due
    now = START + 2 * DAY
    async with database.transaction() as session:
        # OTHER_CHANNEL's second milestone (due START + 8 h) had a 1-day reminder due
        # first, 4 hours before CHANNEL's (due START + 12 h).
        assert await reminder_claims.due_channels(session=session, now=now) == [
            OTHER_CHANNEL,
            CHANNEL,
        ]
        claimed = await reminder_claims.claim_due(
            session=session, now=now, channel_id=OTHER_CHANNEL
        )
        assert {c.channel_id for c in claimed} == {OTHER_CHANNEL} and len(claimed) == 3
        assert await reminder_claims.due_channels(session=session, now=now) == [CHANNEL]
        claimed = await reminder_claims.claim_due(
            session=session, now=now, channel_id=OTHER_CHANNEL
        )
        assert claimed == []
