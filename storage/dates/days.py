"""Which day a phrase names, without its time of day: weekdays and weeks, days of the
month, the nth weekday of a month, ends of periods, and amounts of time from now.

Each reader takes the folded phrase (its time of day already taken out) and returns the
readings, likelier first, or None when the phrase is not of its kind.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta, weekday

from storage.dates.kinds import Days, Later, NeedsUnit, Reading, WeekdayMismatch
from storage.dates.weeks import WEEK_READERS, with_weekday
from storage.dates.weeks import count as number_of
from storage.dates.words import (
    COUNT_WORDS,
    DAY_WORDS,
    MONTHS,
    NTH_WORDS,
    NUMBER_WORDS,
    ORDINAL_WORDS,
    UNIT_ALL,
    VAGUE_COUNTS,
    WEEKDAYS,
    alternatives,
)

__all__ = ["Days", "Later", "NeedsUnit", "Reading", "WeekdayMismatch", "read_day"]

_WEEKDAY_OF = [weekday(i) for i in range(7)]  # dateutil's MO..SU, for "the nth of"


_WD = alternatives(WEEKDAYS)
_MONTH = alternatives(MONTHS)
_NUM = rf"\d+/\d+|\d+(?:[.,]\d+)?|{alternatives(COUNT_WORDS | NUMBER_WORDS)}"
_DAY_NUM = rf"\d{{1,2}}(?:st|nd|rd|th|o|a)?|{alternatives(DAY_WORDS)}"
_DAYS_FROM_TODAY = {
    "today": 0, "hoy": 0, "tomorrow": 1, "tmrw": 1, "tmr": 1, "manana": 1,
    "day after tomorrow": 2, "the day after tomorrow": 2, "pasado manana": 2,
}  # fmt: skip
_FILLERS = re.compile(
    r"^(?:(?:at|on|by|due|for|the|this|until|till|el|la|este|esta|para|hasta)\s+)+"
)
_IN = re.compile(
    r"(?:in|en|dentro de|within|de aqui a)\s+(?P<amount>.+)"
    r"|(?P<amount2>.+?)\s+(?:from now|from today|later|hence|desde hoy|desde ahora"
    r"|a partir de hoy|a partir de ahora)"
)
_NEXT_UNIT = {
    "next week": Later(days=7), "la semana que viene": Later(days=7),
    "la proxima semana": Later(days=7), "la semana proxima": Later(days=7),
    "semana que viene": Later(days=7), "proxima semana": Later(days=7),
    "next month": Later(months=1), "el mes que viene": Later(months=1),
    "el proximo mes": Later(months=1), "mes que viene": Later(months=1),
    "next year": Later(months=12), "el ano que viene": Later(months=12),
    "el proximo ano": Later(months=12), "ano que viene": Later(months=12),
    "the following week": Later(days=7), "following week": Later(days=7),
    "proximo mes": Later(months=1), "proximo ano": Later(months=12),
    "yesterday": Later(days=-1), "ayer": Later(days=-1),  # read, to be refused as past
}  # fmt: skip
_FRACTIONS = {
    "half an hour": 30, "half hour": 30, "a half hour": 30, "media hora": 30,
    "a quarter of an hour": 15, "quarter of an hour": 15, "a quarter hour": 15,
    "quarter hour": 15, "un cuarto de hora": 15, "cuarto de hora": 15,
    "three quarters of an hour": 45, "three-quarters of an hour": 45,
    "tres cuartos de hora": 45,
    "an hour and a half": 90, "hora y media": 90, "una hora y media": 90,
}  # fmt: skip
_PART = rf"(?P<n{{i}}>{_NUM}|{alternatives(VAGUE_COUNTS)})\s*(?P<u{{i}}>{alternatives(UNIT_ALL)})"
_AMOUNT = re.compile(
    _PART.format(i=1)
    + r"(?P<half>\s+(?:and a half|y media|y medio))?"
    + r"(?:\s*(?:,|and|y)?\s*"
    + _PART.format(i=2)
    + r")?"
)
_AND_A_HALF = re.compile(rf"(?P<n>{_NUM}) and a half (?P<u>{alternatives(UNIT_ALL)})")
_MONTH_REF = (
    rf"(?P<m>{_MONTH})(?:\s+(?:de\s+|of\s+)?(?P<y>\d{{4}}))?"
    r"|(?P<next>next month|el mes que viene|mes que viene|el proximo mes|proximo mes)"
    r"|(?:the\s+|this\s+|el\s+|este\s+)?(?:month|mes)"
)
_NTH_WEEKDAY = re.compile(
    rf"(?:the\s+)?(?P<n>{alternatives(NTH_WORDS)})\s+(?P<wd>{_WD})\s+(?:of|in|de|del)\s+"
    rf"(?:{_MONTH_REF})"
)
_LAST_DAY = re.compile(rf"(?:the\s+)?(?:last day|ultimo dia)\s+(?:of|in|de|del)\s+(?:{_MONTH_REF})")
_PERIODS = {"month": 1, "mes": 1, "quarter": 3, "trimestre": 3, "year": 12, "ano": 12}
_END_OF = re.compile(
    r"(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?(?P<p>month|quarter|year)"
    r"|(?:the\s+)?end\s+of\s+next\s+(?P<pn>month|quarter|year)"
    r"|(?:a\s+)?(?:fin|final|finales)\s+(?:de|del)\s+(?:este\s+|el\s+)?(?P<ep>mes|trimestre|ano)"
    r"(?P<next>\s+(?:que viene|proximo|siguiente))?"
    r"|(?:a\s+)?(?:fin|final|finales)\s+del\s+(?:proximo|siguiente)\s+(?P<epn>mes|trimestre|ano)"
    r"|eom"
)
_DAY_OF_MONTH = re.compile(
    rf"(?:(?:on|by|for|para|hasta)\s+)?(?:(?:the|el)\s+)?(?:(?:dia)\s+)?(?P<d>{_DAY_NUM})"
    r"(?:\s+(?:of|de|del)\s+(?:(?P<this>(?:the\s+|this\s+|este\s+)?(?:month|mes))"
    r"|(?P<next>next month|el mes que viene|mes que viene|el proximo mes|proximo mes)))?"
)
_DATE_IN_WORDS = re.compile(
    rf"(?:(?:on|by|for|para|hasta)\s+)?(?:(?:the|el)\s+)?(?:dia\s+)?"
    rf"(?:(?P<d>{_DAY_NUM})\s+(?:(?:of|de)\s+)?(?P<m>{_MONTH})"
    rf"|(?P<m2>{_MONTH})\s+(?:the\s+)?(?P<d2>{_DAY_NUM}))"
    r"(?:,?\s+(?:(?:de|of|del)\s+)?(?P<y>\d{4}))?"
)
# A lone number or ordinal is no day of the month: "the 15", "el 15", "15th", "the first" are.
_SUFFIXED = re.compile(r"\d{1,2}(?:st|nd|rd|th)")
_DAY_MARKED = re.compile(r"(?:(?:on|by|for|para|hasta)\s+)?(?:the|el|dia)\s")


def read_day(text: str, today: date) -> Reading | None:
    """The day (or amount from now) a phrase without its time of day names."""
    if (match := _DATE_IN_WORDS.fullmatch(text)) is not None:
        return _date_in_words(match, today)
    if (match := _DAY_OF_MONTH.fullmatch(text)) is not None and (
        _DAY_MARKED.match(text) or _SUFFIXED.fullmatch(match["d"])
    ):
        return _day_of_month(match, today)
    if (pair := with_weekday(text)) is not None and (dated := _dated(*pair, today)) is not None:
        return dated or None
    for pattern, reader in _READERS:
        if (match := pattern.fullmatch(text)) is not None:
            return reader(match, today)
    rest = _FILLERS.sub("", text)
    if (offset := _DAYS_FROM_TODAY.get(rest)) is not None:
        return Days((today + timedelta(days=offset),))
    if (later := _NEXT_UNIT.get(rest)) is not None:
        return later
    if (match := _IN.fullmatch(rest)) is not None:
        amount = match["amount"] or match["amount2"]
        if re.fullmatch(r"\d+", amount):
            raise NeedsUnit(amount)
        return _amount(amount)
    if rest != text:
        return read_day(rest, today)
    return None


def _amount(text: str) -> Later | None:
    if (minutes := _FRACTIONS.get(text)) is not None:
        return Later(elapsed=timedelta(minutes=minutes))
    parts: list[tuple[float, str]] = []
    if (match := _AND_A_HALF.fullmatch(text)) is not None:
        count = number_of(match["n"])
        parts = [] if count is None else [(count + 0.5, UNIT_ALL[match["u"]])]
    elif (match := _AMOUNT.fullmatch(text)) is not None:
        for i in (1, 2):
            if match[f"n{i}"]:
                count = number_of(match[f"n{i}"])
                if count is None:
                    return None
                parts.append((count, UNIT_ALL[match[f"u{i}"]]))
        if match["half"]:
            if len(parts) != 1:
                return None
            parts = [(parts[0][0] + 0.5, parts[0][1])]
    elif (match := re.fullmatch(r"(hora|dia|semana)\s+y\s+(?:media|medio)", text)) is not None:
        parts = [(1.5, UNIT_ALL[match[1]])]
    elif (match := re.fullmatch(r"(\d{1,3})\s*h\s*(\d{1,2})\s*(?:m|min)?", text)) is not None:
        parts = [(int(match[1]), "hours"), (int(match[2]), "minutes")]  # "2h30"
    return _later(parts) if parts else None


def _later(parts: list[tuple[float, str]]) -> Later | None:
    """Elapsed units add up as time; calendar ones keep the wall clock, and only whole."""
    elapsed, months, days = timedelta(), 0, 0
    for count, unit in parts:
        if unit in ("seconds", "minutes", "hours"):
            elapsed += timedelta(**{unit: count})
        elif count != int(count):  # "a day and a half", "1.5 weeks": elapsed
            elapsed += timedelta(days=count * (7 if unit == "weeks" else 1))
            if unit not in ("days", "weeks"):
                return None
        elif unit in ("days", "weeks"):
            days += int(count) * (7 if unit == "weeks" else 1)
        else:
            months += int(count) * (12 if unit == "years" else 1)
    if elapsed and (months or days):
        if months:
            return None  # "a month and 2 hours": no
        elapsed, days = elapsed + timedelta(days=days), 0
    return Later(elapsed=elapsed, months=months, days=days)


def _day_number(word: str) -> int:
    digits = re.match(r"\d+", word)
    if digits:
        return int(digits[0])
    return DAY_WORDS[word]


def _day_of_month(match: re.Match[str], today: date) -> Reading | None:
    """ "the 15th", "el día 15": the next such day, this month or the next that has it."""
    day = _day_number(match["d"])
    if not 1 <= day <= 31:
        return None
    year, month = today.year, today.month
    if match["next"]:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return Days((date(year, month, day),)) if _has(year, month, day) else None
    while not (_has(year, month, day) and date(year, month, day) >= today):
        if match["this"]:
            return None if not _has(year, month, day) else Days((date(year, month, day),))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return Days((date(year, month, day),))


def _dated(weekday: int, words: str, today: date) -> Days | tuple[()] | None:
    """ "Monday, Feb 18", "Tuesday the 19th", "el viernes 12 de septiembre de 2014": the
    date (without a year, its next occurrence), which must fall on the weekday, or
    WeekdayMismatch (never a guess between the two). None when the words are no date;
    () when they name no day ("30 february")."""
    words = re.sub(r"^(?:the|el)\s+", "", words)
    found: date | None = None
    if (match := _DATE_IN_WORDS.fullmatch(words)) is not None:
        day, month = _day_number(match["d"] or match["d2"]), MONTHS[match["m"] or match["m2"]]
        years = [int(match["y"])] if match["y"] else [today.year, today.year + 1]
        candidates = [date(y, month, day) for y in years if _has(y, month, day)]
        found = next((d for d in candidates if d >= today or match["y"]), None)
    elif (match := _DAY_OF_MONTH.fullmatch(words)) is not None and (
        _SUFFIXED.fullmatch(match["d"]) or match["d"] in ORDINAL_WORDS
    ):
        day, year, month = _day_number(match["d"]), today.year, today.month
        for _ in range(3):  # the next such day, this month or the next two
            if _has(year, month, day) and date(year, month, day) >= today:
                found = date(year, month, day)
                break
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    else:
        return None
    if found is None:
        return ()
    if found.weekday() != weekday:
        raise WeekdayMismatch(found)
    return Days((found,))


def _has(year: int, month: int, day: int) -> bool:
    return day <= calendar.monthrange(year, month)[1]


def _date_in_words(match: re.Match[str], today: date) -> Reading | None:
    """ "march first", "el cinco de mayo", "1st of march 2027": this year's if still ahead."""
    day = _day_number(match["d"] or match["d2"])
    month = MONTHS[match["m"] or match["m2"]]
    if match["y"]:
        year = int(match["y"])
        return Days((date(year, month, day),)) if _has(year, month, day) else None
    for year in range(today.year, today.year + 5):  # 29 February: up to 4 years on
        if _has(year, month, day) and date(year, month, day) >= today:
            return Days((date(year, month, day),))
    return None


