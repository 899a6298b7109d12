"""Search on SQLite, PostgreSQL and MariaDB: ranking, syntax, typos, filters, pages, guilds,
junk. Writes are committed before searching, as the bot's are: MariaDB's FULLTEXT indexes
see committed rows only."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import search
from storage.db import Database
from storage.models import Area, Entry, EntryKind, Status, Steward
from storage.schemas import EntryUpdate
from storage.search import (
    SearchFilters,
    Term,
    autocomplete_names,
    parse,
    search_entries,
    similar_entries,
)
from storage.services import entries
from tests.support.factories import GUILD, OTHER_GUILD, entry_input


async def add(session: AsyncSession, guild_id: int = GUILD, **values: Any) -> Entry:
    values.setdefault("partners", None)
    values.setdefault("summary", None)
    entry = await entries.create_entry(
        entry_input(**values), session=session, guild_id=guild_id, actor_id=1, now=datetime.now(UTC)
    )
    await session.commit()
    return entry


async def names(query: str, session: AsyncSession, **options: Any) -> list[str]:
    page = await search_entries(query, session=session, guild_id=GUILD, **options)
    return [entry.name for entry in page.entries]


def test_parse_reads_web_search_syntax() -> None:
    query = parse('"Open  Data" -Foo bar OR baz wik')
    phrase, either, prefix = query.groups
    assert phrase == [Term(("open", "data"))]
    assert either == [Term(("bar",)), Term(("baz",))]
    assert prefix == [Term(("wik",), prefix=True)]
    assert query.excluded == [Term(("foo",))]
    assert parse("a b").groups[-1] == [Term(("b",))]  # too short to be a prefix
    assert parse('x "y').groups[-1] == [Term(("y",))]  # an open quote is a phrase, no prefix


async def test_name_hits_come_first(session: AsyncSession) -> None:
    await add(session, name="Library digitisation", summary="A museum museum museum project.")
    await add(session, name="Museum of the city")
    await add(session, name="Unrelated", summary="Nothing here.")
    assert await names("museum", session) == ["Museum of the city", "Library digitisation"]


async def test_name_hits_with_the_query_as_typed_then_shorter_names(
    session: AsyncSession,
) -> None:
    await add(session, name="Museum of the city")
    await add(session, name="The city museum of arts")
    await add(session, name="City museum")
    await add(session, name="Archive", summary="The city museum archive.")
    assert await names("city museum", session) == [
        "City museum",  # the query as typed, in the shortest name
        "The city museum of arts",
        "Museum of the city",  # both words, not in that order
        "Archive",  # not a name hit
    ]


async def test_a_whole_word_is_not_also_a_prefix(session: AsyncSession) -> None:
    await add(session, name="Museum")
    await add(session, name="Museums of Lyon")
    assert await names("museum", session) == ["Museum"]
    assert sorted(await names("museu", session)) == ["Museum", "Museums of Lyon"]


async def test_ranking_by_relevance_unless_a_word_is_very_common(
    session: AsyncSession,
) -> None:
    """bm25 / ts_rank rank the matches; on SQLite a word in more than a tenth of the
    entries (and in 64 or more) makes bm25 cost too much for what it tells: newest first."""
    many = [
        await add(
            session, name=f"Plot {n:02}", summary="garden garden garden" if n < 35 else "garden"
        )
        for n in range(70)
    ]
    few = [
        await add(session, name=f"Bed {n}", summary="tulip tulip tulip" if n < 2 else "a tulip")
        for n in range(5)
    ]
    ranked = await names("tulip", session, limit=5)
    assert set(ranked[:2]) == {few[0].name, few[1].name}  # the word more often
    ranked = await names("garden", session, limit=5)
    if session.get_bind().dialect.name == "sqlite":
        assert ranked == [entry.name for entry in reversed(many[-5:])]
    else:
        assert all(name < "Plot 35" for name in ranked)


async def test_accents_case_and_prefix(session: AsyncSession) -> None:
    await add(session, name="Educación Abierta", partners="Fundación Wikimedia")
    for query in ("educacion", "EDUCACIÓN abierta", "educ", "fundacion wikim"):
        assert await names(query, session) == ["Educación Abierta"], query
    assert await names("abierta educ", session) == ["Educación Abierta"]


async def test_web_search_syntax(session: AsyncSession) -> None:
    await add(session, name="Open data festival", summary="data about the open city")
    await add(session, name="Data garden", summary="open source seeds")
    await add(session, name="Maps", summary="street maps")
    assert await names('"open data"', session) == ["Open data festival"]
    assert await names("data -festival", session) == ["Data garden"]
    assert sorted(await names("festival OR maps", session)) == ["Maps", "Open data festival"]


async def test_filters_and_empty_query_lists_by_name(session: AsyncSession) -> None:
    await add(session, name="Zeta", area="content", steward="foundation")
    await add(session, name="Alpha", area="technology", kind="partnership", success_measures="x")
    model = await add(session, name="Mid", area="content", status="active")
    await entries.set_model(
        model.id, True, session=session, guild_id=GUILD, actor_id=1, now=datetime.now(UTC)
    )
    assert await names("", session) == ["Alpha", "Mid", "Zeta"]
    assert await names("", session, filters=SearchFilters(area=Area.CONTENT)) == ["Mid", "Zeta"]
    assert await names("", session, filters=SearchFilters(kind=EntryKind.PARTNERSHIP)) == ["Alpha"]
    assert await names("", session, filters=SearchFilters(status=Status.ACTIVE)) == ["Mid"]
    assert await names("", session, filters=SearchFilters(steward=Steward.FOUNDATION)) == ["Zeta"]
    assert await names("", session, filters=SearchFilters(models_only=True)) == ["Mid"]
    both = SearchFilters(area=Area.CONTENT, models_only=True)
    assert await names("mid", session, filters=both) == ["Mid"]


async def test_filtered_list_by_name_when_many_pass(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("Delta", "Alpha", "Charlie", "Bravo"):
        await add(session, name=name, area="content")
    await add(session, name="Aardvark", area="technology")
    monkeypatch.setattr(search.query, "CANDIDATES", 2)  # more pass than are counted
    content = SearchFilters(area=Area.CONTENT)
    page = await search_entries("", session=session, guild_id=GUILD, filters=content, limit=2)
    assert [e.name for e in page.entries] == ["Alpha", "Bravo"]
    assert (page.total, page.total_capped) == (2, True)
    page = await search_entries(
        "", session=session, guild_id=GUILD, filters=content, limit=2, offset=2
    )
    assert [e.name for e in page.entries] == ["Charlie", "Delta"]


async def test_pages_and_total(session: AsyncSession, monkeypatch: pytest.MonkeyPatch) -> None:
    for number in range(13):
        await add(session, name=f"Garden {number:02}", summary="community garden")
    first = await search_entries("garden", session=session, guild_id=GUILD, limit=10)
    second = await search_entries("garden", session=session, guild_id=GUILD, limit=10, offset=10)
    assert (first.total, second.total, len(first.entries), len(second.entries)) == (13, 13, 10, 3)
    assert not {e.id for e in first.entries} & {e.id for e in second.entries}
    assert not first.total_capped
    monkeypatch.setattr(search.query, "CANDIDATES", 5)  # a broad query: "5+" rather than a count
    for query in ("garden", ""):
        page = await search_entries(query, session=session, guild_id=GUILD, limit=3)
        assert (page.total, page.total_capped, len(page.entries)) == (5, True, 3)


async def test_typos_in_names_and_partners(session: AsyncSession) -> None:
    await add(session, name="Wikimedia–OpenStreetMap")
    await add(session, name="Photo archive", partners="Smithsonian Institution")
    await add(session, name="Unrelated", partners="Someone Else")
    assert await names("opnstreetmap", session) == ["Wikimedia–OpenStreetMap"]
    assert await names("wikimeida", session) == ["Wikimedia–OpenStreetMap"]
    assert await names("smithsonain", session) == ["Photo archive"]
    page = await search_entries("wikimeida", session=session, guild_id=GUILD)
    assert page.suggestion == "Wikimedia–OpenStreetMap"
    exact = await search_entries("wikimedia", session=session, guild_id=GUILD)
    assert exact.suggestion is None


async def test_typos_in_a_query_of_several_words(session: AsyncSession) -> None:
    await add(session, name="Digitalización del Museo de Bellas Artes de Québec")
    await add(session, name="Museo de Arte de Lima")
    await add(session, name="Bellas vistas")
    page = await search_entries("museo de bellas artes de quebce", session=session, guild_id=GUILD)
    assert [e.name for e in page.entries][:1] == [
        "Digitalización del Museo de Bellas Artes de Québec"
    ]
    assert page.suggestion == "Digitalización del Museo de Bellas Artes de Québec"


async def test_postgresql_corrects_from_every_word_of_the_guild(session: AsyncSession) -> None:
    """PostgreSQL keeps each guild's words (triggers, migrations 0003): a word of a summary
    corrects a typo too, once written by an insert or an update; SQLite corrects from the
    names and partners of the entries near the query, and so does MariaDB."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("the vocabulary is PostgreSQL's")
    entry = await add(session, name="Garden", summary="About roses.")
    await add(session, guild_id=OTHER_GUILD, name="Elsewhere", summary="About lilies.")
    assert await names("rsoes", session) == ["Garden"]
    await entries.update_entry(
        entry.id,
        EntryUpdate.parse(summary="About tulips and orchids."),
        session=session,
        guild_id=GUILD,
        actor_id=1,
        now=datetime.now(UTC),
    )
    assert await names("orchdis", session) == ["Garden"]
    assert await names("lilise", session) == []  # another guild's word


