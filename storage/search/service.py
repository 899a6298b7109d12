"""The three searches: a page of entries, names as the member types, possible duplicates.

Exact matches come first. When a word is unknown (a typo?) or nothing matched, the query
with its unknown words corrected is run; failing that, the entries whose names or
partners share exact pieces with the words (trigram indexes) are the results.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from rapidfuzz import fuzz
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Entry, Status
from storage.search import query as limits
from storage.search.backend import UNKNOWN_MIN, Backend, Found
from storage.search.fuzzy import (
    NEAR_MIN,
    NEAR_POOL,
    NEAR_SCAN,
    Nearness,
    corrected,
    duplicate_scores,
    organisations,
    vocabulary,
)
from storage.search.mariadb import MariadbBackend
from storage.search.postgres import PostgresBackend
from storage.search.query import (
    AUTOCOMPLETE_MAX,
    NAME_MAX,
    WORD,
    Page,
    Query,
    SearchFilters,
    SearchPage,
    clean,
    filter_values,
    parse,
)
from storage.search.sqlite import SqliteBackend

_BACKENDS: dict[str, Backend] = {
    "sqlite": SqliteBackend(),
    "postgresql": PostgresBackend(),
    # SQLAlchemy names a MariaDB server reached by a mysql+ URL "mysql".
    "mysql": MariadbBackend(),
    "mariadb": MariadbBackend(),
}


async def _backend(session: AsyncSession) -> Backend:
    backend = _BACKENDS[session.get_bind().dialect.name]
    await backend.prepare(session)
    return backend


async def search_entries(
    query: str,
    *,
    session: AsyncSession,
    guild_id: int,
    filters: SearchFilters | None = None,
    limit: int = 10,
    offset: int = 0,
) -> SearchPage:
    """A page of this guild's entries matching `query` (see storage.search)."""
    window = limits.CANDIDATES  # read here, so that tests may lower it
    page = Page(max(0, offset), max(0, min(limit, window)))
    backend = await _backend(session)
    chosen = filter_values(filters)
    parsed = parse(query)
    if query.strip() and not parsed.searchable:
        return SearchPage([], 0, page.offset, page.limit, None, no_words=True)
    if not parsed.searchable:
        found = await backend.by_name(session, guild_id, chosen, page, window)
    else:
        found = await backend.exact(session, parsed, guild_id, chosen, page, window)
        if parsed.groups and (found.unknown or not found.total):
            return await _with_near(backend, session, parsed, found, guild_id, chosen, page)
    total = min(found.total, window)
    return SearchPage(found.entries, total, page.offset, page.limit, None, found.total > window)


async def _with_near(
    backend: Backend,
    session: AsyncSession,
    query: Query,
    found: Found,
    guild_id: int,
    filters: dict[str, Any],
    page: Page,
) -> SearchPage:
    """The few exact matches (first on every page), then the matches of the query with its
    unknown words corrected, if any; else the entries whose names or partners are near it.
    Corrections come from the guild's vocabulary, or where none is kept (SQLite, MariaDB) from the
    near entries' names and partners, which are the results if all of them could be read
    and some are near enough."""
    nearness = Nearness(" ".join(query.words))
    rows: list[Any] = []
    words = found.similar
    if words is None:
        rows = await _near_rows(backend, session, query, found, guild_id, filters)
        partial = len(rows) == NEAR_POOL or (rows and rows[0].scanned == NEAR_SCAN)
        words = [] if not partial and nearness.near(rows) else vocabulary(rows)
    fixed = corrected(query, found.unknown, words) if found.unknown else None
    if fixed is not None:
        window = limits.CANDIDATES
        wider = Page(0, page.end) if found.head else page  # the head shifts the page
        more = await backend.exact(session, fixed, guild_id, filters, wider, window, False)
        if more.total:
            suggestion = None if found.total else nearness.suggestion(more.entries)
            total = min(more.total, window)
            entries = more.entries
            if found.head:
                entries, total = _merged(found.head, more.entries, total, page)
            return SearchPage(
                entries, total, page.offset, page.limit, suggestion, more.total > window
            )
    if found.similar is not None:  # the near entries were not read yet
        rows = await _near_rows(backend, session, query, found, guild_id, filters)
    ids = list(dict.fromkeys([entry.id for entry in found.head] + nearness.near(rows)))
    have = {entry.id: entry for entry in found.head}
    if query.excluded:  # found by their names: near entries must lack the excluded words too
        near = await backend.load(session, guild_id, [i for i in ids if i not in have])
        have |= {entry.id: entry for entry in near if not query.excludes(entry.search_text)}
        ids = [i for i in ids if i in have]
    shown = ids[page.offset : page.end]
    loaded = await backend.load(session, guild_id, [i for i in shown if i not in have])
    by_id = have | {entry.id: entry for entry in loaded}
    entries = [by_id[i] for i in shown if i in by_id]
    suggestion = None if found.total else nearness.suggestion(rows)
    return SearchPage(entries, len(ids), page.offset, page.limit, suggestion, False)


