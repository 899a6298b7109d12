"""Reading a due phrase into UTC moments: the time of day, the day, a named time zone,
and dateparser for absolute dates written with numbers."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from datetime import timezone as fixed_offset
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from dateutil.relativedelta import relativedelta

from storage.dates.clock import Clock, clocks, take_bare_hour, take_clock, take_part
from storage.dates.days import Days, Later, read_day
from storage.dates.words import MONTHS, WEEKDAYS, alternatives
from storage.errors import InvalidInput

FIELD = "due"
DEFAULT_TIME = (9, 0)
END_OF_DAY = (23, 59)

# Abbreviations with one meaning, as the zone whose wall clock people mean by them ("PST"
# in July is Pacific time); the ambiguous ones are asked about, with zones to pick from.
_ZONE_ABBREVIATIONS = {
    "utc": "UTC", "gmt": "UTC", "cet": "Europe/Paris", "cest": "Europe/Paris",
    "wet": "Europe/Lisbon", "west": "Europe/Lisbon", "eet": "Europe/Athens",
    "eest": "Europe/Athens", "pst": "America/Los_Angeles", "pdt": "America/Los_Angeles",
    "mst": "America/Denver", "mdt": "America/Denver", "cdt": "America/Chicago",
    "est": "America/New_York", "edt": "America/New_York", "hst": "Pacific/Honolulu",
}  # fmt: skip
_AMBIGUOUS_ZONES = {
    "cst": "America/Chicago, America/Havana, Asia/Shanghai",
    "ist": "Asia/Kolkata, Europe/Dublin, Asia/Jerusalem",
    "bst": "Europe/London, Asia/Dhaka",
    "ast": "America/Halifax, Asia/Riyadh",
}
_ZONE = re.compile(
    rf"(?<![\w/])(?:(?P<abbr>{alternatives(_ZONE_ABBREVIATIONS | _AMBIGUOUS_ZONES)})"
    r"(?:\s*(?P<offset>[+-]\d{1,2})(?::?(?P<offmin>\d{2}))?)?"
    r"|(?P<iana>[a-z]+(?:/[a-z0-9_+\-]+)+))(?![\w/])"
)
_OCLOCK_MERIDIEM = re.compile(r"o'?clock\s*(a\.?m\.?|p\.?m\.?)")
_ONLY_FILLERS = re.compile(r"(?:(?:at|on|by|due|for|until|till|para|hasta)\s*)+")
# Whole dates read without dateparser: ISO, or day and month with a 4-digit year and slashes.
_FULL_DATE = re.compile(
    r"(?P<iso>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:t(?P<hh>\d{1,2}):(?P<mm>\d{2}))?"
    r"|(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>\d{4})"
)
_DATE_WORDS = re.compile(rf"\d|\b(?:{alternatives(MONTHS)})\b")
_WEEKDAY_NUMBER = re.compile(r"(.+)\s+(\d{1,2})")
_DISCORD = re.compile(r"<t:(-?\d{1,13})(?::[tTdDfFR])?>")
_PUNCTUATION = re.compile(r"[,;!?()¡¿\"“”«»]")
# What dateparser is given: one date written in numbers, nothing else, so no word of the
# phrase goes unread (dateparser skips what it does not know). Dates with a month's name
# are read by storage.dates.days. Two parts only with a slash ("31/12"): "1.5" may be hours.
_LEADING = re.compile(r"^(?:(?:el|the|on|by|for|due|until|para|hasta)\s+)+")
_NUMERIC_DATE = re.compile(
    r"(?:\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}|\d{1,2}/\d{1,2})(?:t\d{1,2}:\d{2}(?::\d{2})?z?)?"
)


@dataclass(frozen=True)
class Context:
    phrase: str
    now: datetime  # UTC
    zone: tzinfo
    local_now: datetime  # naive wall clock in `zone`; never leaves this package
    languages: list[str]
    date_order: str

    @property
    def today(self) -> date:
        return self.local_now.date()


@cache
def _iana_names() -> dict[str, str]:
    return {name.casefold(): name for name in available_timezones()}


def take_zone(text: str, phrase: str) -> tuple[tzinfo | None, str]:
    """A time zone named in the phrase ("17:00 Europe/Madrid", "8:00 PST", "UTC+2")."""
    for match in _ZONE.finditer(text):
        zone: tzinfo | None = None
        if match["iana"]:
            name = _iana_names().get(match["iana"])
            zone = ZoneInfo(name) if name else None
        elif match["abbr"] in _AMBIGUOUS_ZONES:
            raise InvalidInput(
                FIELD, "error-date-zone-ambiguous", phrase, match["abbr"].upper(),
                _AMBIGUOUS_ZONES[match["abbr"]],
            )  # fmt: skip
        elif match["offset"]:
            hours, minutes = int(match["offset"]), int(match["offmin"] or 0)
            if abs(hours) > 14 or minutes > 59:
                return None, text
            sign = -1 if hours < 0 else 1
            zone = fixed_offset(sign * timedelta(hours=abs(hours), minutes=minutes))
        else:
            zone = ZoneInfo(_ZONE_ABBREVIATIONS[match["abbr"]])
        if zone is not None:
            # "17:00 in Europe/Madrid", "a las 5 hora de Madrid": the word before it goes too
            before = re.sub(r"(?:^|\s)(?:in|en|hora|time)\s*$", "", text[: match.start()])
            return zone, " ".join(f"{before} {text[match.end() :]}".split())
    return None, text


def discord_timestamp(phrase: str) -> datetime | None:
    """What Discord's time picker inserts: `<t:1796601840>` or `<t:1796601840:F>`."""
    match = _DISCORD.fullmatch(phrase)
    return None if match is None else datetime.fromtimestamp(int(match[1]), UTC)


