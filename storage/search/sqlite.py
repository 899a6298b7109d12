"""SQLite: FTS5 tables kept by triggers (migrations/versions/0002_search.py).

entry_fts holds the words of search_text and, as columns of their own, the guild and the
filterable columns, so that filters are phrases of the query; entry_name_fts the same for
name_key; entry_trgm the trigrams of name_key and partners. Matches are read newest first,
at most :scan of them, then kept if in the guild: a guild phrase in the query would cost
more in a guild that holds most entries, and is used when the scan was cut short (a small
guild among others' matches). Likewise the living directory (no rejected or archived
entries) is checked on the entry rows the scan joins, and in the index only when the scan
was cut short: there, a NOT of the other statuses reads all their rows at each MATCH,
which where a fifth of the entries are rejected or archived was most of a search's time.

Ranking is bm25, which first counts the entries containing each phrase of the query. For
a phrase in more than a tenth of the entries (probed from its newest matches) that count
costs more than all the rest of the search, while bm25 weighs such a phrase at next to
nothing: such queries rank their matches newest first.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from storage.models import Status
from storage.search.backend import NO_NAMES, Backend
from storage.search.query import LIVING, LIVING_KEY, Query, Term

_BM25 = "-bm25(entry_fts, 0, 0, 0, 0, 0, 0, 1)"  # the guild and filter columns weigh 0
PROBE_AT = 63  # a phrase is common if its 64th newest match ...
PROBE_SPAN = 640  # ... is among the newest 640 entries (10%)
PROBES_MAX = 8  # a query of more phrases ranks newest first without probing


def _phrase(*words: str, prefix: bool = False) -> str:
    # Words are letters and digits only, so quoting makes every one a plain string.
    return '"' + " ".join(words) + '"' + ("*" if prefix else "")


def _term(term: Term) -> str:
    return _phrase(*term.words, prefix=term.prefix)


def _match(query: Query, scope: list[str], column: str, hidden: str = "") -> str:
    """An FTS5 query: the scope phrases (guild, filters), the user's terms, and `hidden`
    (see _hidden)."""
    # FTS5 steps through an AND from its first phrase: longer words are rarer, so go first.
    groups = sorted(query.groups, key=lambda g: -max(len(w) for t in g for w in t.words))
    positive = " AND ".join("(" + " OR ".join(map(_term, g)) + ")" for g in groups)
    match = "(" + " AND ".join([*scope, f"{column}({positive})"] if positive else scope) + ")"
    if query.excluded:
        match += f" NOT {column}(" + " OR ".join(map(_term, query.excluded)) + ")"
    return match + hidden


def _scope(filters: dict[str, Any], guild_id: int | None) -> list[str]:
    chosen = filters if guild_id is None else {"guild_id": guild_id} | filters
    return [f'{column} : "{value}"' for column, value in chosen.items() if column != LIVING_KEY]


def _hidden(filters: dict[str, Any]) -> str:
    """The living directory as FTS5 has it: NOT the entries of other statuses (a scope
    phrase of the living ones would match nearly every entry, which bm25 and the probes
    would have to read)."""
    if not filters.get(LIVING_KEY):
        return ""
    others = [f'"{status}"' for status in Status if status not in LIVING]
    return " NOT status : (" + " OR ".join(others) + ")"


def _scan(table: str, match: str, score: str = "", limit: str = ":scan", lowest: str = "") -> str:
    """The newest `limit` matches (with rowids from `lowest` up)."""
    above = f" AND rowid >= {lowest}" if lowest else ""
    return (
        f"SELECT rowid AS id{score} FROM {table} WHERE {table} MATCH {match}{above}"
        f" ORDER BY rowid DESC LIMIT {limit}"
    )


class SqliteBackend(Backend):
    words_agg = "group_concat(word, ' ')"

    def windows(
        self, query: Query, filters: dict[str, Any], params: dict[str, Any], scoped: bool
    ) -> tuple[str, str]:
        scope = _scope(filters, params["guild"] if scoped else None)
        hidden = _hidden(filters) if scoped else ""
        if not query.groups:  # exclusions only: nothing to rank by, newest first
            params["m"] = _match(query, _scope(filters, params["guild"]), "", _hidden(filters))
            w = "SELECT rowid AS id, 0.0 AS score FROM entry_fts WHERE entry_fts MATCH :m"
            return f"w AS ({w} ORDER BY rowid DESC LIMIT :n), {NO_NAMES}", "0"
        # Everything that varies is bound: one statement to compile and cache.
        whole = query.without_prefix()
        phrases = self._phrases(query, scope)
        params |= {
            "prefix": query.prefix,
            "whole": "search_text : " + _phrase(query.last_word),
            "text": _match(query, scope, "search_text : ", hidden),
            "text_whole": _match(whole, scope, "search_text : ", hidden),
            "name": _match(query, scope, "name_key : ", hidden),
            "name_whole": _match(whole, scope, "name_key : ", hidden),
            "phrases": json.dumps(phrases),
            "many": len(phrases) > PROBES_MAX,
            "excluded": bool(query.excluded),
            "scoped": scoped,
        }
        text = "(CASE WHEN (SELECT whole FROM p) THEN :text_whole ELSE :text END)"
        name = "(CASE WHEN (SELECT whole FROM p) THEN :name_whole ELSE :name END)"
        # A phrase is common if its (PROBE_AT + 1)th newest match is among the newest
        # PROBE_SPAN entries.
        probe = (
            f"(SELECT rowid FROM entry_fts WHERE entry_fts MATCH j.value ORDER BY rowid DESC"
            f" LIMIT 1 OFFSET {PROBE_AT}) > (SELECT max(rowid) FROM entry) - {PROBE_SPAN}"
        )
        # The newest :scan matches (m; mn for names) are read unranked, to know whether the
        # scan was cut short. b then ranks those kept in k from the lowest one up, unless
        # a phrase is dense (the probes run only if something matched).
        kept = "CROSS JOIN entry AS e ON e.id = s.id AND e.guild_id = :guild"
        if filters.get(LIVING_KEY):  # see the module docstring
            kept += f" AND {self.living('e.')}"
        unranked = "CASE WHEN NOT EXISTS (SELECT 1 FROM k) OR (SELECT dense FROM d)"
        limit, lowest = f"{unranked} THEN 0 ELSE -1 END", "(SELECT min(id) FROM k)"
        ranked = _scan("entry_fts", text, f", {_BM25} AS score", limit, lowest)
        ctes = [
            # A whole indexed word is not also read as a prefix.
            "p(whole) AS (SELECT NOT :prefix"
            " OR EXISTS (SELECT 1 FROM entry_fts WHERE entry_fts MATCH :whole))",
            f"d(dense) AS (SELECT :many OR EXISTS (SELECT 1 FROM json_each(:phrases) AS j"
            f" WHERE {probe}))",
            f"m AS MATERIALIZED ({_scan('entry_fts', text)})",
            f"k AS MATERIALIZED (SELECT s.id FROM m AS s {kept} LIMIT :n)",
            f"b AS MATERIALIZED ({ranked})",
            "w AS (SELECT id, score FROM b WHERE id IN (SELECT id FROM k)"
            " UNION ALL SELECT id, 0.0 FROM k WHERE (SELECT dense FROM d))",
            f"mn AS MATERIALIZED ({_scan('entry_name_fts', name)})",
            f"h AS MATERIALIZED (SELECT e.id, e.name_key FROM mn AS s {kept} LIMIT :names)",
            # With excluded words, a name hit must lack them in the rest of the entry too.
            "n AS (SELECT id, name_key FROM h WHERE NOT :excluded OR id IN (SELECT id FROM w))",
        ]
        cut = (
            "CASE WHEN :scoped THEN 0"
            " WHEN (SELECT count(*) FROM m) = :scan AND (SELECT count(*) FROM k) < :n THEN 1"
            " WHEN (SELECT count(*) FROM mn) = :scan AND (SELECT count(*) FROM h) < :names"
            " THEN 1 ELSE 0 END"
        )
        return ", ".join(ctes), cut

    def _phrases(self, query: Query, scope: list[str]) -> list[str]:
        """The phrases that bm25 would count the entries of: each word, and the scope."""
        terms = [term for group in query.groups for term in group] + query.excluded
        words = {word for term in terms for word in term.words}
        return sorted({*scope, *(f"search_text : {_phrase(word)}" for word in words)})

    def unknown_sql(self, words: Sequence[str], params: dict[str, Any], guard: str = "") -> str:
        params["words"] = json.dumps(list(words))
        # Words are letters and digits only: quoted, each is a plain string to FTS5.
        match = "'guild_id : \"' || :guild || '\" AND search_text : \"' || j.value || '\"'"
        missing = f"NOT EXISTS (SELECT 1 FROM entry_fts WHERE entry_fts MATCH {match})"
        check = f"CASE WHEN {guard} THEN {missing} END" if guard else missing
        return f"SELECT j.value AS word FROM json_each(:words) AS j WHERE {check}"

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
        if known:  # the word index narrows rows down, then the pieces are checked
            params[f"{tag}m"] = "search_text : (" + " AND ".join(map(_phrase, known)) + ")"
            table, outer = "entry_fts", self.likes(groups, params, partners, tag, "e.")
        else:
            columns = "{name_key partners}" if partners else "{name_key}"
            any_piece = ("(" + " OR ".join(map(_phrase, group)) + ")" for group in groups)
            params[f"{tag}m"] = f"{columns} : (" + " AND ".join(any_piece) + ")"
            table, outer = "entry_trgm", "1"
        # A subquery guard would not stop the index scan; a LIMIT of 0 does.
        limit = f"CASE WHEN {guard} THEN :scan ELSE 0 END" if guard else ":scan"
        scan = _scan(table, f":{tag}m", limit=limit)
        return (
            "SELECT * FROM (SELECT e.id, e.name, e.name_key, e.partners, s.scanned FROM"
            f" (SELECT id, count(*) OVER () AS scanned FROM ({scan})) AS s"
            f" CROSS JOIN entry AS e ON e.id = s.id WHERE {where} AND {outer} LIMIT :pool)"
        )

    def listing(self, where: str, filters: dict[str, Any], params: dict[str, Any]) -> str:
        # If few entries pass the filters, the index finds them all and they are sorted;
        # if many, the name index is read in order until the page is full.
        params["scope"] = " AND ".join(_scope(filters, params["guild"])) + _hidden(filters)
        passing = "SELECT rowid AS id FROM entry_fts WHERE entry_fts MATCH :scope"
        few = "CASE WHEN (SELECT n FROM c) < :n THEN :n ELSE 0 END"
        many = "CASE WHEN (SELECT n FROM c) < :n THEN 0 ELSE :end END"
        return (
            f"c(n) AS (SELECT count(*) FROM ({passing} LIMIT :n)),"
            " l AS (SELECT id, row_number() OVER (ORDER BY name_key) AS pos FROM"
            f" (SELECT e.id, e.name_key FROM ({passing} LIMIT {few}) AS s"
            " CROSS JOIN entry AS e ON e.id = s.id UNION ALL SELECT * FROM"
            f" (SELECT e.id, e.name_key FROM entry AS e WHERE {where}"
            f" ORDER BY e.name_key LIMIT {many})))"
        )
