"""The reminders dispatcher on SQLite and PostgreSQL, with a fixed clock and a recording sender.

Stages in order, done, snooze, edits, late delivery after downtime, batching
within Discord's limits, exactly once across two processes and across a crash
mid-send, guild isolation, the reporting milestone, and who gets pinged.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from bot.reminders import ReminderDispatcher
from bot.render.reminders import render_actions
from bot.sender import SentMessage
from storage.clock import FixedClock
from storage.db import Database
from storage.models import Milestone, Reminder
from storage.schemas import EntryUpdate
from storage.services import entries, milestones, reminders
from tests.factories import GUILD, MODERATOR, OTHER_GUILD, VOLUNTEER, entry_input
from tests.fakes import RecordingSender
from tests.storage.test_milestones import (
    AS_COORDINATOR,
    AS_MODERATOR,
    CHANNEL,
    COORDINATOR,
    DAY,
    OTHER_CHANNEL,
    ROLE,
    START,
    configure,
    new_entry,
    new_milestone,
)

HOUR = timedelta(hours=1)
Payload = dict[str, Any]


@dataclass
class DedupingSender(RecordingSender):
    """Like Discord with `enforce_nonce`: a resend with a known nonce returns the first message."""

    first: dict[tuple[int, str], SentMessage] = field(default_factory=dict)
    attempts: list[str] = field(default_factory=list)  # every nonce asked for, kept or dropped

    async def send(self, channel_id: int, payload: Payload, *, nonce: str) -> SentMessage:
        self.attempts.append(nonce)
        if (channel_id, nonce) in self.first:
            return self.first[(channel_id, nonce)]
        sent = await super().send(channel_id, payload, nonce=nonce)
        self.first[(channel_id, nonce)] = sent
        return sent


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


def milestone_ids(payload: Payload) -> list[int]:
    """The milestones a message acts on: its Done buttons, or the options of its menus."""
    found = []
    for row in payload["components"]:
        for item in row["components"]:
            if item["type"] == 2 and item["custom_id"].startswith("ms:done:"):
                found.append(int(item["custom_id"].split(":")[2]))
            for option in item.get("options", []):
                found.append(int(option["value"]))
    return found


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


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def sender() -> DedupingSender:
    return DedupingSender()


@pytest.fixture
def dispatcher(database: Database, sender: DedupingSender) -> ReminderDispatcher:
    return ReminderDispatcher(database, sender)


async def setup(database: Database, *dues: datetime, coordinator: int | None = COORDINATOR):
    async with database.transaction() as session:
        await configure(session)
        entry = await new_entry(session, name="Wikimedia–OpenStreetMap")
        made = [
            await new_milestone(
                session, entry, due=due, title=f"Milestone {n}", coordinator=coordinator
            )
            for n, due in enumerate(dues, start=1)
        ]
    return made


async def run(dispatcher: ReminderDispatcher, clock: FixedClock, at: datetime) -> datetime | None:
    clock.set(at)
    return await dispatcher.run_due(clock.now())


async def states(database: Database) -> dict[str, int]:
    async with database.sessions() as session:
        rows = (await session.exec(select(Reminder.state))).all()
    return {state: rows.count(state) for state in set(rows)}


async def test_lead_due_overdue_then_final_notice(
    database: Database, dispatcher: ReminderDispatcher, sender: DedupingSender, clock: FixedClock
) -> None:
    due = START + 10 * DAY
    (milestone,) = await setup(database, due)
    assert await run(dispatcher, clock, START) == due - 7 * DAY
    assert sender.sent == []
    expected = [
        (due - 7 * DAY, "Reminder:"),
        (due - DAY, "Reminder:"),
        (due, "is due now"),
        (due + DAY, "(reminder 1 of 3)"),
        (due + 2 * DAY, "(reminder 2 of 3)"),
        (due + 3 * DAY, "(reminder 3 of 3)"),
    ]
    at = due - 7 * DAY
    for when, text in expected:
        assert at == when
        at = await run(dispatcher, clock, at)
        channel, payload, nonce = sender.sent[-1]
        assert (channel, milestone_ids(payload)) == (CHANNEL, [milestone.id])
        assert text in payload["content"] and payload["content"].startswith(f"<@{COORDINATOR}> ")
        assert payload["allowed_mentions"] == {"parse": [], "users": [COORDINATOR]}
        assert "should have arrived" not in str(payload) and re.fullmatch(r"rem-\d+", nonce)
    assert at == due + 4 * DAY
    assert await run(dispatcher, clock, at) is None
    _, final, _ = sender.sent[-1]
    assert (
        "overdue and unacknowledged" in final["content"] and "after 3 reminders" in final["content"]
    )
    assert final["allowed_mentions"] == {"parse": []} and "<@" not in final["content"]
    assert [b["custom_id"] for b in final["components"][0]["components"]] == [
        f"ms:done:{milestone.id}"
    ]
    assert len(sender.sent) == 7 and len({nonce for _, _, nonce in sender.sent}) == 7
    assert await states(database) == {"sent": 7}


async def test_buttons_carry_the_milestone_id(
    database: Database, dispatcher: ReminderDispatcher, sender: DedupingSender, clock: FixedClock
) -> None:
    (milestone,) = await setup(database, START + HOUR)
    await run(dispatcher, clock, START + HOUR)
    ((_, payload, _),) = sender.sent
    ids = [b["custom_id"] for b in payload["components"][0]["components"]]
    m = milestone.id
    assert ids == [
        f"ms:done:{m}",
        f"ms:snooze:{m}:3600",
        f"ms:snooze:{m}:86400",
        f"ms:snooze:{m}:604800",
    ]
    assert f"<t:{int((START + HOUR).timestamp())}:F>" in payload["embeds"][0]["description"]
    assert f"<t:{int((START + HOUR).timestamp())}:R>" in payload["embeds"][0]["description"]


async def test_done_stops_reminders(
    database: Database, dispatcher: ReminderDispatcher, sender: DedupingSender, clock: FixedClock
) -> None:
    due = START + 10 * DAY
    (milestone,) = await setup(database, due)
    await run(dispatcher, clock, due - 7 * DAY)
    assert milestone.id is not None
    async with database.transaction() as session:
        await milestones.mark_done(
            milestone.id,
            session=session,
            guild_id=GUILD,
            actor=AS_COORDINATOR,
            now=clock.now(),
        )
    assert await run(dispatcher, clock, due + 30 * DAY) is None
    assert len(sender.sent) == 1
    assert await states(database) == {"sent": 1, "cancelled": 2}


async def test_snooze_moves_the_next_reminder(
    database: Database, dispatcher: ReminderDispatcher, sender: DedupingSender, clock: FixedClock
) -> None:
    due = START + DAY
    (milestone,) = await setup(database, due)
    assert await run(dispatcher, clock, due) == due + DAY  # the due reminder; overdue 1 next
    assert milestone.id is not None
    async with database.transaction() as session:
        await milestones.snooze(
            milestone.id,
            HOUR,
            session=session,
            guild_id=GUILD,
            actor=AS_COORDINATOR,
            now=due + timedelta(minutes=2),
        )
    assert await run(dispatcher, clock, due + timedelta(minutes=2)) == due + timedelta(minutes=62)
    assert (
        await run(dispatcher, clock, due + timedelta(minutes=62))
        == due + timedelta(minutes=62) + DAY
    )
    assert "(reminder 1 of 3)" in sender.sent[-1][1]["content"]
    assert len(sender.sent) == 2


async def test_edit_reschedules(
    database: Database, dispatcher: ReminderDispatcher, sender: DedupingSender, clock: FixedClock
) -> None:
    due = START + 3 * DAY
    (milestone,) = await setup(database, due)
    assert milestone.id is not None
    async with database.transaction() as session:
        await milestones.edit_milestone(
            milestone.id,
            session=session,
            guild_id=GUILD,
            actor=AS_MODERATOR,
            now=START,
            due_at=due + 10 * DAY,
        )
    assert await run(dispatcher, clock, START) == due + 3 * DAY  # the new 7-day reminder
    assert await run(dispatcher, clock, due) == due + 3 * DAY  # nothing at the old time
    assert sender.sent == []


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
    assert all(delivered.count(m) == 2 for m in set(delivered))
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


async def test_no_channel_reminders_wait_then_arrive_late(
    database: Database, dispatcher: ReminderDispatcher, sender: DedupingSender, clock: FixedClock
) -> None:
    due = START + HOUR
    (milestone,) = await setup(database, due)
    async with database.transaction() as session:
        await configure(session, channel=None)
    assert await run(dispatcher, clock, due + DAY) is None  # nothing to wake up for
    assert sender.sent == [] and await states(database) == {"pending": 1}
    async with database.transaction() as session:
        await configure(session, channel=CHANNEL)
    await run(dispatcher, clock, due + 2 * DAY)
    ((_, payload, _),) = sender.sent
    assert milestone_ids(payload) == [milestone.id] and "should have arrived" in str(payload)


async def test_channel_gone_marks_failed_until_requeued(
    database: Database,
    dispatcher: ReminderDispatcher,
    sender: DedupingSender,
    clock: FixedClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    due = START + HOUR
    await setup(database, due, due + HOUR)
    sender.gone.add(CHANNEL)
    with caplog.at_level(logging.WARNING, logger="bot.reminders"):
        await run(dispatcher, clock, due)
    assert "gone or forbidden: 1 reminders marked failed" in caplog.text
    assert (await states(database))["failed"] == 1
    await run(dispatcher, clock, due + HOUR)
    assert (await states(database))["failed"] == 2 and sender.sent == []
    async with database.transaction() as session:
        await configure(session, channel=OTHER_CHANNEL)
        assert await reminders.requeue_failed(session=session, guild_id=GUILD) == 2
    await run(dispatcher, clock, due + 3 * HOUR)
    ((channel, payload, _),) = sender.sent
    assert channel == OTHER_CHANNEL and len(milestone_ids(payload)) == 2
    assert payload["embeds"][0]["description"].count("should have arrived") == 2


async def test_guilds_are_isolated(
    database: Database, dispatcher: ReminderDispatcher, sender: DedupingSender, clock: FixedClock
) -> None:
    async with database.transaction() as session:
        await configure(session, GUILD, channel=CHANNEL, locale="en")
        await configure(session, OTHER_GUILD, channel=OTHER_CHANNEL, role=ROLE + 1, locale="es")
        ours = await new_milestone(session, await new_entry(session, GUILD), due=START + HOUR)
        theirs = await new_milestone(
            session, await new_entry(session, OTHER_GUILD), due=START + HOUR, coordinator=None
        )
    await run(dispatcher, clock, START + HOUR)
    by_channel = {channel: payload for channel, payload, _ in sender.sent}
    assert milestone_ids(by_channel[CHANNEL]) == [ours.id]
    assert milestone_ids(by_channel[OTHER_CHANNEL]) == [theirs.id]
    assert by_channel[OTHER_CHANNEL]["allowed_mentions"] == {"parse": [], "roles": [ROLE + 1]}
    assert "vence ahora" in by_channel[OTHER_CHANNEL]["content"]  # the guild's language


async def test_only_the_coordinator_is_pinged(
    database: Database, dispatcher: ReminderDispatcher, sender: DedupingSender, clock: FixedClock
) -> None:
    hostile = "@everyone <@123456789012345678> <@&223456789012345678> @here **bold**"
    async with database.transaction() as session:
        await configure(session)
        entry = await new_entry(session, name="Entry <@&323456789012345678>")
        await new_milestone(session, entry, due=START + HOUR, title=hostile)
        await new_milestone(session, entry, due=START + 2 * HOUR, title=hostile, coordinator=None)
    await run(dispatcher, clock, START + HOUR)
    await run(dispatcher, clock, START + 2 * HOUR)
    (_, to_user, _), (_, to_role, _) = sender.sent
    assert to_user["allowed_mentions"] == {"parse": [], "users": [COORDINATOR]}
    assert to_role["allowed_mentions"] == {"parse": [], "roles": [ROLE]}
    for payload in (to_user, to_role):
        text = payload["content"] + str(payload["embeds"])
        mentions = set(re.findall(r"<@[!&]?\d+>|@everyone|@here", text))
        assert mentions == {f"<@{COORDINATOR}>"} or mentions == {f"<@&{ROLE}>"}
        assert "\\*\\*bold\\*\\*" in payload["content"]


async def test_reporting_milestone_pings_the_coordinator_role(
    database: Database, dispatcher: ReminderDispatcher, sender: DedupingSender, clock: FixedClock
) -> None:
    reporting = START + 10 * DAY
    async with database.transaction() as session:
        await configure(session)
        entry = await entries.create_entry(
            entry_input(
                kind="partnership",
                name="Wiki-to-print",
                success_measures="3 books",
                reporting_due_at=reporting,
            ),
            session=session,
            guild_id=GUILD,
            actor_id=VOLUNTEER,
        )
        assert entry.id is not None
        await entries.update_entry(
            entry.id,
            EntryUpdate.parse(name="Wiki-to-print", reporting_due_at=reporting + DAY),
            session=session,
            guild_id=GUILD,
            actor_id=MODERATOR,
        )
    assert await run(dispatcher, clock, START) == reporting + DAY - 7 * DAY
    await run(dispatcher, clock, reporting + DAY)
    ((_, payload, _),) = sender.sent  # the leads were skipped by the jump: the due reminder only
    assert payload["allowed_mentions"] == {"parse": [], "roles": [ROLE]}
    assert payload["content"].startswith(f"<@&{ROLE}> “Reporting due” (Wiki-to-print) is due now")


def test_pick_answer_has_the_buttons() -> None:
    payload = render_actions(42, "", "es")
    assert payload["flags"] == 64 and "Entrega del informe" in payload["content"]
    assert milestone_ids(payload) == [42]