def normalise(folded: str) -> str:
    text = _OCLOCK_MERIDIEM.sub(r"\1", _PUNCTUATION.sub(" ", folded))  # "3 o'clock pm"
    return " ".join(text.strip(" .").split())


def read(text: str, context: Context) -> list[datetime] | None:
    """The UTC moments a folded phrase names, likelier first; None if it is not read whole."""
    part, part_today, rest = take_part(text)
    said, rest = take_clock(rest)
    if _ONLY_FILLERS.fullmatch(rest):  # "by 5pm"
        rest = ""
    bare_day: date | None = None
    day = read_day(rest, context.today) if rest else None
    if day is None and said is None and rest:  # "tomorrow 9", "8 tonight"
        bare, without = take_bare_hour(rest, words=part is not None)
        # Not beside a date in numbers or with a month ("14th April 15": 15:00, or 2015?)
        if bare is not None and (without or part) and not _DATE_WORDS.search(without):
            day = read_day(without, context.today) if without else None
            if isinstance(day, Later):  # "in 31 20 years": no
                day = None
            elif day is not None or not without:
                said, rest = bare, without
                bare_day = _weekday_numbered(without, bare.hour, context.today)
    elif (
        day is None
        and said is not None
        and (numbered := _WEEKDAY_NUMBER.fullmatch(rest))
        and (on := _weekday_numbered(numbered[1], int(numbered[2]), context.today))
    ):
        day = Days((on,))  # "el viernes 11 a las 5", when the 11th is a Friday
    if day is None and rest:
        day = _with_dateparser(rest, said is not None, context)
        if isinstance(day, datetime):
            return [day]
        if day is None:
            return None
    readings = clocks(said, part)
    if readings is None and (said is not None or part is not None):
        return None  # "tonight at 9am"
    if bare_day is not None and isinstance(day, Days) and readings is not None:
        # "el jueves 10": Thursday the 10th, or Thursday at 10:00 / 22:00
        first = [_at(bare_day, END_OF_DAY if bare_day == context.today else DEFAULT_TIME)]
        return _placed(first + [_at(day.options[0], c) for c in readings], context)
    if isinstance(day, Later):
        return _later(day, readings, context)
    if part_today and day is not None and day.options[0] != context.today:
        return None  # "tonight wednesday", "mañana esta tarde": two days named
    if day is None:
        if not part_today:
            return [_next_occurrence(clock, context) for clock in readings or ()] or None
        day = Days((context.today,))
    if readings is None:
        days = day.options
        return _placed(
            [_at(d, END_OF_DAY if d == context.today else DEFAULT_TIME) for d in days], context
        )
    first, *others = day.options
    local = [_at(first, clock) for clock in readings] + [_at(d, readings[0]) for d in others]
    return _placed(local, context)


def _weekday_numbered(text: str, number: int, today: date) -> date | None:
    """ "jueves 10" where the coming 10th is a Thursday: that date may be meant."""
    weekday = WEEKDAYS.get(re.sub(r"^(?:el|on|this|este)\s+", "", text))
    if weekday is None or not 1 <= number <= 31:
        return None
    for months in (0, 1):
        first = today.replace(day=1) + relativedelta(months=months)
        with contextlib.suppress(ValueError):
            day = first.replace(day=number)
            if day >= today:
                return day if day.weekday() == weekday else None
    return None


