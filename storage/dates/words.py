"""The words the due-date reader knows, in English and Spanish, folded (no accents).

Kept apart from the grammar so the tables can be read (and extended) at a glance.
"""

from __future__ import annotations

import re
from collections.abc import Iterable


def alternatives(words: Iterable[str]) -> str:
    """A regex alternation, longest first so "miercoles" wins over "mie"."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


_NUMBER_WORDS = (
    "one two three four five six seven eight nine ten eleven twelve",
    "uno dos tres cuatro cinco seis siete ocho nueve diez once doce",
)
_NUMBERS = {word: n for words in _NUMBER_WORDS for n, word in enumerate(words.split(), 1)}
_NUMBERS |= {"una": 1, "fifteen": 15, "quince": 15, "twenty": 20, "veinte": 20}
_NUMBERS |= {"thirty": 30, "treinta": 30}
# "in an hour", "en un mes": counts, never hours. Shared with the lead-time reader of
# storage.services.settings, so it stays as it was.
COUNT_WORDS = _NUMBERS | {"a": 1, "an": 1, "un": 1}

# Every number word from 1 to 59, for minutes ("three twenty", "las cinco y veinticinco")
# and days of the month ("el cinco de mayo").
_EN_ONES = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_EN_TEENS = "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen"
_ES_1_29 = [
    "uno",
    "dos",
    "tres",
    "cuatro",
    "cinco",
    "seis",
    "siete",
    "ocho",
    "nueve",
    "diez",
    "once",
    "doce",
    "trece",
    "catorce",
    "quince",
    "dieciseis",
    "diecisiete",
    "dieciocho",
    "diecinueve",
    "veinte",
    "veintiuno",
    "veintidos",
    "veintitres",
    "veinticuatro",
    "veinticinco",
    "veintiseis",
    "veintisiete",
    "veintiocho",
    "veintinueve",
]
NUMBER_WORDS: dict[str, int] = {w: n for n, w in enumerate(_EN_ONES, 1)}
NUMBER_WORDS |= {w: n for n, w in enumerate(_EN_TEENS.split(), 10)}
NUMBER_WORDS |= {w: n for n, w in enumerate(_ES_1_29, 1)} | {"una": 1, "un": 1}
for _tens, _en, _es in ((20, "twenty", "veinte"), (30, "thirty", "treinta"),
                        (40, "forty", "cuarenta"), (50, "fifty", "cincuenta")):  # fmt: skip
    NUMBER_WORDS[_en] = _tens
    NUMBER_WORDS[_es] = _tens
    for _n, _one in enumerate(_EN_ONES, 1):
        NUMBER_WORDS[f"{_en}-{_one}"] = NUMBER_WORDS[f"{_en} {_one}"] = _tens + _n
    if _tens >= 30:
        for _n, _one in enumerate(_ES_1_29[:9], 1):
            NUMBER_WORDS[f"{_es} y {_one}"] = _tens + _n
NUMBER_WORDS["veintiun"] = 21

_ORDINALS_EN = [
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
    "twentieth",
]
ORDINAL_WORDS: dict[str, int] = {w: n for n, w in enumerate(_ORDINALS_EN, 1)}
for _n, _one in enumerate(_ORDINALS_EN[:9], 1):
    ORDINAL_WORDS[f"twenty-{_one}"] = ORDINAL_WORDS[f"twenty {_one}"] = 20 + _n
ORDINAL_WORDS |= {"thirtieth": 30, "thirty-first": 31, "thirty first": 31}
# Spanish days of the month are cardinals, except "primero" ("el primero de marzo").
ORDINAL_WORDS |= {"primero": 1}

# Days of the month in words: English says them as ordinals ("the fifth"), Spanish as
# cardinals ("el cinco"), but never "un"/"una" ("un viernes" is any Friday).
DAY_WORDS = dict(ORDINAL_WORDS)
DAY_WORDS |= {w: n for n, w in enumerate(_ES_1_29, 1)} | {"treinta": 30, "treinta y uno": 31}

# The nth weekday of a month: "the first tuesday", "el último lunes" (-1 is the last).
NTH_WORDS = {
    "first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4,
    "4th": 4, "fifth": 5, "5th": 5, "last": -1, "primer": 1, "primero": 1, "primera": 1,
    "segundo": 2, "tercer": 3, "tercero": 3, "cuarto": 4, "quinto": 5, "ultimo": -1,
}  # fmt: skip

_WEEKDAY_NAMES = (
    "monday mon lunes lun",
    "tuesday tue tues martes",
    "wednesday wed miercoles mie",
    "thursday thu thur thurs jueves jue",
    "friday fri viernes vie",
    "saturday sat sabado sab",
    "sunday sun domingo dom",
)
WEEKDAYS = {name: i for i, names in enumerate(_WEEKDAY_NAMES) for name in names.split()}
# Plurals only count ("3 fridays from now"): "mondays" alone is every Monday, refused.
WEEKDAYS_COUNTED = WEEKDAYS | {
    f"{name}s": i for name, i in WEEKDAYS.items() if name.endswith("day") or name.endswith("o")
}

_MONTH_NAMES = (
    "january jan enero ene",
    "february feb febrero",
    "march mar marzo",
    "april apr abril abr",
    "may mayo",
    "june jun junio",
    "july jul julio",
    "august aug agosto",  # not "ago": "2 days ago"
    "september sep sept septiembre setiembre",
    "october oct octubre",
    "november nov noviembre",
    "december dec diciembre dic",
)
MONTHS = {name: i for i, names in enumerate(_MONTH_NAMES, 1) for name in names.split()}

_UNIT_NAMES = {
    "seconds": "second seconds sec secs segundo segundos seg",
    "minutes": "minute minutes min mins minuto minutos m",
    "hours": "hour hours hr hrs h hora horas",
    "days": "day days dia dias",
    "weeks": "week weeks semana semanas",
    "months": "month months mes meses",
    "years": "year years ano anos",
}
UNIT_WORDS = {
    name: unit for unit, names in _UNIT_NAMES.items() for name in names.split() if name != "m"
}  # "m" only after a number ("in 30m"); settings keeps its own
UNIT_ALL = UNIT_WORDS | {"m": "minutes"}

# Vague counts, read at their usual size: a couple is 2, a few is 3.
VAGUE_COUNTS = {
    "a couple of": 2, "a couple": 2, "couple of": 2, "un par de": 2, "par de": 2,
    "a few": 3, "few": 3, "unos": 3, "unas": 3, "unos cuantos": 3, "unas cuantas": 3,
    "algunos": 3, "algunas": 3,
}  # fmt: skip


def count_of(word: str) -> int:
    return int(word) if word.isdigit() else COUNT_WORDS[word]
