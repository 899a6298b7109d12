"""Digest schedules per channel (set up, list, turn off) and disabled-digest notices."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.errors import InvalidInput, NotFound
from storage.models import DigestSchedule
from storage.services import audit
from storage.services.digest.weeks import next_run_after, parse_time
from storage.services.settings import check_language, check_timezone

REASON_TURNED_OFF = "turned-off"
REASON_CHANNEL_GONE = "channel-gone"


def _config(schedule: DigestSchedule) -> dict[str, Any]:
    return {
        "channel_id": str(schedule.channel_id),
        "weekday": schedule.weekday,
        "time_of_day": schedule.time_of_day,
        "timezone": schedule.timezone,
        "locale": schedule.locale,
        "enabled": schedule.enabled,
    }


async def get_digest(
    *, session: AsyncSession, guild_id: int, channel_id: int
) -> DigestSchedule | None:
    statement = select(DigestSchedule).where(
        DigestSchedule.guild_id == guild_id, DigestSchedule.channel_id == channel_id
    )
    return (await session.exec(statement)).first()


async def setup_digest(
    *,
    session: AsyncSession,
    guild_id: int,
    channel_id: int,
    weekday: int,
    time_of_day: str,
    timezone: str,
    locale: str,
    languages: Collection[str],
    actor_id: int | None,
    now: datetime,
) -> DigestSchedule:
    """Create or replace the channel's weekly digest (and enable it again if it was off)."""
    if not 0 <= weekday <= 6:
        raise InvalidInput("day", "error-bad-value", weekday)
    time_of_day = parse_time(time_of_day).strftime("%H:%M")
    check_timezone(timezone)
    check_language(locale, languages, field="language")
    schedule = await get_digest(session=session, guild_id=guild_id, channel_id=channel_id)
    before = _config(schedule) if schedule is not None else None
    if schedule is None:
        schedule = DigestSchedule(
            guild_id=guild_id,
            channel_id=channel_id,
            weekday=weekday,
            time_of_day=time_of_day,
            timezone=timezone,
            locale=locale,
            created_by=actor_id,
        )
    schedule.weekday, schedule.time_of_day = weekday, time_of_day
    schedule.timezone, schedule.locale = timezone, locale
    schedule.enabled, schedule.disabled_reason, schedule.notice_pending = True, None, False
    schedule.next_run_at = next_run_after(schedule, now)
    session.add(schedule)
    await session.flush()
    await audit.record(
        session=session,
        guild_id=guild_id,
        action="digest",
        actor_id=actor_id,
        before=before,
        after=_config(schedule),
        now=now,
    )
    return schedule


async def list_digests(*, session: AsyncSession, guild_id: int) -> list[DigestSchedule]:
    statement = (
        select(DigestSchedule)
        .where(DigestSchedule.guild_id == guild_id)
        .order_by(col(DigestSchedule.channel_id))
    )
    return list((await session.exec(statement)).all())


async def disable_digest(
    *,
    session: AsyncSession,
    guild_id: int,
    channel_id: int,
    actor_id: int | None,
    now: datetime,
) -> DigestSchedule:
    """A moderator turns a channel's digest off (`/digest off`): no notice, they know."""
    schedule = await get_digest(session=session, guild_id=guild_id, channel_id=channel_id)
    if schedule is None:
        raise NotFound(channel_id)
    before = _config(schedule)
    schedule.enabled, schedule.disabled_reason = False, REASON_TURNED_OFF
    schedule.notice_pending, schedule.next_run_at = False, None
    session.add(schedule)
    await session.flush()
    await audit.record(
        session=session,
        guild_id=guild_id,
        action="digest",
        actor_id=actor_id,
        before=before,
        after=_config(schedule),
        now=now,
    )
    return schedule


async def disable_channel_gone(*, session: AsyncSession, guild_id: int, schedule_id: int) -> bool:
    """Disable a digest whose channel is gone, with a notice pending. True for the one
    caller that disabled it (so moderators are told once)."""
    result = await session.exec(
        sa.update(DigestSchedule)
        .where(
            col(DigestSchedule.id) == schedule_id,
            col(DigestSchedule.guild_id) == guild_id,
            col(DigestSchedule.enabled).is_(True),
        )
        .values(
            enabled=False,
            disabled_reason=REASON_CHANNEL_GONE,
            notice_pending=True,
            next_run_at=None,
        )
    )
    return result.rowcount == 1


@dataclass(frozen=True)
class DigestNotice:
    """A digest the bot had to turn off, that moderators have not been told about yet."""

    schedule_id: int
    channel_id: int
    reason: str


async def pending_notices(*, session: AsyncSession, guild_id: int) -> list[DigestNotice]:
    """The guild's untold notices; they count as told once returned (commit the session)."""
    statement = (
        select(DigestSchedule)
        .where(DigestSchedule.guild_id == guild_id, col(DigestSchedule.notice_pending).is_(True))
        .order_by(col(DigestSchedule.channel_id))
        .with_for_update()
    )
    schedules = (await session.exec(statement)).all()
    for schedule in schedules:
        schedule.notice_pending = False
        session.add(schedule)
    await session.flush()
    return [
        DigestNotice(s.id or 0, s.channel_id, s.disabled_reason or REASON_CHANNEL_GONE)
        for s in schedules
    ]


async def clear_notice(*, session: AsyncSession, guild_id: int, schedule_id: int) -> None:
    await session.exec(
        sa.update(DigestSchedule)
        .where(col(DigestSchedule.id) == schedule_id, col(DigestSchedule.guild_id) == guild_id)
        .values(notice_pending=False)
    )
