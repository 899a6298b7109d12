"""Milestone rules on SQLite and PostgreSQL: stages, edits, done, snooze, permissions, reporting."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.errors import InvalidInput, NotAllowed, NotFound
from storage.models import AuditEvent, Entry, GuildSettings, Milestone, Reminder, ReminderState
from storage.schemas import EntryUpdate
from storage.services import entries, milestones
from tests.factories import GUILD, MODERATOR, OTHER_GUILD, VOLUNTEER, entry_input

# A year ahead of the real clock: entries.create_entry plans reporting stages from utcnow().
START = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=365)
CHANNEL = 700_000_000_000_000_001
OTHER_CHANNEL = 700_000_000_000_000_002
ROLE = 800_000_000_000_000_001
COORDINATOR = 900_000_000_000_000_010
DAY = timedelta(days=1)
AS_MODERATOR = milestones.Actor(MODERATOR, is_moderator=True)
AS_COORDINATOR = milestones.Actor(COORDINATOR)
_names = itertools.count(1)


async def configure(
    session: AsyncSession,
    guild_id: int = GUILD,
    *,
    channel: int | None = CHANNEL,
    role: int | None = ROLE,
    **values: object,
) -> GuildSettings:
    """Guild settings written directly: the overdue knobs are not (yet) user settings."""
    guild = await session.get(GuildSettings, guild_id) or GuildSettings(guild_id=guild_id)
    guild.reminder_channel_id = channel
    guild.coordinator_role_id = role
    for key, value in values.items():
        setattr(guild, key, value)
    session.add(guild)
    await session.flush()
    return guild


async def new_entry(session: AsyncSession, guild_id: int = GUILD, **overrides: object) -> Entry:
    overrides.setdefault("name", f"Entry {next(_names)}")
    return await entries.create_entry(
        entry_input(**overrides), session=session, guild_id=guild_id, actor_id=VOLUNTEER
    )


async def new_milestone(
    session: AsyncSession,
    entry: Entry,
    *,
    due: datetime,
    title: str = "Deliver the first report",
    coordinator: int | None = COORDINATOR,
    now: datetime = START,
) -> Milestone:
    assert entry.id is not None
    return await milestones.add_milestone(
        session=session,
        guild_id=entry.guild_id,
        entry_id=entry.id,
        title=title,
        due_at=due,
        coordinator_id=coordinator,
        actor_id=VOLUNTEER,
        now=now,
    )


async def stages(session: AsyncSession, milestone_id: int | None) -> list[tuple[str, int, str]]:
    """(kind, seq, state) of a milestone's stages, in firing order."""
    rows = await session.exec(
        select(Reminder)
        .where(Reminder.milestone_id == milestone_id)
        .execution_options(populate_existing=True)
    )
    ordered = sorted(rows.all(), key=lambda r: (r.fire_at, r.id))
    return [(r.kind, r.seq, r.state) for r in ordered]


async def fire_times(
    session: AsyncSession, milestone_id: int | None
) -> dict[tuple[str, int], datetime]:
    rows = await session.exec(
        select(Reminder).where(
            Reminder.milestone_id == milestone_id, Reminder.state == ReminderState.PENDING
        )
    )
    return {(r.kind, r.seq): r.fire_at for r in rows.all()}


async def test_add_plans_lead_and_due_stages(session: AsyncSession) -> None:
    await configure(session)
    entry = await new_entry(session)
    due = START + 10 * DAY
    milestone = await new_milestone(session, entry, due=due)
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


async def test_add_refuses_bad_input(session: AsyncSession) -> None:
    entry = await new_entry(session)
    with pytest.raises(InvalidInput) as past:
        await new_milestone(session, entry, due=START - timedelta(minutes=1))
    assert past.value.key == "milestone-due-past"
    with pytest.raises(InvalidInput) as blank:
        await new_milestone(session, entry, due=START + DAY, title="   ")
    assert blank.value.key == "error-required"
    with pytest.raises(InvalidInput) as long:
        await new_milestone(session, entry, due=START + DAY, title="x" * 201)
    assert long.value.key == "error-too-long"
    with pytest.raises(InvalidInput):
        await new_milestone(session, entry, due=START + DAY, title="two\nlines")
    with pytest.raises(InvalidInput):
        await new_milestone(session, entry, due=(START + DAY).replace(tzinfo=None))


