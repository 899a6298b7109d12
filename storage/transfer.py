"""Import and export of a guild's entries as CSV, JSON or a MediaWiki table.

The formats themselves (writing and reading rows) are in `transfer_formats`; the
writes of an import, a batch at a time, in `transfer_bulk`.

Files are read and written as streams, so memory holds a batch of rows, not the
file. An import is all or nothing for bad rows: the whole file is read and checked
first (each row validated, names unique within the file), the first bad row
reported with its line before anything is written; then its rows are written in
batches of `BATCH` (a statement per table each). Entries whose name the guild
already has are skipped, so importing a file twice creates no duplicates, and an
import cut short by a failing database is finished by running it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Self

import sqlalchemy as sa
from pydantic import model_validator
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import Database
from storage.errors import DomainError, InvalidInput
from storage.models import Area, Entry, EntryKind, Status, Steward
from storage.schemas import EntryInput
from storage.services import entries
from storage.text import fold
from storage.transfer_bulk import BATCH, Spool, planned, write_batch
from storage.transfer_formats import (
    COLUMNS,
    EXPORT_ONLY,
    BadRow,
    head,
    read_rows,
    row_text,
    tail,
)

EXAMPLES_PATH = Path(__file__).parent / "data" / "examples.json"
_CHOICES: dict[str, tuple[str, ...]] = {
    "kind": tuple(EntryKind),
    "status": tuple(Status),
    "area": tuple(Area),
    "steward": tuple(Steward),
}
# Fields set after creation (create_entry takes only the proposal's fields).
_EXTRA_FIELDS = ("is_model", "rejection_reason", "outcomes", "lessons")
_TABLE = Entry.__table__  # type: ignore[attr-defined]


class ImportRow(EntryInput):
    """One imported entry: a proposal's fields plus what an operator's file may also carry."""

    # An import is done by an operator, so a row without a status is active.
    status: Status = Status.ACTIVE
    is_model: bool = False
    rejection_reason: str | None = None
    outcomes: str | None = None
    lessons: str | None = None

    @model_validator(mode="after")
    def _rejection_needs_reason(self) -> Self:
        if self.status == Status.REJECTED and not self.rejection_reason:
            raise InvalidInput("rejection_reason", "error-required")
        return self


class ImportRowError(DomainError):
    """A row of an imported file is refused, so nothing of the file was written.

    params: (line, field); `reason` is that field's own `InvalidInput`. The
    message nests the reason's, so render it with `render(translate)`.
    """

    key = "error-import-row"

    def __init__(self, line: int, reason: InvalidInput) -> None:
        super().__init__(line, reason.field)
        self.line = line
        self.field = reason.field
        self.reason = reason

    def render(self, translate: Callable[..., str]) -> str:
        """`translate(key, *params)` is the catalogue's lookup in the reader's language."""
        reason = translate(self.reason.key, *self.reason.params)
        return translate(self.key, self.line, self.field, reason)


@dataclass
class ImportReport:
    created: int
    skipped: int
    skipped_names: list[str] = field(default_factory=list)


# --- export ---------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def _export_row(entry: Any) -> dict[str, Any]:
    """An entry (or a row of its columns) as plain values."""
    row = {name: getattr(entry, name) for name in COLUMNS}
    for name in ("reporting_due_at", "created_at", "updated_at"):
        row[name] = _iso(row[name])
    row["links"] = list(entry.links or [])
    return row


# Byte order, as Python sorts: the order of the name index (ix_entry_guild_name_c on
# PostgreSQL; SQLite compares bytes by default).
_NAME_ORDER = {"postgresql": "C"}


async def export_batches(
    *, session: AsyncSession, guild_id: int
) -> AsyncIterator[list[dict[str, Any]]]:
    """The guild's entries by name as rows of plain values, `BATCH` at a time: each
    batch is read after the last name of the one before, along the name index."""
    collation = _NAME_ORDER.get(session.get_bind().dialect.name)
    key = sa.collate(_TABLE.c.name_key, collation) if collation else _TABLE.c.name_key
    columns = [_TABLE.c[name] for name in (*COLUMNS, "name_key")]
    last: str | None = None
    while True:
        statement = sa.select(*columns).where(_TABLE.c.guild_id == guild_id)
        if last is not None:
            statement = statement.where(key > last)
        rows = (await session.exec(statement.order_by(key).limit(BATCH))).all()
        if not rows:
            return
        yield [_export_row(row) for row in rows]
        last = rows[-1].name_key


async def export_rows(*, session: AsyncSession, guild_id: int) -> list[dict[str, Any]]:
    """Every entry of the guild as a row of plain values, by name."""
    return [
        row async for batch in export_batches(session=session, guild_id=guild_id) for row in batch
    ]


async def export_to(
    write: Callable[[str], object], fmt: str, *, session: AsyncSession, guild_id: int
) -> int:
    """Write the guild's entries as a file of format `fmt`, a batch of rows at a time, as
    they are read; how many. Each batch is a statement of its own: an entry renamed
    meanwhile may be missed or written twice, those left alone are written once."""
    write(head(fmt))
    count = 0
    async for batch in export_batches(session=session, guild_id=guild_id):
        write("".join(row_text(fmt, row, count + i) for i, row in enumerate(batch)))
        count += len(batch)
    write(tail(fmt, count))
    return count


async def export_entries(fmt: str, *, session: AsyncSession, guild_id: int) -> str:
    chunks: list[str] = []
    await export_to(chunks.append, fmt, session=session, guild_id=guild_id)
    return "".join(chunks)


# --- import ---------------------------------------------------------------


def _validate(place: int, raw: dict[str, Any]) -> ImportRow:
    values = {
        name: value
        for name, value in raw.items()
        if name not in EXPORT_ONLY and value is not None and value != ""
    }
    try:
        return ImportRow.parse(**values)
    except InvalidInput as exc:
        params = exc.params[1:]
        if exc.key == "error-bad-choice" and exc.field in _CHOICES:
            raise BadRow(
                place, exc.field, "error-import-not-one-of", *params, ", ".join(_CHOICES[exc.field])
            ) from None
        raise BadRow(place, exc.field, exc.key, *params) from None


def checked_rows(stream: IO[str], fmt: str) -> Iterator[ImportRow]:
    """Every row of the file, validated; raises `ImportRowError` for the first bad one."""
    rows, line_of = read_rows(stream, fmt)
    first_place: dict[str, int] = {}
    try:
        for place, raw in rows:
            row = _validate(place, raw)
            key = fold(row.name)
            if key in first_place:
                first_line = line_of(first_place[key])
                raise BadRow(place, "name", "error-import-duplicate-row", row.name, first_line)
            first_place[key] = place
            yield row
    except BadRow as bad:
        raise ImportRowError(line_of(bad.place), bad.reason) from None


def parse_rows(text: str, fmt: str) -> list[ImportRow]:
    """Every row of a file's text, validated (see `checked_rows`)."""
    return list(checked_rows(io.StringIO(text.removeprefix("\ufeff"), newline=""), fmt))


