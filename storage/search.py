"""Full-text and fuzzy search of entries: SQLite FTS5, or PostgreSQL tsvector and pg_trgm.

Queries are folded like the indexed text and read as web-search syntax ("phrase", -not,
OR; the last bare word is also a prefix). Name hits come first, then bm25 / ts_rank. At
most CANDIDATES matches are ranked, so no search reads more than about a thousand rows;
a broader query says so with `total_capped`. When the words find (almost) nothing, the
names and partners sharing exact pieces with them (trigram indexes) are the results, or
correct the misspelt words. Indexes and triggers: migrations/versions/0002_search.py.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from rapidfuzz import fuzz, process
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Area, Entry, EntryKind, Status, Steward
from storage.text import fold

QUERY_MAX = 200
NAME_MAX = 100
CANDIDATES = 200
NAME_HITS = 100  # name hits ranked first (nearest names first)
AUTOCOMPLETE_MAX = 25
FUZZY_BELOW = 3  # fewer exact matches than this also brings in near ones
NEAR_POOL = 50  # rows read to find near names
NEAR_SCAN = 200  # index matches read to find near names
PREFIX_MIN = 3  # a shorter last word matches exactly: "a*" is most of the index
CORRECT_MIN = 75  # rapidfuzz ratio for replacing a query word by an indexed one
NEAR_MIN = 70  # rapidfuzz score for a near entry to be a result
SUGGEST_MIN = 55  # ... and for its name to be offered as "did you mean"
DUPLICATE_MIN = 80

_WORD = re.compile(r"[^\W_]+")
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
# websearch_to_tsquery knows no prefixes: its canonical text gets ':*' on the last lexeme.
_TSQUERY = "websearch_to_tsquery('simple', :q)"
_TSQUERY_KNOWN = "websearch_to_tsquery('simple', :k)"
_TSQUERY_PREFIX = (
    "to_tsquery('simple', regexp_replace(websearch_to_tsquery('simple', :q)::text, '''$', ''':*'))"
)


@dataclass
class SearchFilters:
    kind: EntryKind | None = None
    area: Area | None = None
    status: Status | None = None
    steward: Steward | None = None
    models_only: bool = False


@dataclass
class SearchPage:
    entries: list[Entry]
    total: int
    offset: int
    limit: int
    suggestion: str | None
    # More than `total` (= CANDIDATES) entries match: show "200+".
    total_capped: bool = False


@dataclass(frozen=True)
class Term:
    """A word or "quoted phrase"; `prefix` lets its last word match longer words."""

    words: tuple[str, ...]
    prefix: bool = False


@dataclass
class Query:
    text: str  # folded and cleaned: what websearch_to_tsquery reads
    groups: list[list[Term]]  # all groups must match; a group matches if one term does
    excluded: list[Term]

    @property
    def words(self) -> list[str]:
        return [word for group in self.groups for term in group for word in term.words]


def clean(text: str, limit: int) -> str:
    """Folded, printable (no NUL), at most `limit` characters."""
    text = "".join(ch for ch in text[: limit * 2] if ch.isprintable() or ch.isspace())
    return fold(text)[:limit].strip()


def parse(raw: str) -> Query:
    """Web-search syntax, read as PostgreSQL's websearch_to_tsquery reads it."""
    text = clean(raw, QUERY_MAX)
    groups: list[list[Term]] = []
    excluded: list[Term] = []
    join_or, last_bare = False, False
    for sign, quoted, bare in _TOKEN.findall(text):
        if bare == "or":
            join_or = bool(groups)
            continue
        words = tuple(_WORD.findall(bare or quoted))
        if not words:
            continue
        if sign or bare.startswith("-"):
            excluded.append(Term(words))
            last_bare = False
        else:
            if join_or:
                groups[-1].append(Term(words))
            else:
                groups.append([Term(words)])
            last_bare = bool(bare) and len(words) == 1
        join_or = False
    if last_bare and len(groups[-1][-1].words[0]) >= PREFIX_MIN:
        groups[-1][-1] = Term(groups[-1][-1].words, prefix=True)
    return Query(text, groups, excluded)


