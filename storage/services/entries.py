"""Entries: create, read, update with audit, status changes, decisions, support."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import search
from storage.errors import (
    AlreadyDecided,
    Ambiguous,
    DuplicateName,
    InvalidInput,
    InvalidTransition,
    NotFound,
    Unchanged,
)
from storage.models import Entry, Status
from storage.schemas import OUTCOMES_MAX, REASON_MAX, EntryInput, EntryUpdate
from storage.search.query import LIVING
from storage.services import audit, closing, reporting
from storage.text import fold, search_document

# Moves a moderator may make with /partnership status. A proposal leaves `proposed` only
# by a decision (decide(): the review post, the proposer told) and comes back to it only
# by a resubmission (proposals.resubmit): no move here bypasses either.
TRANSITIONS: dict[Status, set[Status]] = {
    Status.PROPOSED: set(),
    Status.ACTIVE: {Status.COMPLETED, Status.PAUSED, Status.ARCHIVED},
    Status.PAUSED: {Status.ACTIVE, Status.COMPLETED, Status.ARCHIVED},
    Status.COMPLETED: {Status.ACTIVE, Status.ARCHIVED},
    Status.REJECTED: {Status.ARCHIVED},
    Status.ARCHIVED: {Status.ACTIVE},
}


def derived(
    name: str, partners: str, summary: str, measures: str | None, chapter: str | None
) -> dict[str, str]:
    """The columns kept from an entry's texts: its name's key and its search text."""
    return {
        "name_key": fold(name),
        "search_text": search_document(name, partners, summary, measures, chapter),
    }


def _refresh_derived(entry: Entry) -> None:
    values = derived(
        entry.name, entry.partners, entry.summary, entry.success_measures, entry.chapter_name
    )
    entry.name_key, entry.search_text = values["name_key"], values["search_text"]


def new_entry_values(
    data: EntryInput, *, guild_id: int, actor_id: int | None, now: datetime
) -> dict[str, Any]:
    """The columns of a new entry made of `data` (a proposal's fields), derived ones too."""
    partners, summary = data.partners or "", data.summary or ""
    values = {
        "guild_id": guild_id,
        "kind": data.kind,
        "name": data.name,
        "partners": partners,
        "area": data.area,
        "steward": data.steward,
        "chapter_name": data.chapter_name,
        "status": data.status,
        "summary": summary,
        "links": data.links,
        "success_measures": data.success_measures,
        "funder": data.funder,
        "reporting_due_at": data.reporting_due_at,
        "proposer_id": actor_id,
        "created_at": now,
        "updated_at": now,
    }
    return values | derived(data.name, partners, summary, data.success_measures, data.chapter_name)


async def find_by_name(
    *, session: AsyncSession, guild_id: int, name: str, except_id: int | None = None
) -> Entry | None:
    """The entry of this name in the guild (case- and accent-insensitive), if any."""
    statement = select(Entry).where(Entry.guild_id == guild_id, Entry.name_key == fold(name))
    if except_id is not None:
        statement = statement.where(Entry.id != except_id)
    return (await session.exec(statement)).first()


async def create_entry(
    data: EntryInput,
    *,
    session: AsyncSession,
    guild_id: int,
    actor_id: int | None,
    now: datetime,
) -> Entry:
    if await find_by_name(session=session, guild_id=guild_id, name=data.name):
        raise DuplicateName(data.name)
    entry = Entry(**new_entry_values(data, guild_id=guild_id, actor_id=actor_id, now=now))
    session.add(entry)
    try:
        await session.flush()
    except sa.exc.IntegrityError:
        # Two proposals of one name at once: the unique index decides.
        raise DuplicateName(data.name) from None
    await audit.record(
        session=session,
        guild_id=guild_id,
        action="create",
        actor_id=actor_id,
        entry_id=entry.id,
        after=audit.snapshot(entry),
        now=now,
    )
    await sync_reporting(entry, session=session, now=now)
    return entry


async def sync_reporting(entry: Entry, *, session: AsyncSession, now: datetime) -> None:
    """A partnership's reporting milestone follows its reporting date once it is approved
    (or imported as such): a proposal has none until the decision."""
    if entry.status in (Status.PROPOSED, Status.REJECTED):
        return
    await reporting.sync_reporting_milestone(entry, session=session, now=now)


async def names_of(ids: Iterable[int], *, session: AsyncSession, guild_id: int) -> dict[int, str]:
    """The names of these entries of the guild, in one query."""
    wanted = set(ids)
    if not wanted:
        return {}
    rows = await session.exec(
        select(Entry.id, Entry.name).where(Entry.guild_id == guild_id, col(Entry.id).in_(wanted))
    )
    return {entry_id: name for entry_id, name in rows.all() if entry_id is not None}


async def get_entry(entry_id: int, *, session: AsyncSession, guild_id: int) -> Entry:
    """The entry of this guild; another guild's id is simply not found."""
    entry = (
        await session.exec(select(Entry).where(Entry.id == entry_id, Entry.guild_id == guild_id))
    ).first()
    if entry is None:
        raise NotFound(entry_id)
    return entry


# How many entries a name that matches none exactly offers to pick from.
RESOLVE_SHOWN = 5


async def resolve_entry(reference: str, *, session: AsyncSession, guild_id: int) -> Entry:
    """An entry named by an autocomplete choice (its id), by its number (`6` or `#6`) or
    by a name typed in full. A name that is none of these raises Ambiguous with the
    entries it may mean (names starting so, or near it), or NotFound if there are none."""
    reference = reference.strip()
    number = reference.removeprefix("#").strip()
    if number.isdecimal() and len(number) < 19:
        try:
            return await get_entry(int(number), session=session, guild_id=guild_id)
        except NotFound:
            pass  # a name made of digits: try it as a name below
    entry = await find_by_name(session=session, guild_id=guild_id, name=reference)
    if entry is not None:
        return entry
    matches = await search.autocomplete_names(
        reference, session=session, guild_id=guild_id, limit=RESOLVE_SHOWN
    )
    if matches:
        key = "error-ambiguous" if len(matches) > 1 else "error-did-you-mean"
        raise Ambiguous(reference[:100], matches, key=key)
    raise NotFound(reference[:100], key="error-no-entry-named")


async def get_entry_for_update(entry_id: int, *, session: AsyncSession, guild_id: int) -> Entry:
    statement = (
        select(Entry).where(Entry.id == entry_id, Entry.guild_id == guild_id).with_for_update()
    )
    entry = (await session.exec(statement)).first()
    if entry is None:
        raise NotFound(entry_id)
    return entry


async def list_entries(
    *,
    session: AsyncSession,
    guild_id: int,
    status: Status | None = None,
    limit: int = 10,
    offset: int = 0,
) -> tuple[list[Entry], int]:
    """A page of entries, newest change first, and the total count; without a status,
    the living directory (rejected and archived entries are listed by their status)."""
    where = [Entry.guild_id == guild_id]
    if status is not None:
        where.append(Entry.status == status)
    else:
        where.append(col(Entry.status).in_(LIVING))
    total = (await session.exec(select(func.count()).select_from(Entry).where(*where))).one()
    statement = (
        select(Entry)
        .where(*where)
        .order_by(col(Entry.updated_at).desc(), col(Entry.id).desc())
        .limit(limit)
        .offset(offset)
    )
    return list((await session.exec(statement)).all()), total


async def all_entries(*, session: AsyncSession, guild_id: int) -> Sequence[Entry]:
    statement = select(Entry).where(Entry.guild_id == guild_id).order_by(col(Entry.id))
    return (await session.exec(statement)).all()


async def apply_changes(
    entry: Entry,
    changes: dict[str, Any],
    *,
    session: AsyncSession,
    actor_id: int | None,
    action: str,
    now: datetime,
) -> Entry:
    """Write changes to an entry with one audit event; a no-op writes nothing."""
    before = audit.snapshot(entry)
    for name, value in changes.items():
        setattr(entry, name, value)
    _refresh_derived(entry)
    after = audit.snapshot(entry)
    changed_before, changed_after = audit.diff(before, after)
    if not changed_after:
        return entry
    entry.updated_at = now
    session.add(entry)
    name = entry.name  # the failed flush rolls back and expires the entry: read it first
    try:
        await session.flush()
    except sa.exc.IntegrityError:
        raise DuplicateName(name) from None
    await audit.record(
        session=session,
        guild_id=entry.guild_id,
        action=action,
        actor_id=actor_id,
        entry_id=entry.id,
        before=changed_before,
        after=changed_after,
        now=now,
    )
    return entry


async def update_entry(
    entry_id: int,
    changes: EntryUpdate,
    *,
    session: AsyncSession,
    guild_id: int,
    actor_id: int | None,
    now: datetime,
) -> Entry:
    entry = await get_entry_for_update(entry_id, session=session, guild_id=guild_id)
    values = changes.model_dump(exclude_unset=True)
    # A cleared text is stored as "", as create_entry stores it: the columns are NOT NULL.
    values |= {key: "" for key in ("partners", "summary") if key in values and not values[key]}
    if "name" in values and await find_by_name(
        session=session, guild_id=guild_id, name=values["name"], except_id=entry.id
    ):
        raise DuplicateName(values["name"])
    if "summary" in values and not values["summary"] and entry.summary:
        raise InvalidInput("summary", "error-required")  # a summary is not emptied
    kind = values.get("kind", entry.kind)
    measures = values.get("success_measures", entry.success_measures)
    if kind == "partnership" and not measures:
        raise InvalidInput("success_measures", "error-measures-required")
    entry = await apply_changes(
        entry, values, session=session, actor_id=actor_id, action="edit", now=now
    )
    await sync_reporting(entry, session=session, now=now)
    return entry


async def decide(
    entry_id: int,
    *,
    approve: bool,
    session: AsyncSession,
    guild_id: int,
    actor_id: int,
    reason: str | None = None,
    now: datetime,
) -> Entry:
    """Approve or reject a proposal. Exactly one of two concurrent deciders wins.

    The conditional UPDATE (status still 'proposed') is the arbiter on every
    backend: the loser matches no row and is told the entry was already decided.
    """
    if not approve and not (reason and reason.strip()):
        raise InvalidInput("rejection_reason", "error-required")
    if reason and len(reason) > REASON_MAX:
        raise InvalidInput("rejection_reason", "error-too-long", REASON_MAX, len(reason))
    entry = await get_entry(entry_id, session=session, guild_id=guild_id)
    before = audit.snapshot(entry)
    new_status = Status.ACTIVE if approve else Status.REJECTED
    result = await session.exec(
        sa.update(Entry)
        .where(
            col(Entry.id) == entry_id,
            col(Entry.guild_id) == guild_id,
            col(Entry.status) == Status.PROPOSED,
        )
        .values(
            status=new_status,
            rejection_reason=None if approve else reason.strip() if reason else None,
            decided_by=actor_id,
            decided_at=now,
            updated_at=now,
        )
    )
    if result.rowcount != 1:
        await session.refresh(entry)
        raise AlreadyDecided(entry.name, Status(entry.status))
    await session.refresh(entry)
    changed_before, changed_after = audit.diff(before, audit.snapshot(entry))
    await audit.record(
        session=session,
        guild_id=guild_id,
        action="approve" if approve else "reject",
        actor_id=actor_id,
        entry_id=entry_id,
        before=changed_before,
        after=changed_after,
        now=now,
    )
    await sync_reporting(entry, session=session, now=now)  # approved: its reporting milestone now
    if not approve:
        await closing.close_open_milestones(entry, session=session, actor_id=actor_id, now=now)
    return entry


def check_transition(current: Status, wanted: Status, *, name: str) -> None:
    """Refuse a move /partnership status may not make, saying which path to take instead."""
    if wanted == current or wanted in TRANSITIONS[current]:
        return
    if current == Status.PROPOSED:
        raise InvalidTransition(name, key="error-decide-in-review")
    if current == Status.REJECTED and wanted == Status.PROPOSED:
        raise InvalidTransition(name, key="error-resubmit-by-edit")
    raise InvalidTransition(current, wanted)


async def change_status(
    entry_id: int,
    status: Status,
    *,
    session: AsyncSession,
    guild_id: int,
    actor_id: int,
    outcomes: str | None = None,
    lessons: str | None = None,
    now: datetime,
) -> Entry:
    entry = await get_entry_for_update(entry_id, session=session, guild_id=guild_id)
    current = Status(entry.status)
    if status == current:
        raise Unchanged(entry.name, current, key="status-already")
    check_transition(current, status, name=entry.name)
    changes: dict[str, Any] = {"status": status}
    for field, value in (("outcomes", outcomes), ("lessons", lessons)):
        if value is not None:
            if len(value) > OUTCOMES_MAX:
                raise InvalidInput(field, "error-too-long", OUTCOMES_MAX, len(value))
            changes[field] = value.strip() or None
    entry = await apply_changes(
        entry, changes, session=session, actor_id=actor_id, action="status", now=now
    )
    if status in closing.CLOSING_STATUSES:
        await closing.close_open_milestones(entry, session=session, actor_id=actor_id, now=now)
    return entry


async def set_model(
    entry_id: int,
    is_model: bool,
    *,
    session: AsyncSession,
    guild_id: int,
    actor_id: int,
    now: datetime,
) -> Entry:
    entry = await get_entry_for_update(entry_id, session=session, guild_id=guild_id)
    if entry.is_model == is_model:
        raise Unchanged(entry.name, key="model-already" if is_model else "model-already-not")
    return await apply_changes(
        entry, {"is_model": is_model}, session=session, actor_id=actor_id, action="model", now=now
    )


async def delete_entry(
    entry_id: int, *, session: AsyncSession, guild_id: int, actor_id: int | None, now: datetime
) -> None:
    entry = await get_entry_for_update(entry_id, session=session, guild_id=guild_id)
    await audit.record(
        session=session,
        guild_id=guild_id,
        action="delete",
        actor_id=actor_id,
        entry_id=entry_id,
        before=audit.snapshot(entry),
        now=now,
    )
    await session.delete(entry)
    await session.flush()
