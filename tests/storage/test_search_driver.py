"""Entries that a search reads straight from the driver are the ORM's own, column by column,
on SQLite, PostgreSQL and MariaDB (storage/search/driver.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import Database
from storage.models import Entry, Status
from storage.search import autocomplete_names, search_entries
from storage.search.driver import ENTRY_COLUMNS, fetch
from storage.services import entries
from tests.support.factories import GUILD, entry_input

DECIDED = datetime(2026, 3, 4, 5, 6, 7, 891_000, tzinfo=UTC)


async def _entry_with_every_column(session: AsyncSession) -> int:
    entry = await entries.create_entry(
        entry_input(name="Mapatón de bibliotecas", summary="Libraries mapped together."),
        session=session,
        guild_id=GUILD,
        actor_id=1,
        now=datetime.now(UTC),
    )
    entry.links = ["https://example.org/a", "https://example.org/b"]
    entry.is_model = True
    entry.decided_at = DECIDED
    entry.chapter_name = None
    await session.commit()
    assert entry.id is not None
    return entry.id


async def test_found_entries_read_back_as_the_orm_has_them(database: Database) -> None:
    async with database.sessions() as session:
        entry_id = await _entry_with_every_column(session)
    async with database.sessions() as session:
        loaded = await session.get(Entry, entry_id)
        assert loaded is not None
        expected = {name: getattr(loaded, name) for name in ENTRY_COLUMNS}
    # Found by its name, and again through a typo (whose entries are loaded by id).
    for query in ("mapaton", "mapatno bibliotecas"):
        async with database.sessions() as session:
            page = await search_entries(query, session=session, guild_id=GUILD)
        (found,) = page.entries
        assert {name: getattr(found, name) for name in ENTRY_COLUMNS} == expected
        assert found.decided_at == DECIDED and found.decided_at.tzinfo is UTC
        assert found.links == ["https://example.org/a", "https://example.org/b"]
        assert found.is_model is True
        assert sa.inspect(found).detached  # as the ORM leaves them once the session closes


async def test_statuses_bound_as_a_list_of_values(session: AsyncSession) -> None:
    entry_id = await _entry_with_every_column(session)
    by_status = {
        statuses: await autocomplete_names(
            "mapa", session=session, guild_id=GUILD, statuses=list(statuses)
        )
        for statuses in [(), (Status.PROPOSED,), (Status.ACTIVE, Status.PROPOSED, Status.PAUSED)]
    }
    assert by_status == {
        (): [],
        (Status.PROPOSED,): [(entry_id, "Mapatón de bibliotecas")],
        (Status.ACTIVE, Status.PROPOSED, Status.PAUSED): [(entry_id, "Mapatón de bibliotecas")],
    }


async def test_a_driver_error_is_raised_as_sqlalchemy_raises_it(session: AsyncSession) -> None:
    # The bot tells "try again shortly" by SQLAlchemy's errors (bot/errors.py).
    with pytest.raises(sa.exc.DBAPIError):
        await fetch(session, "SELECT id FROM no_such_table WHERE id = :id", {"id": 1})