Opener = Callable[[], AbstractContextManager[IO[str]]]
Batches = Callable[[], AbstractAsyncContextManager[AsyncSession]]
# Told, at each batch, how many rows are done ("check", then "write") of how many (None:
# not known yet, while checking).
Progress = Callable[[str, int, int | None], None]


def _plan(
    stream: IO[str],
    fmt: str,
    *,
    guild_id: int,
    actor_id: int | None,
    now: datetime,
    progress: Progress | None,
) -> Spool:
    """The file's rows, checked and made ready to write (see transfer_bulk.Planned)."""
    spool = Spool()
    try:
        for row in checked_rows(stream, fmt):
            values = entries.new_entry_values(row, guild_id=guild_id, actor_id=actor_id, now=now)
            full = spool.add(planned(values, {name: getattr(row, name) for name in _EXTRA_FIELDS}))
            if full and progress:
                progress("check", spool.count, None)
    except BaseException:
        spool.close()
        raise
    if progress:
        progress("check", spool.count, spool.count)
    return spool


async def _import(
    open_file: Opener,
    fmt: str,
    transaction: Batches,
    *,
    guild_id: int,
    actor_id: int | None,
    now: datetime,
    progress: Progress | None,
) -> ImportReport:
    with open_file() as stream:
        # Checking is CPU work: in a thread, so that the bot's event loop (the sandbox,
        # a command) keeps answering meanwhile.
        spool = await asyncio.to_thread(
            _plan, stream, fmt, guild_id=guild_id, actor_id=actor_id, now=now, progress=progress
        )
    report = ImportReport(created=0, skipped=0)
    try:
        done = 0
        for batch in spool.batches():
            async with transaction() as session:
                written = await write_batch(
                    batch, session=session, guild_id=guild_id, actor_id=actor_id, now=now
                )
            report.created += written.created
            report.skipped += len(written.skipped_names)
            report.skipped_names += written.skipped_names
            done += len(batch)
            if progress:
                progress("write", done, spool.count)
    finally:
        spool.close()
    return report


async def import_entries(
    text: str,
    fmt: str,
    *,
    session: AsyncSession,
    guild_id: int,
    actor_id: int | None,
    now: datetime,
    progress: Progress | None = None,
) -> ImportReport:
    """Create the file's entries the guild lacks, audited as `actor_id`'s, in the
    caller's transaction (`Database.transaction()`: a failure while writing leaves
    nothing either). A bad row raises `ImportRowError` before any write."""

    def open_text() -> AbstractContextManager[IO[str]]:
        return contextlib.nullcontext(io.StringIO(text.removeprefix("\ufeff"), newline=""))

    return await _import(
        open_text,
        fmt,
        lambda: contextlib.nullcontext(session),
        guild_id=guild_id,
        actor_id=actor_id,
        now=now,
        progress=progress,
    )


async def import_file(
    path: str | Path,
    fmt: str,
    *,
    database: Database,
    guild_id: int,
    actor_id: int | None,
    now: datetime,
    progress: Progress | None = None,
) -> ImportReport:
    """`import_entries` of a file, read as a stream, each batch in a transaction of its
    own: the bot's writes wait for a batch, not for the whole file. A bad row still
    writes nothing (it is found before any write); a failing database leaves the batches
    before it, which running the import again completes."""

    def open_path() -> AbstractContextManager[IO[str]]:
        # newline="": CSV cells keep their own line breaks; utf-8-sig: Excel's BOM.
        return open(path, encoding="utf-8-sig", newline="")

    return await _import(
        open_path,
        fmt,
        database.transaction,
        guild_id=guild_id,
        actor_id=actor_id,
        now=now,
        progress=progress,
    )


async def import_examples(
    *, session: AsyncSession, guild_id: int, actor_id: int | None = None, now: datetime
) -> ImportReport:
    """The source document's examples, shipped as `storage/data/examples.json`."""
    text = await asyncio.to_thread(EXAMPLES_PATH.read_text, encoding="utf-8")
    return await import_entries(
        text, "json", session=session, guild_id=guild_id, actor_id=actor_id, now=now
    )
