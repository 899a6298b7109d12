"""The reminder stages planned for milestones, and what moves them.

Stages (rows of `reminder`): a lead stage per `reminder_lead_minutes` still ahead
(a milestone due tomorrow gets no late 7-day reminder), and the due stage always.
Overdue stages are created one at a time, when the previous one is claimed (see
`next_overdue`): `overdue_max` of them ping, the one after is the final notice
to the channel.

A new due time plans a new cycle (`plan_stages`: what was sent goes too). New lead
times (`replan_lead_times`) replace only the lead stages not sent yet. A snooze
(`defer`) folds or moves the pending ones.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import GuildSettings, Milestone, Reminder, ReminderKind, ReminderState

# A new cycle drops every stage but one in flight (its send may be under way).
_ALL_BUT_IN_FLIGHT = col(Reminder.state) != ReminderState.SENDING
# New lead times replace the lead stages not sent yet; sent, in-flight and failed
# ones stay (so are not planned again), and due and overdue stages do not depend on them.
_UNSENT_LEADS = (col(Reminder.kind) == ReminderKind.LEAD) & (
    col(Reminder.state) == ReminderState.PENDING
)
_KIND_ORDER = {ReminderKind.LEAD: 0, ReminderKind.DUE: 1, ReminderKind.OVERDUE: 2}


def stage_rank(kind: str, seq: int) -> tuple[int, int]:
    """Stages in the order a milestone goes through them: leads (farthest first), due, overdue."""
    return _KIND_ORDER[ReminderKind(kind)], -seq if kind == ReminderKind.LEAD else seq


def new_stage(milestone: Milestone, kind: ReminderKind, seq: int, fire_at: datetime) -> Reminder:
    """A new pending stage row of `milestone`."""
    assert milestone.id is not None
    return Reminder(
        guild_id=milestone.guild_id, milestone_id=milestone.id, kind=kind, seq=seq, fire_at=fire_at
    )


def is_final(kind: str, seq: int, overdue_max: int) -> bool:
    """The last overdue stage tells the channel, pinging nobody."""
    return kind == ReminderKind.OVERDUE and seq > overdue_max


def next_overdue(stage: Reminder, guild: GuildSettings, now: datetime) -> Reminder | None:
    """The overdue stage after a due or overdue one (created when that one is claimed).

    Lazily, so that after downtime the coordinator is pinged first and the overdue
    count starts from there, instead of a backlog of overdue stages collapsing into
    the final notice that pings nobody.
    """
    if stage.kind == ReminderKind.LEAD or is_final(stage.kind, stage.seq, guild.overdue_max):
        return None
    interval = timedelta(hours=max(1, guild.overdue_interval_hours))
    fire_at = stage.fire_at + interval
    if fire_at <= now:
        fire_at = now + interval
    return Reminder(
        guild_id=stage.guild_id,
        milestone_id=stage.milestone_id,
        kind=ReminderKind.OVERDUE,
        seq=1 if stage.kind == ReminderKind.DUE else stage.seq + 1,
        fire_at=fire_at,
    )


async def clear_stages(
    milestone: Milestone, *, session: AsyncSession, dropped: Any = _ALL_BUT_IN_FLIGHT
) -> set[tuple[str, int]]:
    """Drop the milestone's stages that match `dropped`; the (kind, seq) of those left.

    Deleted rather than cancelled so that replanned stages get new ids, hence new
    nonces: Discord would drop a new message that reused a recent one's nonce.
    """
    mine = (
        col(Reminder.milestone_id) == milestone.id,
        col(Reminder.guild_id) == milestone.guild_id,
    )
    await session.exec(sa.delete(Reminder).where(*mine, dropped))
    left = await session.exec(select(Reminder.kind, Reminder.seq).where(*mine))
    return set(left.all())


def stage_times(
    due: datetime, settings: GuildSettings, now: datetime
) -> list[tuple[ReminderKind, int, datetime]]:
    """(kind, seq, fire_at) of a new cycle's stages: the lead stages still ahead, and due."""
    wanted = [
        (ReminderKind.LEAD, minutes, due - timedelta(minutes=minutes))
        for minutes in sorted(set(settings.reminder_lead_minutes), reverse=True)
        if minutes > 0 and due - timedelta(minutes=minutes) > now
    ]
    wanted.append((ReminderKind.DUE, 0, max(due, now)))
    return wanted


