"""The search's statements run straight on the session's driver connection.

Through SQLAlchemy's asyncio adapters a statement costs several trips to the driver (on
aiosqlite a cursor, the execute, the fetch and the close, each a hop to its thread; on
asyncpg a BEGIN before the first) and ORM loading of every row. A search only reads:
each statement is compiled once for the dialect, then run with one call to the driver,
and its rows are turned into entries with the columns' own result processors, so that
they read back exactly as the ORM would have them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Entry

_TABLE = Entry.__table__  # type: ignore[attr-defined]
ENTRY_COLUMNS = tuple(column.name for column in _TABLE.c)
_new_entry = sa.inspect(Entry).class_manager.new_instance


@functools.lru_cache(maxsize=256)
def compiled(dialect: sa.Dialect, sql: str) -> tuple[str, tuple[str, ...]]:
    """The statement as this driver takes it, and the names of its values in order."""
    compiled = sa.text(sql).compile(dialect=dialect)
    return compiled.string, tuple(compiled.positiontup or ())


@functools.lru_cache(maxsize=8)
def _processors(dialect: sa.Dialect) -> tuple[Callable[[Any], Any] | None, ...]:
    """Each entry column's result processor on this dialect (None: the value as it comes).
    First called before any entry is built: the mappers are made ready here, which the ORM
    does at its first query (a search may be the process's first)."""
    sa.orm.configure_mappers()
    return tuple(c.type.dialect_impl(dialect).result_processor(dialect, None) for c in _TABLE.c)


async def run(driver: Any, dialect: str, statement: str, values: tuple[Any, ...]) -> list[Any]:
    """The rows of a compiled statement, run with one call to the driver connection."""
    if dialect == "sqlite":  # aiosqlite: one hop to its thread
        return list(await driver.execute_fetchall(statement, values))
    if dialect == "postgresql":  # asyncpg: one round trip (its statements are cached)
        return list(await driver.fetch(statement, *values))
    async with driver.cursor() as cursor:  # aiomysql
        await cursor.execute(statement, values)
        return list(await cursor.fetchall())


async def fetch(session: AsyncSession, sql: str, params: dict[str, Any]) -> list[Sequence[Any]]:
    """The rows of one statement (`:name` values, none of them a list), as the driver
    returns them."""
    connection = await session.connection()
    dialect = connection.dialect
    statement, names = compiled(dialect, sql)
    values = tuple(params[name] for name in names)
    driver = (await connection.get_raw_connection()).driver_connection
    try:
        return await run(driver, dialect.name, statement, values)
    except Exception:
        # The driver's own error: run again through SQLAlchemy, which raises it as the bot
        # knows it (OperationalError: "try again shortly") and drops a broken connection.
        return list((await session.exec(sa.text(sql), params=params)).all())


def entries(session: AsyncSession, rows: Sequence[Sequence[Any]], start: int) -> list[Entry]:
    """Entries of rows holding entry's columns from `start` on, detached from any session as
    the ORM leaves them once its session is closed."""
    processors = _processors(session.get_bind().dialect)
    end = start + len(ENTRY_COLUMNS)
    found = []
    for row in rows:
        entry = _new_entry()
        entry.__dict__.update(
            (name, process(value) if process else value)
            for name, process, value in zip(ENTRY_COLUMNS, processors, row[start:end], strict=True)
        )
        make_transient_to_detached(entry)
        found.append(entry)
    return found
