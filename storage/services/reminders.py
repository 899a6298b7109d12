"""Reminder stages: their states, what a claimed one shows, and its delivery's bookkeeping.

A stage row goes pending -> sending -> sent, or to cancelled (superseded by a
later stage, done, snoozed away, replanned) or failed (the channel is gone).
`reminder_claims` takes rows from pending to sending; this module records how
their delivery went.

While a row is `sending`, `message_id` holds the lowest reminder id of its message
(the message's nonce is `rem-<that id>`) and `sent_at` the claim time. Once sent they
hold Discord's message id and the delivery time. A row still `sending` after LEASE
(the process died mid-send) is sent again with the same nonce, which Discord drops
if the first attempt got through: it remembers nonces for a few minutes, hence the
short lease.

The dispatcher serves every guild, so these queries span guilds; each join
matches guild_id on both sides, so no row is ever linked to another guild's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Entry, GuildSettings, Milestone, Reminder, ReminderKind, ReminderState
from storage.services import planning
from storage.sql import update_returning_ids

# Delivered later than this after its time, a reminder says it is late ("should have
# arrived at …"): a coordinator must know the reminder is not on time.
LATE_AFTER = timedelta(minutes=1)
# A row left `sending` this long is resent (same nonce); Discord keeps nonces ~10 minutes.
LEASE = timedelta(minutes=1)


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

    @classmethod
    def of(
        cls,
        stage: Reminder,
        milestone: Milestone,
        entry_name: str,
        guild: GuildSettings,
        channel_id: int,
        now: datetime,
        running_since: datetime | None = None,
    ) -> ClaimedReminder:
        """The claim of `stage`, sent to `channel_id` at `now`."""
        assert stage.id is not None and milestone.id is not None
        return cls(
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


@dataclass(frozen=True)
class StaleMessage:
    """A message whose send was interrupted: resent whole, with its nonce."""

    leader_id: int
    reminders: list[ClaimedReminder]


def guild_join() -> Any:
    return col(GuildSettings.guild_id) == col(Milestone.guild_id)


def entry_join() -> Any:
    return (col(Entry.id) == col(Milestone.entry_id)) & (
        col(Entry.guild_id) == col(Milestone.guild_id)
    )


def stage_join() -> Any:
    return (col(Milestone.id) == col(Reminder.milestone_id)) & (
        col(Milestone.guild_id) == col(Reminder.guild_id)
    )


async def update_stages(
    ids: Iterable[int], *where: Any, session: AsyncSession, **values: Any
) -> list[int]:
    """A conditional UPDATE of reminder rows; the ids it really changed."""
    ids = list(ids)
    if not ids:
        return []
    reminder_id = col(Reminder.id)
    return await update_returning_ids(
        session, Reminder, reminder_id, reminder_id.in_(ids), *where, **values
    )


async def mark_sent(
    reminder_ids: Sequence[int], *, session: AsyncSession, message_id: int, now: datetime
) -> int:
    changed = await update_stages(
        reminder_ids,
        col(Reminder.state) == ReminderState.SENDING,
        session=session,
        state=ReminderState.SENT,
        message_id=message_id,
        sent_at=now,
    )
    return len(changed)


async def mark_failed(reminder_ids: Sequence[int], *, session: AsyncSession, now: datetime) -> int:
    changed = await update_stages(
        reminder_ids,
        col(Reminder.state) == ReminderState.SENDING,
        session=session,
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
        select(func.min(Reminder.fire_at))
        .join(Milestone, stage_join())
        .join(GuildSettings, col(GuildSettings.guild_id) == col(Reminder.guild_id))
        .where(
            col(Reminder.state) == ReminderState.PENDING,
            col(Milestone.done_at).is_(None),
            col(GuildSettings.reminder_channel_id).is_not(None),
        )
    )
    in_flight = select(func.min(Reminder.sent_at)).where(
        col(Reminder.state) == ReminderState.SENDING
    )
    # Both minima in one statement: one round trip, on every run of the dispatcher.
    first_pending, first_sent = (
        await session.exec(select(pending.scalar_subquery(), in_flight.scalar_subquery()))
    ).one()
    retry = first_sent + LEASE if first_sent is not None else None
    times = [t for t in (first_pending, retry) if t is not None]
    return min(times) if times else None