async def test_other_guilds_never_appear(session: AsyncSession) -> None:
    await add(session, name="Shared name", partners="OpenStreetMap Foundation")
    await add(session, guild_id=OTHER_GUILD, name="Shared name", partners="OpenStreetMap")
    await add(session, guild_id=OTHER_GUILD, name="Only elsewhere")
    for query in ("shared", "", "openstreetmap", "opnstreetmap", "elsewhere", "-nothing"):
        page = await search_entries(query, session=session, guild_id=GUILD)
        assert {e.guild_id for e in page.entries} <= {GUILD}, query
    assert [name for _, name in await autocomplete_names("", session=session, guild_id=GUILD)] == [
        "Shared name"
    ]
    assert await autocomplete_names("only", session=session, guild_id=GUILD) == []
    similar = await similar_entries("Shared nam", None, session=session, guild_id=GUILD)
    assert [e.guild_id for e in similar] == [GUILD]


async def test_small_guild_among_busier_ones(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search.query, "CANDIDATES", 2)  # few matches read before the guild's own
    for number in range(3):
        await add(session, name=f"Garden {number}", summary="garden")
    for number in range(12):
        await add(session, guild_id=OTHER_GUILD, name=f"Garden {number}", summary="garden")
    page = await search_entries("garden", session=session, guild_id=GUILD)
    assert (page.total, page.total_capped) == (2, True)
    assert {entry.guild_id for entry in page.entries} == {GUILD}
    assert sorted(await names("garden", session, limit=1, offset=1)) != []