def _filters(filters: SearchFilters | None) -> dict[str, Any]:
    """Entry column -> wanted value, for the filters that are set."""
    if filters is None:
        return {}
    values = {"kind": filters.kind, "area": filters.area, "status": filters.status}
    values["steward"] = filters.steward
    chosen: dict[str, Any] = {key: str(value) for key, value in values.items() if value}
    if filters.models_only:
        chosen["is_model"] = 1
    return chosen


def _where(guild_id: int, filters: dict[str, Any], prefix: str = "") -> tuple[str, dict]:
    """SQL conditions on entry (column names are ours, values are bound)."""
    sql = f"{prefix}guild_id = :guild"
    params: dict[str, Any] = {"guild": guild_id}
    for column, value in filters.items():
        if column == "statuses":
            sql += f" AND {prefix}status IN :statuses"
        elif column == "is_model":  # as the index has it (see the migration)
            sql += f" AND CAST({prefix}is_model AS INTEGER) = :is_model"
        else:
            sql += f" AND {prefix}{column} = :{column}"
        params[column] = value
    return sql, params


async def _rows(session: AsyncSession, sql: str, params: dict[str, Any]) -> list[Any]:
    statement = sa.text(sql)
    if "statuses" in params:
        statement = statement.bindparams(sa.bindparam("statuses", expanding=True))
    return list((await session.exec(statement, params=params)).all())


