"""A partnership's reporting milestone: the report to its funder, kept in step with the
entry's reporting date (one row, `source` "reporting"), and written in bulk by imports."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Entry, EntryKind, Milestone, Reminder, ReminderState
from storage.services import audit, milestones, planning
from storage.services.settings import get_settings


async def sync_reporting_milestone(
    entry: Entry, *, session: AsyncSession, now: datetime
) -> Milestone | None:
    """Keep a partnership's reporting date as a milestone: created, moved or removed with it.

    A new date starts a new cycle (done and snooze are cleared). A date already past
    when it is set gets the milestone but no reminders: imported history is not news.
    """
    assert entry.id is not None
    mine = Milestone.entry_id == entry.id, Milestone.source == milestones.SOURCE_REPORTING
    statement = select(Milestone).where(Milestone.guild_id == entry.guild_id, *mine)
    milestone = (await session.exec(statement.with_for_update())).first()
    due = entry.reporting_due_at if entry.kind == EntryKind.PARTNERSHIP else None
    if due is None:
        if milestone is not None:
            await milestones.delete_milestone(milestone, session=session, actor_id=None, now=now)
        return None
    if milestone is not None and milestone.due_at == due:
        return milestone
    before = milestones.snapshot(milestone) if milestone is not None else None
    if milestone is None:
        milestone = Milestone(
            guild_id=entry.guild_id,
            entry_id=entry.id,
            title="",
            due_at=due,
            source=milestones.SOURCE_REPORTING,
            created_at=now,
        )
    milestone.due_at = due
    milestone.done_at = milestone.acknowledged_at = milestone.snoozed_until = None
    action = "milestone-add" if before is None else "milestone-edit"
    await milestones.save_milestone(
        milestone, action, session=session, actor_id=None, now=now, before=before
    )
    if due > now:
        await milestones.replan(milestone, now, session=session)
    else:
        await planning.clear_stages(milestone, session=session)
    return milestone


async def add_reporting_milestones(
    dues: dict[int, datetime], *, session: AsyncSession, guild_id: int, now: datetime
) -> None:
    """`sync_reporting_milestone` for new partnerships (entry id -> reporting date), a
    statement per table for them all: what an import of many entries writes."""
    if not dues:
        return
    table = Milestone.__table__  # type: ignore[attr-defined]
    rows = [
        {"guild_id": guild_id, "entry_id": entry_id, "title": "", "due_at": due}
        | {"source": milestones.SOURCE_REPORTING, "created_at": now, "updated_at": now}
        for entry_id, due in dues.items()
    ]
    inserted = await session.exec(
        sa.insert(table).returning(table.c.id, table.c.entry_id), params=rows
    )
    ids = {entry_id: milestone_id for milestone_id, entry_id in inserted.all()}
    event = {"guild_id": guild_id, "actor_id": None, "action": "milestone-add", "at": now}
    events = [
        event
        | {"entry_id": entry_id, "before": None}
        | {"after": milestones.snapshot_of({"id": ids[entry_id], "title": "", "due_at": due})}
        for entry_id, due in dues.items()
    ]
    await audit.record_many(session=session, events=events)
    # As sync_reporting_milestone: a date already past gets no reminders.
    settings = await get_settings(session=session, guild_id=guild_id)
    stages = [
        {"guild_id": guild_id, "milestone_id": ids[entry_id], "kind": kind, "seq": seq}
        | {"fire_at": fire_at, "state": ReminderState.PENDING}
        for entry_id, due in dues.items()
        if due > now
        for kind, seq, fire_at in planning.stage_times(due, settings, now)
    ]
    if stages:
        await session.exec(sa.insert(Reminder.__table__), params=stages)  # type: ignore[attr-defined]
