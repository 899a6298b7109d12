"""Natural-language due dates, in English and Spanish, in the user's time zone.

The phrase is folded (lower case, no accents, so "miércoles" and "miercoles" are one
word) and read in three steps:
1. a time of day is taken out: "5pm", "a las 5 de la tarde", "17:00", "17h30", "mediodía";
2. what is left is looked up in small tables: today/tomorrow/pasado mañana, "in 2 weeks" /
   "en dos semanas" / "dentro de 3 días", weekdays with "next" / "el próximo" / "que
   viene", "next month", "end of month" / "fin de mes". These are the phrases dateparser
   misses in Spanish, or reads otherwise than we want;
3. anything else (absolute dates: "1 de marzo de 2027", "01/02/2027", "march 1",
   "2027-03-01") goes to dateparser, always with explicit `languages` (without them it
   loads every locale: about 2 s and 35 MB).
We then place the local wall-clock time in the zone ourselves, so a DST gap is caught.

Decisions:
- A date without a time means 09:00 local (coordinators get a morning reminder), except
  a date that is today ("today", "hoy", today's date), which means 23:59: the end of it.
- A time without a date means its next occurrence: today if still ahead, else tomorrow.
- A weekday, with or without "next"/"this"/"el próximo"/"que viene", is the coming one,
  strictly after today: on a Friday, "friday" and "next friday" are 7 days on.
- "in N days/weeks/months/years" keeps the time of day on the wall clock (across a DST
  change too); "in N minutes/hours" is elapsed time. "next week" is "in 1 week".
- "midnight"/"medianoche" is the end of the day named: "friday midnight" is Saturday 00:00.
  Morning/por la mañana is 09:00, afternoon/tarde 15:00, evening 18:00, night/noche 20:00.
- A bare hour ("at 5", "a las 5") is read on the 24-hour clock: say "5pm" or "de la tarde".
- Date order follows the locale: MDY for "en"/"en-US", DMY for every other; ISO always.
- A named local time in a DST gap is refused; in the autumn overlap it is the first
  occurrence (fold=0). A kept time of day ("in 1 week") in a gap moves on by the gap.
- Results are UTC-aware and truncated to the minute.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from storage.errors import InvalidInput
from storage.text import fold

MAX_LENGTH = 100
DEFAULT_TIME = (9, 0)
END_OF_DAY = (23, 59)
FIELD = "due"

Clock = tuple[int, int]  # (hour, minute); hour 24 is the end of the day

_NUMBER_WORDS = (
    "one two three four five six seven eight nine ten eleven twelve",
    "uno dos tres cuatro cinco seis siete ocho nueve diez once doce",
)
_NUMBERS = {word: n for words in _NUMBER_WORDS for n, word in enumerate(words.split(), 1)}
_NUMBERS |= {"una": 1, "fifteen": 15, "quince": 15, "twenty": 20, "veinte": 20}
_NUMBERS |= {"thirty": 30, "treinta": 30}
# "in an hour", "en un mes": counts, never hours
COUNT_WORDS = _NUMBERS | {"a": 1, "an": 1, "un": 1}

_WEEKDAY_NAMES = (
    "monday mon lunes lun",
    "tuesday tue tues martes",
    "wednesday wed miercoles mie",
    "thursday thu thur thurs jueves jue",
    "friday fri viernes vie",
    "saturday sat sabado sab",
    "sunday sun domingo dom",
)
_WEEKDAYS = {name: i for i, names in enumerate(_WEEKDAY_NAMES) for name in names.split()}

_UNIT_NAMES = {
    "minutes": "minute minutes min mins minuto minutos",
    "hours": "hour hours hr hrs h hora horas",
    "days": "day days dia dias",
    "weeks": "week weeks semana semanas",
    "months": "month months mes meses",
    "years": "year years ano anos",
}
UNIT_WORDS = {name: unit for unit, names in _UNIT_NAMES.items() for name in names.split()}
_CALENDAR_UNITS = {"weeks": "week semana", "months": "month mes", "years": "year ano"}
_NEXTABLE = {name: unit for unit, names in _CALENDAR_UNITS.items() for name in names.split()}

_DAYS_FROM_TODAY = {
    "today": 0,
    "hoy": 0,
    "tomorrow": 1,
    "manana": 1,
    "day after tomorrow": 2,
    "pasado manana": 2,
}
# Parts of the day take dateparser's English hours, so "tomorrow morning" and "mañana
# por la mañana" agree.
_NAMED_TIMES = {
    "noon": 12,
    "midday": 12,
    "mediodia": 12,
    "midnight": 24,
    "medianoche": 24,
    "morning": 9,
    "por la manana": 9,
    "esta manana": 9,
    "afternoon": 15,
    "por la tarde": 15,
    "esta tarde": 15,
    "evening": 18,
    "night": 20,
    "tonight": 20,
    "por la noche": 20,
    "esta noche": 20,
}
_MERIDIEMS = {
    "am": "am",
    "de la manana": "am",
    "de la madrugada": "am",
    "in the morning": "am",
    "pm": "pm",
    "de la tarde": "pm",
    "in the afternoon": "pm",
    "in the evening": "pm",
    "de la noche": "night",
    "at night": "night",
}
_PAST_THE_HOUR = {"media": 30, "cuarto": 15}


def alternatives(words: Iterable[str]) -> str:
    """A regex alternation, longest first so "miercoles" wins over "mie"."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_HOUR_WORDS = alternatives(w for w, n in _NUMBERS.items() if n <= 12)
