"""Import and export of a guild's entries as CSV, JSON or a MediaWiki table.

The formats themselves (writing and reading rows) are in `transfer_formats`.

An import is all or nothing: every row is parsed and validated first, and the
first bad row is reported with its line in the file before anything is
written. Entries whose name the guild already has are skipped, so importing a
file twice creates no duplicates.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

from pydantic import model_validator
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.errors import DomainError, InvalidInput
from storage.models import Area, Entry, EntryKind, Status, Steward
from storage.schemas import EntryInput
from storage.services import entries
from storage.text import fold
from storage.transfer_formats import COLUMNS, EXPORT_ONLY, BadRow, read_rows, render

EXAMPLES_PATH = Path(__file__).parent / "data" / "examples.json"
_CHOICES: dict[str, tuple[str, ...]] = {
    "kind": tuple(EntryKind),
    "status": tuple(Status),
    "area": tuple(Area),
    "steward": tuple(Steward),
}
# Fields set after creation (create_entry takes only the proposal's fields).
_EXTRA_FIELDS = ("is_model", "rejection_reason", "outcomes", "lessons")


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


def _export_row(entry: Entry) -> dict[str, Any]:
    row = {name: getattr(entry, name) for name in COLUMNS}
    for name in ("reporting_due_at", "created_at", "updated_at"):
        row[name] = _iso(row[name])
    row["links"] = list(entry.links or [])
    return row


async def export_rows(*, session: AsyncSession, guild_id: int) -> list[dict[str, Any]]:
    """Every entry of the guild as a row of plain values, by name."""
    found = await entries.all_entries(session=session, guild_id=guild_id)
    return [_export_row(entry) for entry in sorted(found, key=lambda e: (e.name_key, e.id or 0))]


async def export_entries(fmt: str, *, session: AsyncSession, guild_id: int) -> str:
    return render(fmt, await export_rows(session=session, guild_id=guild_id))


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


def parse_rows(text: str, fmt: str) -> list[ImportRow]:
    """Every row of the file, validated; raises `ImportRowError` for the first bad one."""
    rows, line_of = read_rows(text, fmt)
    valid: list[ImportRow] = []
    first_place: dict[str, int] = {}
    try:
        for place, raw in rows:
            row = _validate(place, raw)
            key = fold(row.name)
            if key in first_place:
                first_line = line_of(first_place[key])
                raise BadRow(place, "name", "error-import-duplicate-row", row.name, first_line)
            first_place[key] = place
            valid.append(row)
    except BadRow as bad:
        raise ImportRowError(line_of(bad.place), bad.reason) from None
    return valid


async def import_entries(
    text: str,
    fmt: str,
    *,
    session: AsyncSession,
    guild_id: int,
    actor_id: int | None,
    now: datetime,
) -> ImportReport:
    """Create the file's entries the guild lacks, audited as `actor_id`'s.

    A bad row raises `ImportRowError` before any write; run it in one transaction
    (`Database.transaction()`) so that a failure while writing leaves nothing either.
    """
    rows = parse_rows(text, fmt)
    existing = set(
        (await session.exec(select(Entry.name_key).where(Entry.guild_id == guild_id))).all()
    )
    report = ImportReport(created=0, skipped=0)
    for row in rows:
        if fold(row.name) in existing:
            report.skipped += 1
            report.skipped_names.append(row.name)
            continue
        entry = await entries.create_entry(
            row, session=session, guild_id=guild_id, actor_id=actor_id, now=now
        )
        extras = {name: getattr(row, name) for name in _EXTRA_FIELDS}
        if any(extras.values()):
            # The same audited write as any edit; "edit" is an action the history can show.
            await entries.apply_changes(
                entry, extras, session=session, actor_id=actor_id, action="edit", now=now
            )
        report.created += 1
    return report


async def import_examples(
    *, session: AsyncSession, guild_id: int, actor_id: int | None = None, now: datetime
) -> ImportReport:
    """The source document's examples, shipped as `storage/data/examples.json`."""
    text = await asyncio.to_thread(EXAMPLES_PATH.read_text, encoding="utf-8")
    return await import_entries(
        text, "json", session=session, guild_id=guild_id, actor_id=actor_id, now=now
    )
