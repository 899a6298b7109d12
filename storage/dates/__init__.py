"""Natural-language due dates, in English and Spanish, in the user's time zone.

Rule one: never a confident wrong date. Every word of a phrase is read, or the phrase is
refused with a suggestion (InvalidInput, keys in bot/i18n/messages/dates). A phrase with
two readings gives both, the likelier first, for the command to offer the other.

What is read (folded: lower case, no accents), by category, as bench/date_phrases.tsv
measures them:
- clock: "5pm", "3p", "3 p.m.", "17:00", "17h30", "quarter past three", "half past 3",
  "ten to five", "3 o'clock", "three twenty", "noon", "midnight"; "a las 5", "las tres y
  cuarto", "las doce y media", "la una menos cuarto", "mediodía", "medio día",
  "medianoche", "en punto";
- part of day: "tonight at 11", "this afternoon at 2", "Saturday morning at 9",
  "9 tomorrow", "tomorrow 9", "8 tonight", "esta tarde a las 5", "mañana a las 11",
  "el sábado por la mañana a las 9";
- day of month: "the 1st", "the 15th", "first of march", "march first", "el primero de
  marzo", "el cinco de mayo", "día quince", "el 15 del mes que viene";
- relative: "in 2 weeks", "in half an hour", "in a quarter of an hour", "in a couple of
  hours", "in a few minutes", "in 2h", "en media hora", "en un cuarto de hora", "en un
  par de horas", "en unos minutos", "dentro de hora y media", "3 days from now";
- weeks: "next friday", "wednesday next week", "friday after next", "3 fridays from now",
  "el miércoles de la semana que viene", "el viernes de la otra semana";
- nth weekday: "first tuesday of october", "last monday of march", "last day of the
  month", "el primer martes de octubre", "el último lunes de marzo", "el último día del mes";
- end of period: "end of next month", "end of the quarter", "end of the week", "fin de
  mes", "fin de trimestre", "fin de año", "this weekend";
- time zone: "UTC", "GMT", "CET/CEST", "PST/PDT", "EST/EDT", "UTC+2", "17:00
  Europe/Madrid"; ambiguous abbreviations ("CST", "IST", "BST") are asked about;
- absolute: "2027-03-01 14:30", "01/02/2027" (dateparser, in the locale's date order);
- Discord's time picker: "<t:1796601840>", "<t:1796601840:F>", taken as they are.

Decisions:
- A date without a time means 09:00 local (coordinators get a morning reminder), except
  today ("today", "hoy", today's date), which means 23:59: the end of it.
- A time without a date is its next occurrence; "tonight", "esta tarde" mean today.
- An hour 1-12 without am/pm or a part of the day has two readings: 1-6 afternoon first,
  7-11 morning first, 12 noon first ("09:00", "9h" are the 24-hour clock, one reading).
- A weekday is the coming one, strictly after today. "next friday" on a Tuesday is this
  week's, or next week's as the other reading; "wednesday next week" is next (Monday-
  started) week's; "friday after next" is a week after the coming one.
- "in N minutes/hours" is elapsed time, rounded up to the minute (never earlier than
  said); "in N days/weeks/months" keeps the wall clock (rounded up). A couple is 2, a few
  (unos) 3. "in 15", without a unit, is asked about.
- Ends of periods are their last day; "end of the week" is Friday (Sunday the other),
  "the weekend" Saturday (Sunday the other).
- Date order follows the locale: MDY for "en"/"en-US", DMY for every other; ISO always.
- A named local time in a DST gap is refused; in the autumn overlap it is the first
  occurrence (fold=0). A kept time of day ("in 1 week") in a gap moves on by the gap.
- Results are UTC-aware.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from storage.dates.clock import parse_time_of_day
from storage.dates.days import NeedsUnit, WeekdayMismatch
from storage.dates.reader import FIELD, Context, discord_timestamp, normalise, read, take_zone
from storage.dates.words import COUNT_WORDS, UNIT_WORDS, alternatives, count_of
from storage.errors import InvalidInput
from storage.text import fold

__all__ = [
    "COUNT_WORDS",
    "MAX_LENGTH",
    "UNIT_WORDS",
    "DueReading",
    "alternatives",
    "count_of",
    "locale_preferences",
    "parse_due",
    "parse_time_of_day",
    "read_due",
]

MAX_LENGTH = 100


@dataclass(frozen=True)
class DueReading:
    when: datetime  # UTC-aware: the reading chosen
    alternatives: tuple[datetime, ...] = ()  # other plausible readings, likelier first


def parse_due(text: str, *, now: datetime, timezone: str, locale: str) -> datetime:
    """The UTC moment a user's phrase names (its likelier reading); see read_due."""
    return read_due(text, now=now, timezone=timezone, locale=locale).when


def read_due(text: str, *, now: datetime, timezone: str, locale: str) -> DueReading:
    """The UTC moment a user's phrase names, read in their language and time zone, with
    the other readings of an ambiguous phrase ("at 3", "next friday").

    `now` is the interaction's own timestamp (UTC-aware); `locale` a Discord locale
    ("es-ES", "en-US", "es-419") or a bare language. Raises InvalidInput("due", …), or
    InvalidInput("timezone", …) for an unknown zone.
    """
    if now.tzinfo is None:
        raise ValueError("read_due needs an aware `now`")
    phrase = text.strip()
    if len(phrase) > MAX_LENGTH:
        raise InvalidInput(FIELD, "error-date-too-long", MAX_LENGTH)
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput("timezone", "error-bad-timezone", timezone) from exc
    now = now.astimezone(UTC)
    try:
        if (stamp := discord_timestamp(phrase)) is not None:
            return _ahead(phrase, [stamp], now)
        named_zone, folded = take_zone(normalise(fold(phrase)), phrase)
        zone = named_zone or zone
        languages, date_order = locale_preferences(locale)
        local_now = now.astimezone(zone).replace(tzinfo=None)
        moments = read(folded, Context(phrase, now, zone, local_now, languages, date_order))
    except NeedsUnit as unit:
        raise InvalidInput(FIELD, "error-date-unit-missing", phrase, str(unit)) from None
    except WeekdayMismatch as mismatch:  # the date's own weekday, named in the message
        raise InvalidInput(
            FIELD, "error-date-weekday-mismatch", phrase, mismatch.day.isoformat()
        ) from None
    except (ValueError, OverflowError, OSError):  # "25:00", "in 99999999 days", year 10000…
        moments = None
    if not moments:
        raise InvalidInput(FIELD, "error-date-unparseable", phrase)
    return _ahead(phrase, moments, now)


def _ahead(phrase: str, moments: list[datetime], now: datetime) -> DueReading:
    """The likelier reading, which must be ahead; the others that are ahead, deduplicated."""
    when = moments[0]
    if when <= now:
        raise InvalidInput(FIELD, "error-date-past", int(when.timestamp()))
    others = tuple(dict.fromkeys(m for m in moments[1:] if m > now and m != when))
    return DueReading(when, others)


def locale_preferences(locale: str) -> tuple[list[str], str]:
    """dateparser's language order and date order for a Discord locale."""
    tag = str(locale).replace("_", "-").casefold()  # str(): discord.Locale too
    languages = ["es", "en"] if tag.split("-")[0] == "es" else ["en", "es"]
    return languages, "MDY" if tag in ("en", "en-us") else "DMY"