def _month_of(match: re.Match[str], today: date) -> tuple[int, int, bool]:
    """(year, month, named): a month named is this year's (or the next, when `named`);
    "next month", the next one; with its year, that one."""
    if match["m"]:
        if match["y"]:
            return int(match["y"]), MONTHS[match["m"]], False
        return today.year, MONTHS[match["m"]], True
    if match["next"]:
        return (
            (today.year + 1, 1, False)
            if today.month == 12
            else (today.year, today.month + 1, False)
        )
    return today.year, today.month, False


def _nth_weekday(match: re.Match[str], today: date) -> Reading | None:
    year, month, named = _month_of(match, today)
    nth = NTH_WORDS[match["n"]]
    for year_ in (year, year + 1) if named else (year,):
        start = date(year_, month, 1) if nth > 0 else date(year_, month, 1) + relativedelta(day=31)
        day = start + relativedelta(weekday=_WEEKDAY_OF[WEEKDAYS[match["wd"]]](nth))
        if day.month != month:  # "the fifth monday" of a month with four
            return None
        if day >= today or not named:
            return Days((day,))
    return None


def _last_day(match: re.Match[str], today: date) -> Reading:
    year, month, named = _month_of(match, today)
    if named and month < today.month:
        year += 1
    return Days((date(year, month, calendar.monthrange(year, month)[1]),))


def _end_of(match: re.Match[str], today: date) -> Reading:
    """The last day of this (or the next) month, quarter or year."""
    period = match["p"] or match["pn"] or match["ep"] or match["epn"] or "month"
    size = _PERIODS[period]
    first = date(today.year, (today.month - 1) // size * size + 1, 1)
    if match["pn"] or match["epn"] or match["next"]:
        first += relativedelta(months=size)
    return Days((first + relativedelta(months=size, days=-1),))


_READERS = [
    *WEEK_READERS,
    (_NTH_WEEKDAY, _nth_weekday),
    (_LAST_DAY, _last_day),
    (_END_OF, _end_of),
]
