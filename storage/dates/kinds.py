"""What a day reader returns: days, or an amount of time from now."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta


@dataclass(frozen=True)
class Days:
    options: tuple[date, ...]  # likelier first


@dataclass(frozen=True)
class Later:
    """An amount from now: elapsed time (minutes, hours) or calendar units (days on)."""

    elapsed: timedelta = field(default_factory=timedelta)
    months: int = 0
    days: int = 0


Reading = Days | Later


class NeedsUnit(Exception):
    """ "in 15": minutes, days, or the 15th? Asked, not guessed."""


class WeekdayMismatch(Exception):
    """ "el viernes 12 de diciembre" when the 12th is a Saturday: which was meant?"""

    def __init__(self, day: date) -> None:
        super().__init__(day)
        self.day = day
