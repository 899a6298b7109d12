"""The writes of an import, a batch at a time: a statement per table for each batch.

A batch is a list of `Planned` rows, made while the file is checked (see transfer.py):
the entry's columns and its audit snapshots are computed then, so that a batch's
transaction only writes.

The search index of the batch's entries is written in bulk too: on SQLite by
`transfer_index` (its row trigger would cost more than all the rest); PostgreSQL's
is kept per statement already (a generated column, a statement trigger).
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Entry, EntryKind
from storage.services import audit, reporting
from storage.sql import insert_many_sqlite
from storage.transfer_index import begin_writing, insert_indexed

BATCH = 1_000  # rows per statement and per transaction
_ENTRY = Entry.__table__  # type: ignore[attr-defined]


@dataclass
class Planned:
    """A valid row of the file, ready to write: the entry's columns and its audit
    snapshots (as created, and the changes of the fields a proposal lacks, if any)."""

    values: dict[str, Any]
    created: dict[str, Any]
    edited: tuple[dict[str, Any], dict[str, Any]] | None


@dataclass
class Written:
    created: int
    skipped_names: list[str]


class Spool:
    """Batches of planned rows, kept in memory while they fit one batch, else in a
    temporary file (pickled: it holds only what this process wrote), so that memory
    holds one batch, however long the file."""

    def __init__(self) -> None:
        self.pending: list[Planned] = []
        self.file: IO[bytes] | None = None
        self.count = 0

    def add(self, planned: Planned) -> bool:
        """Keep the row; whether it completed a batch."""
        self.pending.append(planned)
        self.count += 1
        if len(self.pending) < BATCH:
            return False
        if self.file is None:
            # Closed (and so deleted) by close(), when the import ends.
            self.file = tempfile.TemporaryFile()  # noqa: SIM115
        pickle.dump(self.pending, self.file, protocol=pickle.HIGHEST_PROTOCOL)
        self.pending = []
        return True

    def batches(self) -> Iterator[list[Planned]]:
        if self.file is not None:
            self.file.seek(0)
            while True:
                try:
                    yield pickle.load(self.file)
                except EOFError:
                    break
        if self.pending:
            yield self.pending

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


# The names the guild already has are found by the insert itself, which skips them: a
# query for them first would be planned before the table has statistics (a new
# database, a big import), and PostgreSQL then reads the whole table for each batch
# (0.3 s a batch at 20,000 rows, growing); and a name created meanwhile by the bot
# would fail the batch.
_NEW_ONLY = {"postgresql": postgresql.insert}
_AFTER = sa.text("SELECT id, name_key FROM entry WHERE id > :last")


async def _insert_new(session: AsyncSession, guild_id: int, rows: list[dict[str, Any]]) -> Any:
    """INSERT the entries but those of names the guild has (ON CONFLICT DO NOTHING);
    the id and name key of those inserted."""
    returned = (_ENTRY.c.id, _ENTRY.c.name_key)
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        # The driver's executemany, which returns no rows: the new rows are those after
        # the last id, since this transaction holds the write lock from before reading it
        # (SQLite numbers a table's new rows from its largest id up).
        await begin_writing(session)
        last = (await session.exec(sa.text("SELECT coalesce(max(id), 0) FROM entry"))).one()[0]
        conflict = "ON CONFLICT (guild_id, name_key) DO NOTHING"
        await insert_many_sqlite(session, _ENTRY, rows, conflict)
        return (await session.exec(_AFTER, params={"last": last})).all()
    if dialect in _NEW_ONLY:
        conflict = (_ENTRY.c.guild_id, _ENTRY.c.name_key)
        insert = _NEW_ONLY[dialect](_ENTRY).on_conflict_do_nothing(index_elements=conflict)
        return await session.exec(insert.returning(*returned), params=rows)
    # Elsewhere (no ON CONFLICT), the names present are looked up first: one query.
    present = sa.select(_ENTRY.c.name_key).where(
        _ENTRY.c.guild_id == guild_id, _ENTRY.c.name_key.in_([row["name_key"] for row in rows])
    )
    known = set((await session.exec(present)).scalars())
    rows = [row for row in rows if row["name_key"] not in known]
    return await session.exec(sa.insert(_ENTRY).returning(*returned), params=rows) if rows else []


async def write_batch(
    batch: list[Planned],
    *,
    session: AsyncSession,
    guild_id: int,
    actor_id: int | None,
    now: datetime,
) -> Written:
    """Create the batch's entries whose names the guild lacks, with their audit events
    and reporting milestones; the names skipped."""
    rows = [p.values | {"created_at": now, "updated_at": now} for p in batch]
    ids: dict[str, int] = {}

    async def insert() -> list[int]:
        ids.update((key, entry_id) for entry_id, key in await _insert_new(session, guild_id, rows))
        return list(ids.values())

    await insert_indexed(session, insert)
    fresh = [p for p in batch if p.values["name_key"] in ids]
    skipped = [p.values["name"] for p in batch if p.values["name_key"] not in ids]
    event = {"guild_id": guild_id, "actor_id": actor_id, "at": now}
    events = [
        event
        | {"entry_id": ids[p.values["name_key"]], "action": "create"}
        | {"before": None, "after": p.created}
        for p in fresh
    ]
    # "edit": the same audited write as an edit of the fields a proposal lacks, as before.
    events += [
        event
        | {"entry_id": ids[p.values["name_key"]], "action": "edit"}
        | {"before": p.edited[0], "after": p.edited[1]}
        for p in fresh
        if p.edited
    ]
    await audit.record_many(session=session, events=events)
    dues = {
        ids[p.values["name_key"]]: p.values["reporting_due_at"]
        for p in fresh
        if p.values["kind"] == EntryKind.PARTNERSHIP and p.values["reporting_due_at"]
    }
    await reporting.add_reporting_milestones(dues, session=session, guild_id=guild_id, now=now)
    return Written(len(fresh), skipped)


def planned(values: dict[str, Any], extras: dict[str, Any]) -> Planned:
    """A new entry's columns (`extras`: the fields a proposal lacks) and its snapshots."""
    created = audit.snapshot_of(values | {"is_model": False})
    full = values | extras | {"support_count": 0}
    edit = audit.diff(created, audit.snapshot_of(full))
    return Planned(full, created, edit if edit[1] else None)
