"""Reminder stages: what is due, claimed exactly once, and what the renderer needs.

A stage row goes pending -> sending -> sent, or to cancelled (superseded by a
later stage, done, snoozed away, replanned) or failed (the channel is gone).

The claim marks rows `sending` in the transaction that picks them, and that same
transaction records which message each row goes out in: while a row is
`sending`, `message_id` holds the lowest reminder id of its message (the
message's nonce is `rem-<that id>`) and `sent_at` the claim time. Once sent they
hold Discord's message id and the delivery time. A row still `sending` after
LEASE (the process died mid-send) is sent again with the same nonce, which
Discord drops if the first attempt got through: it remembers nonces for a few
minutes, hence the short lease.

PostgreSQL: `FOR UPDATE OF milestone SKIP LOCKED` lets processes claim disjoint
milestones (edits lock the milestone too); SQLite ignores FOR UPDATE and has one
writer. On both, `UPDATE … WHERE state = 'pending' RETURNING id` is the arbiter.

The dispatcher serves every guild, so these queries span guilds; each join
matches guild_id on both sides, so no row is ever linked to another guild's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Entry, GuildSettings, Milestone, Reminder, ReminderKind, ReminderState
from storage.services import planning, recurrence
from storage.sql import update_returning_ids

# Delivered later than this after its time, a reminder says it is late ("should have
# arrived at …"): a coordinator must know the reminder is not on time.
LATE_AFTER = timedelta(minutes=1)
# A row left `sending` this long is resent (same nonce); Discord keeps nonces ~10 minutes.
LEASE = timedelta(minutes=1)
CLAIM_LIMIT = 500


def message_nonce(leader_id: int, part: int = 0) -> str:
    """The deterministic nonce of a reminder message: at most 25 characters."""
    return f"rem-{leader_id}" if part == 0 else f"rem-{leader_id}.{part}"


@dataclass(frozen=True)
class ClaimedReminder:
    """One claimed stage with everything its message shows."""

    reminder_id: int
    guild_id: int
    channel_id: int
    milestone_id: int
    entry_id: int
    entry_name: str
    # Empty for the reporting milestone of a partnership: the renderer names it.
    title: str
    source: str
    kind: ReminderKind
    seq: int
    due_at: datetime
    fire_at: datetime
    coordinator_id: int | None
    coordinator_role_id: int | None
    overdue_max: int
    final: bool
    late: bool
    locale: str | None


@dataclass(frozen=True)
class StaleMessage:
    """A message whose send was interrupted: resent whole, with its nonce."""

    leader_id: int
    reminders: list[ClaimedReminder]


def _claimed(
    stage: Reminder,
    milestone: Milestone,
    entry_name: str,
    guild: GuildSettings,
    channel_id: int,
    now: datetime,
    running_since: datetime | None = None,
) -> ClaimedReminder:
    assert stage.id is not None and milestone.id is not None
    return ClaimedReminder(
        reminder_id=stage.id,
        guild_id=milestone.guild_id,
        channel_id=channel_id,
        milestone_id=milestone.id,
        entry_id=milestone.entry_id,
        entry_name=entry_name,
        title=milestone.title,
        source=milestone.source,
        kind=ReminderKind(stage.kind),
        seq=stage.seq,
        due_at=milestone.due_at,
        fire_at=stage.fire_at,
        coordinator_id=milestone.coordinator_id,
        coordinator_role_id=guild.coordinator_role_id,
        overdue_max=guild.overdue_max,
        final=planning.is_final(stage.kind, stage.seq, guild.overdue_max),
        # Late: past LATE_AFTER, or due before the bot was running (however short the gap).
        late=now - stage.fire_at > LATE_AFTER
        or (running_since is not None and stage.fire_at < running_since),
        locale=guild.locale,
    )


def _guild_join() -> Any:
    return col(GuildSettings.guild_id) == col(Milestone.guild_id)


def _entry_join() -> Any:
    return (col(Entry.id) == col(Milestone.entry_id)) & (
        col(Entry.guild_id) == col(Milestone.guild_id)
    )


def _stage_join() -> Any:
    return (col(Milestone.id) == col(Reminder.milestone_id)) & (
        col(Milestone.guild_id) == col(Reminder.guild_id)
    )


async def _set(session: AsyncSession, ids: Iterable[int], *where: Any, **values: Any) -> list[int]:
    """A conditional UPDATE of reminder rows; the ids it really changed."""
    ids = list(ids)
    if not ids:
        return []
    reminder_id = col(Reminder.id)
    return await update_returning_ids(
        session, Reminder, reminder_id, reminder_id.in_(ids), *where, **values
    )


async def claim_due(
    *,
    session: AsyncSession,
    now: datetime,
    limit: int = CLAIM_LIMIT,
    running_since: datetime | None = None,
    channel_id: int | None = None,
) -> list[ClaimedReminder]:
    """Claim what is due at `now`: one stage per milestone, the most advanced.
    `running_since`: when the claiming process started (what fell due before is late);
    `channel_id`: only what goes to that reminder channel (see `due_channels`).

    Run inside the caller's transaction; commit it before sending. Stale stages
    (after downtime: 7-day, 1-day and due all past) collapse into the most advanced
    one; the others are cancelled here. Guilds without a reminder channel are left
    pending until one is set.
    """
    context = await _lock_due_milestones(session, now, limit, channel_id)
    if not context:
        return []
    stages = (
        await session.exec(
            select(Reminder).where(
                col(Reminder.milestone_id).in_(context),
                col(Reminder.state) == ReminderState.PENDING,
                col(Reminder.fire_at) <= now,
            )
        )
    ).all()
    by_milestone: dict[int, list[Reminder]] = defaultdict(list)
    for stage in stages:
        by_milestone[stage.milestone_id].append(stage)
    kept = {
        mid: max(rows, key=lambda r: planning.stage_rank(r.kind, r.seq))
        for mid, rows in by_milestone.items()
    }

    claimed: set[int] = set()
    by_channel: dict[int, list[int]] = defaultdict(list)
    for mid, stage in kept.items():
        channel = context[mid][2].reminder_channel_id
        assert channel is not None and stage.id is not None
        by_channel[channel].append(stage.id)
    for channel, ids in by_channel.items():
        claimed.update(
            await _set(
                session,
                ids,
                col(Reminder.state) == ReminderState.PENDING,
                state=ReminderState.SENDING,
                channel_id=channel,
                sent_at=now,
            )
        )
    won = {mid: stage for mid, stage in kept.items() if stage.id in claimed}
    superseded = [s.id for mid in won for s in by_milestone[mid] if s.id != won[mid].id]
    await _set(
        session,
        [i for i in superseded if i is not None],
        col(Reminder.state) == ReminderState.PENDING,
        state=ReminderState.CANCELLED,
    )
    await _add_next_overdue(session, won.values(), {mid: context[mid][2] for mid in won}, now)
    await _plan_next_occurrences(session, won, context, now)
    return [
        _claimed(
            stage,
            *context[mid],
            channel_id=context[mid][2].reminder_channel_id or 0,
            now=now,
            running_since=running_since,
        )
        for mid, stage in sorted(won.items(), key=lambda item: item[1].fire_at)
    ]


def _due_milestones(now: datetime, channel_id: int | None = None) -> Any:
    """Open milestones with a stage due at `now`, in guilds with a reminder channel (that
    one, if given)."""
    due_stage = sa.exists().where(
        _stage_join(), col(Reminder.state) == ReminderState.PENDING, col(Reminder.fire_at) <= now
    )
    channel = col(GuildSettings.reminder_channel_id)
    return (
        select(Milestone, Entry.name, GuildSettings)
        .join(Entry, _entry_join())
        .join(GuildSettings, _guild_join())
        .where(
            col(Milestone.done_at).is_(None),
            channel.is_not(None) if channel_id is None else channel == channel_id,
            due_stage,
        )
        .order_by(col(Milestone.due_at), col(Milestone.id))
    )


async def due_channels(*, session: AsyncSession, now: datetime) -> list[int]:
    """The reminder channels with something due at `now`, the longest waiting first: the
    dispatcher claims per channel, so that what is due together in one channel (after
    downtime: a day's worth) is packed into as few messages as possible."""
    channel = col(GuildSettings.reminder_channel_id)
    statement = (
        select(channel)
        .join(Reminder, col(Reminder.guild_id) == col(GuildSettings.guild_id))
        .join(Milestone, _stage_join())
        .where(
            col(Reminder.state) == ReminderState.PENDING,
            col(Reminder.fire_at) <= now,
            col(Milestone.done_at).is_(None),
            channel.is_not(None),
        )
        .group_by(channel)
        .order_by(func.min(Reminder.fire_at), channel)
    )
    return [c for c in (await session.exec(statement)).all() if c is not None]


async def _lock_due_milestones(
    session: AsyncSession, now: datetime, limit: int, channel_id: int | None
) -> dict[int, tuple[Milestone, str, GuildSettings]]:
    """The due milestones this process takes: locked, so that another skips them.

    PostgreSQL locks only the milestone rows of the join (FOR UPDATE OF … SKIP LOCKED);
    SQLite has one writer and renders no lock. On MariaDB (no OF: SQLAlchemy drops it)
    SKIP LOCKED left rows that no process then claimed, about one run in ten with two
    processes (a guild's reminders waited for the next run): there the due milestones
    are found first, then locked alone, in id order, waiting for another process's
    claim to commit (a claim commits before anything is sent: milliseconds) and reading
    them again after it.
    """
    statement = _due_milestones(now, channel_id).limit(limit)
    if session.get_bind().dialect.name not in ("mysql", "mariadb"):
        locked = statement.with_for_update(of=Milestone, skip_locked=True)
        rows = (await session.exec(locked)).all()
        return {m.id: (m, name, guild) for m, name, guild in rows}
    candidates = [m.id for m, _, _ in (await session.exec(statement)).all()]
    if not candidates:
        return {}
    taken = select(Milestone.id).where(col(Milestone.id).in_(candidates))
    ids = list((await session.exec(taken.order_by(col(Milestone.id)).with_for_update())).all())
    if not ids:
        return {}
    # Read again once locked: the latest committed rows, still due.
    rows = (await session.exec(_due_milestones(now).where(col(Milestone.id).in_(ids)))).all()
    return {m.id: (m, name, guild) for m, name, guild in rows}


async def _plan_next_occurrences(
    session: AsyncSession,
    won: dict[int, Reminder],
    context: dict[int, tuple[Milestone, str, GuildSettings]],
    now: datetime,
) -> None:
    """A recurring milestone whose due time came: its next occurrence is planned now, in
    the claim's transaction (the claimed row is held: once, whichever process claims)."""
    for milestone_id, stage in won.items():
        milestone, _, guild = context[milestone_id]
        if stage.kind != ReminderKind.DUE or not milestone.recurrence:
            continue
        following = await recurrence.plan_next(milestone, session=session)
        if following is not None:
            await planning.plan_stages(following, guild, now, session=session)


async def _add_next_overdue(
    session: AsyncSession,
    stages: Iterable[Reminder],
    guilds: dict[int, GuildSettings],
    now: datetime,
) -> None:
    following = [
        n
        for s in stages
        if (n := planning.next_overdue(s, guilds[s.milestone_id], now)) is not None
    ]
    if not following:
        return
    existing = set(
        (
            await session.exec(
                select(Reminder.milestone_id, Reminder.seq).where(
                    col(Reminder.milestone_id).in_([n.milestone_id for n in following]),
                    col(Reminder.kind) == ReminderKind.OVERDUE,
                )
            )
        ).all()
    )
    # One executemany, not the ORM's unit of work: a day's backlog plans thousands.
    rows = [
        n.model_dump(exclude={"id"}) for n in following if (n.milestone_id, n.seq) not in existing
    ]
    if rows:
        await session.exec(sa.insert(Reminder.__table__), params=rows)  # type: ignore[attr-defined]


async def assign_messages(batches: Sequence[Sequence[int]], *, session: AsyncSession) -> list[int]:
    """Record which claimed rows go out together; returns each message's leader (its nonce key).

    Call in the claim's transaction, so a crash cannot leave a claim whose grouping
    (and therefore whose nonce) a retry would have to guess.
    """
    leaders = []
    for ids in batches:
        leader = min(ids)
        await _set(session, ids, col(Reminder.state) == ReminderState.SENDING, message_id=leader)
        leaders.append(leader)
    return leaders


async def reclaim_stale(*, session: AsyncSession, now: datetime) -> list[StaleMessage]:
    """Messages left `sending` past the lease: taken again (the lease renewed), whole.

    One conditional UPDATE per message: concurrent reclaimers either get all its
    rows or none, so a message is never split between two nonces' owners.
    """
    cutoff = now - LEASE
    leader = func.coalesce(col(Reminder.message_id), col(Reminder.id))
    stale = col(Reminder.state) == ReminderState.SENDING, col(Reminder.sent_at) <= cutoff
    leaders = (await session.exec(select(leader).where(*stale).distinct())).all()
    groups: dict[int, list[int]] = {}
    for leader_id in leaders:
        ids = await update_returning_ids(
            session, Reminder, col(Reminder.id), leader == leader_id, *stale, sent_at=now
        )
        if ids:
            groups[leader_id] = ids
    if not groups:
        return []
    rows = (
        await session.exec(
            select(Reminder, Milestone, Entry.name, GuildSettings)
            .join(Milestone, _stage_join())
            .join(Entry, _entry_join())
            .join(GuildSettings, _guild_join())
            .where(col(Reminder.id).in_([i for ids in groups.values() for i in ids]))
            .order_by(col(Reminder.fire_at), col(Reminder.id))
        )
    ).all()
    claims = {
        stage.id: _claimed(stage, milestone, name, guild, stage.channel_id or 0, now)
        for stage, milestone, name, guild in rows
    }
    return [
        StaleMessage(leader_id, [claims[i] for i in sorted(ids) if i in claims])
        for leader_id, ids in groups.items()
    ]


async def mark_sent(
    reminder_ids: Sequence[int], *, session: AsyncSession, message_id: int, now: datetime
) -> int:
    changed = await _set(
        session,
        reminder_ids,
        col(Reminder.state) == ReminderState.SENDING,
        state=ReminderState.SENT,
        message_id=message_id,
        sent_at=now,
    )
    return len(changed)


async def mark_failed(reminder_ids: Sequence[int], *, session: AsyncSession, now: datetime) -> int:
    changed = await _set(
        session,
        reminder_ids,
        col(Reminder.state) == ReminderState.SENDING,
        state=ReminderState.FAILED,
        message_id=None,
        sent_at=now,
    )
    return len(changed)


async def requeue_failed(*, session: AsyncSession, guild_id: int) -> int:
    """Put a guild's failed reminders back in line (e.g. once its reminder channel is fixed).

    They were never delivered, so they go out late, with the "should have arrived" note.
    """
    statement = (
        sa.update(Reminder)
        .where(col(Reminder.guild_id) == guild_id, col(Reminder.state) == ReminderState.FAILED)
        .values(state=ReminderState.PENDING, channel_id=None, message_id=None, sent_at=None)
        .execution_options(synchronize_session=False)
    )
    return (await session.exec(statement)).rowcount


async def next_due_at(*, session: AsyncSession) -> datetime | None:
    """When the dispatcher next has work: a pending stage, or a stale send to retry."""
    pending = (
        await session.exec(
            select(func.min(Reminder.fire_at))
            .join(Milestone, _stage_join())
            .join(GuildSettings, col(GuildSettings.guild_id) == col(Reminder.guild_id))
            .where(
                col(Reminder.state) == ReminderState.PENDING,
                col(Milestone.done_at).is_(None),
                col(GuildSettings.reminder_channel_id).is_not(None),
            )
        )
    ).one()
    in_flight = (
        await session.exec(
            select(func.min(Reminder.sent_at)).where(col(Reminder.state) == ReminderState.SENDING)
        )
    ).one()
    times = [t for t in (pending, in_flight + LEASE if in_flight else None) if t is not None]
    return min(times) if times else None
