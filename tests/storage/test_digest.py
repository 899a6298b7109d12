"""Digest services on SQLite and PostgreSQL: schedules, DST timing, the week's claim, content."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.clock import FixedClock
from storage.db import Database
from storage.errors import InvalidInput, NotFound
from storage.models import AuditEvent, DigestPost, DigestSchedule, Entry, Milestone
from storage.services import digest
from storage.text import fold
from tests.factories import GUILD, MODERATOR, OTHER_GUILD

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday
DAY = timedelta(days=1)
COORDINATOR = 900_000_000_000_000_077
CHANNEL = 700_000_000_000_000_001


async def add_entry(
    session: AsyncSession,
    name: str,
    status: str,
    *,
    guild: int = GUILD,
    kind: str = "alliance",
    created: datetime = NOW - 200 * DAY,
    updated: datetime | None = None,
    support: int = 0,
) -> Entry:
    entry = Entry(
        guild_id=guild,
        kind=kind,
        name=name,
        name_key=fold(name),
        area="content",
        steward="volunteers",
        status=status,
        support_count=support,
        created_at=created,
        updated_at=updated or created,
    )
    session.add(entry)
    await session.flush()
    return entry


async def add_event(
    session: AsyncSession, entry: Entry, action: str, at: datetime, was: str, now_is: str
) -> None:
    """An audit event of a status change, as the entries service writes it."""
    before, after = {"status": was}, {"status": now_is}
    session.add(
        AuditEvent(
            guild_id=entry.guild_id,
            entry_id=entry.id,
            action=action,
            at=at,
            before=before,
            after=after,
        )
    )
    await session.flush()


async def add_milestone(
    session: AsyncSession,
    entry: Entry,
    title: str,
    due: datetime,
    *,
    done: datetime | None = None,
    coordinator: int | None = None,
    touched: datetime | None = None,
) -> Milestone:
    touched = touched or min(due, NOW) - 30 * DAY
    milestone = Milestone(
        guild_id=entry.guild_id,
        entry_id=entry.id,
        title=title,
        due_at=due,
        done_at=done,
        coordinator_id=coordinator,
        created_at=touched,
        updated_at=done or touched,
    )
    session.add(milestone)
    await session.flush()
    return milestone


async def build(
    session: AsyncSession, days: int = 90, now: datetime = NOW, **options: Any
) -> digest.DigestContent:
    return await digest.build_digest(
        session=session, guild_id=GUILD, now=now, followthrough_days=days, **options
    )


def titles(section: digest.Section[Any]) -> list[str]:
    return [item.title for item in section.items]


async def test_each_section_for_a_fixed_clock(session: AsyncSession) -> None:
    clock = FixedClock(NOW)
    approved = await add_entry(session, "Wikimedia–OSM", "active", updated=NOW - 2 * DAY)
    await add_event(session, approved, "approve", NOW - 2 * DAY, "proposed", "active")
    resumed = await add_entry(session, "Resumed", "active", updated=NOW - 1 * DAY)
    await add_event(session, resumed, "status", NOW - 1 * DAY, "paused", "active")
    old = await add_entry(session, "Approved long ago", "active", updated=NOW - 8 * DAY)
    await add_event(session, old, "approve", NOW - 8 * DAY, "proposed", "active")
    await add_entry(session, "Young proposal", "proposed", created=NOW - 3 * DAY)
    await add_entry(session, "Old proposal", "proposed", created=NOW - 40 * DAY, support=4)
    work = await add_entry(
        session, "Wiki-to-print", "active", kind="partnership", updated=NOW - 5 * DAY
    )
    await add_milestone(session, work, "Print run", NOW + 3 * DAY, coordinator=COORDINATOR)
    await add_milestone(session, work, "Cover art", NOW + 1 * DAY)
    await add_milestone(session, work, "Too far ahead", NOW + 8 * DAY)
    await add_milestone(session, work, "Late report", NOW - 2 * DAY, coordinator=COORDINATOR)
    await add_milestone(session, work, "Very late", NOW - 20 * DAY)
    await add_milestone(session, work, "Proofs", NOW - 1 * DAY, done=NOW - 1 * DAY)
    await add_milestone(session, work, "Done long ago", NOW - 30 * DAY, done=NOW - 29 * DAY)
    gone = await add_entry(session, "Archived one", "archived", updated=NOW - 50 * DAY)
    await add_milestone(session, gone, "Forgotten", NOW - 3 * DAY)
    done = await add_entry(session, "Finished", "completed", updated=NOW - 4 * DAY)
    await add_event(session, done, "status", NOW - 4 * DAY, "active", "completed")
    paused = await add_entry(session, "On hold", "paused", updated=NOW - 1 * DAY)
    await add_event(session, paused, "status", NOW - 1 * DAY, "active", "paused")
    quiet = await add_entry(session, "Quiet alliance", "active", updated=NOW - 200 * DAY)
    await add_entry(session, "Quieter alliance", "active", updated=NOW - 300 * DAY)
    await add_milestone(session, quiet, "Old step", NOW - 150 * DAY, done=NOW - 150 * DAY)
    # Another guild's records never show.
    other = await add_entry(
        session, "Other guild", "proposed", guild=OTHER_GUILD, created=NOW - DAY
    )
    await add_milestone(session, other, "Other due", NOW + DAY)
    await session.commit()

    content = await build(session, now=clock.now())
    assert [(i.entry.name, i.approved) for i in content.activated.items] == [
        ("Wikimedia–OSM", True),
        ("Resumed", False),
    ]
    assert [(i.entry.name, i.support_count) for i in content.proposals.items] == [
        ("Old proposal", 4),
        ("Young proposal", 0),
    ]
    assert content.proposals.items[0].created_at == NOW - 40 * DAY
    assert titles(content.due_soon) == ["Cover art", "Print run"]
    assert content.due_soon.items[1].coordinator_id == COORDINATOR
    assert titles(content.overdue) == ["Very late", "Late report"]
    assert titles(content.milestones_done) == ["Proofs"]
    assert [(i.entry.name, i.status) for i in content.ended.items] == [
        ("Finished", "completed"),
        ("On hold", "paused"),
    ]
    assert [(i.entry.name, i.last_activity) for i in content.followthrough.items] == [
        ("Quieter alliance", NOW - 300 * DAY),
        ("Quiet alliance", NOW - 150 * DAY),
    ]
    assert content.summary == digest.Summary(active=6, proposals=2, due_soon=2, overdue=2)
    assert [s.total for s in content.sections] == [2, 2, 2, 2, 1, 2, 2]
    assert not content.quiet
    # A week later, the same records: last week's news is gone, this week's due is overdue.
    clock.advance(timedelta(days=7))
    later = await build(session, now=clock.now())
    assert later.activated.total == later.ended.total == later.milestones_done.total == 0
    assert titles(later.due_soon) == ["Too far ahead"]
    assert titles(later.overdue) == ["Very late", "Late report", "Cover art", "Print run"]


async def test_empty_week_is_quiet(session: AsyncSession) -> None:
    await add_entry(session, "Steady", "active", updated=NOW - 10 * DAY)
    await add_entry(session, "Elsewhere", "proposed", guild=OTHER_GUILD, created=NOW - DAY)
    await session.commit()
    content = await build(session)
    assert content.quiet
    assert content.summary == digest.Summary(active=1, proposals=0, due_soon=0, overdue=0)


async def test_followthrough_threshold(session: AsyncSession) -> None:
    await add_entry(session, "100 days quiet", "active", updated=NOW - 100 * DAY)
    await add_entry(session, "80 days quiet", "active", updated=NOW - 80 * DAY)
    busy = await add_entry(session, "Old entry, busy milestone", "active", updated=NOW - 400 * DAY)
    await add_milestone(session, busy, "Recent step", NOW + 40 * DAY, touched=NOW - 5 * DAY)
    await add_entry(session, "Paused long ago", "paused", updated=NOW - 400 * DAY)
    await session.commit()

    async def quiet(days: int) -> list[str]:
        content = await build(session, days)
        return [item.entry.name for item in content.followthrough.items]

    assert await quiet(90) == ["100 days quiet"]
    assert await quiet(70) == ["100 days quiet", "80 days quiet"]
    assert await quiet(120) == []


async def test_long_sections_are_capped_with_their_total(session: AsyncSession) -> None:
    for n in range(30):
        await add_entry(session, f"Proposal {n:02}", "proposed", created=NOW - (60 - n) * DAY)
    await session.commit()
    capped = await build(session)
    assert len(capped.proposals.items) == digest.SECTION_LIMIT
    assert capped.proposals.total == 30 and capped.proposals.more == 5
    assert capped.proposals.items[0].entry.name == "Proposal 00"
    full = await build(session, limit=None)
    assert len(full.proposals.items) == 30 and full.proposals.more == 0


# --- schedules ------------------------------------------------------------------------------


async def setup(session: AsyncSession, **overrides: Any) -> DigestSchedule:
    values: dict[str, Any] = {
        "guild_id": GUILD,
        "channel_id": CHANNEL,
        "weekday": 0,
        "time_of_day": "10:00",
        "timezone": "Europe/Madrid",
        "locale": "en",
        "actor_id": MODERATOR,
        "now": NOW - DAY,
    }
    values.update(overrides)
    return await digest.setup_digest(session=session, **values)


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
        session=session, guild_id=GUILD, channel_id=CHANNEL, actor_id=MODERATOR
    )
    assert not off.enabled and off.next_run_at is None and not off.notice_pending
    last = (
        await session.exec(select(AuditEvent).order_by(AuditEvent.id.desc()))  # type: ignore[union-attr]
    ).first()
    assert last is not None and last.actor_id == MODERATOR
    assert (last.before or {})["enabled"] is True and (last.after or {})["enabled"] is False
    with pytest.raises(NotFound):
        await digest.disable_digest(
            session=session, guild_id=OTHER_GUILD, channel_id=CHANNEL, actor_id=MODERATOR
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