_COUNT = rf"\d+|{alternatives(COUNT_WORDS)}"
_MERIDIEM = r"a\.?m\.?|p\.?m\.?|" + alternatives(m for m in _MERIDIEMS if " " in m)

_TIME = re.compile(
    r"(?<![\w:/.\-])(?:"
    rf"(?:(?:at|a|al|a la|in the|this)\s+)?(?P<named>{alternatives(_NAMED_TIMES)})"
    r"|(?P<prefix>(?:at|a las|a la)\s+|@\s*)?"
    rf"(?P<hour>\d{{1,2}}|{_HOUR_WORDS})"
    r"(?::(?P<minute>\d{2})|(?P<glued>h)(?P<hminute>\d{2})?)?"
    r"(?:\s+y\s+(?P<past>media|cuarto))?"
    rf"(?:\s*(?P<meridiem>{_MERIDIEM}))?"
    r")(?![\w/\-]|[:.]\d)"  # not a part of "1/3/2027" or "2027-03-01"
)
# "en 3h" is a duration, not 03:00.
_DURATION_BEFORE = re.compile(r"\b(?:in|en|de)\s*$")
_FILLERS = re.compile(r"^(?:(?:at|on|by|due|for|the|this|until|el|la|este|esta|para|hasta)\s+)+")
_RELATIVE = re.compile(
    rf"(?:in|en|dentro de|within)\s+(?P<count>{_COUNT})\s*(?P<unit>{alternatives(UNIT_WORDS)})"
)
_NEXT = re.compile(
    r"(?:(?P<before>next|coming|proximo|proxima|siguiente)\s+)?"
    rf"(?P<what>{alternatives(_WEEKDAYS | _NEXTABLE)})"
    r"(?:\s+(?P<after>que viene|proximo|proxima|siguiente))?"
)
_END_OF_MONTH = re.compile(
    r"(?:the\s+)?end\s+of\s+(?:the\s+)?month|(?:a\s+)?(?:fin|final|finales)\s+del?\s+mes"
)


@dataclass(frozen=True)
class _Context:
    phrase: str
    now: datetime  # UTC
    zone: ZoneInfo
    local_now: datetime  # naive wall clock in `zone`, to the minute; never leaves this module
    languages: list[str]
    date_order: str

    @property
    def today(self) -> date:
        return self.local_now.date()


