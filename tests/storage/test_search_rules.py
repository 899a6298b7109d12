"""Search rules of issue 13 on SQLite and PostgreSQL: exclusions, wordless queries, the
living directory, stable order, typographic quotes."""

from __future__ import annotations

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import search
from storage.models import Status
from storage.search import SearchFilters, mariadb, search_entries
from storage.services import entries
from tests.storage.test_search import add, names
from tests.support.factories import GUILD


async def test_excluded_words_exclude_near_matches_too(session: AsyncSession) -> None:
    await add(session, name="Wiki-to-print", summary="Books printed from articles")
    await add(session, name="Wiki loves monuments", summary="Photos")
    assert await names("wiki -print", session) == ["Wiki loves monuments"]
    assert await names("wikk -print", session) == ["Wiki loves monuments"]  # near, corrected


@pytest.mark.parametrize("query", ["🌍🤝", "%", "OR", " - ", '""'])
async def test_a_query_without_words_searches_nothing(session: AsyncSession, query: str) -> None:
    await add(session, name="Wiki loves monuments")
    page = await search_entries(query, session=session, guild_id=GUILD)
    assert page.no_words and page.entries == [] and page.total == 0
    assert not (await search_entries("", session=session, guild_id=GUILD)).no_words


async def test_rejected_and_archived_only_when_asked_for(session: AsyncSession) -> None:
    for name, status in (("Garden one", "active"), ("Garden two", "rejected")):
        await add(session, name=name, status=status)
    await add(session, name="Garden three", status="archived")
    await add(session, name="Garden four", status="paused")
    assert sorted(await names("garden", session)) == ["Garden four", "Garden one"]
    assert sorted(await names("", session)) == ["Garden four", "Garden one"]
    rejected = SearchFilters(status=Status.REJECTED)
    assert await names("garden", session, filters=rejected) == ["Garden two"]
    assert await names("", session, filters=SearchFilters(status=Status.ARCHIVED)) == [
        "Garden three"
    ]
    listed, total = await entries.list_entries(session=session, guild_id=GUILD)
    assert total == 2 and {e.name for e in listed} == {"Garden four", "Garden one"}
    listed, total = await entries.list_entries(
        session=session, guild_id=GUILD, status=Status.REJECTED
    )
    assert [e.name for e in listed] == ["Garden two"]


async def test_living_entries_behind_many_rejected_ones_are_found(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The newest matches read first are all rejected or archived: the older living ones
    are still found and counted (the scan was cut short, and is run again)."""
    monkeypatch.setattr(search.query, "CANDIDATES", 2)  # 8 matches read, at most 3 counted
    # Names without the word: found by the word, not by names near it.
    await add(session, name="Apple one", summary="orchard")
    await add(session, name="Pear two", summary="orchard", status="paused")
    for number in range(10):
        status = "rejected" if number % 2 else "archived"
        await add(session, name=f"Plum {number}", summary="orchard", status=status)
    page = await search_entries("orchard", session=session, guild_id=GUILD)
    assert sorted(e.name for e in page.entries) == ["Apple one", "Pear two"]
    assert (page.total, page.total_capped) == (2, False)


async def test_equal_ranks_come_in_a_stable_order(session: AsyncSession) -> None:
    made = [await add(session, name=f"Network {n}", summary="same words") for n in range(12)]
    first = [e.id for e in (await search_entries("same", session=session, guild_id=GUILD)).entries]
    again = [e.id for e in (await search_entries("same", session=session, guild_id=GUILD)).entries]
    assert first == again
    pages = []
    for offset in (0, 5, 10):
        page = await search_entries("same", session=session, guild_id=GUILD, limit=5, offset=offset)
        pages += [e.id for e in page.entries]
    assert sorted(pages) == sorted(e.id for e in made)  # no entry twice, none left out


def test_typographic_quotes_mark_phrases() -> None:
    for typed in ("«open data»", "“open data”", '"open data"'):
        assert search.parse(typed).groups == [[search.Term(("open", "data"))]]


@pytest.mark.parametrize("db_url", ["mariadb"], indirect=True)
async def test_mariadb_looks_for_near_names_among_the_newest_entries(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No trigram index: with no known word to narrow them down, the names near a
    misspelt word are read from the guild's NEAR_RECENT newest entries (LIKE reads each),
    its other guilds' entries aside."""
    monkeypatch.setattr(mariadb, "NEAR_RECENT", 3)
    await add(session, name="Monastery archive")  # the oldest: beyond the newest three
    for name in ("Harbour lights", "Orchard days", "Monastery library"):
        await add(session, name=name)
    await add(session, guild_id=GUILD + 1, name="Monastery garden")
    choices = await search.autocomplete_names("monastry", session=session, guild_id=GUILD)
    assert [name for _, name in choices] == ["Monastery library"]
    assert await names("monastry", session) == ["Monastery library"]