async def test_index_follows_updates_and_deletes(session: AsyncSession) -> None:
    # Active: a proposal is archived only once decided (issue 13, one path for decisions).
    entry = await add(session, name="Old name", summary="about tulips", status="active")
    await entries.update_entry(
        entry.id,
        EntryUpdate.parse(name="New name", summary="about roses"),
        session=session,
        guild_id=GUILD,
        actor_id=1,
        now=datetime.now(UTC),
    )
    await session.commit()
    assert await names("tulips", session) == []
    assert await names("roses", session) == ["New name"]
    # A raw update, as an import might do, is indexed too.
    await session.exec(
        sa.update(Entry).where(Entry.id == entry.id).values(search_text="new name about lilies")
    )
    await session.commit()
    assert await names("lilies", session) == ["New name"]
    await entries.change_status(
        entry.id,
        Status.ARCHIVED,
        session=session,
        guild_id=GUILD,
        actor_id=1,
        now=datetime.now(UTC),
    )
    await session.commit()
    archived = SearchFilters(status=Status.ARCHIVED)
    assert await names("roses", session, filters=archived) == ["New name"]
    await entries.delete_entry(
        entry.id, session=session, guild_id=GUILD, actor_id=1, now=datetime.now(UTC)
    )
    await session.commit()
    assert await names("roses", session) == []
    assert await autocomplete_names("new", session=session, guild_id=GUILD) == []