def parse_due(text: str, *, now: datetime, timezone: str, locale: str) -> datetime:
    """The UTC moment a user's phrase names, read in their language and time zone.

    `now` is the interaction's own timestamp (UTC-aware); `locale` a Discord locale
    ("es-ES", "en-US", "es-419") or a bare language. Raises InvalidInput("due", …).
    """
    if now.tzinfo is None:
        raise ValueError("parse_due needs an aware `now`")
    phrase = text.strip()
    if len(phrase) > MAX_LENGTH:
        raise InvalidInput(FIELD, "error-date-too-long", MAX_LENGTH)
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput("timezone", "error-bad-timezone", timezone) from exc
    languages, date_order = locale_preferences(locale)
    now = now.astimezone(UTC)
    local_now = _to_minute(now.astimezone(zone)).replace(tzinfo=None)
    context = _Context(phrase, now, zone, local_now, languages, date_order)
    try:
        due = _read(fold(phrase), context)
    except (ValueError, OverflowError):  # "25:00", "in 99999999 days", year 10000…
        due = None
    if due is None:
        raise InvalidInput(FIELD, "error-date-unparseable", phrase)
    if due <= now:
        raise InvalidInput(FIELD, "error-date-past", int(due.timestamp()))
    return due


def locale_preferences(locale: str) -> tuple[list[str], str]:
    """dateparser's language order and date order for a Discord locale."""
    tag = str(locale).replace("_", "-").casefold()  # str(): discord.Locale too
    languages = ["es", "en"] if tag.split("-")[0] == "es" else ["en", "es"]
    return languages, "MDY" if tag in ("en", "en-us") else "DMY"


def _read(text: str, context: _Context) -> datetime | None:
    clock, rest = _take_time(text)
    rest = _FILLERS.sub("", rest.strip(" ,.;!@"))
    today = context.today
    if not rest:
        return None if clock is None else _next_occurrence(clock, context)
    if (offset := _DAYS_FROM_TODAY.get(rest)) is not None:
        return _on_day(today + timedelta(days=offset), clock, context)
    if match := _RELATIVE.fullmatch(rest):
        return _after(count_of(match["count"]), UNIT_WORDS[match["unit"]], clock, context)
    if match := _NEXT.fullmatch(rest):
        what = match["what"]
        if what in _WEEKDAYS:  # the coming one, strictly after today
            ahead = (_WEEKDAYS[what] - today.weekday() - 1) % 7 + 1
            return _on_day(today + timedelta(days=ahead), clock, context)
        if match["before"] or match["after"]:
            return _after(1, _NEXTABLE[what], clock, context)
        return None
    if _END_OF_MONTH.fullmatch(rest):
        last = calendar.monthrange(today.year, today.month)[1]
        return _on_day(today.replace(day=last), clock, context)
    return _with_dateparser(rest, clock, context)


def _take_time(text: str) -> tuple[Clock | None, str]:
    """The first time of day in the text, and the text without it."""
    for match in _TIME.finditer(text):
        clock = _clock(match, text)
        if clock is not None:
            return clock, " ".join(f"{text[: match.start()]} {text[match.end() :]}".split())
    return None, text


def _clock(match: re.Match[str], text: str) -> Clock | None:
    """The (hour, minute) a match names; None if it is a bare number, not a time."""
    if match["named"]:
        return _NAMED_TIMES[match["named"]], 0
    meridiem = _MERIDIEMS.get((match["meridiem"] or "").replace(".", ""))
    glued = bool(match["glued"]) and not _DURATION_BEFORE.search(text[: match.start()])
    if not (match["prefix"] or match["minute"] or match["past"] or meridiem or glued):
        return None
    hour = count_of(match["hour"])
    minute = int(match["minute"] or match["hminute"] or 0) + _PAST_THE_HOUR.get(match["past"], 0)
    if meridiem is not None and not 1 <= hour <= 12:
        raise ValueError(f"{hour} is not an hour on a 12-hour clock")
    if meridiem == "night":  # "las 12 de la noche" is midnight, "las 2 de la noche" 02:00
        hour = 24 if hour == 12 else hour if hour <= 5 else hour + 12
    elif meridiem is not None:
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    if minute > 59 or hour > 24 or (hour == 24 and minute):
        raise ValueError(f"{hour}:{minute:02} is not a time of day")
    return hour, minute


def count_of(word: str) -> int:
    return int(word) if word.isdigit() else COUNT_WORDS[word]


