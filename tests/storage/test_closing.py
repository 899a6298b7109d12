"""An entry that leaves the pipeline stops reminding: its open milestones are closed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.errors import DomainError
from storage.models import AuditEvent, Reminder, ReminderState, Status
from storage.services import closing, entries
from storage.services.digest import content
from tests.support.milestone_factories import (
    DAY,
    START,
    VOLUNTEER,
    configure,
    new_entry,
    new_milestone,
)

MODERATOR = 42


async def _pending(session: AsyncSession, milestone_id: int) -> list[Reminder]:
    rows = await session.exec(
        select(Reminder).where(
            Reminder.milestone_id == milestone_id, Reminder.state == ReminderState.PENDING
        )
    )
    return list(rows.all())


async def test_archiving_closes_open_milestones_and_refuses_new_ones(
    session: AsyncSession,
) -> None:
    await configure(session)
    entry = await new_entry(session, status="active")
    open_one = await new_milestone(session, entry, due=START + 3 * DAY, title="Report")
    assert open_one.id is not None and await _pending(session, open_one.id)
    now = START + DAY
    await entries.change_status(
        entry.id,
        Status.ARCHIVED,
        session=session,
        guild_id=entry.guild_id,
        actor_id=MODERATOR,
        now=now,
    )
    closed = await closing.closed_with_entry(
        entry.id, session=session, guild_id=entry.guild_id, at=now
    )
    assert [(m.id, m.closed_reason) for m in closed] == [(open_one.id, "archived")]
    assert await _pending(session, open_one.id) == []  # no more reminders
    events = (
        await session.exec(select(AuditEvent).where(AuditEvent.action == "milestone-close"))
    ).all()
    assert [e.actor_id for e in events] == [MODERATOR]
    with pytest.raises(DomainError) as refused:
        await new_milestone(session, entry, due=START + 5 * DAY, added_by=VOLUNTEER)
    assert refused.value.key == "milestone-entry-closed"
    # The digest does not count a closed milestone as done.
    digest = await content.build_digest(
        session=session, guild_id=entry.guild_id, now=now + DAY, followthrough_days=90
    )
    assert digest.milestones_done.total == 0


async def test_rejecting_a_proposal_closes_its_milestones(session: AsyncSession) -> None:
    await configure(session)
    entry = await new_entry(session, status="proposed")
    milestone = await new_milestone(session, entry, due=START + 3 * DAY)
    now = START + timedelta(hours=2)
    await entries.decide(
        entry.id,
        approve=False,
        reason="Out of scope",
        session=session,
        guild_id=entry.guild_id,
        actor_id=MODERATOR,
        now=now,
    )
    closed = await closing.closed_with_entry(
        entry.id, session=session, guild_id=entry.guild_id, at=now
    )
    assert [(m.id, m.closed_reason) for m in closed] == [(milestone.id, "rejected")]


async def test_completing_keeps_open_milestones_until_asked(session: AsyncSession) -> None:
    await configure(session)
    entry = await new_entry(session, status="active")
    await new_milestone(session, entry, due=START + 3 * DAY)
    await entries.change_status(
        entry.id,
        Status.COMPLETED,
        session=session,
        guild_id=entry.guild_id,
        actor_id=MODERATOR,
        now=START,
        outcomes="Done",
    )
    still = await closing.open_of_entry(entry.id, session=session, guild_id=entry.guild_id)
    assert len(still) == 1
    await closing.close_open_milestones(entry, session=session, actor_id=MODERATOR, now=START)
    assert await closing.open_of_entry(entry.id, session=session, guild_id=entry.guild_id) == []
