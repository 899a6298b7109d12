"""Milestones of an entry that leaves the pipeline: rejected or archived, its open
milestones end (no more reminders), and are not counted as done."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Entry, Milestone, Status
from storage.services import milestones

# An entry leaving the pipeline closes its open milestones: no more reminders for them.
CLOSING_STATUSES = (Status.REJECTED, Status.ARCHIVED)


async def close_open_milestones(
    entry: Entry, *, session: AsyncSession, actor_id: int | None, now: datetime
) -> list[Milestone]:
    """The entry was rejected or archived: its open milestones end (audited
    "milestone-close", with the status), their pending reminders cancelled."""
    assert entry.id is not None
    closed = await open_of_entry(
        entry.id, session=session, guild_id=entry.guild_id, for_update=True
    )
    for milestone in closed:
        await milestones.end_milestone(
            milestone,
            "milestone-close",
            session=session,
            actor_id=actor_id,
            now=now,
            closed_reason=str(entry.status),
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


async def open_of_entry(
    entry_id: int, *, session: AsyncSession, guild_id: int, for_update: bool = False
) -> list[Milestone]:
    """The entry's milestones not done, soonest due first (`for_update`: locked, as a
    change takes them, serialised with the reminders' claim)."""
    statement = (
        select(Milestone)
        .where(
            Milestone.entry_id == entry_id,
            Milestone.guild_id == guild_id,
            col(Milestone.done_at).is_(None),
        )
        .order_by(col(Milestone.due_at))
    )
    if for_update:
        statement = statement.with_for_update()
    return list((await session.exec(statement)).all())
