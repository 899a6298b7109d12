"""The digest's content on SQLite and PostgreSQL, for a fixed clock.

Schedules, their DST timing and the week's claim: test_digest_schedules.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import AuditEvent, Entry, Milestone
from storage.services import digest
from storage.text import fold
from tests.support.clocks import FixedClock
from tests.support.factories import GUILD, OTHER_GUILD

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday
DAY = timedelta(days=1)
COORDINATOR = 900_000_000_000_000_077


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
