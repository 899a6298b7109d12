"""read_due's readings and refusals, minutes rounded up, and parse_time_of_day."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.i18n import t
from storage.dates import DueReading, parse_due, parse_time_of_day, read_due
from storage.errors import InvalidInput

MADRID = "Europe/Madrid"
NOW = datetime(2026, 12, 8, 3, 30, tzinfo=UTC)  # Tuesday 04:30 in Madrid


def local(moment: str) -> datetime:
    return datetime.fromisoformat(moment).replace(tzinfo=ZoneInfo(MADRID))


def refused(text: str, locale: str = "en", now: datetime = NOW) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        read_due(text, now=now, timezone=MADRID, locale=locale)
    return caught.value


def test_an_ambiguous_hour_offers_the_other_reading() -> None:
    reading = read_due("friday at 3", now=NOW, timezone=MADRID, locale="en")
    assert reading == DueReading(local("2026-12-11 15:00"), (local("2026-12-11 03:00"),))
    assert reading.when.tzinfo is UTC
    assert parse_due("friday at 3", now=NOW, timezone=MADRID, locale="en") == reading.when


def test_next_friday_on_a_tuesday_is_this_weeks_or_next_weeks() -> None:
    reading = read_due("el próximo viernes", now=NOW, timezone=MADRID, locale="es")
    assert (reading.when, reading.alternatives) == (
        local("2026-12-11 09:00"),
        (local("2026-12-18 09:00"),),
    )


def test_an_unambiguous_phrase_has_no_alternatives() -> None:
    assert read_due("tonight at 11", now=NOW, timezone=MADRID, locale="en").alternatives == ()


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("in 1 minute", "2026-12-08 10:02:00"),  # not 10:01:00, 2 seconds on
        ("en 1 minuto", "2026-12-08 10:02:00"),
        ("in 2 hours", "2026-12-08 12:01:00"),
        ("in half an hour", "2026-12-08 10:31:00"),
    ],
)
def test_relative_times_round_up_to_the_minute(phrase: str, expected: str) -> None:
    """Issue 14: "in 1 minute" at 10:00:58 was due at 10:01:00, 2 seconds later."""
    now = datetime(2026, 12, 8, 10, 0, 58, 500, tzinfo=UTC)
    due = parse_due(phrase, now=now, timezone="UTC", locale="en")
    assert due == datetime.fromisoformat(expected).replace(tzinfo=UTC)
    assert due.second == 0 and due.microsecond == 0


def test_calendar_units_round_up_too() -> None:
    now = datetime(2026, 12, 8, 10, 0, 58, tzinfo=UTC)
    due = parse_due("in 1 week", now=now, timezone="UTC", locale="en")
    assert due == datetime(2026, 12, 15, 10, 1, tzinfo=UTC) >= now + timedelta(weeks=1)


def test_a_named_time_on_the_minute_is_not_moved() -> None:
    now = datetime(2026, 12, 8, 10, 0, 58, tzinfo=UTC)
    assert parse_due("10:01", now=now, timezone="UTC", locale="es") == datetime(
        2026, 12, 8, 10, 1, tzinfo=UTC
    )


def test_discord_timestamps_are_taken_as_they_are() -> None:
    for text in ("<t:1796918400>", "<t:1796918400:F>", " <t:1796918400:R> "):
        assert parse_due(text, now=NOW, timezone=MADRID, locale="es") == datetime.fromtimestamp(
            1796918400, UTC
        )
    assert refused("<t:1796601840:F>").key == "error-date-past"


def test_a_number_without_a_unit_is_asked_about() -> None:
    error = refused("in 15")
    assert (error.key, error.params) == ("error-date-unit-missing", ("due", "in 15", "15"))
    assert "in 15 minutes" in t("en", error.key, *error.params)
    assert "en 15 minutos" in t("es", error.key, *error.params)


def test_a_weekday_that_disagrees_with_the_date_is_asked_about() -> None:
    error = refused("el viernes 12 de diciembre", locale="es")  # a Saturday
    assert error.params == ("due", "el viernes 12 de diciembre", "2026-12-12")
    assert "no coinciden" in t("es", error.key, *error.params)
    assert refused("Thu 15th").key == "error-date-weekday-mismatch"  # the 15th: a Tuesday


def test_an_ambiguous_zone_is_asked_about() -> None:
    error = refused("5pm CST")
    assert error.key == "error-date-zone-ambiguous"
    assert "America/Chicago" in t("es", error.key, *error.params)


def test_a_named_zone_is_read() -> None:
    due = parse_due("Thursday 8:00 PST", now=NOW, timezone=MADRID, locale="en")
    assert due == datetime(2026, 12, 10, 8, 0, tzinfo=ZoneInfo("America/Los_Angeles"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5pm", time(17)),
        ("9", time(9)),
        ("17:00", time(17)),
        ("a las 17", time(17)),
        ("las cinco y media", time(5, 30)),  # a bare hour is the 24-hour clock
        ("las cinco y media de la tarde", time(17, 30)),
        ("noon", time(12)),
        ("mediodía", time(12)),
        ("medianoche", time(0)),
        ("quarter past 8", time(8, 15)),
        ("8:30 am", time(8, 30)),
        ("21h", time(21)),
        ("la una menos cuarto", time(0, 45)),
        ("at 7 in the evening", time(19)),
    ],
)
def test_time_of_day(text: str, expected: time) -> None:
    assert parse_time_of_day(text, locale="es") == expected


@pytest.mark.parametrize(
    "text", ["", "banana", "25:00", "13pm", "tomorrow 9", "5pm 6pm", "morning"]
)
def test_time_of_day_refused(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_time_of_day(text, locale="en")
    assert (caught.value.field, caught.value.key) == ("time", "error-time-unparseable")
    assert "17:00" in t("en", caught.value.key, *caught.value.params)


_TABLE = Path(__file__).resolve().parents[2] / "bench" / "date_phrases.tsv"
# The table's words in any order, so random phrases reach every reader, not only junk.
TABLE_WORDS = sorted(
    {
        word
        for line in _TABLE.read_text(encoding="utf-8").splitlines()[4:]
        for word in line.split("\t")[0].split()
    }
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    words=st.lists(st.sampled_from(TABLE_WORDS), min_size=1, max_size=6),
    now=st.datetimes(
        min_value=datetime(2000, 1, 1),  # noqa: DTZ001 (hypothesis bounds are naive)
        max_value=datetime(2090, 1, 1),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
    zone=st.sampled_from([MADRID, "America/Bogota", "UTC", "Australia/Lord_Howe"]),
    locale=st.sampled_from(["en", "en-US", "es", "es-419"]),
)
def test_any_phrase_of_table_words_is_ahead_or_refused(
    words: list[str], now: datetime, zone: str, locale: str
) -> None:
    text = " ".join(words)
    try:
        reading = read_due(text, now=now, timezone=zone, locale=locale)
    except InvalidInput as refusal:
        assert refusal.key.startswith(("error-date-", "error-bad-"))
    else:
        assert reading.when.tzinfo is UTC and reading.when > now
        assert all(other > now and other != reading.when for other in reading.alternatives)
    try:
        parse_time_of_day(text, locale=locale)
    except InvalidInput as refusal:
        assert refusal.key == "error-time-unparseable"