async def test_autocomplete(session: AsyncSession) -> None:
    for number in range(30):
        await add(session, name=f"Wiki Loves Monuments {number:02}")
    await add(session, name="Moon wiki")
    await add(session, name="Wikimedia Argentina", status="active")
    choices = await autocomplete_names("wiki", session=session, guild_id=GUILD)
    assert len(choices) == 25
    assert all(name.startswith("Wiki") for _, name in choices)
    assert [n for _, n in await autocomplete_names("moon", session=session, guild_id=GUILD)] == [
        "Moon wiki"
    ]
    contained = await autocomplete_names("loves monuments 29", session=session, guild_id=GUILD)
    assert contained[0][1] == "Wiki Loves Monuments 29"
    typo = await autocomplete_names("wikimeida arg", session=session, guild_id=GUILD)
    assert [name for _, name in typo] == ["Wikimedia Argentina"]
    active = await autocomplete_names(
        "wiki", session=session, guild_id=GUILD, statuses=[Status.ACTIVE]
    )
    assert [name for _, name in active] == ["Wikimedia Argentina"]
    recent = await autocomplete_names("", session=session, guild_id=GUILD, limit=2)
    assert [name for _, name in recent] == ["Wikimedia Argentina", "Moon wiki"]


async def test_similar_entries(session: AsyncSession) -> None:
    osm = await add(session, name="Wikimedia–OpenStreetMap", partners="OpenStreetMap Foundation")
    await add(session, name="Museum photos", partners="Rijksmuseum")
    found = await similar_entries(
        "Wikimedia OpenStreetMap alliance", None, session=session, guild_id=GUILD
    )
    assert [e.id for e in found] == [osm.id]
    by_partner = await similar_entries(
        "Maps for everyone", "Open Street Map Foundation", session=session, guild_id=GUILD
    )
    assert [e.id for e in by_partner] == [osm.id]
    assert await similar_entries("Bee keeping", "Hive", session=session, guild_id=GUILD) == []


JUNK = [
    "",
    "   ",
    "!!!",
    '"',
    '"""',
    "-",
    "- -x",
    "OR",
    "or or OR",
    "*",
    "wiki*",
    "NEAR(a b)",
    "a NOT b",
    "name_key: x",
    "{name_key} : x",
    "^start",
    "x" * 10_000,
    "word " * 3_000,
    "'; DROP TABLE entry; --",
    "' OR 1=1 --",
    "\\",
    "%_%",
    "😀🎉 wiki 😀",
    "nul\x00byte",
    "\x1b[31mred",
    "ß ﬁ Ǆ İ",
    "日本語 테스트",
    '"unclosed phrase',
    '-"excluded phrase"',
    ":*",
    "a & b | !c <-> d",
]


@pytest.mark.parametrize("query", JUNK)
async def test_junk_never_raises(session: AsyncSession, query: str) -> None:
    await add(session, name="Wiki drop table", summary="or near not")
    page = await search_entries(query, session=session, guild_id=GUILD, limit=5, offset=2)
    assert page.limit == 5 and page.total >= len(page.entries)
    assert len(await autocomplete_names(query, session=session, guild_id=GUILD)) <= 25
    assert isinstance(await similar_entries(query, query, session=session, guild_id=GUILD), list)


async def _search_everything(url: str, text: str) -> None:
    database = Database(url)
    try:
        async with database.transaction() as session:
            if not (await search_entries("", session=session, guild_id=GUILD)).total:
                await add(session, name="Wikimedia–OpenStreetMap", summary="maps, or not")
        async with database.sessions() as session:
            page = await search_entries(text, session=session, guild_id=GUILD)
            assert page.total >= len(page.entries)
            await autocomplete_names(text, session=session, guild_id=GUILD)
            await similar_entries(text, text, session=session, guild_id=GUILD)
    finally:
        await database.dispose()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=300))
def test_any_text_returns_a_page(db_url: str, text: str) -> None:
    asyncio.run(_search_everything(db_url, text))
