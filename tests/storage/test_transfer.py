"""Import and export on SQLite and PostgreSQL: exact round trips, idempotence, bad rows."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from functools import partial
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import t
from storage import transfer, transfer_formats
from storage.errors import InvalidInput
from storage.models import AuditEvent, Entry, Status
from storage.services import entries
from tests.support.factories import GUILD, MODERATOR, OTHER_GUILD, entry_input

THIRD_GUILD = 333_333_333_333_333_333
AWKWARD = (
    'Line one, "quoted", with commas\n| pipe || two !! bangs\n{{template}} {| [[link]] '
    "<b>bold</b> </nowiki> &amp; ~~~~ __NOTOC__ ''italic'' Ñandú é ü @everyone <@&123>"
)


async def _count(session: AsyncSession, guild_id: int) -> int:
    statement = select(func.count()).select_from(Entry).where(Entry.guild_id == guild_id)
    return (await session.exec(statement)).one()


async def _awkward_directory(session: AsyncSession) -> None:
    """Entries of every shape in GUILD, made with the services (not with the importer)."""
    now = datetime.now(UTC)
    create = partial(entries.create_entry, now=now)
    await create(
        entry_input(name="Ñandú | Wiki || {{Tpl}} @everyone", summary=AWKWARD, partners=AWKWARD),
        session=session,
        guild_id=GUILD,
        actor_id=MODERATOR,
    )
    funded = await create(
        entry_input(
            kind="partnership",
            name="Wiki-to-print, 2nd edition",
            steward="chapter",
            chapter_name="Wikimedia España",
            success_measures="=SUM(A1) books\n- printed, '3' of them",
            funder="@everyone's funder",
            reporting_due_at=datetime(2027, 3, 1, 17, 30, tzinfo=timezone(timedelta(hours=1))),
            links=["https://example.org/a_b?x=1&y=2", "http://example.com/[x]"],
            status="active",
        ),
        session=session,
        guild_id=GUILD,
        actor_id=MODERATOR,
    )
    await entries.set_model(
        funded.id, True, session=session, guild_id=GUILD, actor_id=MODERATOR, now=now
    )
    rejected = await create(
        entry_input(name="'Quoted' name", partners="+1 partner"), session=session,
        guild_id=GUILD, actor_id=MODERATOR,
    )  # fmt: skip
    await entries.decide(
        rejected.id,
        approve=False,
        reason="Out of scope | see {{rules}}\nsecond line",
        session=session,
        guild_id=GUILD,
        actor_id=MODERATOR,
        now=now,
    )
    done = await create(
        entry_input(name="Greenspun", status="active"),
        session=session,
        guild_id=GUILD,
        actor_id=MODERATOR,
    )
    await entries.change_status(
        done.id,
        Status.COMPLETED,
        outcomes="Not facilitated.",
        lessons="Smaller-scale partnerships | limits",
        session=session,
        guild_id=GUILD,
        actor_id=MODERATOR,
        now=now,
    )
    await create(
        entry_input(name="Only in the other guild"),
        session=session,
        guild_id=OTHER_GUILD,
        actor_id=MODERATOR,
    )
    await session.commit()


def _comparable(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items() if k not in transfer_formats.EXPORT_ONLY} for row in rows]


@pytest.mark.parametrize("fmt", transfer_formats.FORMATS)
async def test_round_trip_is_exact(session: AsyncSession, fmt: str) -> None:
    await _awkward_directory(session)
    text = await transfer.export_entries(fmt, session=session, guild_id=GUILD)
    report = await transfer.import_entries(
        text, fmt, session=session, guild_id=THIRD_GUILD, actor_id=MODERATOR, now=datetime.now(UTC)
    )
    await session.commit()
    assert (report.created, report.skipped) == (4, 0)
    source = await transfer.export_rows(session=session, guild_id=GUILD)
    copy = await transfer.export_rows(session=session, guild_id=THIRD_GUILD)
    assert _comparable(copy) == _comparable(source)
    assert source[0]["name"] == "'Quoted' name"  # by name
    by_name = {row["name"]: row for row in copy}
    assert by_name["Ñandú | Wiki || {{Tpl}} @everyone"]["summary"] == AWKWARD
    assert by_name["Wiki-to-print, 2nd edition"]["reporting_due_at"] == "2027-03-01T16:30:00Z"
    assert by_name["'Quoted' name"]["status"] == "rejected"
    # The copy is audited like any other creation, by the importing operator.
    events = (
        await session.exec(select(AuditEvent).where(AuditEvent.guild_id == THIRD_GUILD))
    ).all()
    mine = [(e.action, e.actor_id) for e in events if e.action in ("create", "edit")]
    assert sorted(set(mine)) == [("create", MODERATOR), ("edit", MODERATOR)]
    assert mine.count(("create", MODERATOR)) == 4


async def test_export_shapes_and_guild_isolation(session: AsyncSession) -> None:
    await _awkward_directory(session)
    for fmt in transfer_formats.FORMATS:
        text = await transfer.export_entries(fmt, session=session, guild_id=GUILD)
        assert "Only in the other guild" not in text
    rows = json.loads(await transfer.export_entries("json", session=session, guild_id=GUILD))
    assert len(rows) == 4 and isinstance(rows[0]["links"], list)
    wiki = await transfer.export_entries("wikitext", session=session, guild_id=GUILD)
    assert wiki.startswith('{| class="wikitable sortable"\n! id\n')
    assert wiki.rstrip().endswith("|}")
    # User text carries no table syntax, templates, links or signatures of its own.
    body = "\n".join(line for line in wiki.splitlines()[20:-1] if line != "|-")
    for markup in ("||", "!!", "{{", "[[", "~~~", "__", "''", "</nowiki>", "\n|}", "\n{|"):
        assert markup not in body
    csv_text = await transfer.export_entries("csv", session=session, guild_id=GUILD)
    assert "'=SUM(A1)" in csv_text and "'+1 partner" in csv_text
    empty = await transfer.export_entries("csv", session=session, guild_id=THIRD_GUILD)
    assert empty == ",".join(transfer_formats.COLUMNS) + "\n"


@pytest.mark.parametrize("fmt", transfer_formats.FORMATS)
async def test_importing_twice_creates_no_duplicates(session: AsyncSession, fmt: str) -> None:
    await _awkward_directory(session)
    text = await transfer.export_entries(fmt, session=session, guild_id=GUILD)
    first = await transfer.import_entries(
        text, fmt, session=session, guild_id=THIRD_GUILD, actor_id=None, now=datetime.now(UTC)
    )
    await session.commit()
    second = await transfer.import_entries(
        text, fmt, session=session, guild_id=THIRD_GUILD, actor_id=None, now=datetime.now(UTC)
    )
    await session.commit()
    assert first.created == 4
    assert (second.created, second.skipped) == (0, 4)
    assert sorted(second.skipped_names) == sorted(row["name"] for row in json.loads(
        await transfer.export_entries("json", session=session, guild_id=GUILD)
    ))  # fmt: skip
    assert await _count(session, THIRD_GUILD) == 4


async def test_existing_name_is_skipped_case_and_accent_insensitive(
    session: AsyncSession,
) -> None:
    await entries.create_entry(
        entry_input(name="Educación Abierta"),
        session=session,
        guild_id=GUILD,
        actor_id=1,
        now=datetime.now(UTC),
    )
    text = "name,kind,area,steward\n  EDUCACION   abierta ,alliance,outreach,volunteers\n"
    text += "New one,alliance,outreach,volunteers\n"
    report = await transfer.import_entries(
        text, "csv", session=session, guild_id=GUILD, actor_id=1, now=datetime.now(UTC)
    )
    assert (report.created, report.skipped, report.skipped_names) == (1, 1, ["EDUCACION   abierta"])
    new = (await session.exec(select(Entry).where(Entry.name == "New one"))).one()
    assert new.status == Status.ACTIVE  # an operator's import: active unless the file says


BAD_FILES = {
    "csv": (
        'kind,name,area,steward,summary\nalliance,A,content,volunteers,"two\nlines"\n'
        "alliance,B,gardening,volunteers,\n",
        4,
        "area",
        "error-import-not-one-of",
    ),
    "json": (
        '[\n  {"kind": "alliance", "name": "A", "area": "content", "steward": "chapter"},\n'
        '  {"kind": "alliance",\n   "name": "B", "area": "content", "steward": "chapter"},\n'
        '  {"kind": "partnership",\n   "name": "C", "area": "content", "steward": "chapter"}\n]',
        5,
        "success_measures",
        "error-measures-required",
    ),
    "wikitext": (
        'Intro text.\n{| class="wikitable sortable"\n! name !! kind !! area !! steward !! links\n'
        "|-\n| A || alliance || content || volunteers ||\n"
        "|-\n| B || alliance || content || volunteers || ftp://x\n|}\n",
        6,
        "links",
        "error-bad-link",
    ),
}


@pytest.mark.parametrize("fmt", transfer_formats.FORMATS)
async def test_malformed_row_names_its_line_and_writes_nothing(
    session: AsyncSession, fmt: str
) -> None:
    text, line, field, key = BAD_FILES[fmt]
    before = await _count(session, GUILD)
    with pytest.raises(transfer.ImportRowError) as caught:
        await transfer.import_entries(
            text, fmt, session=session, guild_id=GUILD, actor_id=1, now=datetime.now(UTC)
        )
    await session.commit()
    assert (caught.value.line, caught.value.field, caught.value.reason.key) == (line, field, key)
    assert await _count(session, GUILD) == before == 0


@pytest.mark.parametrize(
    ("fmt", "text", "line", "field", "key"),
    [
        ("csv", "name,kind,colour\n", 1, "colour", "error-import-unknown-column"),
        ("csv", "name,kind\nA\n", 2, "row", "error-import-row-length"),
        ("json", '{"name": "A"}', 1, "file", "error-import-syntax"),
        ("json", '[\n  {"name": "A",}\n]', 2, "file", "error-import-syntax"),
        ("json", '[\n  "A"\n]', 2, "row", "error-import-not-object"),
        ("json", '[\n  {"nom": "A"}\n]', 2, "nom", "error-import-unknown-column"),
        (
            "csv",
            "name,kind,area,steward,status\nA,alliance,content,chapter,rejected\n",
            2,
            "rejection_reason",
            "error-required",
        ),
        (
            "csv",
            "name,kind,area,steward\nÉcole,alliance,content,chapter\nECOLE,alliance,content,chapter\n",
            3,
            "name",
            "error-import-duplicate-row",
        ),
        (
            "csv",
            "name,kind,area,steward,reporting_due_at\nA,alliance,content,chapter,2027-03-01 10:00",
            2,
            "reporting_due_at",
            "error-bad-date",
        ),
    ],
)
def test_row_errors(fmt: str, text: str, line: int, field: str, key: str) -> None:
    with pytest.raises(transfer.ImportRowError) as caught:
        transfer.parse_rows(text, fmt)
    assert (caught.value.line, caught.value.field, caught.value.reason.key) == (line, field, key)


def test_duplicate_rows_name_both_lines() -> None:
    """A hand-written table: a `|-` before the header too, and cells on one line."""
    text = (
        '{| class="wikitable"\n|-\n! Name !! Kind !! Area !! Steward\n'
        "|-\n| Éire || alliance || content || chapter\n"
        "|-\n| EIRE || alliance || content || chapter\n|}"
    )
    with pytest.raises(transfer.ImportRowError) as caught:
        transfer.parse_rows(text, "wikitext")
    assert (caught.value.line, caught.value.reason.params) == (6, ("name", "EIRE", 4))


def test_row_error_renders_through_the_catalogue() -> None:
    with pytest.raises(transfer.ImportRowError) as caught:
        transfer.parse_rows(BAD_FILES["csv"][0], "csv")
    english = caught.value.render(lambda key, *params: t("en", key, *params))
    assert english == (
        "line 4: area: “gardening” is not one of "
        "content, technology, revenue, outreach, innovation, contributors."
    )
    spanish = caught.value.render(lambda key, *params: t("es", key, *params))
    assert spanish.startswith("línea 4: area: «gardening»")


def test_wikitext_without_a_directory_table_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        transfer.parse_rows(
            '{| class="wikitable"\n! Year !! Event\n|-\n| 2010 || x\n|}', "wikitext"
        )
    assert caught.value.key == "error-import-no-table"


async def test_examples_load_once(session: AsyncSession) -> None:
    report = await transfer.import_examples(session=session, guild_id=GUILD, now=datetime.now(UTC))
    await session.commit()
    assert (report.created, report.skipped) == (5, 0)
    again = await transfer.import_examples(session=session, guild_id=GUILD, now=datetime.now(UTC))
    assert (again.created, again.skipped) == (0, 5)
    loaded = {e.name: e for e in await entries.all_entries(session=session, guild_id=GUILD)}
    assert len(loaded) == 5
    osm = loaded["Wikimedia–OpenStreetMap"]
    assert (osm.kind, osm.status, osm.is_model) == ("alliance", "active", True)
    donation = loaded["Massive content donation facilitated by a chapter"]
    assert (donation.steward, donation.chapter_name) == ("chapter", "Wikimedia Deutschland")
    greenspun = loaded["Greenspun illustrations project"]
    assert greenspun.status == "completed" and "smaller-scale" in (greenspun.lessons or "")
    assert loaded["Wiki-to-print"].success_measures
    assert loaded["Outreach to educational and research institutions"].area == "outreach"
    assert await _count(session, OTHER_GUILD) == 0


def test_detect_format_and_filename() -> None:
    assert [
        transfer_formats.detect_format(p) for p in ("a.CSV", "b.json", "c.wiki", "d.wikitext")
    ] == [
        "csv",
        "json",
        "wikitext",
        "wikitext",
    ]
    with pytest.raises(InvalidInput):
        transfer_formats.detect_format("entries.xlsx")
    now = datetime(2027, 3, 1, 18, 5, tzinfo=timezone(timedelta(hours=1)))
    assert (
        transfer_formats.export_filename("wikitext", "Wikimedia España!", now)
        == "partnerships-wikimedia-espana-20270301-1705.wiki"
    )
    assert transfer_formats.export_filename("csv", GUILD, now.astimezone(UTC)).endswith(
        f"-{GUILD}-20270301-1705.csv"
    )
    assert transfer_formats.export_filename("json", "日本", now).startswith("partnerships-guild-")


_TEXT = st.lists(
    st.one_of(
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
        st.sampled_from(["|", "||", "!!", "{{", "}}", "[[", "''", "__", "~~~", "<br />", "&#124;"]),
        st.just("\n"),
    ),
    max_size=30,
).map("".join)


@settings(max_examples=150, deadline=None)
@given(summary=_TEXT, partners=_TEXT)
def test_any_text_survives_every_format(summary: str, partners: str) -> None:
    """Whatever a member typed, as stored after input validation, comes back unchanged."""
    stored = entry_input(summary=summary, partners=partners)
    row = {name: None for name in transfer_formats.COLUMNS}
    row |= stored.model_dump(mode="json") | {"is_model": False}
    for fmt in transfer_formats.FORMATS:
        [parsed] = transfer.parse_rows(transfer_formats.render(fmt, [row]), fmt)
        assert (parsed.summary, parsed.partners) == (stored.summary, stored.partners)
