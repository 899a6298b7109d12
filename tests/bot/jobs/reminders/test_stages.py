"""The reminders dispatcher on SQLite and PostgreSQL, with a fixed clock and a recording sender:
what goes out, when and to whom.

Stages in order, done, snooze, edits, a channel missing or gone, guild isolation,
the reporting milestone, and who gets pinged. Late, batched and exactly-once
delivery: test_delivery.py.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest

from bot.jobs.reminders import ReminderDispatcher
from bot.render.reminders import milestone_ids, render_actions
from storage.db import Database
from storage.services import milestones, reminders
from tests.bot.jobs.reminders.conftest import DedupingSender, run, setup, states
from tests.support.clocks import FixedClock
from tests.support.factories import GUILD, OTHER_GUILD
from tests.support.milestone_factories import (
    AS_COORDINATOR,
    AS_MODERATOR,
    CHANNEL,
    COORDINATOR,
    DAY,
    OTHER_CHANNEL,
    ROLE,
    START,
    configure,
    move_reporting,
    new_entry,
    new_milestone,
    reporting_partnership,
)

HOUR = timedelta(hours=1)


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
    with caplog.at_level(logging.WARNING, logger="bot.jobs.reminders"):
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
        entry = await reporting_partnership(session, reporting)
        await move_reporting(session, entry, reporting + DAY)
    assert await run(dispatcher, clock, START) == reporting + DAY - 7 * DAY
    await run(dispatcher, clock, reporting + DAY)
    ((_, payload, _),) = sender.sent  # the leads were skipped by the jump: the due reminder only
    assert payload["allowed_mentions"] == {"parse": [], "roles": [ROLE]}
    assert payload["content"].startswith(f"<@&{ROLE}> “Reporting due” (Wiki-to-print) is due now")


def test_pick_answer_has_the_buttons() -> None:
    payload = render_actions(42, "", "es")
    assert payload["flags"] == 64 and "Entrega del informe" in payload["content"]
    assert milestone_ids(payload) == [42]
