"""Milestones of an entry that leaves the pipeline: rejected or archived, its open
milestones end (no more reminders), and are not counted as done."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Entry, Milestone, ReminderState, Status
from storage.services import milestones, planning

# An entry leaving the pipeline closes its open milestones: no more reminders for them.
CLOSING_STATUSES = (Status.REJECTED, Status.ARCHIVED)


async def close_open_milestones(
    entry: Entry, *, session: AsyncSession, actor_id: int | None, now: datetime
) -> list[Milestone]:
    """The entry was rejected or archived: its open milestones end (audited
    "milestone-close", with the status), their pending reminders cancelled."""
    assert entry.id is not None
    statement = select(Milestone).where(
        Milestone.entry_id == entry.id,
        Milestone.guild_id == entry.guild_id,
        col(Milestone.done_at).is_(None),
    )
    closed = list((await session.exec(statement.with_for_update())).all())
    for milestone in closed:
        before = milestones.snapshot(milestone)
        milestone.done_at = now
        milestone.closed_reason = str(entry.status)
        for stage in await planning.pending_stages(milestone, session=session):
            stage.state = ReminderState.CANCELLED
            session.add(stage)
        await milestones.save_milestone(
            milestone, "milestone-close", session=session, actor_id=actor_id, now=now, before=before
        )
    return closed


async def closed_with_entry(
    entry_id: int, *, session: AsyncSession, guild_id: int, at: datetime | None = None
) -> list[Milestone]:
    """The milestones closed when the entry left the pipeline (`at`: by that change)."""
    statement = select(Milestone).where(
        Milestone.entry_id == entry_id,
        Milestone.guild_id == guild_id,
        col(Milestone.closed_reason).is_not(None),
    )
    if at is not None:
        statement = statement.where(Milestone.done_at == at)
    return list((await session.exec(statement.order_by(col(Milestone.due_at)))).all())


async def open_of_entry(entry_id: int, *, session: AsyncSession, guild_id: int) -> list[Milestone]:
    statement = select(Milestone).where(
        Milestone.entry_id == entry_id,
        Milestone.guild_id == guild_id,
        col(Milestone.done_at).is_(None),
    )
    return list((await session.exec(statement.order_by(col(Milestone.due_at)))).all())
