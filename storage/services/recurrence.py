"""Recurring milestones: the reports a funder expects every month, every quarter…

A series is one milestone row per occurrence, linked by `series_id` (the first
occurrence's id) and numbered by `occurrence`; each row has its own reminder stages,
so each occurrence is reminded of exactly once, as any milestone is. When an
occurrence is done, or its due time passes, the next one is planned
(`plan_next`), once: the caller holds the current occurrence's row, and a unique
constraint on (series_id, occurrence) stands behind it.

Dates come from python-dateutil's `rrule` over the series' first due time, on the wall
clock of the series' zone: "every month at 10:00" stays 10:00 across DST, and the
31st of a month is not shifted to the 28th after February.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrule
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.dates import COUNT_WORDS, read_due
from storage.errors import InvalidInput
from storage.models import Milestone
from storage.text import fold

FIELD = "repeat"
MAX_LENGTH = 100
INTERVAL_MAX = 99
COUNT_MAX = 500
_FREQ_NAMES = {DAILY: "DAILY", WEEKLY: "WEEKLY", MONTHLY: "MONTHLY", YEARLY: "YEARLY"}
_UNTIL_FORMAT = "%Y%m%dT%H%M%SZ"

# unit word -> (rrule frequency, how many of it)
_UNITS = {
    **dict.fromkeys(("day", "days", "dia", "dias"), (DAILY, 1)),
    **dict.fromkeys(("week", "weeks", "semana", "semanas"), (WEEKLY, 1)),
    **dict.fromkeys(("fortnight", "fortnights", "quincena", "quincenas"), (WEEKLY, 2)),
    **dict.fromkeys(("month", "months", "mes", "meses"), (MONTHLY, 1)),
    **dict.fromkeys(("quarter", "quarters", "trimestre", "trimestres"), (MONTHLY, 3)),
    **dict.fromkeys(("semester", "semesters", "semestre", "semestres"), (MONTHLY, 6)),
    **dict.fromkeys(("year", "years", "ano", "anos"), (YEARLY, 1)),
}
# One word for the whole rule: "monthly", "trimestral".
_ADVERBS = {
    **dict.fromkeys(("daily", "diario", "diaria", "diariamente"), (DAILY, 1)),
    **dict.fromkeys(("weekly", "semanal", "semanalmente"), (WEEKLY, 1)),
    **dict.fromkeys(("fortnightly", "quincenal", "quincenalmente"), (WEEKLY, 2)),
    **dict.fromkeys(("monthly", "mensual", "mensualmente"), (MONTHLY, 1)),
    **dict.fromkeys(("quarterly", "trimestral", "trimestralmente"), (MONTHLY, 3)),
    **dict.fromkeys(("yearly", "annually", "annual", "anual", "anualmente"), (YEARLY, 1)),
}
_EVERY = r"(?:every|each|cada|todos los|todas las|todos|todas)"
_RULE = re.compile(
    rf"^(?:(?P<adverb>[a-z]+)|{_EVERY}\s+(?:(?P<other>other|otro|otra)\s+)?"
    r"(?:(?P<count>\d+|[a-z]+)\s+)?(?P<unit>[a-z]+))"
    r"(?:\s*,?\s*(?:(?:until|till|through|hasta(?:\s+el)?)\s+(?P<until>.+)"
    r"|x\s*(?P<times_x>\d+)|(?P<times>\d+|[a-z]+)\s+(?:times|veces|occurrences|ocurrencias)))?$"
)


@dataclass(frozen=True)
class Recurrence:
    """How a milestone repeats: every `interval` `freq` (a dateutil constant), for
    `count` occurrences in all, or until `until` (UTC), or for ever."""

    freq: int
    interval: int = 1
    count: int | None = None
    until: datetime | None = None

    def rrule_text(self) -> str:
        """The RFC 5545 RRULE value, as calendars read it."""
        parts = [f"FREQ={_FREQ_NAMES[self.freq]}", f"INTERVAL={self.interval}"]
        if self.count is not None:
            parts.append(f"COUNT={self.count}")
        if self.until is not None:
            parts.append(f"UNTIL={self.until.astimezone(UTC):{_UNTIL_FORMAT}}")
        return ";".join(parts)

    @classmethod
    def from_rrule_text(cls, text: str) -> Recurrence:
        """The rule `rrule_text` wrote, read back (the only RRULEs stored are ours)."""
        parts = dict(part.split("=", 1) for part in text.split(";"))
        frequencies = {name: freq for freq, name in _FREQ_NAMES.items()}
        until = parts.get("UNTIL")
        return cls(
            frequencies[parts["FREQ"]],
            int(parts.get("INTERVAL", "1")),
            int(parts["COUNT"]) if "COUNT" in parts else None,
            datetime.strptime(until, _UNTIL_FORMAT).replace(tzinfo=UTC) if until else None,
        )


def _number(word: str | None, default: int) -> int | None:
    if word is None:
        return default
    if word.isdecimal():
        return int(word)
    return COUNT_WORDS.get(word)


def parse_recurrence(text: str, *, now: datetime, timezone: str, locale: str) -> Recurrence:
    """Read "every 3 months", "monthly until 2027-12-31", "cada trimestre, 4 veces"…

    Raises InvalidInput("repeat", …) for what it cannot read, never guessing.
    """
    phrase = " ".join(fold(text).replace(",", " , ").split()).replace(" ,", ",")
    if len(phrase) > MAX_LENGTH:
        raise InvalidInput(FIELD, "error-repeat-unparseable", text[:MAX_LENGTH])
    match = _RULE.match(phrase)
    if match is None:
        raise InvalidInput(FIELD, "error-repeat-unparseable", text[:MAX_LENGTH])
    if match["adverb"]:
        rule = _ADVERBS.get(match["adverb"])
        interval: int | None = 1
    else:
        rule = _UNITS.get(match["unit"])
        interval = _number(match["count"], 2 if match["other"] else 1)
        if match["other"] and match["count"]:
            interval = None  # "every other 3 months": not a rule
    if rule is None or interval is None or not 1 <= interval <= INTERVAL_MAX:
        raise InvalidInput(FIELD, "error-repeat-unparseable", text[:MAX_LENGTH])
    freq, multiple = rule
    count = until = None
    if match["times"] or match["times_x"]:
        count = _number(match["times"] or match["times_x"], 0)
        if count is None or not 1 <= count <= COUNT_MAX:
            raise InvalidInput(FIELD, "error-repeat-unparseable", text[:MAX_LENGTH])
    if match["until"]:
        try:
            last = read_due(match["until"], now=now, timezone=timezone, locale=locale).when
        except InvalidInput as unreadable:  # the date's own reason, named for this field
            raise InvalidInput(FIELD, unreadable.key, *unreadable.params[1:]) from None
        # "until 31 March" includes that whole day, in the zone the phrase is read in.
        local = last.astimezone(ZoneInfo(timezone))
        until = datetime.combine(local.date(), time(23, 59, 59), local.tzinfo).astimezone(UTC)
    return Recurrence(freq, interval * multiple, count, until)


def _rule(rule_text: str, first_due: datetime, zone: ZoneInfo) -> rrule:
    """The series' rule on the wall clock of its zone (naive local times; its end too,
    so that it is compared on the same clock as the occurrences)."""
    rule = Recurrence.from_rrule_text(rule_text)
    local = first_due.astimezone(zone).replace(tzinfo=None)
    until = rule.until.astimezone(zone).replace(tzinfo=None) if rule.until else None
    return rrule(rule.freq, interval=rule.interval, count=rule.count, until=until, dtstart=local)


def occurrence_at(
    rule_text: str, zone_name: str, first_due: datetime, index: int
) -> datetime | None:
    """The series' occurrence number `index` (0: the first), UTC; None past its end."""
    zone = ZoneInfo(zone_name)
    try:
        local = _rule(rule_text, first_due, zone)[index]
    except IndexError:
        return None
    return _placed(local, zone)


