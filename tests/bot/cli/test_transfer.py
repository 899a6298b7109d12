"""`partnerbot import` and `partnerbot export` end to end, on a temporary SQLite file."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import icalendar
import pytest
from dateutil import rrule

from bot.cli import main
from storage.db import SQLITE_BUSY_TIMEOUT_MS, Database
from storage.services import entries, milestones
from storage.services.recurrence import Recurrence

GUILD = "111111111111111111"
COPY_GUILD = "222222222222222222"


def _export_json(guild: str, capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    capsys.readouterr()
    assert main(["export", "--guild", guild, "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert "Exported" in captured.err  # the summary stays out of the data
    return json.loads(captured.out)


def test_examples_export_and_reimport(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", "--example", "--guild", GUILD]) == 0
    assert capsys.readouterr().out == "Imported 5 entries, skipped 0 (already present).\n"
    assert main(["import", "--example", "--guild", GUILD, "--as-user", "42"]) == 0
    assert capsys.readouterr().out == "Imported 0 entries, skipped 5 (already present).\n"

    original = _export_json(GUILD, capsys)
    assert len(original) == 5
    for fmt, name in (("csv", "out.csv"), ("json", "out.json"), ("wikitext", "out.wiki")):
        assert main(["export", "--guild", GUILD, "--format", fmt, "--output", name]) == 0
        assert capsys.readouterr().out == f"Exported 5 entries as {fmt} to {name}.\n"
        guild = COPY_GUILD + str(len(fmt))
        assert main(["import", name, "--guild", guild]) == 0
        assert "Imported 5 entries" in capsys.readouterr().out
        copy = _export_json(guild, capsys)
        drop = ("id", "created_at", "updated_at")
        assert [{k: v for k, v in row.items() if k not in drop} for row in copy] == [
            {k: v for k, v in row.items() if k not in drop} for row in original
        ]
    assert (workdir / "out.wiki").read_text().startswith('{| class="wikitable sortable"')


def test_malformed_file_exits_1_and_writes_nothing(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = workdir / "bad.csv"
    bad.write_text(
        "name,kind,area,steward\nFine,alliance,content,volunteers\n"
        "Broken,alliance,gardening,volunteers\n",
        encoding="utf-8",
    )
    assert main(["import", str(bad), "--guild", GUILD]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"partnerbot: {bad} line 3: area: “gardening” is not one of content,")
    assert _export_json(GUILD, capsys) == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["import", "missing.csv", "--guild", GUILD], "missing.csv: "),
        (["import", "entries.xlsx", "--guild", GUILD], "“.xlsx” is not a format"),
        (["import", "--guild", GUILD], "either a FILE or --example"),
    ],
)
def test_unusable_input_exits_1(
    workdir: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(argv) == 1
    assert message in capsys.readouterr().err


def test_format_override(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = workdir / "from-meta.txt"
    table.write_text(
        '{| class="wikitable"\n! name !! kind !! area !! steward\n'
        "|-\n| Wikidata outreach || alliance || outreach || volunteers\n|}\n",
        encoding="utf-8",
    )
    assert main(["import", str(table), "--guild", GUILD, "--format", "wikitext"]) == 0
    assert [row["name"] for row in _export_json(GUILD, capsys)] == ["Wikidata outreach"]


def test_import_waits_for_the_bot_to_release_the_database(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Longer than a command may wait (SQLITE_BUSY_TIMEOUT_MS): an import has no deadline."""
    assert main(["db", "upgrade"]) == 0
    locked, held_for = threading.Event(), SQLITE_BUSY_TIMEOUT_MS / 1000 + 1

    def other_writer() -> None:
        connection = sqlite3.connect(workdir / "cli.db", isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        locked.set()
        time.sleep(held_for)
        connection.execute("COMMIT")
        connection.close()

    writer = threading.Thread(target=other_writer)
    writer.start()
    try:
        assert locked.wait(5)
        started = time.monotonic()
        assert main(["import", "--example", "--guild", GUILD]) == 0
        assert time.monotonic() - started >= held_for - 0.5  # it waited, then wrote
    finally:
        writer.join()
    assert "Imported 5 entries" in capsys.readouterr().out


def test_progress_bars_only_on_a_terminal(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [
        {"name": f"Entry {n}", "kind": "alliance", "area": "content", "steward": "chapter"}
        for n in range(3)
    ]
    (workdir / "a.json").write_text(json.dumps(rows), encoding="utf-8")
    assert main(["import", "a.json", "--guild", GUILD]) == 0
    captured = capsys.readouterr()
    assert captured.out == "Imported 3 entries, skipped 0 (already present).\n"
    assert captured.err == ""  # not a terminal: no bar
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(["import", "a.json", "--guild", COPY_GUILD]) == 0
    captured = capsys.readouterr()
    assert captured.out == "Imported 3 entries, skipped 0 (already present).\n"
    assert "checked: 100%" in captured.err and "imported: 100%" in captured.err
    assert "3/3" in captured.err


def test_export_ics_gives_the_open_milestones(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", "--example", "--guild", GUILD]) == 0

    async def add_milestone() -> None:
        database = Database(f"sqlite+aiosqlite:///{workdir / 'cli.db'}")
        try:
            async with database.transaction() as session:
                entry = await entries.resolve_entry(
                    "Wiki-to-print", session=session, guild_id=int(GUILD)
                )
                await milestones.add_milestone(
                    session=session,
                    guild_id=int(GUILD),
                    entry_id=entry.id,
                    title="Print run",
                    due_at=datetime.now(UTC) + timedelta(days=10),
                    coordinator_id=42,
                    actor_id=42,
                    now=datetime.now(UTC),
                    repeat=Recurrence(rrule.MONTHLY, 3, count=4),
                )
        finally:
            await database.dispose()

    asyncio.run(add_milestone())
    capsys.readouterr()
    assert main(["export", "--guild", GUILD, "--format", "ics", "--output", "m.ics"]) == 0
    summary = capsys.readouterr().out
    calendar = icalendar.Calendar.from_ical((workdir / "m.ics").read_bytes())
    events = {str(e["summary"]): e for e in calendar.walk("VEVENT")}
    noun = "milestone" if len(events) == 1 else "milestones"
    assert summary == f"Exported {len(events)} {noun} as ics to m.ics.\n"
    print_run = events["Print run — Wiki-to-print"]
    assert print_run["rrule"]["FREQ"] == ["MONTHLY"] and print_run["rrule"]["COUNT"] == [4]
    assert "Coordinator: 42." in str(print_run["description"])  # no names offline: the id
