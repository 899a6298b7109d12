"""Reminder stages on SQLite and PostgreSQL: planned, replanned by an edit or new lead
times, and moved by a snooze."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import Database
from storage.errors import InvalidInput
from storage.models import AuditEvent, Milestone, Reminder, ReminderState
from storage.services import milestones, reminders
from storage.services import settings as guild_settings
from tests.support.factories import GUILD, MODERATOR, OTHER_GUILD, VOLUNTEER
from tests.support.milestone_factories import (
    AS_COORDINATOR,
    AS_MODERATOR,
    COORDINATOR,
    DAY,
    START,
    configure,
    fire_times,
    new_entry,
    new_milestone,
    stages,
)


async def test_add_plans_lead_and_due_stages(session: AsyncSession) -> None:
    await configure(session)
    entry = await new_entry(session)
    due = START + 10 * DAY
    milestone = await new_milestone(session, entry, due=due, added_by=VOLUNTEER)
    await session.commit()
    assert await fire_times(session, milestone.id) == {
        ("lead", 7 * 24 * 60): due - 7 * DAY,
        ("lead", 24 * 60): due - DAY,
        ("due", 0): due,
    }
    events = (
        await session.exec(select(AuditEvent).where(AuditEvent.action == "milestone-add"))
    ).all()
    assert [(e.entry_id, e.actor_id, e.after["title"]) for e in events] == [
        (entry.id, VOLUNTEER, "Deliver the first report")
    ]


async def test_lead_stages_already_past_are_not_created(session: AsyncSession) -> None:
    entry = await new_entry(session)
    milestone = await new_milestone(session, entry, due=START + DAY + timedelta(hours=2))
    assert await stages(session, milestone.id) == [
        ("lead", 1440, "pending"),
        ("due", 0, "pending"),
    ]
    tomorrow = await new_milestone(session, entry, due=START + timedelta(hours=20))
    assert await stages(session, tomorrow.id) == [("due", 0, "pending")]


async def test_lead_minutes_follow_the_guild_setting(session: AsyncSession) -> None:
    await configure(session, reminder_lead_minutes=[60, 3 * 24 * 60, 60, 0])
    entry = await new_entry(session)
    milestone = await new_milestone(session, entry, due=START + 5 * DAY)
    assert await stages(session, milestone.id) == [
        ("lead", 4320, "pending"),
        ("lead", 60, "pending"),
        ("due", 0, "pending"),
    ]


async def test_edit_reschedules_pending_stages(session: AsyncSession) -> None:
    entry = await new_entry(session)
    due = START + 10 * DAY
    milestone = await new_milestone(session, entry, due=due)
    assert milestone.id is not None
    # The 7-day reminder went out.
    await session.exec(
        sa.update(Reminder)
        .where(col(Reminder.milestone_id) == milestone.id, col(Reminder.seq) == 10080)
        .values(state=ReminderState.SENT)
    )
    now = START + 3 * DAY + timedelta(hours=1)
    new_due = due + 20 * DAY
    edited = await milestones.edit_milestone(
        milestone.id,
        session=session,
        guild_id=GUILD,
        actor=AS_COORDINATOR,
        now=now,
        due_at=new_due,
        title="Deliver the final report",
        coordinator_id=None,
    )
    assert edited.due_at == new_due and edited.coordinator_id is None
    assert await fire_times(session, milestone.id) == {
        ("lead", 10080): new_due - 7 * DAY,
        ("lead", 1440): new_due - DAY,
        ("due", 0): new_due,
    }
    event = (
        await session.exec(select(AuditEvent).where(AuditEvent.action == "milestone-edit"))
    ).one()
    assert event.after["title"] == "Deliver the final report"
    assert event.before["coordinator_id"] == COORDINATOR and event.after["coordinator_id"] is None
    assert set(event.after) == {"id", "title", "due_at", "coordinator_id"}
    with pytest.raises(InvalidInput):
        await milestones.edit_milestone(
            milestone.id,
            session=session,
            guild_id=GUILD,
            actor=AS_MODERATOR,
            now=now,
            due_at=now - DAY,
        )


async def _snooze(session: AsyncSession, milestone: Milestone, duration: timedelta, now: datetime):
    assert milestone.id is not None
    return await milestones.snooze(
        milestone.id,
        duration,
        session=session,
        guild_id=GUILD,
        actor=AS_COORDINATOR,
        now=now,
    )


async def test_snooze_a_lead_reminder_repeats_it_later(session: AsyncSession) -> None:
    entry = await new_entry(session)
    due = START + 10 * DAY
    milestone = await new_milestone(session, entry, due=due)
    now = due - 7 * DAY + timedelta(minutes=1)  # just after the 7-day reminder
    await session.exec(
        sa.update(Reminder)
        .where(col(Reminder.milestone_id) == milestone.id, col(Reminder.seq) == 10080)
        .values(state=ReminderState.SENT)
    )
    snoozed = await _snooze(session, milestone, DAY, now)
    assert snoozed.snoozed_until == now + DAY and snoozed.acknowledged_at == now
    repeat = int((due - now - DAY) / timedelta(minutes=1))
    assert await fire_times(session, milestone.id) == {
        ("lead", repeat): now + DAY,
        ("lead", 1440): due - DAY,
        ("due", 0): due,
    }


async def test_snooze_past_later_stages_folds_them_into_one(session: AsyncSession) -> None:
    entry = await new_entry(session)
    due = START + 10 * DAY
    milestone = await new_milestone(session, entry, due=due)
    now = due - 2 * DAY
    await _snooze(session, milestone, timedelta(weeks=1), now)
    assert await fire_times(session, milestone.id) == {("due", 0): now + timedelta(weeks=1)}
    assert ("lead", 1440, "cancelled") in await stages(session, milestone.id)


async def test_snooze_when_overdue_brings_the_next_reminder_forward(session: AsyncSession) -> None:
    entry = await new_entry(session)
    due = START + DAY
    milestone = await new_milestone(session, entry, due=due)
    assert milestone.id is not None
    # As the dispatcher leaves it after the due reminder: overdue 1 pending a day later.
    await session.exec(
        sa.update(Reminder)
        .where(col(Reminder.milestone_id) == milestone.id)
        .values(state=ReminderState.SENT)
    )
    session.add(
        Reminder(
            guild_id=GUILD, milestone_id=milestone.id, kind="overdue", seq=1, fire_at=due + DAY
        )
    )
    await session.flush()
    now = due + timedelta(minutes=5)
    await _snooze(session, milestone, timedelta(hours=1), now)
    assert await fire_times(session, milestone.id) == {("overdue", 1): now + timedelta(hours=1)}
    with pytest.raises(InvalidInput):
        await _snooze(session, milestone, timedelta(seconds=5), now)


async def set_leads(session: AsyncSession, minutes: object, now: datetime) -> None:
    await guild_settings.update_settings(
        session=session, guild_id=GUILD, actor_id=MODERATOR, now=now, reminder_lead_minutes=minutes
    )


async def mark_sent(session: AsyncSession, milestone: Milestone, seq: int) -> None:
    """As the dispatcher leaves a lead stage it delivered."""
    await session.exec(
        sa.update(Reminder)
        .where(col(Reminder.milestone_id) == milestone.id, col(Reminder.seq) == seq)
        .values(state=ReminderState.SENT)
    )


async def test_new_lead_times_replan_the_open_milestones(session: AsyncSession) -> None:
    await configure(session)
    await configure(session, OTHER_GUILD)
    entry, other_entry = await new_entry(session), await new_entry(session, OTHER_GUILD)
    due = START + 10 * DAY
    ahead = await new_milestone(session, entry, due=due)
    past_due = await new_milestone(session, entry, due=START + 2 * DAY)
    done = await new_milestone(session, entry, due=due)
    elsewhere = await new_milestone(session, other_entry, due=due)
    assert done.id is not None
    await milestones.mark_done(
        done.id, session=session, guild_id=GUILD, actor=AS_MODERATOR, now=START
    )
    await mark_sent(session, ahead, 10080)
    untouched = {m.id: await stages(session, m.id) for m in (past_due, done, elsewhere)}
    now = START + 3 * DAY + timedelta(hours=1)  # the 7-day reminder went out

    await set_leads(session, [8 * 1440, 10080, 2880, 60], now)

    # 8 days before is past: not planned, as for a new milestone; the 7-day one is not sent again.
    assert await stages(session, ahead.id) == [
        ("lead", 10080, "sent"),
        ("lead", 2880, "pending"),
        ("lead", 60, "pending"),
        ("due", 0, "pending"),
    ]
    assert await fire_times(session, ahead.id) == {
        ("lead", 2880): due - 2 * DAY,
        ("lead", 60): due - timedelta(hours=1),
        ("due", 0): due,
    }
    assert {m: await stages(session, m) for m in untouched} == untouched
    event = (await session.exec(select(AuditEvent).where(AuditEvent.action == "settings"))).one()
    assert (event.actor_id, event.before, event.after) == (
        MODERATOR,
        {"reminder_lead_minutes": "[10080, 1440]"},
        {"reminder_lead_minutes": "[11520, 10080, 2880, 60]"},
    )


async def test_sooner_lead_times_bring_the_next_wake_up_forward(session: AsyncSession) -> None:
    await configure(session)
    due = START + 10 * DAY
    await new_milestone(session, await new_entry(session), due=due)
    await set_leads(session, [1440], START)
    assert await reminders.next_due_at(session=session) == due - DAY
    await set_leads(session, [9 * 1440, 1440], START)
    assert await reminders.next_due_at(session=session) == due - 9 * DAY


async def test_new_lead_times_keep_a_running_snooze(session: AsyncSession) -> None:
    await configure(session)
    due = START + 10 * DAY
    milestone = await new_milestone(session, await new_entry(session), due=due)
    snoozed_at = due - 7 * DAY + timedelta(minutes=1)
    await mark_sent(session, milestone, 10080)
    until = (await _snooze(session, milestone, DAY, snoozed_at)).snoozed_until
    assert until == snoozed_at + DAY
    repeat = int((due - until) / timedelta(minutes=1))
    now = snoozed_at + timedelta(hours=1)

    # No new stage before the snooze ends: the snooze's repeat of the lead reminder stays.
    await set_leads(session, [10080, 4 * 1440, 1440], now)
    assert await fire_times(session, milestone.id) == {
        ("lead", repeat): until,
        ("lead", 5760): due - 4 * DAY,
        ("lead", 1440): due - DAY,
        ("due", 0): due,
    }
    # A new stage before the snooze ends is folded into one at its end.
    await set_leads(session, [10080, 9360], now)
    assert await fire_times(session, milestone.id) == {("lead", 9360): until, ("due", 0): due}


async def test_lead_times_are_checked_and_kept_farthest_first(session: AsyncSession) -> None:
    await configure(session)
    milestone = await new_milestone(session, await new_entry(session), due=START + 10 * DAY)
    for bad in ([0], [-60], ["60"], [True], 60, [1, 2, 3, 4, 5, 6], [366 * 1440]):
        with pytest.raises(InvalidInput) as refused:
            await set_leads(session, bad, START)
        assert refused.value.field == "reminder_lead_minutes"
    await set_leads(session, [60, 2880, 60], START)
    settings = await guild_settings.get_settings(session=session, guild_id=GUILD)
    assert settings.reminder_lead_minutes == [2880, 60]
    await set_leads(session, [], START)  # only the due reminder
    assert await stages(session, milestone.id) == [("due", 0, "pending")]


async def test_lead_times_and_their_replan_are_one_transaction(database: Database) -> None:
    async with database.transaction() as session:
        await configure(session)
        milestone = await new_milestone(session, await new_entry(session), due=START + 10 * DAY)
    planned = await _stages_of(database, milestone)
    with pytest.raises(RuntimeError):
        async with database.transaction() as session:
            await set_leads(session, [60], START)
            raise RuntimeError("the command fails after the change")
    async with database.sessions() as session:
        settings = await guild_settings.get_settings(session=session, guild_id=GUILD)
    assert settings.reminder_lead_minutes == [10080, 1440]
    assert await _stages_of(database, milestone) == planned


async def _stages_of(database: Database, milestone: Milestone) -> list[tuple[str, int, str]]:
    async with database.sessions() as session:
        return await stages(session, milestone.id)
