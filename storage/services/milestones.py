"""Milestones of entries: add, list, edit, done, snooze, remove.

Their reminder stages are planned in `planning`. Who may change a milestone:
`can_manage`. A partnership's reporting date is kept as its own milestone (source
"reporting", no coordinator: the guild's coordinator role is pinged) by
`sync_reporting_milestone`; its date follows the entry.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from sqlmodel import col, func, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.errors import DomainError, InvalidInput, NotAllowed, NotFound
from storage.models import Entry, Milestone, ReminderState, Status
from storage.schemas import _clean
from storage.services import audit, planning, recurrence
from storage.services.recurrence import Recurrence
from storage.services.settings import get_settings

TITLE_MAX = 200
SOURCE_MANUAL = "manual"
SOURCE_REPORTING = "reporting"
SNOOZE_MIN = timedelta(minutes=5)
SNOOZE_MAX = timedelta(days=90)
AUDITED = ("id", "title", "due_at", "coordinator_id", "done_at", "snoozed_until")


class Keep(Enum):
    """Marks an edit argument left unchanged (None is a value: "no coordinator")."""

    KEEP = "keep"


KEEP = Keep.KEEP


@dataclass(frozen=True)
class Actor:
    """Who asks for a change, as the Discord layer knows them."""

    user_id: int
    is_moderator: bool = False
    has_coordinator_role: bool = False


def can_manage(
    milestone: Milestone, *, user_id: int, is_moderator: bool, has_coordinator_role: bool = False
) -> bool:
    """Moderators, the member who added it, its coordinator, or, when it has none, the
    coordinator role."""
    if is_moderator or user_id in (milestone.created_by, milestone.coordinator_id):
        return True
    return milestone.coordinator_id is None and has_coordinator_role


def snapshot(milestone: Milestone) -> dict[str, Any]:
    return snapshot_of({key: getattr(milestone, key) for key in AUDITED})


def snapshot_of(values: dict[str, Any]) -> dict[str, Any]:
    values = {key: values.get(key) for key in AUDITED}
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in values.items()}


async def save_milestone(
    milestone: Milestone,
    action: str,
    *,
    session: AsyncSession,
    actor_id: int | None,
    now: datetime,
    delete: bool = False,
    before: dict[str, Any] | None = None,
) -> None:
    """Write the milestone (or delete it) with its audit event: what changed."""
    after = snapshot(milestone) if not delete else None
    if before is not None and after is not None:
        before, after = audit.diff(before, after)
        before["id"] = after["id"] = milestone.id
    if delete:
        await session.delete(milestone)  # its stages go with it (ON DELETE CASCADE)
    else:
        milestone.updated_at = now
        session.add(milestone)
    await session.flush()
    if after is not None and after["id"] is None:  # a new milestone: its id exists only now
        after["id"] = milestone.id
    await audit.record(
        session=session,
        guild_id=milestone.guild_id,
        action=action,
        actor_id=actor_id,
        entry_id=milestone.entry_id,
        before=before,
        after=after,
        now=now,
    )


def _title(value: str) -> str:
    title = _clean(value)
    if not title:
        raise InvalidInput("title", "error-required")
    if len(title) > TITLE_MAX:
        raise InvalidInput("title", "error-too-long", TITLE_MAX, len(title))
    if "\n" in title:
        raise InvalidInput("title", "error-one-line")
    return title


def _future(due_at: datetime, now: datetime) -> datetime:
    if due_at.tzinfo is None:
        raise InvalidInput("due", "error-bad-date")
    if due_at <= now:
        raise InvalidInput("due", "milestone-due-past")
    return due_at


async def get_milestone(
    milestone_id: int, *, session: AsyncSession, guild_id: int, for_update: bool = False
) -> Milestone:
    """The milestone of this guild; another guild's id is simply not found."""
    statement = select(Milestone).where(
        Milestone.id == milestone_id, Milestone.guild_id == guild_id
    )
    if for_update:
        statement = statement.with_for_update()
    milestone = (await session.exec(statement)).first()
    if milestone is None:
        raise NotFound(milestone_id)
    return milestone


