"""Imports of many batches, on SQLite and PostgreSQL: a bad row anywhere writes nothing,
names already present are skipped batch by batch, and the stream readers find the
same rows and lines whatever their chunk size."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import transfer, transfer_bulk, transfer_formats, transfer_index, transfer_json
from storage.db import Database
from storage.models import AuditEvent, Entry, Milestone, Reminder
from storage.search import search_entries
from storage.services import entries
from storage.types import utcnow
from tests.support.factories import GUILD, MODERATOR, entry_input

BATCH = 4  # small batches: a file of 15 rows is four of them
ROWS = 15


@pytest.fixture(autouse=True)
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transfer_bulk, "BATCH", BATCH)


def _rows(count: int = ROWS) -> list[dict[str, Any]]:
    return [
        {"kind": "alliance", "name": f"Entry {n:02}", "area": "content", "steward": "chapter"}
        | {"summary": f"Number {n}", "status": "rejected" if n % 5 == 0 else "active"}
        | {"rejection_reason": "Out of scope." if n % 5 == 0 else None}
        for n in range(count)
    ]


def _write(path: Path, fmt: str, rows: list[dict[str, Any]]) -> None:
    if fmt == "json":
        path.write_text(json.dumps(rows, indent=2), encoding="utf-8")
        return
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


async def _count(database: Database, model: Any = Entry) -> int:
    async with database.transaction() as session:
        return (await session.exec(select(func.count()).select_from(model))).one()


@pytest.mark.parametrize("fmt", ["json", "csv"])
async def test_a_bad_row_late_in_a_long_file_writes_nothing(
    database: Database, tmp_path: Path, fmt: str
) -> None:
    rows = _rows()
    rows[13]["area"] = "gardening"  # in the fourth batch
    path = tmp_path / f"entries.{fmt}"
    _write(path, fmt, rows)
    with pytest.raises(transfer.ImportRowError) as caught:
        await transfer.import_file(
            path, fmt, database=database, guild_id=GUILD, actor_id=1, now=utcnow()
        )
    # JSON: "[", then 9 lines an item (its "{" first); CSV: the header, then a line a row.
    line = 2 + 13 * 9 if fmt == "json" else 15
    assert (caught.value.line, caught.value.field) == (line, "area")
    assert await _count(database) == 0
    assert await _count(database, AuditEvent) == 0


@pytest.mark.parametrize("fmt", ["json", "csv"])
async def test_many_batches_skip_the_names_present(
    database: Database, tmp_path: Path, fmt: str
) -> None:
    async with database.transaction() as session:
        for name in ("ENTRY 03", "Entry 09"):  # in the first and third batches
            await entries.create_entry(
                entry_input(name=name),
                session=session,
                guild_id=GUILD,
                actor_id=MODERATOR,
                now=utcnow(),
            )
    path = tmp_path / f"entries.{fmt}"
    _write(path, fmt, _rows())
    seen: list[tuple[str, int, int | None]] = []
    report = await transfer.import_file(
        path,
        fmt,
        database=database,
        guild_id=GUILD,
        actor_id=MODERATOR,
        now=utcnow(),
        progress=lambda *args: seen.append(args),
    )
    assert (report.created, report.skipped) == (ROWS - 2, 2)
    assert report.skipped_names == ["Entry 03", "Entry 09"]
    assert [done for stage, done, _ in seen if stage == "check"] == [4, 8, 12, ROWS]
    assert ("check", ROWS, ROWS) in seen and seen[-1] == ("write", ROWS, ROWS)
    assert [done for stage, done, _ in seen if stage == "write"] == [4, 8, 12, 15]
    assert await _count(database) == ROWS
    async with database.transaction() as session:
        exported = await transfer.export_rows(session=session, guild_id=GUILD)
        events = (await session.exec(select(AuditEvent.action, AuditEvent.after))).all()
    assert [row["name"] for row in exported][2:5] == ["Entry 02", "ENTRY 03", "Entry 04"]
    # Each created entry is audited; the rejected ones' reasons as an edit, as before.
    actions = [action for action, _ in events]
    assert actions.count("create") == ROWS and actions.count("edit") == 3
    created = {after["name"]: after for action, after in events if action == "create"}
    assert created["Entry 05"]["status"] == "rejected"
    assert created["Entry 05"]["rejection_reason"] is None  # then set by the edit


async def test_imported_entries_are_searchable_and_the_index_kept_after(
    session: AsyncSession,
) -> None:
    """On SQLite the batch's index is written by the import itself (transfer_index)."""
    text = json.dumps(_rows())
    await transfer.import_entries(
        text, "json", session=session, guild_id=GUILD, actor_id=1, now=utcnow()
    )
    await session.commit()
    await entries.create_entry(
        entry_input(name="Number 99 made later"),
        session=session,
        guild_id=GUILD,
        actor_id=1,
        now=utcnow(),
    )
    await session.commit()
    found = await search_entries("number", session=session, guild_id=GUILD, limit=50)
    # Rejected and archived entries are found only when a status filter asks for them.
    hidden = sum(1 for row in _rows() if row.get("status") in ("rejected", "archived"))
    assert hidden and found.total == ROWS - hidden + 1
    assert [
        e.name
        for e in (await search_entries("entry 07", session=session, guild_id=GUILD)).entries[:1]
    ] == ["Entry 07"]
    if session.get_bind().dialect.name == "sqlite":
        for table in ("entry_fts", "entry_name_fts", "entry_trgm"):
            check = f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 1)"
            await session.exec(sa.text(check))  # raises if the index differs from entry