def _placed(local: datetime, zone: ZoneInfo) -> datetime:
    """A wall-clock time in `zone`, as UTC; a time in a DST gap moves on by the gap."""
    placed = local.replace(tzinfo=zone)
    round_trip = placed.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if round_trip != local:  # in the spring gap: the same instant an hour on
        placed = (local + timedelta(hours=1)).replace(tzinfo=zone)
    return placed.astimezone(UTC)


async def next_occurrence(milestone: Milestone, *, session: AsyncSession) -> Milestone | None:
    """The occurrence planned after this one, if any."""
    if not milestone.recurrence or milestone.id is None:
        return None
    found = await session.exec(
        select(Milestone).where(
            Milestone.series_id == (milestone.series_id or milestone.id),
            Milestone.occurrence == milestone.occurrence + 1,
        )
    )
    return found.first()


async def plan_next(milestone: Milestone, *, session: AsyncSession) -> Milestone | None:
    """Create the occurrence after `milestone`, unless the series ended or it exists.

    The caller holds `milestone`'s row (claimed, or locked for a change), so no other
    process plans the same occurrence meanwhile. Returns the new row, not yet planned
    (the caller plans its reminder stages).
    """
    if not milestone.recurrence or milestone.id is None:
        return None
    if await next_occurrence(milestone, session=session) is not None:
        return None
    series_id = milestone.series_id or milestone.id
    following = milestone.occurrence + 1
    # Counted from the series' first occurrence; if it was removed, from this one.
    first = await session.get(Milestone, series_id)
    start = first if first is not None else milestone
    due = occurrence_at(
        milestone.recurrence,
        milestone.recurrence_zone or "UTC",
        start.due_at,
        following - start.occurrence,
    )
    if due is None:
        return None
    if milestone.series_id is None:  # the first occurrence names the series
        milestone.series_id = milestone.id
        session.add(milestone)
    nxt = Milestone(
        guild_id=milestone.guild_id,
        entry_id=milestone.entry_id,
        title=milestone.title,
        due_at=due,
        coordinator_id=milestone.coordinator_id,
        source=milestone.source,
        created_by=milestone.created_by,
        recurrence=milestone.recurrence,
        recurrence_zone=milestone.recurrence_zone,
        series_id=series_id,
        occurrence=following,
    )
    session.add(nxt)
    await session.flush()
    return nxt
