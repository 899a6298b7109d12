"""The search index of a batch of new entries, written in bulk on SQLite.

SQLite's FTS5 indexes are kept by a trigger after each inserted row (migration 0002):
three statements a row, which cost an import of many rows more than the rest of its
work together (4,000 rows a second, against 10,000 for the same indexing done by one
statement per index for the batch). So for a batch, within its transaction, the
trigger is dropped, the rows inserted, the trigger's own statements run once over the
batch's rows, and the trigger created again: the index ends as the trigger would have
left it, and no other writer can insert meanwhile (the transaction holds SQLite's
write lock; DDL is transactional, so a failure restores the trigger too).

The trigger's statements are read from the database, not written here again: each
`INSERT INTO t(...) VALUES (new.a, ...)` becomes `INSERT INTO t(...) SELECT new.a, ...
FROM entry AS new WHERE new.id IN (the batch)`. A trigger whose body is anything else
is left in place (and fires row by row).

PostgreSQL needs none of this: search_vector is a generated column and the
vocabulary's trigger runs once per statement.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

_TRIGGERS = sa.text(
    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'entry'"
)
_AFTER_INSERT = re.compile(r"\bAFTER\s+INSERT\s+ON\s+\"?entry\"?\s", re.IGNORECASE)
_BODY = re.compile(r"\bBEGIN\b(.*)\bEND\s*$", re.IGNORECASE | re.DOTALL)
_INSERT = re.compile(r"\s*INSERT\s+INTO\s+(\w+)\s*\(([^)]*)\)\s*VALUES\s*\(([^()]*)\)\s*;", re.I)


@dataclass
class _Trigger:
    name: str
    create: str
    batched: list[str]  # its statements, over the rows of :ids


def _batched(name: str, sql: str) -> _Trigger | None:
    """The trigger's statements run over a batch, if they are all INSERT ... VALUES."""
    body = _BODY.search(sql)
    if not _AFTER_INSERT.search(sql) or body is None:
        return None
    statements, position, text = [], 0, body.group(1)
    while (found := _INSERT.match(text, position)) is not None:
        table, columns, values = found.groups()
        statements.append(
            f"INSERT INTO {table}({columns}) SELECT {values} FROM entry AS new"
            " WHERE new.id IN (SELECT value FROM json_each(:ids))"
        )
        position = found.end()
    return _Trigger(name, sql, statements) if statements and not text[position:].strip() else None


Insert = Callable[[], Awaitable[list[int]]]


async def begin_writing(session: AsyncSession) -> None:
    """The driver (pysqlite) begins a transaction before DML only: DDL first would be
    committed at once. Begin it here, taking the write lock at once (IMMEDIATE), so that
    the triggers come back on any failure and no other writer inserts meanwhile."""
    connection = await session.connection()
    raw = (await connection.get_raw_connection()).driver_connection
    if raw is not None and not raw.in_transaction:
        await session.exec(sa.text("BEGIN IMMEDIATE"))


async def insert_indexed(session: AsyncSession, insert: Insert) -> list[int]:
    """Run `insert` (which returns the new entries' ids) with the search index of its
    rows written in bulk where the database keeps it by a row trigger (SQLite)."""
    if session.get_bind().dialect.name != "sqlite":
        return await insert()
    found = [_batched(name, sql) for name, sql in (await session.exec(_TRIGGERS)).all()]
    triggers = [trigger for trigger in found if trigger is not None]
    if not triggers:
        return await insert()
    await begin_writing(session)
    for trigger in triggers:
        await session.exec(sa.text(f'DROP TRIGGER "{trigger.name}"'))
    ids = await insert()
    params = {"ids": json.dumps(ids)}
    for trigger in triggers:
        for statement in trigger.batched:
            await session.exec(sa.text(statement), params=params)
        await session.exec(sa.text(trigger.create))
    return ids