async def plan_stages(
    milestone: Milestone,
    settings: GuildSettings,
    now: datetime,
    *,
    session: AsyncSession,
    dropped: Any = _ALL_BUT_IN_FLIGHT,
) -> list[Reminder]:
    """(Re)write the milestone's reminder stages from its due time; returns the new rows.

    `dropped`: the stages the plan replaces (by default all but those in flight); a
    stage left in place is not planned again.
    """
    left = await clear_stages(milestone, session=session, dropped=dropped)
    if milestone.done_at is not None:
        return []
    assert milestone.id is not None
    rows = [
        new_stage(milestone, kind, seq, fire_at)
        for kind, seq, fire_at in stage_times(milestone.due_at, settings, now)
        if (kind, seq) not in left
    ]
    session.add_all(rows)
    await session.flush()
    return rows


async def replan_lead_times(
    settings: GuildSettings, now: datetime, *, session: AsyncSession
) -> None:
    """The guild's lead times changed: replan the lead stages of its open milestones.

    Only milestones still ahead: a past one has no lead stage to come (and a past
    reporting date has no stages at all). A snooze still running is kept: the new
    stages are deferred to its end as the snooze would have done.
    """
    statement = (
        select(Milestone)
        .where(
            col(Milestone.guild_id) == settings.guild_id,
            col(Milestone.done_at).is_(None),
            col(Milestone.due_at) > now,
        )
        .order_by(col(Milestone.id))
        # As an edit does: serialises with the dispatcher's claim, which locks milestones.
        .with_for_update()
    )
    for milestone in (await session.exec(statement)).all():
        await plan_stages(milestone, settings, now, session=session, dropped=_UNSENT_LEADS)
        until = milestone.snoozed_until
        if until is None or until <= now:
            continue
        pending = await pending_stages(milestone, session=session)
        if pending:
            await defer(milestone, pending, until, session=session)
    await session.flush()


async def pending_stages(milestone: Milestone, *, session: AsyncSession) -> list[Reminder]:
    """The milestone's stages still to be claimed, soonest first."""
    statement = select(Reminder).where(
        Reminder.milestone_id == milestone.id,
        Reminder.guild_id == milestone.guild_id,
        Reminder.state == ReminderState.PENDING,
    )
    return sorted((await session.exec(statement)).all(), key=lambda r: r.fire_at)


async def defer(
    milestone: Milestone, pending: list[Reminder], until: datetime, *, session: AsyncSession
) -> None:
    """Make `until` the time of the next reminder, given the pending stages (soonest first, some).

    Stages that would fire before then fold into one at that time (the most
    advanced of them). If none would, the next reminder is moved there: before
    the due time as a repeat of the lead reminder (the later lead and due
    reminders stay), after it by bringing the next overdue one forward.
    """
    folded = [stage for stage in pending if stage.fire_at <= until]
    if folded:
        kept = max(folded, key=lambda r: stage_rank(r.kind, r.seq))
        for stage in folded:
            if stage is not kept:
                stage.state = ReminderState.CANCELLED
        kept.fire_at = until
        session.add_all(folded)
    elif until < milestone.due_at:
        await _repeat_lead(milestone, until, session=session)
    else:
        pending[0].fire_at = until
        session.add(pending[0])


async def _repeat_lead(milestone: Milestone, until: datetime, *, session: AsyncSession) -> None:
    """A lead stage at `until`: its seq is, as for every lead, the minutes left before due."""
    assert milestone.id is not None
    seq = int((milestone.due_at - until) / timedelta(minutes=1))
    if seq <= 0:
        return  # the due reminder is at most a minute later
    same_stage = Reminder.kind == ReminderKind.LEAD, Reminder.seq == seq
    statement = select(Reminder).where(Reminder.milestone_id == milestone.id, *same_stage)
    old = (await session.exec(statement)).first()
    if old is not None:
        if old.state == ReminderState.SENDING:
            return
        await session.delete(old)  # a new row, hence a new nonce
        await session.flush()
    session.add(new_stage(milestone, ReminderKind.LEAD, seq, until))
