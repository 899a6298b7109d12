"""Proposals: the duplicate check before queueing, the review queue, who may edit,
revising and resubmitting a rejected proposal."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

import sqlalchemy as sa
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import search
from storage.errors import DuplicateName, InvalidTransition
from storage.models import AuditEvent, Entry, EntryKind, GuildSettings, Status
from storage.schemas import EntryInput
from storage.services.entries import apply_changes, find_by_name, get_entry_for_update

SIMILAR_SHOWN = 5
# A proposal is posted for review as soon as it is confirmed; one still unposted this
# long after (the bot crashed, the database or Discord failed) is posted by the
# `reviews` dispatcher, within a day: older ones are in /review queue.
POST_GRACE = timedelta(seconds=30)
POST_RECOVERY = timedelta(days=1)


async def check_proposal(data: EntryInput, *, session: AsyncSession, guild_id: int) -> list[Entry]:
    """Entries that look like this proposal; an exact duplicate name is refused outright."""
    if await find_by_name(session=session, guild_id=guild_id, name=data.name):
        raise DuplicateName(data.name)
    return await search.similar_entries(
        data.name, data.partners, session=session, guild_id=guild_id, limit=SIMILAR_SHOWN
    )


async def review_queue(
    *, session: AsyncSession, guild_id: int, limit: int, offset: int
) -> tuple[list[Entry], int]:
    """Proposals waiting for a decision, oldest first, and how many there are."""
    where = (Entry.guild_id == guild_id, Entry.status == Status.PROPOSED)
    total = (await session.exec(select(func.count()).select_from(Entry).where(*where))).one()
    statement = (
        select(Entry)
        .where(*where)
        .order_by(col(Entry.created_at), col(Entry.id))
        .limit(limit)
        .offset(offset)
    )
    return list((await session.exec(statement)).all()), total


class Measured(Protocol):
    """What the flags read: a proposal as typed (EntryInput) or as stored (Entry)."""

    kind: str
    funder: str | None
    reporting_due_at: datetime | None
    success_measures: str | None


def measure_flags(entry: Measured) -> list[str]:
    """What a moderator should look at before approving: a partnership is defined by its
    measures, funder and reporting date (each missing one is a flag); a funder on an
    alliance is one too. Flags do not stop an approval."""
    if entry.kind != EntryKind.PARTNERSHIP:
        return ["funder-on-alliance"] if entry.funder else []
    fields = ("success_measures", "funder", "reporting_due_at")
    return [f"missing-{field}" for field in fields if not getattr(entry, field)]


def can_edit(entry: Entry, *, user_id: int, is_moderator: bool) -> bool:
    """Moderators edit any entry; the proposer while it is proposed, or rejected (to
    revise and resubmit it)."""
    return is_moderator or (
        entry.proposer_id == user_id and entry.status in (Status.PROPOSED, Status.REJECTED)
    )


# What a resubmission clears: the decision, and the post that showed it (a new one is made).
_UNDECIDED = {
    "status": Status.PROPOSED,
    "rejection_reason": None,
    "decided_by": None,
    "decided_at": None,
    "decision_told_at": None,
    "review_channel_id": None,
    "review_message_id": None,
    "thread_id": None,  # a new round, a new discussion thread
}


async def resubmit(
    entry_id: int,
    data: EntryInput,
    *,
    session: AsyncSession,
    guild_id: int,
    actor_id: int,
    now: datetime,
) -> Entry:
    """A rejected proposal, revised, is the same entry proposed again: its support and
    history kept, its decision cleared, one `resubmit` audit event; the `reviews`
    dispatcher (or the caller, right away) posts it for review anew."""
    entry = await get_entry_for_update(entry_id, session=session, guild_id=guild_id)
    if entry.status != Status.REJECTED:
        raise InvalidTransition(entry.name, Status(entry.status), key="error-not-rejected")
    if await find_by_name(session=session, guild_id=guild_id, name=data.name, except_id=entry.id):
        raise DuplicateName(data.name)
    values = data.model_dump(exclude={"status"})
    values |= {key: values[key] or "" for key in ("partners", "summary")}
    entry = await apply_changes(
        entry, values | _UNDECIDED, session=session, actor_id=actor_id, action="resubmit", now=now
    )
    return entry  # proposed again: its reporting milestone waits for the approval


async def submission_number(entry_id: int, *, session: AsyncSession, guild_id: int) -> int:
    """0 for a proposal as first made, n after its n-th resubmission: what tells apart the
    messages of each round (their nonces)."""
    statement = (
        select(func.count())
        .select_from(AuditEvent)
        .where(
            AuditEvent.guild_id == guild_id,
            AuditEvent.entry_id == entry_id,
            AuditEvent.action == "resubmit",
        )
    )
    return (await session.exec(statement)).one()


def submitted_at(entry: Entry) -> datetime:
    """When a proposal was last (re)submitted or changed while waiting: its post is due
    POST_GRACE after. A decided one: when it was made."""
    return entry.updated_at if entry.status == Status.PROPOSED else entry.created_at


async def record_review_message(
    entry_id: int, *, session: AsyncSession, guild_id: int, channel_id: int, message_id: int
) -> Entry:
    """Remember where the proposal was posted, to update it when it is decided; the entry
    as it is now (it may have been decided while it was being posted)."""
    entry = (
        await session.exec(select(Entry).where(Entry.id == entry_id, Entry.guild_id == guild_id))
    ).one()
    entry.review_channel_id = channel_id
    entry.review_message_id = message_id
    session.add(entry)
    return entry


async def record_thread(
    entry_id: int, *, session: AsyncSession, guild_id: int, thread_id: int
) -> None:
    """Remember the proposal's discussion thread, to post its decision there."""
    await session.exec(
        sa.update(Entry)
        .where(col(Entry.id) == entry_id, col(Entry.guild_id) == guild_id)
        .values(thread_id=thread_id)
    )