async def test_other_guild_cannot_see_or_change(session: AsyncSession) -> None:
    entry = await new_entry(session)
    other_entry = await new_entry(session, OTHER_GUILD)
    milestone = await new_milestone(session, entry, due=START + DAY)
    await new_milestone(session, other_entry, due=START + DAY)
    assert milestone.id is not None and entry.id is not None
    with pytest.raises(NotFound):
        await milestones.get_milestone(milestone.id, session=session, guild_id=OTHER_GUILD)
    for change in (milestones.mark_done, milestones.remove_milestone):
        with pytest.raises(NotFound):
            await change(
                milestone.id,
                session=session,
                guild_id=OTHER_GUILD,
                actor=AS_MODERATOR,
                **({"now": START} if change is milestones.mark_done else {}),
            )
    with pytest.raises(NotFound):  # another guild's entry
        await milestones.add_milestone(
            session=session,
            guild_id=OTHER_GUILD,
            entry_id=entry.id,
            title="x",
            due_at=START + DAY,
            coordinator_id=None,
            actor_id=MODERATOR,
            now=START,
        )
    mine, total = await milestones.list_milestones(session=session, guild_id=GUILD)
    assert [m.id for m in mine] == [milestone.id] and total == 1


async def test_list_by_entry_mine_and_upcoming(session: AsyncSession) -> None:
    first, second = await new_entry(session, name="First"), await new_entry(session, name="Second")
    late = await new_milestone(session, first, due=START + 9 * DAY, title="Late")
    soon = await new_milestone(session, second, due=START + DAY, title="Soon", coordinator=None)
    done = await new_milestone(session, first, due=START + 2 * DAY, title="Done")
    assert done.id is not None
    await milestones.mark_done(
        done.id, session=session, guild_id=GUILD, actor=AS_MODERATOR, now=START
    )
    listed, total = await milestones.list_milestones(session=session, guild_id=GUILD)
    assert [m.title for m in listed] == ["Soon", "Late"] and total == 2
    by_entry, _ = await milestones.list_milestones(
        session=session, guild_id=GUILD, entry_id=first.id, include_done=True
    )
    assert [m.title for m in by_entry] == ["Done", "Late"]
    mine, _ = await milestones.list_milestones(
        session=session, guild_id=GUILD, coordinator_id=COORDINATOR
    )
    assert [m.id for m in mine] == [late.id]
    week = await milestones.list_milestones(
        session=session, guild_id=GUILD, due_before=START + 7 * DAY
    )
    assert [m.id for m in week[0]] == [soon.id]


def test_can_manage() -> None:
    owned = Milestone(guild_id=GUILD, entry_id=1, title="t", due_at=START, coordinator_id=7)
    unowned = Milestone(guild_id=GUILD, entry_id=1, title="t", due_at=START)
    assert milestones.can_manage(owned, user_id=7, is_moderator=False)
    assert milestones.can_manage(owned, user_id=8, is_moderator=True)
    assert not milestones.can_manage(owned, user_id=8, is_moderator=False)
    assert not milestones.can_manage(
        owned, user_id=8, is_moderator=False, has_coordinator_role=True
    )
    assert milestones.can_manage(unowned, user_id=8, is_moderator=False, has_coordinator_role=True)
    assert not milestones.can_manage(unowned, user_id=8, is_moderator=False)


async def test_only_coordinator_or_moderator_may_change(session: AsyncSession) -> None:
    entry = await new_entry(session)
    milestone = await new_milestone(session, entry, due=START + 3 * DAY)
    assert milestone.id is not None
    who = {"session": session, "guild_id": GUILD, "actor": milestones.Actor(VOLUNTEER)}
    with pytest.raises(NotAllowed):
        await milestones.edit_milestone(milestone.id, now=START, title="Mine now", **who)
    with pytest.raises(NotAllowed):
        await milestones.mark_done(milestone.id, now=START, **who)
    with pytest.raises(NotAllowed):
        await milestones.snooze(milestone.id, DAY, now=START, **who)
    with pytest.raises(NotAllowed):
        await milestones.remove_milestone(milestone.id, **who)
    await milestones.remove_milestone(
        milestone.id, session=session, guild_id=GUILD, actor=AS_COORDINATOR
    )
    await session.flush()
    assert await stages(session, milestone.id) == []
    removed = (
        await session.exec(select(AuditEvent).where(AuditEvent.action == "milestone-remove"))
    ).one()
    assert removed.entry_id == entry.id and removed.before["title"] == "Deliver the first report"


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