async def _for_change(
    milestone_id: int, *, session: AsyncSession, guild_id: int, actor: Actor
) -> Milestone:
    # Locked: serialises with the dispatcher's claim, which locks milestones too.
    milestone = await get_milestone(
        milestone_id, session=session, guild_id=guild_id, for_update=True
    )
    if not can_manage(milestone, **asdict(actor)):
        raise NotAllowed()
    return milestone


async def replan(milestone: Milestone, now: datetime, *, session: AsyncSession) -> None:
    guild = await get_settings(session=session, guild_id=milestone.guild_id)
    await planning.plan_stages(milestone, guild, now, session=session)


async def add_milestone(
    *,
    session: AsyncSession,
    guild_id: int,
    entry_id: int,
    title: str,
    due_at: datetime,
    coordinator_id: int | None,
    actor_id: int | None,
    now: datetime,
    repeat: Recurrence | None = None,
    repeat_zone: str = "UTC",
) -> Milestone:
    """A new milestone, planned; `repeat`: a recurring one, its rule read in `repeat_zone`
    from this first occurrence."""
    entry = select(Entry.name, Entry.status).where(Entry.id == entry_id, Entry.guild_id == guild_id)
    found = (await session.exec(entry)).first()
    if found is None:
        raise NotFound(entry_id)
    if found[1] in (
        Status.REJECTED,
        Status.ARCHIVED,
    ):  # it left the pipeline: nothing more is due there
        raise DomainError(found[0], Status(found[1]), key="milestone-entry-closed")
    milestone = Milestone(
        guild_id=guild_id,
        entry_id=entry_id,
        title=_title(title),
        due_at=_future(due_at, now),
        # Whoever adds a milestone coordinates it unless they name someone else; one added
        # by no one (imported) is the coordinator role's.
        coordinator_id=coordinator_id if coordinator_id is not None else actor_id,
        source=SOURCE_MANUAL,
        created_by=actor_id,
        created_at=now,
        recurrence=repeat.rrule_text() if repeat is not None else None,
        recurrence_zone=repeat_zone if repeat is not None else None,
    )
    await save_milestone(milestone, "milestone-add", session=session, actor_id=actor_id, now=now)
    await replan(milestone, now, session=session)
    return milestone


async def list_milestones(
    *,
    session: AsyncSession,
    guild_id: int,
    entry_id: int | None = None,
    mine: int | None = None,
    due_before: datetime | None = None,
    include_done: bool = False,
    limit: int = 25,
    offset: int = 0,
) -> tuple[list[Milestone], int]:
    """A page of milestones, soonest due first, and the total.

    `mine`: the milestones this member coordinates or added; `due_before`: upcoming
    (overdue ones included).
    """
    where: list[Any] = [Milestone.guild_id == guild_id]
    if entry_id is not None:
        where.append(Milestone.entry_id == entry_id)
    if mine is not None:
        where.append(or_(Milestone.coordinator_id == mine, Milestone.created_by == mine))
    if due_before is not None:
        where.append(col(Milestone.due_at) < due_before)
    if not include_done:
        where.append(col(Milestone.done_at).is_(None))
    total = (await session.exec(select(func.count()).select_from(Milestone).where(*where))).one()
    statement = (
        select(Milestone)
        .where(*where)
        .order_by(col(Milestone.due_at), col(Milestone.id))
        .limit(limit)
        .offset(offset)
    )
    return list((await session.exec(statement)).all()), total


async def edit_milestone(
    milestone_id: int,
    *,
    session: AsyncSession,
    guild_id: int,
    actor: Actor,
    now: datetime,
    title: str | Keep = KEEP,
    due_at: datetime | Keep = KEEP,
    coordinator_id: int | Keep | None = KEEP,
) -> Milestone:
    """Change title, due time or coordinator; a new due time replans the stages."""
    milestone = await _for_change(milestone_id, session=session, guild_id=guild_id, actor=actor)
    before = snapshot(milestone)
    if not isinstance(title, Keep):
        milestone.title = _title(title)
    if not isinstance(coordinator_id, Keep):
        milestone.coordinator_id = coordinator_id
    moved = not isinstance(due_at, Keep) and due_at != milestone.due_at
    if not isinstance(due_at, Keep) and moved:
        if milestone.source == SOURCE_REPORTING:
            raise InvalidInput("due", "milestone-follows-entry")
        milestone.due_at = _future(due_at, now)
    if snapshot(milestone) == before:
        return milestone
    await save_milestone(
        milestone, "milestone-edit", session=session, actor_id=actor.user_id, now=now, before=before
    )
    if moved:
        await replan(milestone, now, session=session)
    return milestone


