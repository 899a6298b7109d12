"""Digest schedules on SQLite and PostgreSQL: setup, DST timing, the week's claim."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import Database
from storage.errors import InvalidInput, NotFound
from storage.models import AuditEvent, DigestPost, DigestSchedule
from storage.services import digest
from tests.storage.test_digest import DAY, NOW
from tests.support.factories import DIGEST_CHANNEL as CHANNEL
from tests.support.factories import GUILD, MODERATOR, OTHER_GUILD, digest_schedule

# --- schedules ------------------------------------------------------------------------------


async def setup(session: AsyncSession, **overrides: Any) -> DigestSchedule:
    return await digest_schedule(session, **({"now": NOW - DAY} | overrides))


BAD_SETUPS: list[tuple[dict[str, Any], str]] = [
    ({"weekday": 7}, "day"),
    ({"weekday": -1}, "day"),
    ({"time_of_day": "24:00"}, "time"),
    ({"time_of_day": "9h30"}, "time"),
    ({"timezone": "Mars/Olympus"}, "timezone"),
    ({"locale": "fr"}, "language"),
]


async def test_setup_refuses_bad_values(session: AsyncSession) -> None:
    for overrides, field in BAD_SETUPS:
        with pytest.raises(InvalidInput) as refused:
            await setup(session, **overrides)
        assert refused.value.field == field
    assert await digest.list_digests(session=session, guild_id=GUILD) == []


async def test_setup_is_an_upsert_per_channel_and_audited(session: AsyncSession) -> None:
    first = await setup(session, time_of_day="9:05")
    assert first.time_of_day == "09:05"
    # Monday 09:05 in Madrid (CET, UTC+1) after Sunday 09:00 UTC.
    assert first.next_run_at == datetime(2026, 11, 23, 8, 5, tzinfo=UTC)
    again = await setup(session, weekday=4, locale="es")
    assert again.id == first.id and again.locale == "es" and again.weekday == 4
    spanish = await setup(session, channel_id=CHANNEL + 1, locale="es")
    await setup(session, guild_id=OTHER_GUILD)
    await session.commit()
    listed = await digest.list_digests(session=session, guild_id=GUILD)
    assert [(s.channel_id, s.locale) for s in listed] == [
        (CHANNEL, "es"),
        (spanish.channel_id, "es"),
    ]
    events = (await session.exec(select(AuditEvent).where(AuditEvent.guild_id == GUILD))).all()
    assert [e.action for e in events] == ["digest"] * 3
    assert events[1].before is not None and events[1].before["weekday"] == 0


async def test_disable_and_enable_again(session: AsyncSession) -> None:
    await setup(session)
    off = await digest.disable_digest(
        session=session, guild_id=GUILD, channel_id=CHANNEL, actor_id=MODERATOR, now=NOW
    )
    assert not off.enabled and off.next_run_at is None and not off.notice_pending
    last = (
        await session.exec(select(AuditEvent).order_by(AuditEvent.id.desc()))  # type: ignore[union-attr]
    ).first()
    assert last is not None and last.actor_id == MODERATOR
    assert (last.before or {})["enabled"] is True and (last.after or {})["enabled"] is False
    with pytest.raises(NotFound):
        await digest.disable_digest(
            session=session, guild_id=OTHER_GUILD, channel_id=CHANNEL, actor_id=MODERATOR, now=NOW
        )
    on = await setup(session)
    assert on.enabled and on.disabled_reason is None and on.next_run_at is not None


async def test_channel_gone_notice_is_given_once(session: AsyncSession) -> None:
    schedule = await setup(session)
    await session.commit()
    assert schedule.id is not None
    assert await digest.disable_channel_gone(
        session=session, guild_id=GUILD, schedule_id=schedule.id
    )
    assert not await digest.disable_channel_gone(
        session=session, guild_id=GUILD, schedule_id=schedule.id
    )
    await session.commit()
    assert await digest.pending_notices(session=session, guild_id=OTHER_GUILD) == []
    notices = await digest.pending_notices(session=session, guild_id=GUILD)
    assert notices == [digest.DigestNotice(schedule.id, CHANNEL, digest.REASON_CHANNEL_GONE)]
    await session.commit()
    assert await digest.pending_notices(session=session, guild_id=GUILD) == []


# --- timing ---------------------------------------------------------------------------------


def schedule_at(weekday: int, at: str, zone: str) -> DigestSchedule:
    return DigestSchedule(
        guild_id=GUILD,
        channel_id=CHANNEL,
        weekday=weekday,
        time_of_day=at,
        timezone=zone,
        locale="en",
    )


def test_next_run_in_the_repeated_hour_is_the_first_only() -> None:
    sunday = schedule_at(6, "02:30", "Europe/Madrid")
    first = digest.next_run_after(sunday, datetime(2026, 10, 24, 12, 0, tzinfo=UTC))
    assert first == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST
    # The second 02:30 (CET, 01:30 UTC) is not a slot: next is a week later.
    following = digest.next_run_after(sunday, first)
    assert following == datetime(2026, 11, 1, 1, 30, tzinfo=UTC)
    assert digest.next_run_after(sunday, datetime(2026, 10, 25, 1, 0, tzinfo=UTC)) == following
    assert digest.iso_week(sunday, first) == "2026-W43"


def test_next_run_in_the_skipped_hour_is_when_clocks_jump() -> None:
    sunday = schedule_at(6, "02:30", "Europe/Madrid")
    slot = digest.next_run_after(sunday, datetime(2027, 3, 27, 12, 0, tzinfo=UTC))
    assert slot == datetime(2027, 3, 28, 1, 0, tzinfo=UTC)
    assert slot.astimezone(ZoneInfo("Europe/Madrid")).strftime("%H:%M") == "03:00"
    # A half-hour jump (Lord Howe Island): 02:15 does not exist, 02:30 is next.
    lord_howe = schedule_at(6, "02:15", "Australia/Lord_Howe")
    jump = digest.next_run_after(lord_howe, datetime(2026, 10, 1, 0, 0, tzinfo=UTC))
    assert (
        jump.astimezone(ZoneInfo("Australia/Lord_Howe")).strftime("%F %H:%M") == "2026-10-04 02:30"
    )


def test_next_run_is_strictly_after_and_weekly() -> None:
    monday = schedule_at(0, "10:00", "America/Bogota")
    slot = digest.next_run_after(monday, NOW)
    assert slot == datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
    assert digest.next_run_after(monday, slot) == slot + 7 * DAY
    assert digest.next_run_after(monday, slot - timedelta(seconds=1)) == slot


# --- the week's claim -----------------------------------------------------------------------


async def test_claim_week_once_and_stale_takeover(session: AsyncSession) -> None:
    schedule = await setup(session)
    await session.commit()
    sid = schedule.id
    assert sid is not None
    assert await digest.claim_week(session=session, schedule_id=sid, iso_week="2026-W48", now=NOW)
    assert not await digest.claim_week(
        session=session, schedule_id=sid, iso_week="2026-W48", now=NOW + timedelta(minutes=1)
    )
    # Left 'claimed' past the stale delay (its process died mid-send): taken over once.
    later = NOW + digest.STALE_CLAIM + timedelta(seconds=1)
    assert await digest.claim_week(session=session, schedule_id=sid, iso_week="2026-W48", now=later)
    assert not await digest.claim_week(
        session=session, schedule_id=sid, iso_week="2026-W48", now=later
    )
    await digest.mark_posted(session=session, schedule_id=sid, iso_week="2026-W48", now=later)
    await session.commit()
    much_later = later + timedelta(days=1)
    assert not await digest.claim_week(
        session=session, schedule_id=sid, iso_week="2026-W48", now=much_later
    )
    row = (await session.exec(select(DigestPost).where(DigestPost.schedule_id == sid))).one()
    assert (row.state, row.posted_at, row.guild_id) == ("posted", later, GUILD)


async def test_claim_week_races_between_two_databases(db_url: str) -> None:
    first, second = Database(db_url), Database(db_url)
    try:
        async with first.transaction() as session:
            schedule = await setup(session)
        sid = schedule.id
        assert sid is not None

        async def claim(database: Database, week: str, now: datetime) -> bool:
            async with database.sessions() as session:
                return await digest.claim_week(
                    session=session, schedule_id=sid, iso_week=week, now=now
                )

        weeks = [f"2027-W{n:02}" for n in range(1, 11)]
        results = await asyncio.gather(
            *(claim(db, week, NOW) for week in weeks for db in (first, second, first, second))
        )
        for index in range(len(weeks)):
            assert sum(results[index * 4 : index * 4 + 4]) == 1
        # Racing to take over one stale claim: one winner too.
        stale = NOW + digest.STALE_CLAIM * 2
        takeovers = await asyncio.gather(*(claim(db, "2027-W01", stale) for db in (first, second)))
        assert sorted(takeovers) == [False, True]
    finally:
        await first.dispose()
        await second.dispose()
