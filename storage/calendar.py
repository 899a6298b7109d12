"""Milestones as an iCalendar file (.ics) that common calendars import.

Each open milestone is an event at its due time (UTC), with an alarm per reminder lead
time and, for a recurring one, its RRULE. The texts (titles in the reader's language)
come from the caller: this module knows no language.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from icalendar import Alarm, Calendar, Event, vRecur
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Milestone
from storage.services import entries, milestones
from storage.services.settings import get_settings

PRODUCT = "-//Partnerships bot//Milestones//EN"
UID_DOMAIN = "partnerbot"
# A calendar of more is not one a person reads; the file stays small for Discord.
CALENDAR_MAX = 2000


@dataclass(frozen=True)
class CalendarSource:
    """What a guild's calendar is made of: its open milestones (soonest first), their
    entries' names, and the guild's reminder lead times and language."""

    milestones: list[Milestone]
    entry_names: dict[int, str]
    lead_minutes: list[int]
    guild_locale: str | None


async def calendar_source(
    *, session: AsyncSession, guild_id: int, mine: int | None = None
) -> CalendarSource:
    """The guild's open milestones for a calendar (`mine`: this member's only)."""
    page, _ = await milestones.list_milestones(
        session=session, guild_id=guild_id, mine=mine, limit=CALENDAR_MAX
    )
    names = await entries.names_of((m.entry_id for m in page), session=session, guild_id=guild_id)
    settings = await get_settings(session=session, guild_id=guild_id)
    return CalendarSource(page, names, list(settings.reminder_lead_minutes), settings.locale)


@dataclass(frozen=True)
class CalendarItem:
    milestone_id: int
    guild_id: int
    summary: str
    description: str
    due_at: datetime  # UTC-aware
    updated_at: datetime
    recurrence: str | None = None  # an RRULE value ("FREQ=MONTHLY;INTERVAL=3;COUNT=4")


def milestones_calendar(
    items: Iterable[CalendarItem],
    *,
    name: str,
    lead_minutes: Sequence[int],
    now: datetime,
) -> bytes:
    """The calendar's text: one VEVENT per item, a VALARM per lead time (before the due
    time, as the bot's own reminders come)."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    for item in items:
        event = Event()
        event.add("uid", f"milestone-{item.milestone_id}-{item.guild_id}@{UID_DOMAIN}")
        event.add("dtstamp", now.astimezone(UTC))
        event.add("last-modified", item.updated_at.astimezone(UTC))
        event.add("dtstart", item.due_at.astimezone(UTC))
        event.add("summary", item.summary)
        if item.description:
            event.add("description", item.description)
        if item.recurrence:
            event.add("rrule", vRecur.from_ical(item.recurrence))
        for minutes in sorted(set(lead_minutes), reverse=True):
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", item.summary)
            alarm.add("trigger", -timedelta(minutes=minutes))
            event.add_component(alarm)
        calendar.add_component(event)
    return calendar.to_ical()
