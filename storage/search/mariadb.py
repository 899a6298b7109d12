"""MariaDB: InnoDB FULLTEXT indexes over generated copies of search_text (ft_text) and
name_key (ft_name), searched IN BOOLEAN MODE (migrations/versions/0002_search.py).

The index skips words shorter than innodb_ft_min_token_size (3, server-wide; ToolsDB's
cannot be changed): the generated columns pad words of one or two letters with "__", and
so do the queries here. The indexes are built without a stopword list. FULLTEXT has no
fuzzy matching: as on SQLite, misspelt words are corrected from the names and partners of
the entries that share pieces with them (LIKE), and no vocabulary is kept. InnoDB applies
index changes at commit: a search sees committed entries only.

MariaDB derives a CTE again wherever the ranking statement names it, and a common word's
FULLTEXT lookup costs a tenth of a second or more at 100,000 entries: the matches and the
name hits are read first, once each, and bound to the ranking statement as JSON. As on
PostgreSQL, up to :n matches are read unordered (ordering would read every match's row),
then ranked by InnoDB's relevance (tf-idf), newest first on ties.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.search.backend import Backend
from storage.search.query import Query, Term

MIN_TOKEN = 3  # innodb_ft_min_token_size's default, and ToolsDB's
# With no word known to narrow them down, names near misspelt words are looked for among
# this many of the guild's newest entries (LIKE reads each: no trigram index here). All
# 100,000 took 0.6 s a lookup under bench/load.py; a guild this big finds near names
# among its newest entries only.
NEAR_RECENT = 10_000
PAD = "__"  # what the migration's generated columns append to shorter words


def _word(word: str) -> str:
    return word + PAD if len(word) < MIN_TOKEN else word


def _term(term: Term) -> str:
    # Words are letters and digits only: no boolean-mode operator can hide in one.
    words = [_word(word) for word in term.words]
    if term.prefix:  # a single bare word of MIN_TOKEN letters or more (query.parse)
        return words[0] + "*"
    return words[0] if len(words) == 1 else '"' + " ".join(words) + '"'


def against(query: Query) -> str:
    """The boolean-mode text of a query's groups (each required) and exclusions."""
    required = ["+(" + " ".join(map(_term, group)) + ")" for group in query.groups]
    return " ".join(required + ["-" + _term(term) for term in query.excluded])


def _match(column: str, key: str) -> str:
    return f"MATCH({column}) AGAINST(:{key} IN BOOLEAN MODE)"


# Rows read by prefetch, bound as JSON and read back by JSON_TABLE (MariaDB 10.6+).
_ID, _ID_ONLY = "id BIGINT PATH '$[0]'", "id BIGINT PATH '$'"
_SCORE = "score DOUBLE PATH '$[1]'"


def _json(rows: Sequence[Any]) -> str:
    return json.dumps([[row[0], float(row[1])] for row in rows])


class MariadbBackend(Backend):
    words_agg = "group_concat(word SEPARATOR ' ')"
    materialized = ""
    text_type = "char(16)"
    char_length = "char_length"

    async def prefetch(
        self, session: AsyncSession, query: Query, filters: dict[str, Any], params: dict[str, Any]
    ) -> None:
        where, more = self.where(params["guild"], filters)
        params |= more | {"x": " ".join(map(_term, query.excluded))}
        if not query.groups:  # exclusions only: nothing to rank by, newest first
            sql = (
                f"SELECT id, 0.0 FROM entry WHERE {where} AND NOT {_match('ft_text', 'x')}"
                " ORDER BY id DESC LIMIT :n"
            )
            params |= {"w_rows": _json(await self.rows(session, sql, params)), "n_ids": "[]"}
            return
        whole = not query.prefix  # a whole indexed word is not also read as a prefix
        if not whole:
            params["last"] = query.last_word
            sql = f"SELECT EXISTS (SELECT 1 FROM entry WHERE {_match('ft_text', 'last')})"
            whole = bool((await self.rows(session, sql, params))[0][0])
        chosen = query.without_prefix() if whole else query
        # The name index is searched for the words alone; a name hit lacks the excluded
        # words in the rest of the entry too.
        named = Query(chosen.text, chosen.groups, [])
        params |= {"q": against(chosen), "qn": against(named)}
        match = _match("ft_text", "q")
        sql = f"SELECT id, {match} FROM entry WHERE {where} AND {match} LIMIT :n"
        params["w_rows"] = _json(await self.rows(session, sql, params))
        lacking = f" AND NOT {_match('ft_text', 'x')}" if query.excluded else ""
        sql = (
            f"SELECT id FROM entry WHERE {where} AND {_match('ft_name', 'qn')}{lacking}"
            " LIMIT :names"
        )
        params["n_ids"] = json.dumps([row[0] for row in await self.rows(session, sql, params)])

    def windows(
        self, query: Query, filters: dict[str, Any], params: dict[str, Any], scoped: bool
    ) -> tuple[str, str]:
        w = f"SELECT id, score FROM JSON_TABLE(:w_rows, '$[*]' COLUMNS ({_ID}, {_SCORE})) AS j"
        n = (
            f"SELECT e.id, e.name_key FROM JSON_TABLE(:n_ids, '$[*]' COLUMNS ({_ID_ONLY})) AS j"
            " JOIN entry AS e ON e.id = j.id"
        )
        return f"w AS ({w}), n AS ({n})", "0"

    def unknown_sql(self, words: Sequence[str], params: dict[str, Any], guard: str = "") -> str:
        # AGAINST takes a constant: one lookup per word, each bound.
        checks = []
        for i, word in enumerate(words):
            params[f"u{i}"], params[f"ua{i}"] = word, _word(word)
            missing = (
                "NOT EXISTS (SELECT 1 FROM entry WHERE guild_id = :guild"
                f" AND {_match('ft_text', f'ua{i}')})"
            )
            check = f"CASE WHEN {guard} THEN {missing} END" if guard else missing
            checks.append(f"SELECT CAST(:u{i} AS CHAR(100)) AS word FROM DUAL WHERE {check}")
        return " UNION ALL ".join(checks)

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
        guard = f" AND {guard}" if guard else ""
        if known:  # the word index narrows rows down, then the pieces are checked
            params[f"{tag}k"] = " ".join("+" + _word(word) for word in known)
            rows = f"entry AS e WHERE {where} AND {_match('e.ft_text', f'{tag}k')}{guard}"
            outer = self.likes(groups, params, partners, tag, "s.")
        else:  # no trigram index: the pieces are looked for in the guild's newest rows
            params["recent"] = NEAR_RECENT
            newest = (
                "(SELECT e.id, e.name, e.name_key, e.partners FROM entry AS e"
                f" WHERE {where}{guard} ORDER BY e.id DESC LIMIT :recent) AS e"
            )
            rows = f"{newest} WHERE {self.likes(groups, params, partners, tag, 'e.')}"
            outer = "1 = 1"
        scan = f"SELECT e.id, e.name, e.name_key, e.partners FROM {rows} LIMIT :scan"
        return (
            "SELECT * FROM (SELECT s.*, count(*) OVER () AS scanned"
            f" FROM ({scan}) AS s) AS s WHERE {outer} LIMIT :pool"
        )
