"""The audit trail: who changed what, when, with the values before and after."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import AuditEvent, Entry, Milestone
from storage.sql import insert_many_sqlite

AUDITED_FIELDS = (
    "kind",
    "name",
    "partners",
    "area",
    "steward",
    "chapter_name",
    "status",
    "rejection_reason",
    "summary",
    "links",
    "success_measures",
    "funder",
    "reporting_due_at",
    "outcomes",
    "lessons",
    "is_model",
)


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def snapshot(entry: Entry) -> dict[str, Any]:
    return {name: _json_value(getattr(entry, name)) for name in AUDITED_FIELDS}


def snapshot_of(values: Mapping[str, Any]) -> dict[str, Any]:
    """`snapshot` of an entry's column values not yet loaded as an `Entry` (bulk writes)."""
    return {name: _json_value(values.get(name)) for name in AUDITED_FIELDS}


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that changed, on each side."""
    changed = [key for key in after if before.get(key) != after.get(key)]
    return {k: before.get(k) for k in changed}, {k: after[k] for k in changed}


async def record(
    *,
    session: AsyncSession,
    guild_id: int,
    action: str,
    actor_id: int | None,
    entry_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    now: datetime,
) -> AuditEvent:
    event = AuditEvent(
        guild_id=guild_id,
        entry_id=entry_id,
        actor_id=actor_id,
        action=action,
        at=now,
        before=before,
        after=after,
    )
    session.add(event)
    return event


async def record_many(*, session: AsyncSession, events: Sequence[dict[str, Any]]) -> None:
    """Many events in one statement (bulk writes): dicts of `record`'s arguments and `at`."""
    table = AuditEvent.__table__  # type: ignore[attr-defined]
    if events and session.get_bind().dialect.name == "sqlite":
        await insert_many_sqlite(session, table, events)
    elif events:
        await session.exec(sa.insert(table), params=list(events))


async def history(
    *, session: AsyncSession, guild_id: int, entry_id: int, limit: int = 50
) -> list[AuditEvent]:
    statement = (
        select(AuditEvent)
        .where(AuditEvent.guild_id == guild_id, AuditEvent.entry_id == entry_id)
        .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
        .limit(limit)
    )
    return list((await session.exec(statement)).all())


async def milestone_titles(
    events: list[AuditEvent], *, session: AsyncSession, guild_id: int
) -> dict[int, str]:
    """The titles of the milestones these events are about, by id: from the events (a
    removed milestone's is in its last event), else from the milestone as it is now."""
    titles: dict[int, str] = {}
    wanted: set[int] = set()
    for event in events:
        if not event.action.startswith("milestone-"):
            continue
        for side in (event.before, event.after):
            if side and side.get("id") is not None:
                wanted.add(side["id"])
                if side.get("title"):
                    titles[side["id"]] = side["title"]
    missing = wanted - titles.keys()
    if missing:
        statement = select(Milestone.id, Milestone.title).where(
            Milestone.guild_id == guild_id, col(Milestone.id).in_(missing)
        )
        titles |= {id_: title for id_, title in (await session.exec(statement)).all()}
    return titles
