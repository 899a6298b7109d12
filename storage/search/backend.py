"""What the databases share: how statements are assembled, run and read back.

Each search is one ranking statement that also returns its page of entries (and the first
few, which typo tolerance puts first on every page); SQLite, PostgreSQL and MariaDB differ
only in the clauses that find matches (sqlite.py, postgres.py, mariadb.py). Name hits come
first, names that contain the query as typed before the others, shorter (closer) names
first; then matches by relevance; newest first on ties. Statements run straight on the
driver (driver.py): a search only reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Entry
from storage.search import driver
from storage.search.fuzzy import NEAR_POOL, NEAR_SCAN, pieces
from storage.search.query import (
    FILTERS,
    FUZZY_BELOW,
    LIVING,
    LIVING_KEY,
    NAME_HITS,
    WORD,
    Page,
    Query,
)

_COLUMNS = ", ".join(f"e.{name}" for name in driver.ENTRY_COLUMNS)
UNKNOWN_MIN = 4  # shorter words are not checked (nor corrected)
NO_NAMES = "n AS (SELECT 1 AS id, '' AS name_key WHERE 1 = 0)"  # a query of exclusions only


@dataclass
class Found:
    """A ranked page: its entries, the first FUZZY_BELOW of the ranking, how many matched
    (at most the window plus one), the query's words that no entry contains (looked for
    only when fewer than FUZZY_BELOW matched), the guild's words near those (None where
    no vocabulary is kept) and whether the scan was cut short."""

    entries: list[Entry]
    head: list[Entry]
    total: int
    unknown: list[str]
    similar: list[str] | None
    cut: bool = False


class NearRow(NamedTuple):
    """An entry near misspelt words, and how many index matches its statement read."""

    id: int
    name: str
    name_key: str
    partners: str
    scanned: int


class Completion(NamedTuple):
    """A row of autocomplete's statement: k 0 for names starting with the text (in
    order), 1 for names near it."""

    k: int
    pos: int
    id: int
    name: str
    name_key: str | None


def _page_sql(
    ranked: str, total: str, unknown: str = "NULL", similar: str = "NULL", cut: str = "0"
) -> str:
    """The page's rows (and the first few) of a ranking CTE `ranked(id, pos)`, each with the
    total, the unknown words, the words near them and the cut flag; one row of those alone
    if the page is empty."""
    return (
        f"SELECT pg.pos, {total} AS total, {unknown} AS unknown, {similar} AS similar,"
        f" {cut} AS cut, {_COLUMNS}"
        f" FROM (SELECT 1 AS one) AS meta LEFT JOIN {ranked} AS pg ON pg.pos <= :few"
        " OR (pg.pos > :offset AND pg.pos <= :end) LEFT JOIN entry AS e ON e.id = pg.id"
        " ORDER BY pg.pos"
    )


class Backend:
    """The SQL of one database; subclasses supply the clauses that find matches."""

    name_order = "e.name_key"  # an expression whose order the name index has
    keeps_vocabulary = False  # a table of the guild's words, for corrections
    words_agg = ""  # aggregate: the values of a column `word` joined by spaces
    materialized = "MATERIALIZED "  # a CTE computed once (MariaDB has no such hint)
    text_type = "varchar(16)"  # the type a filter's value is cast to
    char_length = "length"  # a string's length in characters

    async def prepare(self, session: AsyncSession) -> None:
        """Once per search, before its statements."""

    async def prefetch(
        self, session: AsyncSession, query: Query, filters: dict[str, Any], params: dict[str, Any]
    ) -> None:
        """Before windows(): statements of their own whose results it binds, if need be."""

    def windows(
        self, query: Query, filters: dict[str, Any], params: dict[str, Any], scoped: bool
    ) -> tuple[str, str]:
        """CTEs w(id, score): up to :n matches; n(id, name_key): up to :names name hits
        (which also lack the excluded words); and an expression that is 1 if the scan was
        cut short, to be run again `scoped`."""
        raise NotImplementedError

    def unknown_sql(self, words: Sequence[str], params: dict[str, Any], guard: str = "") -> str:
        """A query for those of `words` that no entry of the guild contains (if `guard`)."""
        raise NotImplementedError

    def similar_words(self) -> str:
        """An expression: the guild's words near those of u0(word), joined by spaces; NULL
        where no vocabulary is kept (the near rows' words serve instead)."""
        return "NULL"

    def near_sql(
        self,
        tag: str,
        known: Sequence[str],
        groups: list[list[str]],
        where: str,
        params: dict[str, Any],
        partners: bool,
        guard: str | None,
    ) -> str:
        """Up to :pool rows (id, name, name_key, partners, scanned) of at most :scan index
        matches, newest first: containing the `known` words and, in their name (or
        partners), a piece of each group; only if `guard` holds."""
        raise NotImplementedError

    def listing(self, where: str, filters: dict[str, Any], params: dict[str, Any]) -> str:
        """CTEs c(n): how many entries pass the filters (at most :n), and l(id, pos): the
        first :end of them by name."""
        passing = f"SELECT e.id, e.name_key FROM entry AS e WHERE {where}"
        return (
            f"c(n) AS (SELECT count(*) FROM ({passing} LIMIT :n) AS i),"
            " l AS (SELECT id, row_number() OVER (ORDER BY name_key) AS pos"
            f" FROM ({passing} ORDER BY e.name_key LIMIT :end) AS i)"
        )

    def living(self, prefix: str) -> str:
        """SQL: the entry is in the living directory (constants of ours: written in)."""
        return f"{prefix}status IN ({', '.join(repr(str(s)) for s in LIVING)})"

    # --- shared --------------------------------------------------------------------

    def where(self, guild_id: int, filters: dict[str, Any], prefix: str = "") -> tuple[str, dict]:
        """SQL conditions on entry: the same text whatever the filters (their values are
        bound, NULL if not chosen), so that few statements are compiled and cached. Each
        plan is made for the values bound, so an unchosen filter costs nothing."""
        sql = f"{prefix}guild_id = :guild"
        params: dict[str, Any] = {"guild": guild_id}
        for column in FILTERS:
            params[column] = filters.get(column)
            if column == "is_model":  # as the indexes have it (see the migration)
                sql += " AND (CAST(:is_model AS INTEGER) IS NULL"
                sql += f" OR CAST({prefix}is_model AS INTEGER) = :is_model)"
            else:
                sql += f" AND (CAST(:{column} AS {self.text_type}) IS NULL"
                sql += f" OR {prefix}{column} = :{column})"
        if filters.get(LIVING_KEY):
            sql += f" AND {self.living(prefix)}"
        if "statuses" in filters:
            sql += f" AND {prefix}status IN ({_listed('status', filters['statuses'], params)})"
        return sql, params

    async def rows(self, session: AsyncSession, sql: str, params: dict[str, Any]) -> list[Any]:
        return await driver.fetch(session, sql, params)

    async def _page(
        self, session: AsyncSession, sql: str, params: dict[str, Any], page: Page
    ) -> Found:
        params |= {"few": FUZZY_BELOW, "offset": page.offset, "end": page.end}
        rows = await self.rows(session, sql, params)
        _, total, unknown, similar, cut = rows[0][:5]
        placed = [row for row in rows if row[5] is not None]  # else: no entry on the page
        found = zip((row[0] for row in placed), driver.entries(session, placed, 5), strict=True)
        found = list(found)
        return Found(
            entries=[entry for pos, entry in found if page.offset < pos <= page.end],
            head=[entry for pos, entry in found if pos <= FUZZY_BELOW],
            total=total,
            unknown=unknown.split() if unknown else [],
            similar=(similar or "").split() if self.keeps_vocabulary else None,
            cut=bool(cut),
        )

    async def exact(
        self,
        session: AsyncSession,
        query: Query,
        guild_id: int,
        filters: dict[str, Any],
        page: Page,
        window: int,
        check: bool = True,
    ) -> Found:
        """The page of matches of a query (see the module docstring); if `check`, and
        fewer than FUZZY_BELOW match, also which of its words no entry contains."""
        args = (session, query, guild_id, filters, page, window, check)
        found = await self._exact(*args, False)
        if found.cut:  # a small guild among others' matches: its own phrase costs less
            found = await self._exact(*args, True)
        return found

    async def _exact(
        self,
        session: AsyncSession,
        query: Query,
        guild_id: int,
        filters: dict[str, Any],
        page: Page,
        window: int,
        check: bool,
        scoped: bool,
    ) -> Found:
        params: dict[str, Any] = {"guild": guild_id, "n": window + 1, "scan": 4 * window}
        params |= {"names": NAME_HITS, "wanted": "%" + " ".join(query.words) + "%"}
        await self.prefetch(session, query, filters, params)
        windows, cut = self.windows(query, filters, params, scoped)
        words = [w for w in dict.fromkeys(query.words) if len(w) >= UNKNOWN_MIN] if check else []
        ranked = (
            "r AS (SELECT id, 0 AS band, name_key NOT LIKE :wanted AS apart,"
            f" {self.char_length}(name_key) AS size, 0.0 AS score FROM n"
            " UNION ALL SELECT id, 1, NULL, NULL, score FROM w WHERE id NOT IN (SELECT id FROM n)),"
            " ranked AS (SELECT id, row_number() OVER"
            " (ORDER BY band, apart, size, score DESC, id DESC) AS pos FROM r)"
        )
        total = "(SELECT count(*) FROM w)"
        if not words:
            sql = f"WITH {windows}, {ranked} " + _page_sql("ranked", total, cut=cut)
            return await self._page(session, sql, params, page)
        few = f"(SELECT count(*) FROM w) < {FUZZY_BELOW}"
        unknown_sql = self.unknown_sql(words, params, few)
        sql = f"WITH {windows}, u0 AS {self.materialized}({unknown_sql}),"
        sql += f" {ranked} "
        unknown = f"(SELECT {self.words_agg} FROM u0)"
        sql += _page_sql("ranked", total, unknown, self.similar_words(), cut)
        return await self._page(session, sql, params, page)

    async def unknown_words(
        self, session: AsyncSession, words: Sequence[str], guild_id: int
    ) -> list[str]:
        """Those of `words` (of UNKNOWN_MIN letters or more) that no entry contains."""
        words = [word for word in dict.fromkeys(words) if len(word) >= UNKNOWN_MIN]
        if not words:
            return []
        params: dict[str, Any] = {"guild": guild_id}
        sql = self.unknown_sql(words, params)
        return [row[0] for row in await self.rows(session, sql, params) if row[0]]

    async def by_name(
        self,
        session: AsyncSession,
        guild_id: int,
        filters: dict[str, Any],
        page: Page,
        window: int,
    ) -> Found:
        """A page of the guild's entries that pass the filters, by name."""
        where, params = self.where(guild_id, filters, "e.")
        params["n"] = window + 1
        sql = f"WITH {self.listing(where, filters, params)} "
        return await self._page(session, sql + _page_sql("l", "(SELECT n FROM c)"), params, page)

    def likes(
        self, groups: list[list[str]], params: dict, partners: bool, tag: str, table: str
    ) -> str:
        """SQL: the name (or partners) contain a piece of every group."""
        conditions = []
        for g, group in enumerate(groups):
            keys = [f"{tag}p{g}_{p}" for p in range(len(group))]
            params |= {key: f"%{piece}%" for key, piece in zip(keys, group, strict=True)}
            like = [f"{table}name_key LIKE :{key}" for key in keys]
            like += [f"lower({table}partners) LIKE :{key}" for key in keys] * partners
            conditions.append("(" + " OR ".join(like) + ")")
        return " AND ".join(conditions) or "1 = 1"

    def near_ctes(
        self,
        tag: str,
        words: Sequence[str],
        known: Sequence[str],
        where: str,
        params: dict[str, Any],
        partners: bool = True,
        guard: str | None = None,
    ) -> tuple[list[str], list[str]]:
        """CTEs of rows near `words`, each read only if those before found none: containing
        the `known` words (which some entry contains) and pieces of the others in their
        name (or partners); else containing the known words; without known words, with
        pieces of every word, else of any word. Also their names."""
        groups = [found for found in map(pieces, words) if found]
        tried: list[tuple[Sequence[str], list[list[str]]]] = []
        if known:
            tried += [(known, groups), (known, [])] if groups else [(known, [])]
        elif groups:
            tried.append(((), groups))
            if len(groups) > 1:
                tried.append(((), [[piece for group in groups for piece in group]]))
        params |= {"scan": NEAR_SCAN, "pool": NEAR_POOL}
        ctes, names = [], []
        for i, (narrow, pieces_of) in enumerate(tried):
            name = f"{tag}{i}"
            unless = [f"NOT EXISTS (SELECT 1 FROM {before})" for before in names]
            condition = " AND ".join(([guard] if guard else []) + unless) or None
            sql = self.near_sql(f"{name}_", narrow, pieces_of, where, params, partners, condition)
            ctes.append(f"{name} AS {self.materialized}({sql})")
            names.append(name)
        return ctes, names

    async def near(
        self,
        session: AsyncSession,
        searches: Sequence[tuple[Sequence[str], Sequence[str]]],
        guild_id: int,
        filters: dict[str, Any],
    ) -> list[Any]:
        """Rows (id, name, name_key, partners, scanned) near each search's words (see
        near_ctes): up to NEAR_POOL for each (words, known words)."""
        where, params = self.where(guild_id, filters, "e.")
        ctes, names = [], []
        for i, (words, known) in enumerate(searches):
            more, found = self.near_ctes(f"z{i}_", words, known, where, params)
            ctes += more
            names += found
        if not names:
            return []
        union = " UNION ALL ".join(f"SELECT * FROM {name}" for name in names)
        rows = await self.rows(session, f"WITH {', '.join(ctes)} {union}", params)
        return [NearRow(*row) for row in rows]

    async def recent(
        self, session: AsyncSession, guild_id: int, filters: dict[str, Any], limit: int
    ) -> list[tuple[int, str]]:
        """(id, name) of the most recently updated entries."""
        where, params = self.where(guild_id, filters, "e.")
        sql = f"SELECT e.id, e.name FROM entry AS e WHERE {where}"
        sql += " ORDER BY e.updated_at DESC LIMIT :n"
        return [(row[0], row[1]) for row in await self.rows(session, sql, params | {"n": limit})]

    async def complete(
        self, session: AsyncSession, key: str, guild_id: int, filters: dict[str, Any], limit: int
    ) -> tuple[list[Any], list[Any]]:
        """Up to `limit` (id, name) of names starting with `key`, in order, and if fewer,
        rows near its words (names only)."""
        where, params = self.where(guild_id, filters, "e.")
        # A byte-order range is a prefix match that an index on name_key answers in order.
        high = key[:-1] + chr(min(ord(key[-1]) + 1, 0x10FFFF))
        params |= {"n": limit, "low": key, "high": high}
        name = self.name_order
        # Numbered after the LIMIT: MariaDB would number every name with the prefix first.
        starting = (
            f"a AS {self.materialized}(SELECT e.id, e.name,"
            f" row_number() OVER (ORDER BY {name}) AS pos FROM"
            f" (SELECT e.id, e.name, e.name_key FROM entry AS e"
            f" WHERE {where} AND {name} >= :low AND {name} < :high"
            f" ORDER BY {name} LIMIT :n) AS e)"
        )
        guard = "(SELECT count(*) FROM a) < :n"
        ctes, names = self.near_ctes("z", WORD.findall(key), (), where, params, False, guard)
        sql = f"WITH {', '.join([starting, *ctes])}"
        sql += " SELECT 0 AS k, pos, id, name, NULL AS name_key FROM a"
        sql += "".join(f" UNION ALL SELECT 1, 0, id, name, name_key FROM {n}" for n in names)
        rows = [
            Completion(*row) for row in await self.rows(session, sql + " ORDER BY k, pos", params)
        ]
        return [row[2:4] for row in rows if row.k == 0], [row for row in rows if row.k == 1]

    async def load(self, session: AsyncSession, guild_id: int, ids: Sequence[int]) -> list[Entry]:
        """The guild's entries with these ids, in their order."""
        if not ids:
            return []
        params: dict[str, Any] = {"guild": guild_id}
        sql = f"SELECT {_COLUMNS} FROM entry AS e WHERE e.guild_id = :guild"
        rows = await self.rows(
            session, sql + f" AND e.id IN ({_listed('id', ids, params)})", params
        )
        by_id = {entry.id: entry for entry in driver.entries(session, rows, 0)}
        return [by_id[i] for i in ids if i in by_id]


def _listed(name: str, values: Sequence[Any], params: dict[str, Any]) -> str:
    """Bound values for an IN list, as many as the next power of two (NULL the rest, which
    matches nothing), so that few statements are compiled and cached."""
    size = 1 << max(0, len(values) - 1).bit_length()
    keys = [f"{name}_{i}" for i in range(size)]
    params |= dict(zip(keys, [*values, *[None] * (size - len(values))], strict=True))
    return ", ".join(f":{key}" for key in keys)