def _at(day: date, clock: Clock) -> datetime:
    hour, minute = clock
    return datetime.combine(day, time(hour % 24, minute)) + timedelta(days=hour // 24)


def _on_day(day: date, clock: Clock | None, context: _Context) -> datetime:
    if clock is None:
        clock = END_OF_DAY if day == context.today else DEFAULT_TIME
    return _place(_at(day, clock), context, strict=True)


def _next_occurrence(clock: Clock, context: _Context) -> datetime:
    moment = _at(context.today, clock)
    if moment <= context.local_now:
        moment = _at(context.today + timedelta(days=1), clock)
    return _place(moment, context, strict=True)


def _after(count: int, unit: str, clock: Clock | None, context: _Context) -> datetime | None:
    if unit in ("minutes", "hours"):
        if clock is not None:  # "in 2 hours at 5pm" contradicts itself
            return None
        return _to_minute(context.now + timedelta(**{unit: count}))
    if unit in ("months", "years"):
        moment = _add_months(context.local_now, count * (12 if unit == "years" else 1))
    else:
        moment = context.local_now + timedelta(**{unit: count})
    if clock is not None:
        return _place(_at(moment.date(), clock), context, strict=True)
    return _place(moment, context, strict=False)


def _add_months(moment: datetime, months: int) -> datetime:
    """Calendar months on, clamped to the month's last day (31 Jan + 1 month = 28 Feb)."""
    years, month0 = divmod(moment.month - 1 + months, 12)
    year = moment.year + years
    day = min(moment.day, calendar.monthrange(year, month0 + 1)[1])
    return moment.replace(year=year, month=month0 + 1, day=day)


def _with_dateparser(text: str, clock: Clock | None, context: _Context) -> datetime | None:
    found = _dateparser(text, context, context.local_now)
    if found is None:
        return None
    moment, period = found
    if period in ("time", "part_of_day"):  # dateparser read a time too ("tonight")
        if clock is not None:
            return None
        if moment.tzinfo is not None:  # an explicit zone in the text wins
            return _to_minute(moment.astimezone(UTC))
        return _place(_to_minute(moment), context, strict=True)
    if period == "year":  # "2027" alone is too vague for a due date
        return None
    day = moment.date()
    if moment.time() != time(0) and clock is None:  # a relative phrase: its time is kept
        return _place(_to_minute(moment.replace(tzinfo=None)), context, strict=False)
    return _on_day(_today_not_next_year(text, day, context), clock, context)


def _today_not_next_year(text: str, day: date, context: _Context) -> date:
    """Today's day and month without a year ("25 nov" on 25 Nov) is today, not next year.

    dateparser's future preference moves a day-month that is not after the base a year
    on; asking again from just before today's midnight tells whether the year was given.
    """
    today = context.today
    if (day.year, day.month, day.day) != (today.year + 1, today.month, today.day):
        return day
    before_today = datetime.combine(today, time(0)) - timedelta(microseconds=1)
    again = _dateparser(text, context, before_today)
    return today if again and again[0].date() == today else day


def _dateparser(text: str, context: _Context, base: datetime) -> tuple[datetime, str] | None:
    settings = {
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": base,
        "DATE_ORDER": context.date_order,
        "PREFER_DAY_OF_MONTH": "first",
        "RETURN_TIME_AS_PERIOD": True,
    }
    from dateparser import DateDataParser  # on first use: the bot seldom needs its ~3 MB

    data = DateDataParser(languages=context.languages, settings=settings).get_date_data(text)
    return None if data.date_obj is None else (data.date_obj, data.period)


def _place(local: datetime, context: _Context, *, strict: bool) -> datetime:
    """A naive wall-clock time in the user's zone, as UTC.

    fold=0 takes the first occurrence of an autumn-overlap time. A time in a spring gap
    does not survive the round trip: refused when the user named it (strict), else moved
    on by the gap (zoneinfo reads it with the offset from before the change).
    """
    moment = local.replace(tzinfo=context.zone, fold=0).astimezone(UTC)
    if strict and moment.astimezone(context.zone).replace(tzinfo=None) != local:
        raise InvalidInput(FIELD, "error-date-nonexistent", context.phrase)
    return moment


def _to_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)
