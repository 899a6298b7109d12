"""Weekdays and weeks: "friday", "next friday", "wednesday next week", "friday after
next", "3 fridays from now", "el miércoles de esta semana", "Monday, Feb 18" (the weekday
must agree with the date), the end of the week and the weekend."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

from storage.dates.kinds import Days, Reading
from storage.dates.words import (
    COUNT_WORDS,
    NUMBER_WORDS,
    VAGUE_COUNTS,
    WEEKDAYS,
    WEEKDAYS_COUNTED,
    alternatives,
)

_WD = alternatives(WEEKDAYS)
_NUM = rf"\d+|{alternatives(COUNT_WORDS | NUMBER_WORDS)}"
_WD_PLAIN = re.compile(rf"(?:(?:this|este|on|el)\s+)?(?P<wd>{_WD})")
_WD_NEXT = re.compile(
    rf"(?:next|coming|(?:el\s+)?(?:proximo|siguiente))\s+(?P<wd>{_WD})"
    rf"|(?:el\s+)?(?P<wd2>{_WD})\s+(?:que viene|proximo|siguiente)"
)
_NEXT_WEEK = r"next week|la semana que viene|la proxima semana|la semana proxima"
_WD_NEXT_WEEK = re.compile(
    rf"(?:el\s+)?(?P<wd>{_WD})\s+(?:of\s+|de\s+)?(?:{_NEXT_WEEK})"
    rf"|(?:{_NEXT_WEEK}|semana que viene|proxima semana)\s+(?:on\s+|el\s+)?(?P<wd2>{_WD})"
)
_WD_OTHER_WEEK = re.compile(rf"(?:el\s+)?(?P<wd>{_WD})\s+de la otra semana")
_WD_AFTER_NEXT = re.compile(rf"(?:the\s+)?(?P<wd>{_WD})\s+after\s+next")
_WDS = alternatives(WEEKDAYS_COUNTED)
_WD_COUNT = re.compile(
    rf"(?P<n>{_NUM})\s+(?P<wd>{_WDS})\s+from\s+(?:now|today)"
    rf"|(?:in|dentro de)\s+(?P<n2>{_NUM})\s+(?P<wd2>{_WDS})"
)
_WD_THIS_WEEK = re.compile(
    rf"(?:el\s+)?(?P<wd>{_WD})\s+(?:of\s+this\s+week|this\s+week|de\s+esta\s+semana)"
)
_END_OF_WEEK = re.compile(
    r"(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?week|(?:a\s+)?(?:finales|final)\s+de\s+(?:la\s+)?semana"
)
_WEEKEND = re.compile(r"(?:this\s+|the\s+)?weekend|(?:el\s+|este\s+)?fin de semana")
# A weekday with a date: "Monday, Feb 18", "Tuesday the 19th", "el viernes 12 de
# septiembre", "Jul 18, Fri". The date is read by the caller; the weekday checks it.
_WITH_WEEKDAY = re.compile(
    rf"(?:(?:on|el)\s+)?(?P<wd>{_WD})\s+(?P<date>.+)|(?P<date2>.+?)\s+(?P<wd2>{_WD})"
)


def with_weekday(text: str) -> tuple[int, str] | None:
    """(weekday, the date's words) when a phrase is a weekday and a date."""
    match = _WITH_WEEKDAY.fullmatch(text)
    if match is None:
        return None
    return WEEKDAYS[match["wd"] or match["wd2"]], match["date"] or match["date2"]


def count(word: str) -> float | None:
    if word in VAGUE_COUNTS:
        return VAGUE_COUNTS[word]
    if word in COUNT_WORDS or word in NUMBER_WORDS:
        return COUNT_WORDS.get(word) or NUMBER_WORDS[word]
    if "/" in word:  # "in 1/2 hour"
        over, under = word.split("/")
        return int(over) / int(under) if int(under) else None
    try:
        return float(word.replace(",", "."))
    except ValueError:
        return None


def _weekday(match: re.Match[str]) -> int:
    return WEEKDAYS_COUNTED[match["wd"] or match["wd2"]]


def coming(day: int, today: date) -> date:
    """The coming `day`, strictly after today: on a Friday, "friday" is 7 days on."""
    return today + timedelta(days=(day - today.weekday() - 1) % 7 + 1)


def _plain(match: re.Match[str], today: date) -> Reading:
    return Days((coming(_weekday(match), today),))


def _next(match: re.Match[str], today: date) -> Reading:
    """ "next friday" on a Tuesday: this week's (the coming one) or next week's."""
    first = coming(_weekday(match), today)
    same_week = first.weekday() > today.weekday()
    return Days((first, first + timedelta(days=7)) if same_week else (first,))


def _in_next_week(match: re.Match[str], today: date) -> date:
    """The weekday in next (Monday-started) week."""
    monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
    return monday + timedelta(days=_weekday(match))


def _next_week(match: re.Match[str], today: date) -> Reading:
    return Days((_in_next_week(match, today),))


def _other_week(match: re.Match[str], today: date) -> Reading:
    """ "el viernes de la otra semana": next week's, or (as some say) the week after."""
    day = _in_next_week(match, today)
    return Days((day, day + timedelta(days=7)))


def _after_next(match: re.Match[str], today: date) -> Reading:
    first = coming(_weekday(match), today) + timedelta(days=7)
    return Days(
        (first, first + timedelta(days=7)) if first.weekday() > today.weekday() else (first,)
    )


def _counted(match: re.Match[str], today: date) -> Reading | None:
    number = count(match["n"] or match["n2"])
    if number is None or number != int(number) or number < 1:
        return None
    return Days((coming(_weekday(match), today) + timedelta(days=7 * (int(number) - 1)),))


def _this_week(match: re.Match[str], today: date) -> Reading:
    """ "wednesday of this week": this (Monday-started) week's, even if past (refused)."""
    return Days((today + timedelta(days=_weekday(match) - today.weekday()),))


def _end_of_week(match: re.Match[str], today: date) -> Reading:
    """Friday (the working week's end) or Sunday; on a weekend, the coming ones."""
    friday = today + timedelta(days=4 - today.weekday())
    if friday < today:
        friday += timedelta(days=7)
    return Days((friday, friday + timedelta(days=2)))


def _weekend(match: re.Match[str], today: date) -> Reading:
    saturday = today + timedelta(days=(5 - today.weekday()) % 7)
    return Days((saturday, saturday + timedelta(days=1)))


WEEK_READERS: list[tuple[re.Pattern[str], Callable[[re.Match[str], date], Reading | None]]] = [
    (_WD_PLAIN, _plain),
    (_WD_NEXT, _next),
    (_WD_NEXT_WEEK, _next_week),
    (_WD_THIS_WEEK, _this_week),
    (_WD_OTHER_WEEK, _other_week),
    (_WD_AFTER_NEXT, _after_next),
    (_WD_COUNT, _counted),
    (_END_OF_WEEK, _end_of_week),
    (_WEEKEND, _weekend),
]