async def mark_done(
    milestone_id: int,
    *,
    session: AsyncSession,
    guild_id: int,
    actor: Actor,
    now: datetime,
) -> Milestone:
    """Done: no more reminders. Pressing Done twice changes nothing the second time."""
    milestone = await _for_change(milestone_id, session=session, guild_id=guild_id, actor=actor)
    if milestone.done_at is not None:
        return milestone
    milestone.acknowledged_at = milestone.acknowledged_at or now
    await end_milestone(
        milestone, "milestone-done", session=session, actor_id=actor.user_id, now=now
    )
    await plan_following(milestone, now, session=session)
    return milestone


async def end_milestone(
    milestone: Milestone,
    action: str,
    *,
    session: AsyncSession,
    actor_id: int | None,
    now: datetime,
    closed_reason: str | None = None,
) -> None:
    """No more reminders: done at `now` (or closed, with its reason), pending stages
    cancelled, audited as `action`."""
    before = snapshot(milestone)
    milestone.done_at = now
    milestone.closed_reason = closed_reason
    for stage in await planning.pending_stages(milestone, session=session):
        stage.state = ReminderState.CANCELLED
        session.add(stage)
    await save_milestone(
        milestone, action, session=session, actor_id=actor_id, now=now, before=before
    )


async def plan_following(milestone: Milestone, now: datetime, *, session: AsyncSession) -> None:
    """A recurring milestone done or past its due time: plan its next occurrence."""
    following = await recurrence.plan_next(milestone, session=session)
    if following is not None:
        await replan(following, now, session=session)


async def snooze(
    milestone_id: int,
    duration: timedelta,
    *,
    session: AsyncSession,
    guild_id: int,
    actor: Actor,
    now: datetime,
) -> Milestone:
    """ "Remind me in `duration`": the next reminder comes at now + duration (`planning.defer`)."""
    if not SNOOZE_MIN <= duration <= SNOOZE_MAX:
        raise InvalidInput("duration", "error-bad-value", int(duration.total_seconds()))
    milestone = await _for_change(milestone_id, session=session, guild_id=guild_id, actor=actor)
    if milestone.done_at is not None:
        raise InvalidInput("milestone", "milestone-already-done", milestone_id)
    pending = await planning.pending_stages(milestone, session=session)
    if not pending:
        raise InvalidInput("milestone", "milestone-nothing-to-snooze", milestone_id)
    until = now + duration
    before = snapshot(milestone)
    await planning.defer(milestone, pending, until, session=session)
    milestone.snoozed_until = until
    milestone.acknowledged_at = milestone.acknowledged_at or now
    await save_milestone(
        milestone,
        "milestone-snooze",
        session=session,
        actor_id=actor.user_id,
        now=now,
        before=before,
    )
    return milestone


async def remove_milestone(
    milestone_id: int, *, session: AsyncSession, guild_id: int, actor: Actor, now: datetime
) -> None:
    milestone = await _for_change(milestone_id, session=session, guild_id=guild_id, actor=actor)
    if milestone.source == SOURCE_REPORTING:
        raise InvalidInput("milestone", "milestone-follows-entry")
    await delete_milestone(milestone, session=session, actor_id=actor.user_id, now=now)


async def delete_milestone(
    milestone: Milestone, *, session: AsyncSession, actor_id: int | None, now: datetime
) -> None:
    before = snapshot(milestone)
    action = "milestone-remove"
    await save_milestone(
        milestone, action, session=session, actor_id=actor_id, now=now, delete=True, before=before
    )
