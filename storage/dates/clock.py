"""Times of day as people write them: "5pm", "17:00", "17h30", "quarter past three",
"three twenty", "a las cinco y media", "la una menos cuarto", "noon", "mediodía", and
parts of the day ("tonight", "this afternoon", "por la mañana", "de la tarde").

An hour from 1 to 12 said without am/pm or a part of the day ("at 3", "a las 5") has two
readings; both are kept, the likelier first: 1-6 is afternoon (17:00 rather than 05:00
for "at 5"), 7-11 morning, 12 noon (midnight the other).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

from storage.dates.words import COUNT_WORDS, NUMBER_WORDS, alternatives
from storage.errors import InvalidInput
from storage.text import fold

Clock = tuple[int, int]  # (hour, minute); 24 and past is the next day's ("tonight at 1")

# "un"/"uno" are no hours ("a la una" is): "morning un" is not 01:00.
_HOUR_WORDS = {w: n for w, n in NUMBER_WORDS.items() if n <= 12 and " " not in w}
del _HOUR_WORDS["un"], _HOUR_WORDS["uno"]
_EN_MINUTE_WORDS = alternatives(
    w for w, n in NUMBER_WORDS.items() if n >= 10 and w.isascii() and "y" not in w.split()
)
_ES_MINUTES = alternatives(w for w in NUMBER_WORDS if w not in ("un",))
_EN_ONES = alternatives(w for w, n in NUMBER_WORDS.items() if n < 10)
_HOUR = rf"\d{{1,2}}|{alternatives(_HOUR_WORDS)}"
_NAMED = {"noon": (12, 0), "midday": (12, 0), "mediodia": (12, 0), "medio dia": (12, 0)}
_NAMED |= {"midnight": (24, 0), "medianoche": (24, 0)}
# The end of the day named ("tomorrow eod"): its last minute, as a date alone today.
_NAMED |= {"eod": (23, 59), "end of day": (23, 59), "end of the day": (23, 59)}
_NAMED |= {"fin del dia": (23, 59), "final del dia": (23, 59), "finales del dia": (23, 59)}

_CLOCK = re.compile(
    r"(?<![\w:/.\-])(?:"
    r"(?:(?:at|by|a|al|a la|a las|las)\s+)?(?:(?:12|twelve|doce)\s+(?:del\s+)?)?"
    rf"(?P<named>{alternatives(_NAMED)})"
    r"|(?P<prefix>(?:at|@|a las|a la|las|la|(?<!aqui )(?<!\d )a)\s*)?(?:"
    rf"(?P<rel_m>a quarter|quarter|half|{_EN_MINUTE_WORDS}|{_EN_ONES}|\d{{1,2}})"
    rf"(?:\s+minutes?)?\s+(?P<rel>past|after|to|till|til)\s+(?P<rel_h>{_HOUR}|noon|midnight)"
    rf"|(?P<hour>{_HOUR})(?:"
    r"[:.](?P<minute>\d{2})"
    r"|(?P<glued>h)(?P<hminute>\d{2})?"
    rf"|\s+y\s+(?P<plus>media|cuarto|{_ES_MINUTES}|\d{{1,2}})(?:\s+minutos)?"
    rf"|\s+menos\s+(?P<minus>cuarto|{_ES_MINUTES}|\d{{1,2}})"
    rf"|\s+(?P<words>{_EN_MINUTE_WORDS}|(?:oh|o)\s+(?:{_EN_ONES}))"
    r")?)"
    r"(?:\s*(?P<meridiem>a\.m\.?|p\.m\.?|am|pm)|(?<=\d)(?P<short>[ap])"
    r"|\s+(?P<oclock>o'?clock|en punto|horas|hrs))?"
    r")(?![\w/\-]|[:.]\d)"  # not a part of "1/3/2027" or "2027-03-01"
)
# "en 3h", "in 2h30" are durations, not 03:00.
_DURATION_BEFORE = re.compile(r"\b(?:in|en|de|within)\s*$")

# Parts of the day: (part, whether it means today: "tonight", "esta tarde").
_PARTS = {
    "this morning": ("morning", True), "esta manana": ("morning", True),
    "in the morning": ("morning", False), "morning": ("morning", False),
    "por la manana": ("morning", False), "de la manana": ("morning", False),
    "en la manana": ("morning", False),
    "this afternoon": ("afternoon", True), "esta tarde": ("afternoon", True),
    "in the afternoon": ("afternoon", False), "afternoon": ("afternoon", False),
    "por la tarde": ("afternoon", False), "de la tarde": ("afternoon", False),
    "en la tarde": ("afternoon", False),
    "in the am": ("morning", False), "in the pm": ("afternoon", False),
    "this evening": ("evening", True), "in the evening": ("evening", False),
    "evening": ("evening", False),
    "tonight": ("night", True), "esta noche": ("night", True), "at night": ("night", False),
    "night": ("night", False), "por la noche": ("night", False),
    "de la noche": ("night", False), "en la noche": ("night", False),
    "esta madrugada": ("early", True), "de la madrugada": ("early", False),
    "en la madrugada": ("early", False), "por la madrugada": ("early", False),
}  # fmt: skip
# A part of the day alone: the hours dateparser gives them, so nothing changes for users.
PART_HOURS = {"morning": 9, "afternoon": 15, "evening": 18, "night": 20}
_PART = re.compile(rf"(?<![\w'])(?:{alternatives(_PARTS)})(?![\w'])")
# A lone number as an hour, first or last in the phrase ("tomorrow 9", "8 tonight").
_BARE_HOUR = re.compile(r"^\d{1,2}(?=\s|$)|(?<=\s)\d{1,2}$")
_BARE_HOUR_WORDS = re.compile(rf"^(?:{_HOUR})(?=\s|$)|(?<=\s)(?:{_HOUR})$")


@dataclass(frozen=True)
class Said:
    """A time of day as written: `minutes` past `hour`, which may be either half of the day."""

    hour: int
    minutes: int  # may be negative: "quarter to four" is 4 and -15
    flexible: bool  # 1-12 without am/pm: morning or afternoon


@dataclass(frozen=True)
class TimeOfDay:
    clocks: tuple[Clock, ...]  # the readings, likelier first; empty: no time was said
    today: bool  # "tonight", "esta tarde": today, unless a day is named


def _number(word: str) -> int:
    return int(word) if word.isdigit() else NUMBER_WORDS.get(word, COUNT_WORDS.get(word, -1))


def said_of(match: re.Match[str], text: str) -> Said | None:
    """What a match of _CLOCK says; None if it is a number, not a time ("in 3h", "5")."""
    if match["named"]:
        return Said(*_NAMED[match["named"]], flexible=False)
    if match["rel"]:
        shift = {"a quarter": 15, "quarter": 15, "half": 30}.get(match["rel_m"])
        minutes = shift if shift is not None else _number(match["rel_m"])
        minutes = -minutes if match["rel"] in ("to", "till", "til") else minutes
        if match["rel_h"] in _NAMED:  # "a quarter to noon"
            return Said(_NAMED[match["rel_h"]][0], minutes, flexible=False)
        hour = _number(match["rel_h"])
        meridiem = (match["meridiem"] or match["short"] or "").replace(".", "")[:1]
        if meridiem:  # "half past 3 pm"
            if not 1 <= hour <= 12:
                raise ValueError(f"{hour} is not an hour on a 12-hour clock")
            return Said(hour % 12 + (12 if meridiem == "p" else 0), minutes, flexible=False)
        return Said(hour, minutes, flexible=1 <= hour <= 12)
    glued = bool(match["glued"]) and not _DURATION_BEFORE.search(text[: match.start()])
    meridiem = (match["meridiem"] or match["short"] or "").replace(".", "")[:1]
    marked = match["minute"] or match["plus"] or match["minus"] or match["words"]
    if not (match["prefix"] or marked or glued or meridiem or match["oclock"]):
        return None
    if match["oclock"] in ("horas", "hrs") and not match["prefix"]:
        return None  # "en 3 horas" is a duration; "a las 15 horas" a time
    if match["glued"] and not glued:
        return None
    if (match["prefix"] or "").strip() == "a" and not match["hour"].isdigit() and not marked:
        return None  # "a 11" is "a las 11"; "a two" is nothing
    return said(match["hour"], match, meridiem, glued=glued)


def said(hour_text: str, match: re.Match[str] | None, meridiem: str, *, glued: bool) -> Said:
    """An hour, its minutes and meridiem as a Said; ValueError for "25:00" or "13pm"."""
    hour = _number(hour_text)
    minutes = 0
    if match is not None:
        if match["minute"] or match["hminute"]:
            minutes = int(match["minute"] or match["hminute"])
        elif match["plus"]:
            minutes = {"media": 30, "cuarto": 15}.get(match["plus"]) or _number(match["plus"])
        elif match["minus"]:
            minutes = -({"cuarto": 15}.get(match["minus"]) or _number(match["minus"]))
        elif match["words"]:
            minutes = _number(match["words"].removeprefix("oh ").removeprefix("o "))
    if not 0 <= minutes <= 59 and not -59 <= minutes < 0:
        raise ValueError(f"{minutes} minutes")
    if meridiem:
        if not 1 <= hour <= 12:
            raise ValueError(f"{hour} is not an hour on a 12-hour clock")
        return Said(hour % 12 + (12 if meridiem == "p" else 0), minutes, flexible=False)
    if hour > 24 or (hour == 24 and minutes):
        raise ValueError(f"{hour}:{minutes:02} is not a time of day")
    # "09:00", "17h", "9h30": written on the 24-hour clock
    padded = hour_text.startswith("0") and len(hour_text) == 2
    return Said(hour, minutes, flexible=1 <= hour <= 12 and not padded and not glued)


def take_part(text: str) -> tuple[str | None, bool, str]:
    """The part of the day named, whether it means today, and the text without it."""
    match = _PART.search(text)
    if match is None:
        return None, False, text
    part, today = _PARTS[match[0]]
    return part, today, _without(text, match)


def take_clock(text: str) -> tuple[Said | None, str]:
    """The first time of day in the text, and the text without it."""
    for match in _CLOCK.finditer(text):
        found = said_of(match, text)
        if found is not None:
            return found, _without(text, match)
    return None, text


def take_bare_hour(text: str, *, words: bool = False) -> tuple[Said | None, str]:
    """A lone number as an hour ("tomorrow 9", "8 tonight"): tried only as a last resort;
    in words only beside a part of the day ("eight tonight")."""
    for match in (_BARE_HOUR_WORDS if words else _BARE_HOUR).finditer(text):
        hour = _number(match[0])
        if 0 <= hour <= 23:
            return said(match[0], None, "", glued=False), _without(text, match)
    return None, text


def _without(text: str, match: re.Match[str]) -> str:
    return " ".join(f"{text[: match.start()]} {text[match.end() :]}".split())


def clocks(said: Said | None, part: str | None) -> tuple[Clock, ...] | None:
    """The readings of a time of day, likelier first; None when the part contradicts it."""
    if said is None:
        return ((PART_HOURS[part], 0),) if part in PART_HOURS else None
    hours = _hours(said, part)
    if not hours:
        return None
    readings = []
    for hour in hours:
        total = hour * 60 + said.minutes
        readings.append(divmod(total + (1440 if total < 0 else 0), 60))
    return tuple(readings)


def _hours(said: Said, part: str | None) -> tuple[int, ...]:
    hour = said.hour
    if said.flexible:
        # Hours each part of the day can have, as said: "las 8 de la tarde" is 20:00,
        # "1 in the evening" or "10 in the afternoon" is nothing.
        if part == "morning":
            return (hour,)
        if part == "early":
            return (hour,) if hour <= 6 else ()
        if part == "afternoon":
            return (12,) if hour == 12 else (hour + 12,) if hour <= 9 else ()
        if part == "evening":
            return (hour + 12,) if 4 <= hour <= 11 else ()
        if part == "night":  # "12 de la noche" is midnight, "1 at night" the small hours
            return (24,) if hour == 12 else (hour + 24,) if hour <= 4 else (hour + 12,)
        return (12, 24) if hour == 12 else (hour + 12, hour) if hour <= 6 else (hour, hour + 12)
    allowed = {
        None: True,
        "morning": hour < 12,
        "early": hour < 7,
        "afternoon": 12 <= hour < 21,
        "evening": 16 <= hour <= 24,
        "night": hour >= 18 or hour <= 4,
    }[part]
    if not allowed:
        return ()
    return (hour + 24,) if part == "night" and hour <= 4 else (hour,)


def parse_time_of_day(text: str, *, locale: str) -> time:
    """A time of day for schedules (digests): "5pm", "9", "17:00", "a las 17",
    "las cinco y media", "noon", "mediodía".

    A bare hour is read on the 24-hour clock, as written ("9" is 09:00, "las cinco y
    media" 05:30): a schedule has no second reading to offer, and "5pm" or "de la tarde"
    says the afternoon. Raises InvalidInput("time", "error-time-unparseable", text).
    """
    del locale  # both languages' words are read in either: "5pm" is common in Spanish too
    folded = " ".join(fold(text).strip(" .,;!").split())
    part, _, rest = take_part(folded)
    try:
        found, rest = take_clock(rest)
        if found is None and _BARE_HOUR.fullmatch(rest):
            found, rest = take_bare_hour(rest)
        readings = clocks(found, part) if found is not None and not rest else None
    except ValueError:
        readings = None
    if not readings:
        raise InvalidInput("time", "error-time-unparseable", text.strip())
    hour, minute = readings[0]
    if found is not None and found.flexible and not part:  # as written
        hour, minute = divmod((found.hour * 60 + found.minutes) % 1440, 60)
    return time(hour % 24, minute)
