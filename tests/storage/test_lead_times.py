"""Reminder lead times as moderators write them (/settings reminders before:), en and es."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storage.errors import InvalidInput
from storage.services.settings import LEAD_TIMES_MAX, check_lead_minutes, parse_lead_times

HOUR, DAY, WEEK = 60, 24 * 60, 7 * 24 * 60

# (what the moderator wrote, minutes before the due time, farthest first)
READ = [
    # English
    ("7d, 1d, 2h", [7 * DAY, DAY, 2 * HOUR]),
    ("7d 1d", [7 * DAY, DAY]),
    ("1d, 7d", [7 * DAY, DAY]),  # any order
    ("7 days, 1 day, 2 hours", [7 * DAY, DAY, 2 * HOUR]),
    ("1 week and 30 min", [WEEK, 30]),
    ("a day and an hour", [DAY, HOUR]),
    ("two weeks; three days", [2 * WEEK, 3 * DAY]),
    ("90m", [90]),
    ("45 minutes", [45]),
    ("36h", [36 * HOUR]),
    ("1d 12h", [DAY, 12 * HOUR]),  # two reminders: each number takes one unit
    ("1d, 24h, 1440 min", [DAY]),  # the same time, once
    ("52 weeks", [52 * WEEK]),
    ("365d", [365 * DAY]),
    ("1m", [1]),
    (" 7D ;1H ", [7 * DAY, HOUR]),
    ("1w, 2d, 1d, 2h, 1h", [WEEK, 2 * DAY, DAY, 2 * HOUR, HOUR]),  # five: the most
    ("none", []),
    ("None", []),
    ("", []),
    # Spanish
    ("7 días, 1 día, 2 horas", [7 * DAY, DAY, 2 * HOUR]),
    ("7 dias, 1 dia", [7 * DAY, DAY]),
    ("7 días y 1 día", [7 * DAY, DAY]),
    ("una semana y tres días", [WEEK, 3 * DAY]),
    ("un día, una hora", [DAY, HOUR]),
    ("2 semanas, 30 minutos", [2 * WEEK, 30]),
    ("dos horas", [2 * HOUR]),
    ("12 h", [12 * HOUR]),
    ("ninguno", []),
    ("Ninguna", []),
    ("nada", []),
]

REFUSED = [
    # English
    "soon",
    "7",  # no unit
    "7 days before",
    "7d1d",  # glued: one value or two?
    "1d12h",
    "1.5 days",
    "2 months",
    "1 year",
    "0h",
    "366 days",
    "53 weeks",
    "1d, 2d, 3d, 4d, 5d, 6d",  # six
    "none, 1d",
    "-1d",
    # Spanish
    "pronto",
    "1,5 días",
    "2 meses",
    "un año",
    "0 minutos",
    "1 día antes",
    "ninguno y 1 día",
]


@pytest.mark.parametrize(("text", "minutes"), READ)
def test_lead_times_are_read(text: str, minutes: list[int]) -> None:
    assert parse_lead_times(text) == minutes


@pytest.mark.parametrize("text", REFUSED)
def test_unreadable_lead_times_are_refused_with_the_text(text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_lead_times(text)
    assert (refused.value.key, refused.value.field) == (
        "error-bad-lead-times",
        "reminder_lead_minutes",
    )
    assert refused.value.params == ("reminder_lead_minutes", text)


@settings(max_examples=300, derandomize=True)
@given(
    st.text(max_size=100) | st.lists(st.sampled_from(["1", "d", " ", ",", "y", "h"])).map("".join)
)
def test_any_text_is_read_or_refused(text: str) -> None:
    """Whatever is typed: lead times update_settings accepts, or the polite refusal."""
    try:
        minutes = parse_lead_times(text)
    except InvalidInput as refused:
        assert refused.key == "error-bad-lead-times"
        return
    assert len(minutes) <= LEAD_TIMES_MAX and check_lead_minutes(minutes) == minutes
