"""Claiming due reminder stages exactly once, across processes and crashes.

The claim marks rows `sending` in the transaction that picks them, and that same
transaction records which message each row goes out in (see `reminders` for what the
states and columns mean); a message left `sending` past the lease is taken again whole.

PostgreSQL: `FOR UPDATE OF milestone SKIP LOCKED` lets processes claim disjoint
milestones (edits lock the milestone too); SQLite ignores FOR UPDATE and has one
writer. On both, `UPDATE … WHERE state = 'pending' RETURNING id` is the arbiter.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Entry, GuildSettings, Milestone, Reminder, ReminderKind, ReminderState
from storage.services import planning, recurrence, reminders
from storage.sql import update_returning_ids

CLAIM_LIMIT = 500


async def claim_due(
    *,
    session: AsyncSession,
    now: datetime,
    limit: int = CLAIM_LIMIT,
    running_since: datetime | None = None,
    channel_id: int | None = None,
) -> list[reminders.ClaimedReminder]:
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
            await reminders.update_stages(
                ids,
                col(Reminder.state) == ReminderState.PENDING,
                session=session,
                state=ReminderState.SENDING,
                channel_id=channel,
                sent_at=now,
            )
        )
    won = {mid: stage for mid, stage in kept.items() if stage.id in claimed}
    superseded = [s.id for mid in won for s in by_milestone[mid] if s.id != won[mid].id]
    await reminders.update_stages(
        [i for i in superseded if i is not None],
        col(Reminder.state) == ReminderState.PENDING,
        session=session,
        state=ReminderState.CANCELLED,
    )
    await _add_next_overdue(session, won.values(), {mid: context[mid][2] for mid in won}, now)
    await _plan_next_occurrences(session, won, context, now)
    return [
        reminders.ClaimedReminder.of(
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
        reminders.stage_join(),
        col(Reminder.state) == ReminderState.PENDING,
        col(Reminder.fire_at) <= now,
    )
    channel = col(GuildSettings.reminder_channel_id)
    return (
        select(Milestone, Entry.name, GuildSettings)
        .join(Entry, reminders.entry_join())
        .join(GuildSettings, reminders.guild_join())
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
        .join(Milestone, reminders.stage_join())
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
        await reminders.update_stages(
            ids, col(Reminder.state) == ReminderState.SENDING, session=session, message_id=leader
        )
        leaders.append(leader)
    return leaders


def _stale(now: datetime) -> tuple[Any, ...]:
    """Rows left `sending` past the lease at `now`."""
    cutoff = now - reminders.LEASE
    return col(Reminder.state) == ReminderState.SENDING, col(Reminder.sent_at) <= cutoff


async def any_stale(*, session: AsyncSession, now: datetime) -> bool:
    """Whether `reclaim_stale` would find anything: a read, so that a run without
    interrupted sends (nearly every run) takes no write transaction for them."""
    return bool((await session.exec(select(sa.exists().where(*_stale(now))))).one())


async def reclaim_stale(*, session: AsyncSession, now: datetime) -> list[reminders.StaleMessage]:
    """Messages left `sending` past the lease: taken again (the lease renewed), whole.

    One conditional UPDATE per message: concurrent reclaimers either get all its
    rows or none, so a message is never split between two nonces' owners.
    """
    leader = func.coalesce(col(Reminder.message_id), col(Reminder.id))
    stale = _stale(now)
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
            .join(Milestone, reminders.stage_join())
            .join(Entry, reminders.entry_join())
            .join(GuildSettings, reminders.guild_join())
            .where(col(Reminder.id).in_([i for ids in groups.values() for i in ids]))
            .order_by(col(Reminder.fire_at), col(Reminder.id))
        )
    ).all()
    claims = {
        stage.id: reminders.ClaimedReminder.of(
            stage, milestone, name, guild, stage.channel_id or 0, now
        )
        for stage, milestone, name, guild in rows
    }
    return [
        reminders.StaleMessage(leader_id, [claims[i] for i in sorted(ids) if i in claims])
        for leader_id, ids in groups.items()
    ]
