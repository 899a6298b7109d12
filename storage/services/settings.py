"""Per-guild settings."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Collection
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlmodel.ext.asyncio.session import AsyncSession

# The due-date reader's words for numbers and units (en and es).
from storage.dates import COUNT_WORDS, UNIT_WORDS, alternatives, count_of
from storage.errors import InvalidInput
from storage.models import GuildSettings, UserSettings
from storage.services import audit, planning
from storage.text import fold

SETTABLE = {
    "moderator_role_id",
    "coordinator_role_id",
    "review_channel_id",
    "reminder_channel_id",
    "proposals_channel_id",
    "timezone",
    "locale",
    "guidelines_text",
    "guidelines_url",
    "followthrough_days",
    "reminder_lead_minutes",
    "overdue_interval_hours",
    "overdue_max",
}
# Whole-number settings and their bounds (as the commands' ranges).
BOUNDS = {
    "followthrough_days": (7, 3650),
    "overdue_interval_hours": (1, 168),
    "overdue_max": (0, 10),
}
LEAD_TIMES_MAX = 5
LEAD_MINUTES_MAX = 365 * 24 * 60
LEAD_FIELD = "reminder_lead_minutes"

_UNIT_MINUTES = {"minutes": 1, "hours": 60, "days": 24 * 60, "weeks": 7 * 24 * 60}
# Due dates' units less months and years, plus the short "30m, 7d, 1w".
_LEAD_UNITS = {w: _UNIT_MINUTES[u] for w, u in UNIT_WORDS.items() if u in _UNIT_MINUTES}
_LEAD_UNITS |= {"m": 1, "d": 24 * 60, "w": 7 * 24 * 60}
# A number and its unit, not glued to another ("7d1d", "1d12h" are refused: one value each);
# a number word is a word of its own ("and" is not "an d").
_LEAD_TIME = re.compile(
    rf"(?<![a-z0-9])(\d{{1,6}}|(?:{alternatives(COUNT_WORDS)})(?=\s))\s*"
    rf"({alternatives(_LEAD_UNITS)})(?![a-z0-9])"
)
_LEAD_SEPARATORS = re.compile(r"(?:[\s,;]|\band\b|\by\b)*")
_NO_LEAD_TIMES = {"", "none", "no", "nothing", "ninguno", "ninguna", "nada"}


def check_lead_minutes(value: Any) -> list[int]:
    """Minutes before the due time to remind at (none: only at the due time); farthest first."""
    valid = (
        isinstance(value, list | tuple)
        and len(set(value)) <= LEAD_TIMES_MAX
        and all(type(m) is int and 0 < m <= LEAD_MINUTES_MAX for m in value)
    )
    if not valid:
        raise InvalidInput(LEAD_FIELD, "error-bad-value", str(value)[:64])
    return sorted(set(value), reverse=True)


def parse_lead_times(text: str) -> list[int]:
    """Lead times as a member writes them, in minutes, farthest first.

    "7d, 1d, 2h", "7 días, 1 día y 2 horas", "1 week 30 min"; "none"/"ninguno" (or
    nothing) for only the reminder at the due time. Each number takes one unit.
    """
    folded = fold(text)
    if folded in _NO_LEAD_TIMES:
        return []
    found = _LEAD_TIME.findall(folded)
    if found and _LEAD_SEPARATORS.fullmatch(_LEAD_TIME.sub(" ", folded)):
        minutes = [count_of(number) * _LEAD_UNITS[unit] for number, unit in found]
        with contextlib.suppress(InvalidInput):  # refused below, with the member's text
            return check_lead_minutes(minutes)
    raise InvalidInput(LEAD_FIELD, "error-bad-lead-times", text[:64])


def check_language(code: str | None, languages: Collection[str], *, field: str) -> None:
    """Refuse a language the catalogue lacks (None: nothing to check)."""
    if code is not None and code not in languages:
        raise InvalidInput(field, "error-bad-choice", code[:16])


def check_timezone(name: str) -> str:
    # Known names first: ZoneInfo opens whatever path it is given ("America" is a
    # directory of the database: IsADirectoryError, an OSError, not a ValueError).
    if name not in timezone_names():
        raise InvalidInput("timezone", "error-bad-timezone", name[:64])
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput("timezone", "error-bad-timezone", name[:64]) from None
    return name


_ZONES: list[str] = []


def timezone_names() -> list[str]:
    if not _ZONES:
        _ZONES.extend(sorted(available_timezones()))
    return _ZONES


async def get_settings(*, session: AsyncSession, guild_id: int) -> GuildSettings:
    """The guild's settings; a guild that never set anything gets the defaults (not stored)."""
    settings = await session.get(GuildSettings, guild_id)
    return settings if settings is not None else GuildSettings(guild_id=guild_id)


