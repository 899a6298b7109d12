"""Recurring milestones: the phrases, the dates across DST, and the next occurrence once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.errors import InvalidInput
from storage.models import Milestone, Reminder, ReminderKind, ReminderState
from storage.services import milestones, reminder_claims
from storage.services.recurrence import Recurrence, occurrence_at, parse_recurrence
from tests.support.milestone_factories import START, configure, new_entry

MADRID = "Europe/Madrid"
NOW = datetime(2026, 12, 8, 4, 30, tzinfo=UTC)
AS_MODERATOR = milestones.Actor(1, is_moderator=True)


def read(text: str, locale: str = "en") -> Recurrence:
    return parse_recurrence(text, now=NOW, timezone=MADRID, locale=locale)


@pytest.mark.parametrize(
    ("text", "locale", "freq", "interval", "count"),
    [
        ("monthly", "en", MONTHLY, 1, None),
        ("every month", "en", MONTHLY, 1, None),
        ("every 3 months", "en", MONTHLY, 3, None),
        ("every three months", "en", MONTHLY, 3, None),
        ("quarterly", "en", MONTHLY, 3, None),
        ("every quarter, 4 times", "en", MONTHLY, 3, 4),
        ("every other week", "en", WEEKLY, 2, None),
        ("weekly x 6", "en", WEEKLY, 1, 6),
        ("yearly", "en", YEARLY, 1, None),
        ("daily 10 times", "en", DAILY, 1, 10),
        ("cada mes", "es", MONTHLY, 1, None),
        ("cada trimestre", "es", MONTHLY, 3, None),
        ("cada 2 semanas", "es", WEEKLY, 2, None),
        ("cada dos meses, 5 veces", "es", MONTHLY, 2, 5),
        ("mensual", "es", MONTHLY, 1, None),
        ("todos los años", "es", YEARLY, 1, None),
        ("quincenal", "es", WEEKLY, 2, None),
    ],
)
def test_phrases(text: str, locale: str, freq: int, interval: int, count: int | None) -> None:
    rule = read(text, locale)
    assert (rule.freq, rule.interval, rule.count, rule.until) == (freq, interval, count, None)


def test_until_includes_that_whole_day_in_the_zone() -> None:
    rule = read("monthly until 2027-06-30")
    assert rule.until == datetime(2027, 6, 30, 23, 59, 59, tzinfo=ZoneInfo(MADRID))
    spanish = read("cada mes hasta el 30 de junio de 2027", "es")
    assert spanish.until == rule.until
    assert rule.rrule_text() == "FREQ=MONTHLY;INTERVAL=1;UNTIL=20270630T215959Z"


@pytest.mark.parametrize(
    "text",
    [
        "sometimes",
        "every",
        "every 3",
        "every blue moon",
        "biweekly",
        "every 0 months",
        "every 500 weeks",
        "monthly 0 times",
        "monthly until never",
        "cada mes hasta",
        "every other 3 months",
        "monthly 4",
    ],
)
def test_what_it_cannot_read_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        read(text)
    assert refused.value.field == "repeat"


def test_occurrences_keep_the_wall_clock_across_dst_and_month_ends() -> None:
    zone = ZoneInfo(MADRID)
    first = datetime(2027, 1, 31, 10, 0, tzinfo=zone)  # winter time
    rule = Recurrence(MONTHLY, 1).rrule_text()
    dates = [occurrence_at(rule, MADRID, first.astimezone(UTC), i) for i in range(4)]
    local = [d.astimezone(zone) for d in dates if d is not None]
    # The 31st: months without one are skipped (RFC 5545), never shifted to the 28th.
    assert [(d.month, d.day, d.hour) for d in local] == [
        (1, 31, 10),
        (3, 31, 10),
        (5, 31, 10),
        (7, 31, 10),
    ]
    assert local[1].utcoffset() == timedelta(hours=2)  # summer time, still 10:00
    counted = Recurrence(MONTHLY, 3, count=2).rrule_text()
    assert occurrence_at(counted, MADRID, first, 1) is not None
    assert occurrence_at(counted, MADRID, first, 2) is None  # two in all


async def _recurring(session: AsyncSession, rule: Recurrence, due: datetime) -> Milestone:
    await configure(session)
    entry = await new_entry(session)
    assert entry.id is not None
    return await milestones.add_milestone(
        session=session,
        guild_id=entry.guild_id,
        entry_id=entry.id,
        title="Quarterly report",
        due_at=due,
        coordinator_id=None,
        actor_id=7,
        now=START,
        repeat=rule,
        repeat_zone=MADRID,
    )


async def _series(session: AsyncSession) -> list[Milestone]:
    rows = await session.exec(select(Milestone).order_by(Milestone.occurrence))
    return list(rows.all())


async def test_done_plans_the_next_occurrence_once(session: AsyncSession) -> None:
    first = await _recurring(session, Recurrence(MONTHLY, 3, count=3), START + timedelta(days=10))
    assert first.id is not None
    for _ in range(2):  # done twice: the second changes nothing
        await milestones.mark_done(
            first.id, session=session, guild_id=first.guild_id, actor=AS_MODERATOR, now=START
        )
    series = await _series(session)
    assert [(m.occurrence, m.series_id) for m in series] == [(0, first.id), (1, first.id)]
    second = series[1]
    assert second.done_at is None and second.title == first.title
    assert (
        second.due_at.astimezone(ZoneInfo(MADRID)).hour
        == first.due_at.astimezone(ZoneInfo(MADRID)).hour
    )
    stages = (await session.exec(select(Reminder).where(Reminder.milestone_id == second.id))).all()
    assert {s.kind for s in stages} == {ReminderKind.LEAD, ReminderKind.DUE}
    assert second.id is not None
    await milestones.mark_done(
        second.id, session=session, guild_id=first.guild_id, actor=AS_MODERATOR, now=START
    )
    third = (await _series(session))[2]
    assert third.id is not None
    await milestones.mark_done(
        third.id, session=session, guild_id=first.guild_id, actor=AS_MODERATOR, now=START
    )
    assert len(await _series(session)) == 3  # COUNT=3: the series ends


async def test_the_due_time_passing_plans_the_next_once(session: AsyncSession) -> None:
    due = START + timedelta(days=2)
    first = await _recurring(session, Recurrence(WEEKLY, 1), due)
    await session.commit()
    claimed = await reminder_claims.claim_due(session=session, now=due + timedelta(minutes=1))
    assert [c.kind for c in claimed] == [ReminderKind.DUE]
    await session.commit()
    again = await reminder_claims.claim_due(session=session, now=due + timedelta(minutes=2))
    assert again == []
    series = await _series(session)
    assert [m.occurrence for m in series] == [0, 1]
    assert series[1].due_at == first.due_at + timedelta(weeks=1)
    pending = (
        await session.exec(
            select(Reminder).where(
                Reminder.milestone_id == series[1].id, Reminder.state == ReminderState.PENDING
            )
        )
    ).all()
    assert pending  # the next occurrence is reminded of in its turn