async def unposted_proposals(
    *, session: AsyncSession, now: datetime, limit: int = 50
) -> list[Entry]:
    """Proposals of the last day not posted for review (yet), in guilds with a review
    channel, oldest first. Decided ones too: one may be decided (from /review queue, or
    from its post whose id a crash kept the bot from recording) before it is posted.
    A resubmitted one counts from its resubmission (see `submitted_at`)."""
    recent = now - POST_RECOVERY
    statement = (
        select(Entry)
        .join(GuildSettings, col(GuildSettings.guild_id) == col(Entry.guild_id))
        .where(
            col(Entry.proposer_id).is_not(None),  # proposed here, not imported
            col(Entry.review_message_id).is_(None),
            col(GuildSettings.review_channel_id).is_not(None),
            sa.or_(
                col(Entry.created_at) >= recent,
                sa.and_(col(Entry.status) == Status.PROPOSED, col(Entry.updated_at) >= recent),
            ),
        )
        .order_by(col(Entry.created_at), col(Entry.id))
        .limit(limit)
    )
    return list((await session.exec(statement)).all())


async def untold_decisions(*, session: AsyncSession, now: datetime, limit: int = 50) -> list[Entry]:
    """Decisions of the last day not shown on the review post and told to the proposer
    (yet), oldest first."""
    statement = (
        select(Entry)
        .where(
            col(Entry.decided_at) >= now - POST_RECOVERY,
            col(Entry.decision_told_at).is_(None),
        )
        .order_by(col(Entry.decided_at), col(Entry.id))
        .limit(limit)
    )
    return list((await session.exec(statement)).all())


async def mark_decision_told(
    entry_id: int, *, session: AsyncSession, guild_id: int, now: datetime
) -> None:
    await session.exec(
        sa.update(Entry)
        .where(col(Entry.id) == entry_id, col(Entry.guild_id) == guild_id)
        .values(decision_told_at=now)
    )
