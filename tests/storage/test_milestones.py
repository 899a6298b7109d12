"""Milestone rules on SQLite and PostgreSQL: input, guilds, lists, permissions, done, reporting.

How their reminder stages are planned and moved: test_planning.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.errors import InvalidInput, NotAllowed, NotFound
from storage.models import AuditEvent, Milestone
from storage.schemas import EntryUpdate
from storage.services import entries, milestones
from tests.support.factories import GUILD, MODERATOR, OTHER_GUILD, VOLUNTEER
from tests.support.milestone_factories import (
    AS_COORDINATOR,
    AS_MODERATOR,
    COORDINATOR,
    DAY,
    START,
    fire_times,
    move_reporting,
    new_entry,
    new_milestone,
    reporting_partnership,
    stages,
)


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
                now=START,
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
    mine, _ = await milestones.list_milestones(session=session, guild_id=GUILD, mine=COORDINATOR)
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
        await milestones.remove_milestone(milestone.id, now=START, **who)
    await milestones.remove_milestone(
        milestone.id, session=session, guild_id=GUILD, actor=AS_COORDINATOR, now=START
    )
    await session.flush()
    assert await stages(session, milestone.id) == []
    removed = (
        await session.exec(select(AuditEvent).where(AuditEvent.action == "milestone-remove"))
    ).one()
    assert removed.entry_id == entry.id and removed.before["title"] == "Deliver the first report"


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


async def test_reporting_date_milestone_follows_the_entry(session: AsyncSession) -> None:
    reporting = START + 30 * DAY
    entry = await reporting_partnership(session, reporting)
    listed, _ = await milestones.list_milestones(session=session, guild_id=GUILD)
    assert [(m.source, m.due_at, m.coordinator_id, m.title) for m in listed] == [
        ("reporting", reporting, None, "")
    ]
    milestone = listed[0]
    assert [kind for kind, _, _ in await stages(session, milestone.id)] == ["lead", "lead", "due"]

    moved = reporting + 60 * DAY
    await move_reporting(session, entry, moved)
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
        now=START,
    )
    assert await milestones.list_milestones(session=session, guild_id=GUILD) == ([], 0)
    assert await stages(session, milestone.id) == []


async def test_alliances_and_past_reporting_dates_get_no_reminders(session: AsyncSession) -> None:
    alliance = await new_entry(session, reporting_due_at=START + DAY)
    assert await milestones.list_milestones(session=session, guild_id=GUILD) == ([], 0)
    past = datetime(2020, 1, 1, tzinfo=UTC)
    entry = await new_entry(
        session,
        kind="partnership",
        success_measures="m",
        reporting_due_at=past,
        name="Old",
        status="active",  # a proposal gets its reporting milestone when it is approved
    )
    listed, _ = await milestones.list_milestones(session=session, guild_id=GUILD)
    assert [(m.entry_id, m.due_at) for m in listed] == [(entry.id, past)]
    assert await stages(session, listed[0].id) == []
    assert alliance.id is not None


async def test_deleting_the_entry_deletes_its_milestones(session: AsyncSession) -> None:
    entry = await new_entry(session)
    milestone = await new_milestone(session, entry, due=START + 10 * DAY)
    assert entry.id is not None
    await entries.delete_entry(
        entry.id, session=session, guild_id=GUILD, actor_id=MODERATOR, now=START
    )
    await session.commit()
    assert await milestones.list_milestones(session=session, guild_id=GUILD) == ([], 0)
    assert await stages(session, milestone.id) == []


async def test_who_adds_a_milestone_owns_it(session: AsyncSession) -> None:
    entry = await new_entry(session)
    own = await new_milestone(session, entry, due=START + DAY, coordinator=None, added_by=VOLUNTEER)
    named = await new_milestone(
        session, entry, due=START + 2 * DAY, title="Named", added_by=VOLUNTEER
    )
    imported = await new_milestone(session, entry, due=START + 3 * DAY, coordinator=None)
    assert own.coordinator_id == VOLUNTEER  # no one named: the one who added it
    assert named.coordinator_id == COORDINATOR
    assert imported.coordinator_id is None  # added by no one: the coordinator role's
    # The volunteer keeps the right to change what they added, even coordinated by another.
    who = {"session": session, "guild_id": GUILD, "actor": milestones.Actor(VOLUNTEER)}
    assert named.id is not None and own.id is not None
    await milestones.edit_milestone(named.id, now=START, title="Renamed", **who)
    await milestones.snooze(own.id, DAY, now=START, **who)
    await milestones.mark_done(own.id, now=START, **who)
    await milestones.remove_milestone(named.id, now=START, **who)
    assert imported.id is not None
    with pytest.raises(NotAllowed):
        await milestones.mark_done(imported.id, now=START, **who)
    await session.flush()
    mine, total = await milestones.list_milestones(
        session=session, guild_id=GUILD, mine=VOLUNTEER, include_done=True
    )
    assert [m.id for m in mine] == [own.id] and total == 1
    theirs, _ = await milestones.list_milestones(session=session, guild_id=GUILD, mine=COORDINATOR)
    assert theirs == []