async def _near_rows(
    backend: Backend,
    session: AsyncSession,
    query: Query,
    found: Found,
    guild_id: int,
    filters: dict[str, Any],
) -> list[Any]:
    """Rows whose names or partners share pieces with the misspelt words, among those
    containing the query's other words (if all of them are needed: no OR)."""
    known: list[str] = []
    if found.unknown and all(len(group) == 1 for group in query.groups):
        known = _known(query.words, found.unknown)
    misspelt = found.unknown if known else query.words
    return await backend.near(session, [(misspelt, known)], guild_id, filters)


def _known(words: Sequence[str], unknown: Collection[str]) -> list[str]:
    """The words that some entry contains (shorter ones are not looked for)."""
    return [w for w in dict.fromkeys(words) if len(w) >= UNKNOWN_MIN and w not in unknown]


def _merged(
    head: list[Entry], more: list[Entry], more_total: int, page: Page
) -> tuple[list[Entry], int]:
    """The page of `head` then `more` (without repeats), and their total."""
    by_id = {entry.id: entry for entry in head + more}
    ids = list(dict.fromkeys(entry.id for entry in head + more))
    repeated = len(head) + len(more) - len(ids)
    return [by_id[i] for i in ids[page.offset : page.end]], len(head) + more_total - repeated


async def autocomplete_names(
    text: str,
    *,
    session: AsyncSession,
    guild_id: int,
    limit: int = AUTOCOMPLETE_MAX,
    statuses: Sequence[Status] | None = None,
) -> list[tuple[int, str]]:
    """(id, name) choices: names starting with the text, then names near it (fuzzy); the
    most recently updated ones without text."""
    limit = max(0, min(limit, AUTOCOMPLETE_MAX))
    backend = await _backend(session)
    filters: dict[str, Any] = {}
    if statuses is not None:
        filters["statuses"] = [str(status) for status in statuses] or [""]
    key = clean(text, NAME_MAX)
    if not key:
        return await backend.recent(session, guild_id, filters, limit)
    starting, rows = await backend.complete(session, key, guild_id, filters, limit)
    choices = dict(starting)
    scored = sorted(((fuzz.WRatio(key, row.name_key), row) for row in rows), key=lambda s: -s[0])
    for score, row in scored:
        if score >= NEAR_MIN:
            choices.setdefault(row.id, row.name)
    return list(choices.items())[:limit]


async def similar_entries(
    name: str, partners: str | None, *, session: AsyncSession, guild_id: int, limit: int = 5
) -> list[Entry]:
    """Entries whose name or partners look like these: "is this a duplicate?"."""
    backend = await _backend(session)
    name_key = clean(name, NAME_MAX)
    ours = organisations(clean(partners or "", 500))
    texts = [WORD.findall(text) for text in [name_key, *ours]]
    everything = [word for words in texts for word in words]
    unknown = set(await backend.unknown_words(session, everything, guild_id))
    searches = []
    for words in texts:  # the name, then each organisation
        known = _known(words, unknown)
        searches.append(([w for w in words if w not in known] if known else words, known))
    rows = await backend.near(session, searches, guild_id, {})
    scores = duplicate_scores(name_key, ours, rows)
    best = sorted(scores, key=lambda i: (-scores[i], -i))[: max(0, limit)]
    return await backend.load(session, guild_id, best)
