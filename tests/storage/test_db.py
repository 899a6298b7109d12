"""Many writers and sessions at once: each succeeds, waiting its turn (SQLite's one writer
at a time, a pool smaller than the crowd) rather than failing."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa
from sqlmodel import func, select

from storage.db import Database
from storage.models import AppState

WRITERS = 30


async def read_then_write(database: Database, number: int) -> None:
    """A transaction that reads first and then writes, as most commands' do."""
    async with database.transaction() as session:
        seen = (await session.exec(select(func.count()).select_from(AppState))).one()
        await asyncio.sleep(0)  # let the others start theirs in between
        session.add(AppState(key=f"writer-{number}", value=str(seen)))


async def test_concurrent_writers_all_succeed(database: Database) -> None:
    await asyncio.gather(*(read_then_write(database, n) for n in range(WRITERS)))
    async with database.sessions() as session:
        rows = (await session.exec(select(AppState))).all()
    assert sorted(row.key for row in rows if row.key.startswith("writer-")) == sorted(
        f"writer-{n}" for n in range(WRITERS)
    )


@pytest.mark.parametrize("db_url", ["postgresql", "mariadb"], indirect=True)
async def test_more_sessions_than_the_pool_holds_all_succeed(db_url: str) -> None:
    database = Database(db_url, pool_size=2, max_overflow=0)
    try:

        async def query(number: int) -> int:
            async with database.sessions() as session:
                await asyncio.sleep(0.01)  # holding its connection while others ask
                return (await session.exec(sa.select(sa.literal(number)))).one()[0]

        assert await asyncio.gather(*(query(n) for n in range(12))) == list(range(12))
    finally:
        await database.dispose()