async def test_partnerships_get_their_reporting_milestones(session: AsyncSession) -> None:
    due = (utcnow() + timedelta(days=30)).replace(microsecond=0)
    past = due - timedelta(days=400)
    rows = [
        {"kind": "partnership", "name": name, "area": "content", "steward": "chapter"}
        | {"success_measures": "Articles", "reporting_due_at": when.isoformat()}
        for name, when in (("Ahead", due), ("Past", past))
    ]
    report = await transfer.import_entries(
        json.dumps(rows), "json", session=session, guild_id=GUILD, actor_id=MODERATOR, now=utcnow()
    )
    await session.commit()
    assert report.created == 2
    found = (await session.exec(select(Milestone).order_by(Milestone.due_at))).all()
    assert [(m.due_at, m.source, m.title) for m in found] == [
        (past, "reporting", ""),
        (due, "reporting", ""),
    ]
    # As sync_reporting_milestone: reminders only for a date ahead (7 days, 1 day, due).
    stages = (await session.exec(select(Reminder.milestone_id, Reminder.kind))).all()
    assert sorted(kind for _, kind in stages) == ["due", "lead", "lead"]
    assert {milestone_id for milestone_id, _ in stages} == {found[1].id}
    added = (
        await session.exec(select(AuditEvent.after).where(AuditEvent.action == "milestone-add"))
    ).all()
    assert sorted(after["id"] for after in added) == sorted(m.id for m in found)


@pytest.mark.parametrize("chunk", [1, 2, 7, 64])
def test_json_stream_reads_the_same_whatever_the_chunk(
    monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    text = json.dumps(_rows(6), indent=2)
    expected = [(line, row["name"]) for line, row in transfer_json.json_items(io.StringIO(text))]
    monkeypatch.setattr(transfer_json, "CHUNK", chunk)
    assert [
        (line, row["name"]) for line, row in transfer_json.json_items(io.StringIO(text))
    ] == expected
    assert [line for line, _ in expected] == [2, 11, 20, 29, 38, 47]
    for bad, line in (
        (text[:-1], 56),  # no closing bracket
        (text.replace('"Entry 04",', '"Entry 04"', 1), 41),  # a missing comma, as json.loads
        (text.replace("}\n]", "},\n]"), 56),  # a trailing comma
        (text + "\n[]", 57),  # more after the list
        ("[1, 2", 1),
    ):
        with pytest.raises(transfer_json.JsonSyntax) as caught:
            list(transfer_json.json_items(io.StringIO(bad)))
        assert caught.value.line == line, bad[-40:]


def test_streamed_json_export_is_json_dumps() -> None:
    rows = [{name: None for name in transfer_formats.COLUMNS} | {"links": ["a", "b"]}] * 2
    rows[1] = rows[1] | {"summary": "two\nlines", "links": []}
    for shown in (rows, rows[:1], []):
        assert (
            transfer_formats.render("json", shown)
            == json.dumps(shown, ensure_ascii=False, indent=2) + "\n"
        )


def test_only_a_trigger_of_plain_inserts_is_run_in_bulk() -> None:
    plain = (
        "CREATE TRIGGER t AFTER INSERT ON entry BEGIN\n"
        "INSERT INTO x(rowid, a) VALUES (new.id, new.a);\nINSERT INTO y(b) VALUES (new.b);\nEND"
    )
    trigger = transfer_index._batched("t", plain)
    assert trigger is not None and trigger.batched == [
        "INSERT INTO x(rowid, a) SELECT new.id, new.a FROM entry AS new"
        " WHERE new.id IN (SELECT value FROM json_each(:ids))",
        "INSERT INTO y(b) SELECT new.b FROM entry AS new"
        " WHERE new.id IN (SELECT value FROM json_each(:ids))",
    ]
    other = plain.replace("INSERT INTO y(b) VALUES (new.b);", "UPDATE y SET b = new.b;")
    assert transfer_index._batched("t", other) is None
    assert transfer_index._batched("t", plain.replace("AFTER INSERT", "AFTER DELETE")) is None