def _sqlite(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _fts_term(term: Term) -> str:
    # Words are letters and digits only, so quoting makes every one a plain string.
    return '"' + " ".join(term.words) + '"' + ("*" if term.prefix else "")


def _fts_match(query: Query, scope: list[str], column: str = "") -> str:
    """An FTS5 query: the scope phrases (guild, filters) and the user's terms."""
    positive = " AND ".join("(" + " OR ".join(map(_fts_term, g)) + ")" for g in query.groups)
    match = "(" + " AND ".join([*scope, f"{column}({positive})"] if positive else scope) + ")"
    if query.excluded:
        match += f" NOT {column}(" + " OR ".join(map(_fts_term, query.excluded)) + ")"
    return match


def _fts_scope(guild_id: int, filters: dict[str, Any]) -> list[str]:
    return [f'{column} : "{value}"' for column, value in ({"guild_id": guild_id} | filters).items()]


def _without_prefix(query: Query) -> Query:
    last = Term(query.groups[-1][-1].words)
    return Query(query.text, [*query.groups[:-1], [*query.groups[-1][:-1], last]], query.excluded)


_BM25 = "bm25(entry_fts, 0, 0, 0, 0, 0, 0, 1)"  # the six guild and filter columns weigh 0
# Matches are read newest first and kept if in the guild (w: with their bm25; n: name
# hits), at most :scan of them: a guild phrase in the query would cost more, as bm25 counts
# the documents of every phrase. c: how many there were, when too few were kept, to tell a
# small guild among others' matches (then the guild phrase is used). p: whether the last
# word is a whole indexed word (then it is not expanded as a prefix).
_SQLITE_SEARCH = """
WITH p(whole) AS (SELECT EXISTS (SELECT 1 FROM entry_fts WHERE entry_fts MATCH :whole)),
w AS MATERIALIZED (SELECT s.id, s.score FROM (SELECT rowid AS id, {bm25} AS score
  FROM entry_fts WHERE entry_fts MATCH {filtered} ORDER BY rowid DESC LIMIT :scan) AS s
  CROSS JOIN entry AS e ON e.id = s.id AND e.guild_id = :guild LIMIT :n),
n AS MATERIALIZED (SELECT e.id, e.name_key FROM (SELECT rowid AS id FROM entry_name_fts
  WHERE entry_name_fts MATCH {named} ORDER BY rowid DESC LIMIT :scan) AS s
  CROSS JOIN entry AS e ON e.id = s.id AND e.guild_id = :guild LIMIT :names)
SELECT 'w', id, NULL, score FROM w
UNION ALL SELECT 'n', id, name_key, NULL FROM n
UNION ALL SELECT 'p', whole, NULL, NULL FROM p
UNION ALL SELECT 'c', (SELECT count(*) FROM (SELECT 1 FROM entry_fts
  WHERE entry_fts MATCH {filtered} LIMIT :scan)), (SELECT count(*) FROM (SELECT 1
  FROM entry_name_fts WHERE entry_name_fts MATCH {named} LIMIT :scan)), NULL
  WHERE (SELECT count(*) FROM w) < :n OR (SELECT count(*) FROM n) < :names
"""
_SQLITE_GUILD = """
SELECT * FROM (SELECT 'w', rowid, NULL, {bm25} FROM entry_fts WHERE entry_fts MATCH :scoped
  ORDER BY rowid DESC LIMIT :n)
UNION ALL SELECT * FROM (SELECT 'n', rowid, name_key, NULL FROM entry_name_fts
  WHERE entry_name_fts MATCH :named ORDER BY rowid DESC LIMIT :names)
"""


def _unknown_rows(session: AsyncSession, query: Query, guild_id: int, params: dict) -> str:
    """UNION ALL rows ('u', NULL, word, NULL) for the query's words of four letters or more
    that no entry of the guild contains, looked for only if w (the window) holds too few."""
    sql = ""
    for i, word in enumerate(w for w in dict.fromkeys(query.words) if len(w) >= 4):
        params[f"u{i}"] = word
        if _sqlite(session):
            params[f"um{i}"] = f'guild_id : "{guild_id}" AND search_text : "{word}"'
            found = f"SELECT 1 FROM entry_fts WHERE entry_fts MATCH :um{i}"
        else:
            found = "SELECT 1 FROM entry WHERE guild_id = :guild"
            found += f" AND search_vector @@ websearch_to_tsquery('simple', :u{i})"
        sql += f" UNION ALL SELECT 'u', NULL, CAST(:u{i} AS varchar), NULL WHERE CASE WHEN"
        sql += f" (SELECT count(*) FROM w) < {FUZZY_BELOW} THEN NOT EXISTS ({found}) END"
    return sql


async def _sqlite_exact(
    session: AsyncSession, query: Query, guild_id: int, filters: dict[str, Any]
) -> tuple[dict[int, str], dict[int, float], list[str]]:
    """Up to NAME_HITS name hits, CANDIDATES + 1 matches with their bm25, unknown words."""
    scope = _fts_scope(guild_id, filters)
    if not query.groups:  # exclusions only: nothing to rank by, newest first
        sql = "SELECT rowid FROM entry_fts WHERE entry_fts MATCH :m ORDER BY rowid DESC LIMIT :n"
        rows = await _rows(session, sql, {"m": _fts_match(query, scope), "n": CANDIDATES + 1})
        return {}, {row[0]: -index for index, row in enumerate(rows)}, []
    variants = [query, _without_prefix(query)] if query.groups[-1][-1].prefix else [query]
    params: dict[str, Any] = {"guild": guild_id, "n": CANDIDATES + 1, "names": NAME_HITS}
    last = _fts_term(Term(query.groups[-1][-1].words))
    params |= {"scan": 4 * CANDIDATES, "whole": f"search_text : {last}"}
    fields = {}
    for key, build in (
        ("filtered", lambda q: _fts_match(q, scope[1:], "search_text : ")),
        ("named", lambda q: _fts_match(q, scope[1:], "name_key : ")),
        ("scoped", lambda q: _fts_match(q, scope, "search_text : ")),
        ("scoped_named", lambda q: _fts_match(q, scope, "name_key : ")),
    ):
        params[key], params[key + "_whole"] = build(variants[0]), build(variants[-1])
        fields[key] = f"(CASE WHEN (SELECT whole FROM p) THEN :{key}_whole ELSE :{key} END)"
    sql = _SQLITE_SEARCH.format(bm25=_BM25, **fields)
    rows = await _rows(session, sql + _unknown_rows(session, query, guild_id, params), params)
    found = {kind: [row[1:] for row in rows if row[0] == kind] for kind in "wnpcu"}
    window = {i: -score for i, _, score in found["w"]}
    names = dict((i, name) for i, name, _ in found["n"])
    read, read_names, _ = found["c"][0] if found["c"] else (0, 0, None)
    cut = read == params["scan"] and len(window) <= CANDIDATES
    if cut or (read_names == params["scan"] and len(names) < NAME_HITS):
        # A small guild among many other guilds' matches: the guild phrase costs less.
        whole = "_whole" if found["p"][0][0] else ""
        more = params | {
            "scoped": params["scoped" + whole],
            "named": params["scoped_named" + whole],
        }
        rows = await _rows(session, _SQLITE_GUILD.format(bm25=_BM25), more)
        window = {i: -score for kind, i, _, score in rows if kind == "w"}
        names = {i: name for kind, i, name, _ in rows if kind == "n"}
    # Excluded words must be missing from the whole entry, not just from its name.
    if query.excluded:
        names = {i: name for i, name in names.items() if i in window}
    return names, window, [word for _, word, _ in found["u"]]


async def _postgresql_exact(
    session: AsyncSession, query: Query, guild_id: int, filters: dict[str, Any]
) -> tuple[dict[int, str], dict[int, float], list[str]]:
    """Up to NAME_HITS name hits, CANDIDATES + 1 matches with their ts_rank, unknown words."""
    tsquery = _TSQUERY_PREFIX if query.groups and query.groups[-1][-1].prefix else _TSQUERY
    where, params = _where(guild_id, filters)
    params |= {"q": query.text, "n": CANDIDATES + 1, "names": NAME_HITS if query.groups else 0}
    # A name hit with excluded words must also lack them in the rest of the entry.
    also = f" AND search_vector @@ {tsquery}" if query.excluded else ""
    rank = f"ts_rank('{{0.1, 0.2, 0.4, 1.0}}', search_vector, {tsquery})"
    sql = (
        f"WITH w AS MATERIALIZED (SELECT id, {rank} AS score FROM entry WHERE {where}"
        f" AND search_vector @@ {tsquery} LIMIT :n) SELECT 'w', id, NULL, score FROM w"
        f" UNION ALL (SELECT 'n', id, name_key, NULL FROM entry WHERE {where}"
        f" AND to_tsvector('simple', name_key) @@ {tsquery}{also} LIMIT :names)"
    )
    rows = await _rows(session, sql + _unknown_rows(session, query, guild_id, params), params)
    names = {i: name for kind, i, name, _ in rows if kind == "n"}
    window = {i: score for kind, i, _, score in rows if kind == "w"}
    return names, window, [word for kind, _, word, _ in rows if kind == "u"]


async def _exact(
    session: AsyncSession, query: Query, guild_id: int, filters: dict[str, Any], page: slice
) -> tuple[list[int], int, bool, list[str]]:
    """A page of ids (name hits first, nearest names first; then by relevance), the total
    (at most CANDIDATES), whether more entries match, and (if fewer than FUZZY_BELOW do)
    the words that no entry contains."""
    exact = _sqlite_exact if _sqlite(session) else _postgresql_exact
    names, window, unknown = await exact(session, query, guild_id, filters)
    wanted = " ".join(query.words)
    first = sorted(names, key=lambda i: (-fuzz.ratio(wanted, names[i]), -i))
    rest = sorted(window.keys() - names.keys(), key=lambda i: (-window[i], -i))
    total = len(window)
    return (first + rest)[page], min(total, CANDIDATES), total > CANDIDATES, unknown


def _pieces(word: str) -> list[str]:
    """Exact pieces (3+ letters) of a word, one of which survives a typo (or, in long words,
    a swap of two letters)."""
    if len(word) < 6:
        return [word[:3], word[-3:]] if len(word) >= 4 else []
    count, size = (3 if len(word) >= 9 else 2), len(word)
    return [word[size * i // count : size * (i + 1) // count] for i in range(count)]


def _likes(groups: list[list[str]], params: dict, partners: bool, table: str = "e.") -> str:
    """SQL: the name (or partners) contain a piece of every group."""
    conditions = []
    for g, group in enumerate(groups):
        params |= {f"p{g}_{p}": f"%{piece}%" for p, piece in enumerate(group)}
        like = [f"{table}name_key LIKE :p{g}_{p}" for p in range(len(group))]
        like += [f"lower({table}partners) LIKE :p{g}_{p}" for p in range(len(group))] * partners
        conditions.append("(" + " OR ".join(like) + ")")
    return " AND ".join(conditions)


async def _near(
    session: AsyncSession,
    words: Sequence[str],
    guild_id: int,
    filters: dict[str, Any],
    partners: bool = True,
    known: Sequence[str] = (),
) -> list[Any]:
    """Up to NEAR_POOL rows (id, name, name_key, partners), newest first, that contain the
    `known` words and whose name (or partners) contain a piece of each of the other words;
    without known words (or such rows), a piece of every word; failing that, of any word."""
    groups = [pieces for pieces in map(_pieces, words) if pieces]
    every = groups + [pieces for pieces in map(_pieces, known) if pieces]
    attempts = [(True, groups)] if known and groups else []
    anything = [[piece for group in every for piece in group]]
    attempts += [(False, every), (False, anything)][: 1 + (len(every) > 1)] if every else []
    sqlite = _sqlite(session)
    for with_known, tried in attempts:
        where, params = _where(guild_id, filters, "e.")
        params |= {"n": NEAR_POOL, "scan": NEAR_SCAN}
        likes = _likes(tried, params, partners)
        # At most NEAR_SCAN rows are read from an index, then checked against the rest.
        if sqlite and with_known:  # cheaper: the word index narrows rows down
            params["m"] = "search_text : (" + " AND ".join(f'"{w}"' for w in known) + ")"
            inner, outer = "entry_fts WHERE entry_fts MATCH :m", likes
        elif sqlite:
            columns = "{name_key partners}" if partners else "{name_key}"
            any_piece = ("(" + " OR ".join(f'"{p}"' for p in group) + ")" for group in tried)
            params["m"] = f"{columns} : (" + " AND ".join(any_piece) + ")"
            inner, outer = "entry_trgm WHERE entry_trgm MATCH :m", "1"
        elif with_known:
            params["k"] = " ".join(known)
            inner, outer = f"search_vector @@ {_TSQUERY_KNOWN}", likes
        else:
            inner, outer = _likes(tried, params, partners, table=""), "true"
        if sqlite:
            sql = "SELECT e.id, e.name, e.name_key, e.partners, s.scanned FROM (SELECT id,"
            sql += f" count(*) OVER () AS scanned FROM (SELECT rowid AS id FROM {inner}"
            sql += " ORDER BY rowid DESC LIMIT :scan)) AS s CROSS JOIN entry e ON e.id = s.id"
            sql += f" WHERE {where} AND {outer} LIMIT :n"
        else:  # the ids as an array, so that the planner reads just those rows
            sql = "WITH s AS MATERIALIZED (SELECT array_agg(id) AS ids FROM (SELECT id FROM"
            sql += f" entry WHERE guild_id = :guild AND {inner} LIMIT :scan) AS i)"
            sql += " SELECT e.id, e.name, e.name_key, e.partners, cardinality((SELECT ids FROM"
            sql += " s)) AS scanned FROM entry e WHERE e.id = ANY((SELECT ids FROM s)::integer[])"
            sql += f" AND {where} AND {outer} LIMIT :n"
        rows = await _rows(session, sql, params)
        if rows:
            return rows
    return []


def _near_score(text: str, row: Any) -> float:
    """How much an entry's name (or, a little less, one of its partners) looks like text."""
    by_partner = fuzz.partial_ratio(text, fold(row.partners)) if row.partners else 0.0
    return max(fuzz.WRatio(text, row.name_key), 0.9 * by_partner)


def _corrected(query: Query, unknown: list[str], rows: list[Any]) -> Query | None:
    """The query with each unknown word replaced by the nearest word of the near entries."""
    texts = {row.name_key for row in rows} | {fold(row.partners) for row in rows}
    vocabulary = {word for text in texts for word in _WORD.findall(text)}
    text, replaced = query.text, set()
    for word in unknown:
        best = process.extractOne(word, vocabulary, scorer=fuzz.ratio, score_cutoff=CORRECT_MIN)
        if best is not None:
            text = re.sub(rf"(?<![^\W_]){re.escape(word)}(?![^\W_])", best[0], text)
            replaced.add(best[0])
    corrected = parse(text)
    if not replaced or not corrected.groups:
        return None
    # A replacement is a whole word: expanding it as a prefix would only cost.
    last = corrected.groups[-1][-1].words[-1]
    return _without_prefix(corrected) if last in replaced else corrected


async def _fuzzy(
    session: AsyncSession,
    query: Query,
    unknown: list[str],
    guild_id: int,
    filters: dict[str, Any],
    count: int,
) -> tuple[list[int], int, bool, str | None]:
    """For a query that found (almost) nothing: the entries whose names or partners are
    near it, or if not all of them could be read (or none is near enough), the first
    `count` matches of the query with its unknown words corrected from theirs. Also
    their total, whether it is capped, and the nearest name."""
    known: list[str] = []
    if unknown and all(len(group) == 1 for group in query.groups):  # no OR: words all needed
        known = [word for word in dict.fromkeys(query.words) if word not in unknown]
    misspelt = unknown if known else query.words
    rows = await _near(session, misspelt, guild_id, filters, known=known)
    wanted = " ".join(query.words)
    scored = sorted(((_near_score(wanted, row), row) for row in rows), key=lambda s: -s[0])
    suggestion = scored[0][1].name if scored and scored[0][0] >= SUGGEST_MIN else None
    near = [row.id for score, row in scored if score >= NEAR_MIN]
    partial = len(rows) == NEAR_POOL or (rows and rows[0].scanned == NEAR_SCAN)
    if rows and (partial or not near):
        corrected = _corrected(query, unknown, rows) if unknown else None
        if corrected is not None:
            page = slice(0, count)
            ids, total, capped, _ = await _exact(session, corrected, guild_id, filters, page)
            if ids:
                return ids, total, capped, suggestion
    return near[:count], len(near), False, suggestion


async def _load(session: AsyncSession, guild_id: int, ids: Sequence[int]) -> list[Entry]:
    if not ids:
        return []
    statement = select(Entry).where(Entry.guild_id == guild_id, col(Entry.id).in_(ids))
    by_id = {entry.id: entry for entry in (await session.exec(statement)).all()}
    return [by_id[i] for i in ids if i in by_id]


async def _prepare(session: AsyncSession) -> None:
    if not _sqlite(session):
        # Prepared statements would switch to generic plans, blind to how common a word is.
        await session.exec(
            sa.text("SELECT set_config('plan_cache_mode', 'force_custom_plan', true)")
        )


async def _by_name(
    session: AsyncSession, guild_id: int, filters: dict[str, Any], limit: int, offset: int
) -> tuple[list[int], int, bool]:
    where, params = _where(guild_id, filters)
    sql = f"SELECT count(*) FROM (SELECT 1 FROM entry WHERE {where} LIMIT :n) AS capped"
    total = (await _rows(session, sql, params | {"n": CANDIDATES + 1}))[0][0]
    sql = f"SELECT id FROM entry WHERE {where} ORDER BY name_key LIMIT :limit OFFSET :offset"
    ids = [row[0] for row in await _rows(session, sql, params | {"limit": limit, "offset": offset})]
    return ids, min(total, CANDIDATES), total > CANDIDATES


async def search_entries(
    query: str,
    *,
    session: AsyncSession,
    guild_id: int,
    filters: SearchFilters | None = None,
    limit: int = 10,
    offset: int = 0,
) -> SearchPage:
    """A page of this guild's entries matching `query` (see the module docstring)."""
    limit, offset = max(0, min(limit, CANDIDATES)), max(0, offset)
    await _prepare(session)
    chosen = _filters(filters)
    parsed = parse(query)
    if not parsed.groups and not parsed.excluded:
        ids, total, capped = await _by_name(session, guild_id, chosen, limit, offset)
        entries = await _load(session, guild_id, ids)
        return SearchPage(entries, total, offset, limit, None, capped)
    page = slice(offset, offset + limit)
    ids, total, capped, unknown = await _exact(session, parsed, guild_id, chosen, page)
    suggestion = None
    # Near entries join too few matches when a word is unknown (a typo?) or none matched.
    if parsed.groups and (unknown or not total):
        if offset or limit < FUZZY_BELOW:  # the few exact matches come first on every page
            ids = (await _exact(session, parsed, guild_id, chosen, slice(0, FUZZY_BELOW)))[0]
        near, near_total, capped, nearest = await _fuzzy(
            session, parsed, unknown, guild_id, chosen, offset + limit
        )
        suggestion = None if total else nearest
        merged = list(dict.fromkeys(ids[:total] + near))
        ids, total = merged[page], total + near_total - (total + len(near) - len(merged))
    entries = await _load(session, guild_id, ids)
    return SearchPage(entries, total, offset, limit, suggestion, capped)


async def autocomplete_names(
    text: str,
    *,
    session: AsyncSession,
    guild_id: int,
    limit: int = AUTOCOMPLETE_MAX,
    statuses: Sequence[Status] | None = None,
) -> list[tuple[int, str]]:
    """(id, name) choices: names starting with the text, then names near it (fuzzy)."""
    limit = max(0, min(limit, AUTOCOMPLETE_MAX))
    await _prepare(session)
    filters: dict[str, Any] = {}
    if statuses is not None:
        filters["statuses"] = [str(status) for status in statuses] or [""]
    where, params = _where(guild_id, filters, "e.")
    params["n"] = limit
    key = clean(text, NAME_MAX)
    if not key:
        sql = f"SELECT e.id, e.name FROM entry e WHERE {where} ORDER BY e.updated_at DESC LIMIT :n"
        return [tuple(row) for row in await _rows(session, sql, params)]
    # A byte-order range is a prefix match that an index on name_key answers in order.
    name = "e.name_key" if _sqlite(session) else 'e.name_key COLLATE "C"'
    params |= {"low": key, "high": key[:-1] + chr(min(ord(key[-1]) + 1, 0x10FFFF))}
    sql = f"SELECT e.id, e.name FROM entry e WHERE {where} AND {name} >= :low"
    sql += f" AND {name} < :high ORDER BY {name} LIMIT :n"
    choices = dict(await _rows(session, sql, params))
    if len(choices) < limit:
        rows = await _near(session, _WORD.findall(key), guild_id, filters, partners=False)
        scored = sorted(
            ((fuzz.WRatio(key, row.name_key), row) for row in rows), key=lambda s: -s[0]
        )
        for score, row in scored:
            if score >= NEAR_MIN:
                choices.setdefault(row.id, row.name)
    return list(choices.items())[:limit]


def _squeezed(organisation: str) -> str:
    """An organisation's name without spaces or punctuation: "Open Street Map" = "OpenStreetMap"."""
    return "".join(_WORD.findall(organisation))


async def similar_entries(
    name: str, partners: str | None, *, session: AsyncSession, guild_id: int, limit: int = 5
) -> list[Entry]:
    """Entries whose name or partners look like these: "is this a duplicate?"."""
    await _prepare(session)
    name_key, partner_key = clean(name, NAME_MAX), clean(partners or "", 500)
    rows = await _near(session, _WORD.findall(name_key), guild_id, {})
    organisations = re.split(r"[,;\n]", partner_key)[:5]
    for organisation in organisations:
        rows += await _near(session, _WORD.findall(organisation), guild_id, {})
    ours = [_squeezed(organisation) for organisation in organisations]
    scores: dict[int, float] = {}
    for row in rows:
        by_name = fuzz.WRatio(name_key, row.name_key) if name_key else 0.0
        theirs = [_squeezed(org) for org in re.split(r"[,;\n]", fold(row.partners))]
        by_partner = max((fuzz.ratio(a, b) for a in ours for b in theirs if a and b), default=0)
        score = max(by_name, 0.95 * by_partner)
        if score >= DUPLICATE_MIN:
            scores[row.id] = max(score, scores.get(row.id, 0.0))
    best = sorted(scores, key=lambda i: (-scores[i], -i))[: max(0, limit)]
    return await _load(session, guild_id, best)
