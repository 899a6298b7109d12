"""When digests run, and the exactly-once claim of each schedule's ISO week.

A schedule's slot is a local weekday and time in its zone; the ISO week of the
slot's local date names the one digest_post row that makes the post happen once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.errors import InvalidInput
from storage.models import DigestPost, DigestSchedule
from storage.types import UTCDateTime

STALE_CLAIM = timedelta(minutes=3)  # a claim this old was abandoned (crash): retry it
CLAIMED, POSTED, SKIPPED = "claimed", "posted", "skipped"
_HHMM = re.compile(r"(\d{1,2}):(\d{2})")


def parse_time(value: str) -> time:
    """Read "HH:MM" (or "H:MM"); anything else is refused."""
    match = _HHMM.fullmatch(value.strip())
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise InvalidInput("time", "error-bad-value", value[:16])
    return time(int(match[1]), int(match[2]))


def _to_utc(wall: datetime, zone: ZoneInfo) -> datetime:
    """A local wall time as UTC: in a repeated hour, its first occurrence; in a skipped
    hour, the moment the clocks jump (e.g. 02:30 in the spring gap -> 03:00)."""
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == wall:
        return first
    # fold=1 reads the wall time with the offset after the jump: a moment before it.
    before = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    low, high = 0, int((first - before).total_seconds())
    while high - low > 1:  # the first second whose local time is past the wall time
        middle = (low + high) // 2
        if (before + timedelta(seconds=middle)).astimezone(zone).replace(tzinfo=None) >= wall:
            high = middle
        else:
            low = middle
    return before + timedelta(seconds=high)


def next_run_after(schedule: DigestSchedule, after: datetime) -> datetime:
    """The schedule's first slot strictly after `after`, in UTC."""
    zone = ZoneInfo(schedule.timezone)
    at = parse_time(schedule.time_of_day)
    start = after.astimezone(zone).date()
    for offset in range(8):
        day = start + timedelta(days=offset)
        if day.weekday() != schedule.weekday:
            continue
        # A naive wall time on purpose: _to_utc resolves it in the zone.
        slot = _to_utc(datetime.combine(day, at), zone)
        if slot > after:
            return slot
    raise AssertionError("a weekday recurs within 8 days")


def iso_week(schedule: DigestSchedule, slot: datetime) -> str:
    """The ISO week of the slot's local date, e.g. "2026-W48"."""
    year, week, _ = slot.astimezone(ZoneInfo(schedule.timezone)).isocalendar()
    return f"{year}-W{week:02d}"


async def due_schedules(*, session: AsyncSession, now: datetime) -> Sequence[DigestSchedule]:
    """Enabled schedules whose slot has come, across guilds (the dispatcher's work list)."""
    statement = (
        select(DigestSchedule)
        .where(col(DigestSchedule.enabled).is_(True), col(DigestSchedule.next_run_at) <= now)
        .order_by(col(DigestSchedule.next_run_at), col(DigestSchedule.id))
    )
    return (await session.exec(statement)).all()


async def next_due_at(*, session: AsyncSession) -> datetime | None:
    statement = select(func.min(DigestSchedule.next_run_at)).where(
        col(DigestSchedule.enabled).is_(True)
    )
    return (await session.exec(statement)).one()


async def advance(
    *, session: AsyncSession, schedule: DigestSchedule, slot: datetime, after: datetime
) -> datetime:
    """Move the schedule past `slot` to its first slot after `after`, unless it was
    re-set up meanwhile (then its new time stands)."""
    following = next_run_after(schedule, after)
    await session.exec(
        sa.update(DigestSchedule)
        .where(col(DigestSchedule.id) == schedule.id, col(DigestSchedule.next_run_at) == slot)
        .values(next_run_at=following)
    )
    return following


def _week_row(schedule_id: int, iso_week: str) -> list[Any]:
    return [col(DigestPost.schedule_id) == schedule_id, col(DigestPost.iso_week) == iso_week]


async def claim_week(
    *,
    session: AsyncSession,
    schedule_id: int,
    iso_week: str,
    now: datetime,
    stale_after: timedelta = STALE_CLAIM,
) -> bool:
    """Claim the schedule's digest for the week; True for exactly one caller.

    Commits (or rolls back) the session: the claim must be durable before anything
    is sent. The unique (schedule_id, iso_week) index decides between racers; a
    claim left `claimed` for `stale_after` (its process died mid-send) is taken over.
    """
    columns = ["guild_id", "schedule_id", "iso_week", "state", "claimed_at"]
    source = sa.select(
        col(DigestSchedule.guild_id),
        sa.literal(schedule_id),
        sa.literal(iso_week),
        sa.literal(CLAIMED),
        sa.literal(now, UTCDateTime),
    ).where(col(DigestSchedule.id) == schedule_id)
    try:
        inserted = await session.exec(sa.insert(DigestPost).from_select(columns, source))
        await session.commit()
        return inserted.rowcount == 1
    except sa.exc.IntegrityError:
        await session.rollback()
    taken = await session.exec(
        sa.update(DigestPost)
        .where(
            *_week_row(schedule_id, iso_week),
            col(DigestPost.state) == CLAIMED,
            col(DigestPost.claimed_at) <= now - stale_after,
        )
        .values(claimed_at=now)
    )
    await session.commit()
    return taken.rowcount == 1


async def week_state(*, session: AsyncSession, schedule_id: int, iso_week: str) -> str | None:
    statement = select(DigestPost.state).where(*_week_row(schedule_id, iso_week))
    return (await session.exec(statement)).first()


async def _settle(session: AsyncSession, schedule_id: int, iso_week: str, **values: Any) -> None:
    await session.exec(
        sa.update(DigestPost).where(*_week_row(schedule_id, iso_week)).values(**values)
    )


async def parts_sent(*, session: AsyncSession, schedule_id: int, iso_week: str) -> int:
    """How many messages of the week's digest went out before (0 for a fresh claim)."""
    statement = select(DigestPost.parts_sent).where(*_week_row(schedule_id, iso_week))
    return (await session.exec(statement)).first() or 0


async def mark_part_sent(
    *, session: AsyncSession, schedule_id: int, iso_week: str, part: int
) -> None:
    """Message `part` (counted from 1) of the week's digest was sent."""
    await _settle(session, schedule_id, iso_week, parts_sent=part)


async def mark_posted(
    *, session: AsyncSession, schedule_id: int, iso_week: str, now: datetime
) -> None:
    await _settle(session, schedule_id, iso_week, state=POSTED, posted_at=now)


async def mark_skipped(*, session: AsyncSession, schedule_id: int, iso_week: str) -> None:
    await _settle(session, schedule_id, iso_week, state=SKIPPED)


async def release_week(*, session: AsyncSession, schedule_id: int, iso_week: str) -> None:
    """Give the week back (nothing was posted), e.g. when the channel turned out gone."""
    await session.exec(sa.delete(DigestPost).where(*_week_row(schedule_id, iso_week)))
