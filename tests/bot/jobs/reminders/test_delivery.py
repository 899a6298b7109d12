"""The reminders dispatcher on SQLite and PostgreSQL: late, batched, exactly once.

Late delivery after downtime, batching within Discord's limits, exactly once
across two processes and across a crash mid-send.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.jobs.reminders import ReminderDispatcher
from bot.jobs.sender import SentMessage
from bot.render.reminders import milestone_ids
from storage.db import Database
from storage.models import Milestone, Reminder
from storage.services import reminders
from tests.bot.jobs.reminders.conftest import (
    DedupingSender,
    Payload,
    run,
    setup,
    states,
)
from tests.support.clocks import FixedClock
from tests.support.factories import GUILD, OTHER_GUILD
from tests.support.fakes import RecordingSender
from tests.support.milestone_factories import (
    CHANNEL,
    COORDINATOR,
    DAY,
    OTHER_CHANNEL,
    START,
    configure,
    new_entry,
    new_milestone,
)

HOUR = timedelta(hours=1)


@dataclass
class DyingSender(DedupingSender):
    """The process is killed during its first send: before or after Discord got the message."""

    delivered_before_death: bool = False
    dead: bool = False

    async def send(self, channel_id: int, payload: Payload, *, nonce: str) -> SentMessage:
        if not self.dead:
            self.dead = True
            if self.delivered_before_death:
                await super().send(channel_id, payload, nonce=nonce)
            else:
                self.attempts.append(nonce)
            raise asyncio.CancelledError
        return await super().send(channel_id, payload, nonce=nonce)


def assert_within_discord_limits(payload: Payload) -> None:
    assert len(payload.get("content", "")) <= 2000
    embeds = payload["embeds"]
    assert len(embeds) <= 10
    for embed in embeds:
        assert len(embed["title"]) <= 256 and len(embed["description"]) <= 4096
    assert sum(len(e["title"]) + len(e["description"]) for e in embeds) <= 6000
    assert len(payload["components"]) <= 5
    for row in payload["components"]:
        assert row["type"] == 1 and len(row["components"]) <= 5
        for item in row["components"]:
            assert len(item["custom_id"]) <= 100
            assert len(item.get("label", "")) <= 80
            assert len(item.get("options", [])) <= 25
            assert all(len(option["label"]) <= 100 for option in item.get("options", []))
    mentions = payload["allowed_mentions"]
    assert mentions["parse"] == []
    assert len(mentions.get("users", [])) <= 100 and len(mentions.get("roles", [])) <= 100


async def test_late_after_downtime_one_message_collapsed(
    database: Database, dispatcher: ReminderDispatcher, sender: DedupingSender, clock: FixedClock
) -> None:
    dues = [START + 10 * DAY, START + 11 * DAY, START + 12 * DAY]
    made = await setup(database, *dues)
    back = START + 12 * DAY + 6 * HOUR  # offline from START until after all three were due
    # Overdue 1 comes a day after the due time, or a day from now if that is past.
    assert await run(dispatcher, clock, back) == START + 13 * DAY
    ((channel, payload, nonce),) = sender.sent
    assert channel == CHANNEL and nonce.startswith("rem-")
    assert milestone_ids(payload) == [m.id for m in made]
    lines = payload["embeds"][0]["description"].split("\n")
    assert len(lines) == 3
    for line, due in zip(lines, dues, strict=True):
        assert "is due now" in line  # the most advanced stage, not the 7-day or 1-day ones
        assert f"should have arrived at <t:{int(due.timestamp())}:F>" in line
    assert payload["allowed_mentions"] == {"parse": [], "users": [COORDINATOR]}
    assert payload["content"].count(f"<@{COORDINATOR}>") == 1
    assert_within_discord_limits(payload)
    # The skipped stages were closed in the claim; each milestone now waits for overdue 1.
    assert await states(database) == {"sent": 3, "cancelled": 6, "pending": 3}


async def test_a_single_late_reminder_says_so(
    database: Database, dispatcher: ReminderDispatcher, sender: DedupingSender, clock: FixedClock
) -> None:
    due = START + 10 * DAY
    await setup(database, due)
    await run(dispatcher, clock, due - 7 * DAY + 2 * HOUR)
    ((_, payload, _),) = sender.sent
    assert "Reminder:" in payload["content"]
    assert f"should have arrived at <t:{int((due - 7 * DAY).timestamp())}:F>" in str(
        payload["embeds"]
    )


async def test_huge_backlog_is_split_within_limits(
    database: Database, dispatcher: ReminderDispatcher, sender: DedupingSender, clock: FixedClock
) -> None:
    due = START + 2 * DAY
    async with database.transaction() as session:
        await configure(session)
        entry = await new_entry(session, name="Big backlog " + "x" * 80)
        made = []
        for n in range(300):
            made.append(
                await new_milestone(
                    session,
                    entry,
                    due=due + n * timedelta(seconds=1),
                    title=f"Milestone {n} " + "*" * (n % 120),
                    coordinator=COORDINATOR + n % 150,
                )
            )
    await run(dispatcher, clock, due + 3 * DAY)
    assert 3 <= len(sender.sent) < 60
    coordinator_of = {m.id: m.coordinator_id for m in made}
    seen: list[int] = []
    for channel, payload, _ in sender.sent:
        assert channel == CHANNEL
        assert_within_discord_limits(payload)
        ids = milestone_ids(payload)
        seen += ids
        pinged = payload["allowed_mentions"]["users"]
        assert sorted(pinged) == sorted({coordinator_of[m] for m in ids})
        assert payload["content"].count("<@") == len(pinged)
    assert sorted(seen) == [m.id for m in made]
    assert len({nonce for _, _, nonce in sender.sent}) == len(sender.sent)
    assert await states(database) == {"sent": 300, "cancelled": 300, "pending": 300}


@pytest.mark.parametrize("claim_limit", [7, 500])
async def test_two_processes_deliver_each_reminder_once(
    db_url: str, database: Database, clock: FixedClock, claim_limit: int
) -> None:
    async with database.transaction() as session:
        for guild, channel in ((GUILD, CHANNEL), (OTHER_GUILD, OTHER_CHANNEL)):
            await configure(session, guild, channel=channel)
            entry = await new_entry(session, guild)
            for n in range(60):
                due = START + DAY + n * timedelta(minutes=1)
                await new_milestone(session, entry, due=due, title=f"M{n}")
    second = Database(db_url)  # another connection pool: another process
    try:
        sender = RecordingSender()  # records duplicates, if there were any
        one = ReminderDispatcher(database, sender, claim_limit=claim_limit)
        two = ReminderDispatcher(second, sender, claim_limit=claim_limit)
        for at in (START + 2 * DAY, START + 4 * DAY):
            clock.set(at)
            await asyncio.gather(one.run_due(at), two.run_due(at))
    finally:
        await second.dispose()
    delivered = [m for _, payload, _ in sender.sent for m in milestone_ids(payload)]
    # Each of the 120 milestones: its due reminder (the 1-day one collapsed into it),
    # then overdue 1. Exactly once each, and no nonce used twice.
    assert len(set(delivered)) == 120
    counts = {m: delivered.count(m) for m in set(delivered)}
    assert all(c == 2 for c in counts.values()), {m: c for m, c in counts.items() if c != 2}
    assert len({nonce for _, _, nonce in sender.sent}) == len(sender.sent)
    assert (await states(database)).get("sending", 0) == 0


@pytest.mark.parametrize("delivered_before_death", [False, True])
async def test_crash_mid_send_resends_with_the_same_nonce(
    db_url: str, database: Database, clock: FixedClock, delivered_before_death: bool
) -> None:
    (milestone,) = await setup(database, START + HOUR)
    dying = DyingSender(delivered_before_death=delivered_before_death)
    with pytest.raises(asyncio.CancelledError):
        await ReminderDispatcher(database, dying).run_due(START + HOUR)
    assert await states(database) == {"sending": 1, "pending": 1}  # claimed; overdue 1 planned
    # A new process, right after the restart: the claim's lease has not run out yet.
    restarted = Database(db_url)
    try:
        again = ReminderDispatcher(restarted, dying)
        retry_at = await run(again, clock, START + HOUR + timedelta(seconds=20))
        assert retry_at == START + HOUR + reminders.LEASE
        assert len(dying.sent) == int(delivered_before_death)
        await run(again, clock, retry_at)
    finally:
        await restarted.dispose()
    ((channel, payload, nonce),) = dying.sent  # one message, whatever the moment of the crash
    stage_id = await _due_stage(database, milestone)
    assert nonce == reminders.message_nonce(stage_id) == f"rem-{stage_id}"
    assert dying.attempts == [nonce, nonce]  # the resend used the claim's nonce
    assert milestone_ids(payload) == [milestone.id]
    assert await states(database) == {"sent": 1, "pending": 1}
    async with database.sessions() as session:
        row = await session.get(Reminder, stage_id)
    assert row is not None and row.message_id == dying.first[(channel, nonce)].message_id


async def test_two_processes_resend_an_interrupted_message_once(
    db_url: str, database: Database, clock: FixedClock
) -> None:
    await setup(database, START + HOUR)
    dying = DyingSender()
    with pytest.raises(asyncio.CancelledError):
        await ReminderDispatcher(database, dying).run_due(START + HOUR)
    retry_at = START + HOUR + reminders.LEASE
    second = Database(db_url)  # another connection pool: another process
    try:
        one, two = ReminderDispatcher(database, dying), ReminderDispatcher(second, dying)
        clock.set(retry_at)
        await asyncio.gather(one.run_due(retry_at), two.run_due(retry_at))
    finally:
        await second.dispose()
    # Whichever saw the stale claim first took it again: resent once, with its nonce.
    assert len(dying.attempts) == 2 and len(set(dying.attempts)) == 1
    assert await states(database) == {"sent": 1, "pending": 1}


async def _due_stage(database: Database, milestone: Milestone) -> int:
    async with database.sessions() as session:
        row = (
            await session.exec(
                select(Reminder.id).where(
                    Reminder.milestone_id == milestone.id, Reminder.kind == "due"
                )
            )
        ).one()
    assert row is not None
    return row


async def test_more_than_a_minute_late_or_missed_while_down_says_so(
    database: Database, sender: DedupingSender, clock: FixedClock
) -> None:
    due = START + 10 * DAY
    await setup(database, due)
    dispatcher = ReminderDispatcher(database, sender)
    first = due - 7 * DAY
    await run(dispatcher, clock, first - timedelta(minutes=5))  # running before it fell due
    await run(dispatcher, clock, first + timedelta(seconds=30))  # half a minute: on time
    assert "should have arrived" not in str(sender.sent[-1][1])
    await run(dispatcher, clock, due - DAY + timedelta(minutes=2))  # two minutes: late
    assert f"should have arrived at <t:{int((due - DAY).timestamp())}:F>" in str(sender.sent[-1][1])

    # A bot that starts 20 s after the due time was not running when it fell due: late.
    restarted = ReminderDispatcher(database, sender)
    await run(restarted, clock, due + timedelta(seconds=20))
    assert f"should have arrived at <t:{int(due.timestamp())}:F>" in str(sender.sent[-1][1])
