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


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_sqlite_rolls_back_only_what_wrote(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A session that only read makes no rollback trip to the driver's thread; one that
    wrote and was not committed is rolled back all the same."""
    import aiosqlite

    rollbacks = 0
    roll_back = aiosqlite.Connection.rollback

    async def counted(connection: aiosqlite.Connection) -> None:
        nonlocal rollbacks
        rollbacks += 1
        await roll_back(connection)

    monkeypatch.setattr(aiosqlite.Connection, "rollback", counted)
    database = Database(db_url, pool_size=1)
    try:
        async with database.sessions() as session:
            (await session.exec(select(func.count()).select_from(AppState))).one()
        assert rollbacks == 0
        async with database.sessions() as session:
            session.add(AppState(key="uncommitted", value="x"))
            await session.flush()
        assert rollbacks == 1
        async with database.sessions() as session:
            kept = (await session.exec(select(AppState.key))).all()
        assert "uncommitted" not in kept
    finally:
        await database.dispose()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_sqlite_pool_hands_out_the_connection_used_last(db_url: str) -> None:
    """Its page cache is the warmest."""
    database = Database(db_url)
    try:
        async with database.sessions() as first, database.sessions() as second:
            used = []
            for session in (first, second):
                connection = await session.connection()
                used.append((await connection.get_raw_connection()).driver_connection)
        async with database.sessions() as session:
            connection = await session.connection()
            again = (await connection.get_raw_connection()).driver_connection
        assert again is used[0]  # checked in last (sessions close in reverse order)
    finally:
        await database.dispose()