def _later(
    later: Later, readings: tuple[Clock, ...] | None, context: Context
) -> list[datetime] | None:
    if later.elapsed:
        if readings is not None or later.months or later.days:  # "in 2 hours at 5pm"
            return None
        return [_up_to_minute(context.now + later.elapsed)]
    # Calendar units keep the wall clock; seconds round up, never down ("in 1 week" at
    # 10:00:58 is 10:01 a week on).
    moment = _up_to_minute(context.local_now) + relativedelta(months=later.months, days=later.days)
    if readings is not None:
        return _placed([_at(moment.date(), clock) for clock in readings], context)
    if later.months == later.days == 0:  # "in 0 days"
        return [_up_to_minute(context.now)]
    return [place(moment, context, strict=False)]


def _up_to_minute(moment: datetime) -> datetime:
    """The minute at or after a moment: a due time is never earlier than said."""
    floor = moment.replace(second=0, microsecond=0)
    return floor if floor == moment else floor + timedelta(minutes=1)


def _at(day: date, clock: Clock) -> datetime:
    hour, minute = clock
    return datetime.combine(day, time(hour % 24, minute)) + timedelta(days=hour // 24)


def _next_occurrence(clock: Clock, context: Context) -> datetime:
    hour, minute = clock
    clock = (hour - 24, minute) if hour > 24 else clock  # "1 at night", no day: the next 01:00
    moment = _at(context.today, clock)
    if moment <= context.local_now:
        moment = _at(context.today + timedelta(days=1), clock)
    return place(moment, context, strict=True)


def _placed(local: list[datetime], context: Context) -> list[datetime]:
    """Each reading placed in the zone. The likelier one in a DST gap is refused (said
    plainly rather than swapped for the other); an alternative in the gap is dropped."""
    placed = []
    for index, moment in enumerate(local):
        try:
            placed.append(place(moment, context, strict=True))
        except InvalidInput:
            if index == 0:
                raise
    return placed


def place(local: datetime, context: Context, *, strict: bool) -> datetime:
    """A naive wall-clock time in the zone, as UTC.

    fold=0 takes the first occurrence of an autumn-overlap time. A time in a spring gap
    does not survive the round trip: refused when the user named it (strict), else moved
    on by the gap (zoneinfo reads it with the offset from before the change).
    """
    moment = local.replace(tzinfo=context.zone, fold=0).astimezone(UTC)
    if strict and moment.astimezone(context.zone).replace(tzinfo=None) != local:
        raise InvalidInput(FIELD, "error-date-nonexistent", context.phrase)
    return moment


def _with_dateparser(text: str, has_clock: bool, context: Context) -> Days | datetime | None:
    """Absolute dates in numbers ("01/02/2027", "2027-03-01", "1.3.2027"), by dateparser."""
    text = _LEADING.sub("", text)
    if not _NUMERIC_DATE.fullmatch(text):
        return None
    if (match := _FULL_DATE.fullmatch(text)) is not None:  # the common case, without its ~1 ms
        if match["hh"]:  # "2027-03-01T14:30"
            if has_clock:
                return None
            fields = (match["iso"], match["m"], match["d"], match["hh"], match["mm"])
            return place(datetime(*map(int, fields)), context, strict=True)  # noqa: DTZ001 (wall clock)
        return _full_date(match, context)
    found = _dateparser(text, context, context.local_now)
    if found is None:
        return None
    moment, period = found
    if period in ("time", "part_of_day"):  # "2027-03-01t14:30"
        if has_clock:
            return None
        if moment.tzinfo is not None:
            return moment.astimezone(UTC)
        return place(moment.replace(second=0, microsecond=0), context, strict=True)
    if period != "day":  # "2027", "march 2027": too vague for a due date
        return None
    return Days((_today_not_next_year(text, moment.date(), context),))


def _full_date(match: re.Match[str], context: Context) -> Days | None:
    """ "2027-03-01", "01/02/2027": a whole date, in ISO or the locale's order."""
    if match["iso"]:
        year, month, day = int(match["iso"]), int(match["m"]), int(match["d"])
    else:
        first, second, year = int(match["a"]), int(match["b"]), int(match["y"])
        month, day = (first, second) if context.date_order == "MDY" else (second, first)
    try:
        return Days((date(year, month, day),))
    except ValueError:  # "31/02/2027"
        return None


def _today_not_next_year(text: str, day: date, context: Context) -> date:
    """Today's day and month without a year is today, not next year (dateparser's
    future preference moves a day-month that is not after the base a year on)."""
    today = context.today
    if (day.year, day.month, day.day) != (today.year + 1, today.month, today.day):
        return day
    before_today = datetime.combine(today, time(0)) - timedelta(microseconds=1)
    again = _dateparser(text, context, before_today)
    return today if again and again[0].date() == today else day


def _dateparser(text: str, context: Context, base: datetime) -> tuple[datetime, str] | None:
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
