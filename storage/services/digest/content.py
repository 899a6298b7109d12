"""What the weekly digest says: a pure function of the guild's records and `now`.

The past week is [now - 7 days, now]; the next is [now, now + 7 days). What changed
is read from the audit trail. Each section keeps at most `limit` items (the renderer
says "and N more") and its total.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import AuditEvent, Entry, Milestone, Status

WINDOW = timedelta(days=7)
SECTION_LIMIT = 25
# Milestones of entries taken out of the directory are not news.
_CLOSED = (Status.ARCHIVED.value, Status.REJECTED.value)
_ENDED = (Status.COMPLETED.value, Status.PAUSED.value)
_CHANGES = ("approve", "status", "create")

T = TypeVar("T")


@dataclass(frozen=True)
class EntryRef:
    id: int
    name: str
    kind: str


@dataclass(frozen=True)
class ActivatedItem:
    entry: EntryRef
    at: datetime
    approved: bool  # False: made active otherwise (resumed, reopened, added as active)


@dataclass(frozen=True)
class ProposalItem:
    entry: EntryRef
    support_count: int
    created_at: datetime


@dataclass(frozen=True)
class MilestoneItem:
    id: int
    title: str
    entry: EntryRef
    due_at: datetime
    coordinator_id: int | None
    done_at: datetime | None


@dataclass(frozen=True)
class StatusItem:
    entry: EntryRef
    status: str  # completed | paused
    at: datetime


@dataclass(frozen=True)
class QuietItem:
    entry: EntryRef
    last_activity: datetime


@dataclass(frozen=True)
class Section(Generic[T]):
    items: tuple[T, ...] = ()
    total: int = 0

    @property
    def more(self) -> int:
        return self.total - len(self.items)


@dataclass(frozen=True)
class Summary:
    active: int
    proposals: int
    due_soon: int
    overdue: int


@dataclass(frozen=True)
class DigestContent:
    guild_id: int
    now: datetime
    followthrough_days: int
    summary: Summary
    activated: Section[ActivatedItem] = field(default_factory=Section)
    proposals: Section[ProposalItem] = field(default_factory=Section)  # oldest first
    due_soon: Section[MilestoneItem] = field(default_factory=Section)  # soonest first
    overdue: Section[MilestoneItem] = field(default_factory=Section)  # longest overdue first
    milestones_done: Section[MilestoneItem] = field(default_factory=Section)
    ended: Section[StatusItem] = field(default_factory=Section)  # completed or paused
    followthrough: Section[QuietItem] = field(default_factory=Section)  # quiet longest first

    @property
    def sections(self) -> tuple[Section[Any], ...]:
        return (
            self.activated,
            self.proposals,
            self.due_soon,
            self.overdue,
            self.milestones_done,
            self.ended,
            self.followthrough,
        )

    @property
    def quiet(self) -> bool:
        return not any(section.total for section in self.sections)


def _capped(items: list[T], limit: int | None) -> Section[T]:
    return Section(tuple(items[:limit]), len(items))


def _section(rows: list[Any], make: Any) -> Section[Any]:
    """Rows from a query whose last column is `count() over ()`: the total before LIMIT."""
    return Section(tuple(make(row) for row in rows), rows[0][-1] if rows else 0)


async def _changes(
    session: AsyncSession, guild_id: int, since: datetime, now: datetime, limit: int | None
) -> tuple[Section[ActivatedItem], Section[StatusItem]]:
    """Entries made active, and entries completed or paused, in the window (audit trail);
    an entry that changed twice is listed once, at its latest change."""
    statement = (
        select(
            AuditEvent.action,
            AuditEvent.at,
            AuditEvent.before,
            AuditEvent.after,
            Entry.id,
            Entry.name,
            Entry.kind,
        )
        .join(Entry, col(Entry.id) == col(AuditEvent.entry_id))
        .where(
            AuditEvent.guild_id == guild_id,
            Entry.guild_id == guild_id,
            col(AuditEvent.action).in_(_CHANGES),
            col(AuditEvent.at) >= since,
            col(AuditEvent.at) <= now,
        )
        .order_by(col(AuditEvent.at), col(AuditEvent.id))
    )
    activated: dict[int, ActivatedItem] = {}
    ended: dict[int, StatusItem] = {}
    for action, at, before, after, entry_id, name, kind in (await session.exec(statement)).all():
        status = (after or {}).get("status")
        entry = EntryRef(entry_id, name, kind)
        if status == Status.ACTIVE:
            # A proposal made active by a status change was approved all the same.
            approved = action == "approve" or (before or {}).get("status") == Status.PROPOSED
            activated.pop(entry_id, None)  # re-insert: dicts keep the order of insertion
            activated[entry_id] = ActivatedItem(entry, at, approved)
        elif status in _ENDED and action == "status":
            ended.pop(entry_id, None)
            ended[entry_id] = StatusItem(entry, status, at)
    return _capped(list(activated.values()), limit), _capped(list(ended.values()), limit)


async def _proposals(
    session: AsyncSession, guild_id: int, limit: int | None
) -> Section[ProposalItem]:
    statement = (
        select(
            Entry.id,
            Entry.name,
            Entry.kind,
            Entry.support_count,
            Entry.created_at,
            func.count().over(),
        )
        .where(Entry.guild_id == guild_id, Entry.status == Status.PROPOSED)
        .order_by(col(Entry.created_at), col(Entry.id))
        .limit(limit)
    )
    rows = list((await session.exec(statement)).all())
    return _section(rows, lambda r: ProposalItem(EntryRef(r[0], r[1], r[2]), r[3], r[4]))


async def _milestones(
    session: AsyncSession, guild_id: int, limit: int | None, order: Any, *where: Any
) -> Section[MilestoneItem]:
    statement = (
        select(
            Milestone.id,
            Milestone.title,
            Entry.id,
            Entry.name,
            Entry.kind,
            Milestone.due_at,
            Milestone.coordinator_id,
            Milestone.done_at,
            func.count().over(),
        )
        .join(Entry, col(Entry.id) == col(Milestone.entry_id))
        .where(
            Milestone.guild_id == guild_id,
            Entry.guild_id == guild_id,
            col(Entry.status).not_in(_CLOSED),
            *where,
        )
        .order_by(order, col(Milestone.id))
        .limit(limit)
    )
    rows = list((await session.exec(statement)).all())
    return _section(
        rows, lambda r: MilestoneItem(r[0], r[1], EntryRef(r[2], r[3], r[4]), r[5], r[6], r[7])
    )


def _later(a: Any, b: Any) -> Any:
    """The later of two datetime expressions; NULL counts as never (portable GREATEST)."""
    return sa.case((func.coalesce(b, a) > a, b), else_=a)


async def _followthrough(
    session: AsyncSession, guild_id: int, cutoff: datetime, limit: int | None
) -> Section[QuietItem]:
    """Active entries with no change and no milestone activity since `cutoff`, quietest first."""
    # One pass over the guild's milestones: each entry's latest milestone activity.
    milestones = (
        select(
            col(Milestone.entry_id).label("entry_id"),
            func.max(_later(col(Milestone.updated_at), col(Milestone.done_at))).label("last"),
        )
        .where(Milestone.guild_id == guild_id)
        .group_by(col(Milestone.entry_id))
        .subquery()
    )
    last = _later(col(Entry.updated_at), milestones.c.last)
    statement = (
        select(Entry.id, Entry.name, Entry.kind, last, func.count().over())
        .outerjoin(milestones, milestones.c.entry_id == col(Entry.id))
        .where(Entry.guild_id == guild_id, Entry.status == Status.ACTIVE, last < cutoff)
        .order_by(last, col(Entry.id))
        .limit(limit)
    )
    rows = list((await session.exec(statement)).all())
    return _section(rows, lambda r: QuietItem(EntryRef(r[0], r[1], r[2]), r[3]))


async def build_digest(
    *,
    session: AsyncSession,
    guild_id: int,
    now: datetime,
    followthrough_days: int,
    limit: int | None = SECTION_LIMIT,
) -> DigestContent:
    """The guild's digest at `now`; `limit=None` keeps every item of every section."""
    since, until = now - WINDOW, now + WINDOW
    activated, ended = await _changes(session, guild_id, since, now, limit)
    due_at, done_at = col(Milestone.due_at), col(Milestone.done_at)
    due_soon = await _milestones(
        session, guild_id, limit, due_at, done_at.is_(None), due_at >= now, due_at < until
    )
    overdue = await _milestones(session, guild_id, limit, due_at, done_at.is_(None), due_at < now)
    done = await _milestones(
        session,
        guild_id,
        limit,
        done_at,
        done_at >= since,
        done_at <= now,
        col(Milestone.closed_reason).is_(None),  # closed with its entry: not done
    )
    proposals = await _proposals(session, guild_id, limit)
    cutoff = now - timedelta(days=followthrough_days)
    followthrough = await _followthrough(session, guild_id, cutoff, limit)
    active = (
        await session.exec(
            select(func.count())
            .select_from(Entry)
            .where(Entry.guild_id == guild_id, Entry.status == Status.ACTIVE)
        )
    ).one()
    return DigestContent(
        guild_id=guild_id,
        now=now,
        followthrough_days=followthrough_days,
        summary=Summary(active, proposals.total, due_soon.total, overdue.total),
        activated=activated,
        proposals=proposals,
        due_soon=due_soon,
        overdue=overdue,
        milestones_done=done,
        ended=ended,
        followthrough=followthrough,
    )