async def test_done_cancels_stages_and_is_idempotent(session: AsyncSession) -> None:
    entry = await new_entry(session)
    milestone = await new_milestone(session, entry, due=START + 10 * DAY)
    assert milestone.id is not None
    for _ in range(2):
        done = await milestones.mark_done(
            milestone.id,
            session=session,
            guild_id=GUILD,
            actor=AS_COORDINATOR,
            now=START + DAY,
        )
    assert done.done_at == START + DAY and done.acknowledged_at == START + DAY
    assert {state for _, _, state in await stages(session, milestone.id)} == {"cancelled"}
    events = (
        await session.exec(select(AuditEvent).where(AuditEvent.action == "milestone-done"))
    ).all()
    assert len(events) == 1 and events[0].entry_id == entry.id
    with pytest.raises(InvalidInput) as refused:
        await milestones.snooze(
            milestone.id,
            DAY,
            session=session,
            guild_id=GUILD,
            actor=AS_COORDINATOR,
            now=START + DAY,
        )
    assert refused.value.key == "milestone-already-done"


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


async def test_reporting_date_milestone_follows_the_entry(session: AsyncSession) -> None:
    reporting = START + 30 * DAY
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
    listed, _ = await milestones.list_milestones(session=session, guild_id=GUILD)
    assert [(m.source, m.due_at, m.coordinator_id, m.title) for m in listed] == [
        ("reporting", reporting, None, "")
    ]
    milestone = listed[0]
    assert [kind for kind, _, _ in await stages(session, milestone.id)] == ["lead", "lead", "due"]

    moved = reporting + 60 * DAY
    await entries.update_entry(
        entry.id,
        EntryUpdate.parse(name="Wiki-to-print", reporting_due_at=moved),
        session=session,
        guild_id=GUILD,
        actor_id=MODERATOR,
    )
    assert (await fire_times(session, milestone.id))[("due", 0)] == moved
    with pytest.raises(InvalidInput) as refused:
        await milestones.edit_milestone(
            milestone.id,
            session=session,
            guild_id=GUILD,
            actor=AS_MODERATOR,
            now=START,
            due_at=moved + DAY,
        )
    assert refused.value.key == "milestone-follows-entry"

    await entries.update_entry(
        entry.id,
        EntryUpdate.parse(name="Wiki-to-print", reporting_due_at=None),
        session=session,
        guild_id=GUILD,
        actor_id=MODERATOR,
    )
    assert await milestones.list_milestones(session=session, guild_id=GUILD) == ([], 0)
    assert await stages(session, milestone.id) == []


async def test_alliances_and_past_reporting_dates_get_no_reminders(session: AsyncSession) -> None:
    alliance = await new_entry(session, reporting_due_at=START + DAY)
    assert await milestones.list_milestones(session=session, guild_id=GUILD) == ([], 0)
    past = datetime(2020, 1, 1, tzinfo=UTC)
    entry = await new_entry(
        session, kind="partnership", success_measures="m", reporting_due_at=past, name="Old"
    )
    listed, _ = await milestones.list_milestones(session=session, guild_id=GUILD)
    assert [(m.entry_id, m.due_at) for m in listed] == [(entry.id, past)]
    assert await stages(session, listed[0].id) == []
    assert alliance.id is not None


async def test_deleting_the_entry_deletes_its_milestones(session: AsyncSession) -> None:
    entry = await new_entry(session)
    milestone = await new_milestone(session, entry, due=START + 10 * DAY)
    assert entry.id is not None
    await entries.delete_entry(entry.id, session=session, guild_id=GUILD, actor_id=MODERATOR)
    await session.commit()
    assert await milestones.list_milestones(session=session, guild_id=GUILD) == ([], 0)
    assert await stages(session, milestone.id) == []
