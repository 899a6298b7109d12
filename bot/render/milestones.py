"""What members see of milestones: the answer after a change, the list's pages, choices.

Reminder messages themselves are in `bot.render.reminders`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from math import ceil
from zoneinfo import ZoneInfo

import discord
from dateutil import rrule

from bot.i18n import t
from bot.render.entries import BRAND
from bot.render.limits import CHOICE_NAME, CONTENT, EMBED_DESCRIPTION, EMBED_TITLE, truncate
from bot.render.reminders import display_title
from bot.render.text import timestamp, user_text
from storage.calendar import CalendarItem, CalendarSource, milestones_calendar
from storage.models import GuildSettings, Milestone
from storage.services.recurrence import Recurrence

PER_PAGE = 10


def _who(milestone: Milestone, settings: GuildSettings, locale: str) -> str:
    if milestone.coordinator_id is not None:
        return t(locale, "reminder-coordinator", f"<@{milestone.coordinator_id}>")
    if settings.coordinator_role_id is not None:
        return t(locale, "reminder-coordinator", f"<@&{settings.coordinator_role_id}>")
    return t(locale, "reminder-no-coordinator")


_REPEAT_KEYS = {
    rrule.DAILY: "repeat-daily",
    rrule.WEEKLY: "repeat-weekly",
    rrule.MONTHLY: "repeat-monthly",
    rrule.YEARLY: "repeat-yearly",
}


def repeat_line(milestone: Milestone, locale: str) -> str | None:
    """How a recurring milestone repeats, or None for a one-off."""
    if not milestone.recurrence:
        return None
    rule = Recurrence.from_rrule_text(milestone.recurrence)
    every = t(locale, _REPEAT_KEYS[rule.freq], rule.interval)
    if rule.count is not None:
        return t(locale, "repeat-count", every, rule.count, milestone.occurrence + 1)
    if rule.until is not None:
        return t(locale, "repeat-until", every, timestamp(rule.until, "D"))
    return t(locale, "repeat-forever", every)


def milestone_summary(
    key: str, milestone: Milestone, entry_name: str, settings: GuildSettings, locale: str
) -> str:
    """What was saved, the due time as understood, how it repeats, who is reminded, and
    where."""
    lines = [
        t(
            locale,
            key,
            user_text(display_title(milestone.title, locale)),
            user_text(entry_name),
            timestamp(milestone.due_at, "F"),
            timestamp(milestone.due_at, "R"),
        ),
        _who(milestone, settings, locale),
    ]
    if (repeats := repeat_line(milestone, locale)) is not None:
        lines.insert(1, repeats)
    if settings.reminder_channel_id is None:
        lines.append(t(locale, "milestone-no-channel"))
    return truncate("\n".join(lines), CONTENT)


def milestone_page(
    page: list[Milestone],
    names: dict[int, str],
    *,
    total: int,
    offset: int,
    title: str,
    locale: str,
) -> discord.Embed:
    lines = []
    for milestone in page:
        line = t(
            locale,
            "milestone-line",
            milestone.id,
            user_text(display_title(milestone.title, locale)),
            user_text(names[milestone.entry_id]),
            timestamp(milestone.due_at, "F"),
            timestamp(milestone.due_at, "R"),
        )
        who = f" · <@{milestone.coordinator_id}>" if milestone.coordinator_id else ""
        lines.append(line + who)
    embed = discord.Embed(
        title=truncate(title, EMBED_TITLE),
        description=truncate("\n".join(lines), EMBED_DESCRIPTION),
        colour=BRAND,
    )
    pages = max(1, ceil(total / PER_PAGE))
    embed.set_footer(text=t(locale, "milestone-list-footer", offset // PER_PAGE + 1, pages, total))
    return embed


def milestone_choice(milestone: Milestone, entry_name: str, zone: ZoneInfo, locale: str) -> str:
    """An autocomplete choice: "Title — Entry · 2027-03-01 17:00" in the member's zone
    (choices cannot hold Discord timestamps)."""
    title = display_title(milestone.title, locale)
    local = milestone.due_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    return truncate(f"{title} — {entry_name} · {local}", CHOICE_NAME)


def milestone_removed(title: str, entry_name: str, locale: str) -> str:
    return t(
        locale, "milestone-removed", user_text(display_title(title, locale)), user_text(entry_name)
    )


def other_readings(alternatives: Sequence[datetime], locale: str) -> str:
    """The other readings of an ambiguous due date, numbered as their buttons."""
    lines = [t(locale, "due-other-readings")]
    for number, moment in enumerate(alternatives, start=1):
        lines.append(
            t(
                locale,
                "due-other-reading-line",
                number,
                timestamp(moment, "F"),
                timestamp(moment, "R"),
            )
        )
    return "\n".join(lines)


def calendar_items(
    page: Sequence[Milestone], names: dict[int, str], who: dict[int, str], locale: str
) -> list[CalendarItem]:
    """The milestones as calendar events, titled in the reader's language; `who`: the
    coordinators' display names (a calendar shows no Discord mention)."""
    items = []
    for milestone in page:
        assert milestone.id is not None
        coordinator_id = milestone.coordinator_id
        if coordinator_id is None:
            coordinator = t(locale, "calendar-no-coordinator")
        else:  # a name when the caller knows it, else the Discord user id
            coordinator = who.get(coordinator_id, str(coordinator_id))
        entry_name = names[milestone.entry_id]
        items.append(
            CalendarItem(
                milestone_id=milestone.id,
                guild_id=milestone.guild_id,
                summary=t(
                    locale, "calendar-summary", display_title(milestone.title, locale), entry_name
                ),
                description=t(locale, "calendar-description", entry_name, coordinator),
                due_at=milestone.due_at,
                updated_at=milestone.updated_at,
                recurrence=_rule_from_here(milestone),
            )
        )
    return items


def _rule_from_here(milestone: Milestone) -> str | None:
    """The series' rule from this occurrence on: a calendar starts it at this due time,
    so a COUNT counts only the occurrences left."""
    if not milestone.recurrence:
        return None
    rule = Recurrence.from_rrule_text(milestone.recurrence)
    if rule.count is not None:
        rule = replace(rule, count=rule.count - milestone.occurrence)
    return rule.rrule_text()


def milestones_after_status(
    closed: int, stay_closed: int, still_open: Sequence[Milestone], locale: str
) -> str:
    """Lines added to a status change's answer: what happened to the entry's milestones."""
    lines = []
    if closed:
        lines.append(t(locale, "milestones-closed", closed))
    if stay_closed:
        lines.append(t(locale, "milestones-stay-closed", stay_closed))
    if still_open:
        titles = ", ".join(
            t(locale, "quoted", user_text(display_title(m.title, locale), 80))
            for m in still_open[:10]
        )
        lines.append(t(locale, "milestones-still-open", len(still_open), titles))
    return "".join(f"\n{line}" for line in lines)


def calendar_file(
    source: CalendarSource, who: dict[int, str], locale: str, *, guild_name: str, now: datetime
) -> bytes:
    """The .ics file of `source`, titled in `locale`; `who`: coordinators' names known."""
    return milestones_calendar(
        calendar_items(source.milestones, source.entry_names, who, locale),
        name=t(locale, "calendar-name", guild_name),
        lead_minutes=source.lead_minutes,
        now=now,
    )