async def update_settings(
    *,
    session: AsyncSession,
    guild_id: int,
    actor_id: int | None,
    now: datetime,
    languages: Collection[str] = (),
    **changes: Any,
) -> GuildSettings:
    """Apply and audit the changes; new lead times replan the guild's open milestones.

    `languages`: those a `locale` may be (the catalogue's, which the caller knows).

    All in the caller's transaction. The caller wakes the reminders dispatcher after
    it commits when `reminder_lead_minutes` changed (the next stage may come sooner).
    New overdue settings need no replan: an overdue stage is planned when the one
    before it is claimed (`planning.next_overdue`), so a new interval applies from
    the next one planned, and whether a stage is the final notice is read from
    `overdue_max` when it is claimed.
    """
    unknown = set(changes) - SETTABLE
    if unknown:
        raise ValueError(f"not a guild setting: {sorted(unknown)}")
    if changes.get("timezone") is not None:
        check_timezone(changes["timezone"])
    check_language(changes.get("locale"), languages, field="locale")
    for key, (low, high) in BOUNDS.items():
        if key in changes and not (type(changes[key]) is int and low <= changes[key] <= high):
            raise InvalidInput(key, "error-bad-value", str(changes[key])[:64])
    if LEAD_FIELD in changes:
        changes[LEAD_FIELD] = check_lead_minutes(changes[LEAD_FIELD])
    settings = await session.get(GuildSettings, guild_id, with_for_update=True)
    if settings is None:
        settings = GuildSettings(guild_id=guild_id)
    before = {key: getattr(settings, key) for key in changes}
    for key, value in changes.items():
        setattr(settings, key, value)
    settings.updated_at = now
    session.add(settings)
    await session.flush()
    await audit.record(
        session=session,
        guild_id=guild_id,
        action="settings",
        actor_id=actor_id,
        before={k: str(v) if v is not None else None for k, v in before.items()},
        after={k: str(v) if v is not None else None for k, v in changes.items()},
        now=now,
    )
    if LEAD_FIELD in changes and before[LEAD_FIELD] != (settings.reminder_lead_minutes):
        await planning.replan_lead_times(settings, now, session=session)
    return settings


async def effective_timezone(
    *, session: AsyncSession, guild_id: int, user_id: int, default: str
) -> str:
    """The zone a member's dates are read in: their own, else the guild's, else the default."""
    user = await session.get(UserSettings, user_id)
    if user is not None and user.timezone:
        return user.timezone
    guild = await session.get(GuildSettings, guild_id)
    return guild.timezone if guild is not None and guild.timezone else default


async def user_timezone(*, session: AsyncSession, user_id: int) -> str | None:
    """The member's own zone, if they set one."""
    user = await session.get(UserSettings, user_id)
    return user.timezone if user is not None else None


async def remembered_locale(*, session: AsyncSession, user_id: int) -> str | None:
    """The member's language as last seen in an interaction, if known."""
    user = await session.get(UserSettings, user_id)
    return user.locale if user is not None else None


async def remember_locale(
    *, session: AsyncSession, user_id: int, locale: str, now: datetime
) -> None:
    """Keep the member's language (a catalogue code) for messages sent to them later."""
    user = await session.get(UserSettings, user_id) or UserSettings(user_id=user_id)
    if user.locale != locale:
        user.locale = locale[:8]
        user.updated_at = now
        session.add(user)


async def set_user_timezone(
    *, session: AsyncSession, user_id: int, timezone: str | None, now: datetime
) -> None:
    if timezone is not None:
        check_timezone(timezone)
    user = await session.get(UserSettings, user_id) or UserSettings(user_id=user_id)
    user.timezone = timezone
    user.updated_at = now
    session.add(user)
