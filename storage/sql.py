"""Statements that each backend writes its own way."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession


async def update_returning_ids(
    session: AsyncSession, model: Any, id_column: Any, *where: Any, **values: Any
) -> list[int]:
    """UPDATE `model` SET `values` WHERE `where`: the ids of exactly the rows it changed,
    however many processes run it at once (each row goes to one of them)."""
    if session.get_bind().dialect.update_returning:
        statement = (
            sa.update(model)
            .where(*where)
            .values(**values)
            .returning(id_column)
            # The in-memory rows may be stale (another process): do not evaluate on them.
            .execution_options(synchronize_session=False)
        )
        return list((await session.exec(statement)).scalars().all())
    # MariaDB has no UPDATE … RETURNING. A locking read sees the latest commit and waits
    # for other writers of those rows, as PostgreSQL's UPDATE does; the rows stay locked
    # until the caller's transaction ends, so the UPDATE changes exactly these.
    locked = sa.select(id_column).where(*where).with_for_update()
    ids = list((await session.exec(locked)).scalars().all())
    if ids:
        update = sa.update(model).where(id_column.in_(ids)).values(**values)
        await session.exec(update.execution_options(synchronize_session=False))
    return ids


@functools.lru_cache(maxsize=16)
def _binders(table: sa.Table, dialect: sa.Dialect) -> tuple[tuple[str, Any], ...]:
    """(name, bind processor or None) of each column of `table` on this dialect."""
    return tuple(
        (column.name, column.type.dialect_impl(dialect).bind_processor(dialect))
        for column in table.c
    )


async def insert_many_sqlite(
    session: AsyncSession, table: sa.Table, rows: Sequence[Mapping[str, Any]], suffix: str = ""
) -> None:
    """INSERT `rows` (each with the same columns) on SQLite by one `executemany` of the
    driver, their values bound as the columns' types bind them: what SQLAlchemy's own
    executemany costs over it (binding each value through its layers, a statement
    object per call) is about the cost of SQLite's insert itself. `suffix`: a clause
    after the VALUES (ON CONFLICT ...)."""
    if not rows:
        return
    connection = await session.connection()
    names = set(rows[0])
    binders = [(n, bind) for n, bind in _binders(table, connection.dialect) if n in names]
    columns = ", ".join(f'"{name}"' for name, _ in binders)
    marks = ", ".join("?" for _ in binders)
    values = [
        tuple(bind(row[name]) if bind else row[name] for name, bind in binders) for row in rows
    ]
    driver: Any = (await connection.get_raw_connection()).driver_connection
    sql = f'INSERT INTO "{table.name}" ({columns}) VALUES ({marks}) {suffix}'
    await driver.executemany(sql, values)
