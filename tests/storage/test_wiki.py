"""Publishing's rules on SQLite, PostgreSQL and MariaDB: the page, when an automatic
publish is due, its claim (one process), retries, and decisions on review items."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import Database
from storage.errors import InvalidInput, NotFound
from storage.models import AuditEvent
from storage.services import audit, wiki
from storage.wiki_text import CHANGED, RowChange
from tests.support.factories import GUILD, MODERATOR, OTHER_GUILD

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


async def a_change(session: AsyncSession, guild_id: int = GUILD) -> None:
    await audit.record(
        session=session, guild_id=guild_id, action="edit", actor_id=MODERATOR, now=NOW
    )
    await session.flush()


async def auto_page(database: Database, every: int = 30, guild_id: int = GUILD) -> None:
    async with database.transaction() as session:
        await wiki.set_page(session=session, guild_id=guild_id, title="P", actor_id=None, now=NOW)
        await wiki.set_auto_interval(session=session, guild_id=guild_id, minutes=every, now=NOW)


async def published(database: Database, now: datetime) -> None:
    async with database.transaction() as session:
        audit_id = await wiki.latest_audit_id(session=session, guild_id=GUILD)
        await wiki.record_published(
            session=session,
            guild_id=GUILD,
            title="P",
            revid=7,
            block="x",
            audit_id=audit_id,
            now=now,
        )


async def claim(database: Database, now: datetime) -> list[int]:
    async with database.transaction() as session:
        return await wiki.claim_due(session=session, now=now)


async def test_a_title_the_wiki_refuses_and_an_interval_out_of_bounds(
    session: AsyncSession,
) -> None:
    with pytest.raises(InvalidInput):
        await wiki.set_page(session=session, guild_id=GUILD, title="a|b", actor_id=None, now=NOW)
    with pytest.raises(NotFound):
        await wiki.set_auto_interval(session=session, guild_id=GUILD, minutes=30, now=NOW)
    page = await wiki.set_page(
        session=session,
        guild_id=GUILD,
        title=" Alliances_and  partnerships ",
        actor_id=None,
        now=NOW,
    )
    assert page.title == "Alliances and partnerships"
    with pytest.raises(InvalidInput):
        await wiki.set_auto_interval(session=session, guild_id=GUILD, minutes=1, now=NOW)


async def test_due_after_changes_at_most_once_per_interval(database: Database) -> None:
    await auto_page(database)  # setting the page is itself a change (audited)
    assert await claim(database, NOW) == [GUILD]
    await published(database, NOW)
    assert await claim(database, NOW + 60 * MINUTE) == []  # nothing changed since
    async with database.transaction() as session:
        await a_change(session)
        await a_change(session, OTHER_GUILD)  # another guild's change is not ours
        assert await wiki.next_due_at(session=session) == NOW + 30 * MINUTE
    assert await claim(database, NOW + 29 * MINUTE) == []  # the interval has not passed
    assert await claim(database, NOW + 30 * MINUTE) == [GUILD]
    # Claimed: not taken again until the claim is stale (the process died).
    assert await claim(database, NOW + 31 * MINUTE) == []
    assert await claim(database, NOW + 30 * MINUTE + wiki.CLAIM_LEASE + MINUTE) == [GUILD]


async def test_off_is_never_due(database: Database) -> None:
    await auto_page(database)
    async with database.transaction() as session:
        await wiki.set_auto_interval(session=session, guild_id=GUILD, minutes=None, now=NOW)
        assert await wiki.next_due_at(session=session) is None
    assert await claim(database, NOW + timedelta(days=30)) == []


async def test_a_failure_is_retried_later_each_time_and_the_changes_stay(
    database: Database,
) -> None:
    await auto_page(database)
    assert await claim(database, NOW) == [GUILD]
    async with database.transaction() as session:
        first = await wiki.release_failed(session=session, guild_id=GUILD, now=NOW)
    assert first == NOW + wiki.FIRST_RETRY
    assert await claim(database, first) == [GUILD]
    async with database.transaction() as session:
        second = await wiki.release_failed(session=session, guild_id=GUILD, now=first)
    assert second == first + 2 * wiki.FIRST_RETRY
    await published(database, second)
    async with database.sessions() as session:
        page = await wiki.get_page(session=session, guild_id=GUILD)
    assert page is not None and page.failures == 0 and page.claimed_at is None


async def test_two_processes_claim_a_change_set_once(db_url: str) -> None:
    first, second = Database(db_url), Database(db_url)
    try:
        await auto_page(first)
        for guild in range(1, 6):
            await auto_page(first, guild_id=guild)
        claims = await asyncio.gather(*(claim(db, NOW) for db in (first, second, first, second)))
        won = [guild for claimed in claims for guild in claimed]
        assert sorted(won) == sorted([GUILD, 1, 2, 3, 4, 5])
    finally:
        await first.dispose()
        await second.dispose()


async def test_a_review_item_is_decided_once_and_audited(database: Database) -> None:
    change = RowChange(CHANGED, "wiki-to-print", "Wiki-to-print", ("a", "b"), ("a", "c"))
    async with database.transaction() as session:
        [item] = await wiki.add_changes(
            session=session, guild_id=GUILD, changes=[(change, 12, "Rosa")], now=NOW
        )
        assert item.id is not None
        held = await wiki.held_keys(session=session, guild_id=GUILD, bot_rows={})
        assert held == {"wiki-to-print"}
    async with database.transaction() as session:
        decided = await wiki.decide(
            session=session,
            guild_id=GUILD,
            change_id=item.id,
            decision=wiki.KEEP_WIKI,
            actor_id=MODERATOR,
            now=NOW,
        )
        assert (decided.status, decided.decided_by) == (wiki.KEEP_WIKI, MODERATOR)
        events = (await session.exec(select(AuditEvent))).all()
    async with database.transaction() as session:
        with pytest.raises(InvalidInput):
            await wiki.decide(
                session=session,
                guild_id=GUILD,
                change_id=item.id,
                decision=wiki.KEEP_DIRECTORY,
                actor_id=MODERATOR,
                now=NOW,
            )
        with pytest.raises(NotFound):
            await wiki.decide(
                session=session,
                guild_id=OTHER_GUILD,
                change_id=item.id,
                decision=wiki.KEEP_DIRECTORY,
                actor_id=MODERATOR,
                now=NOW,
            )
        # Kept while the directory's row is the one decided against; not once it changes.
        same = {"wiki-to-print": ("a", "c")}
        assert await wiki.held_keys(session=session, guild_id=GUILD, bot_rows=same) == {
            "wiki-to-print"
        }
        moved = {"wiki-to-print": ("a", "d")}
        assert await wiki.held_keys(session=session, guild_id=GUILD, bot_rows=moved) == set()
        assert (await wiki.open_changes(session=session, guild_id=GUILD, limit=5))[1] == 0
    assert any(event.action == "wiki-decision" for event in events)
