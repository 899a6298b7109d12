"""MariaDB: InnoDB FULLTEXT indexes over generated copies of search_text (ft_text) and
name_key (ft_name), searched IN BOOLEAN MODE (migrations/versions/0002_search.py).

The index skips words shorter than innodb_ft_min_token_size (3, server-wide; ToolsDB's
cannot be changed): the generated columns pad words of one or two letters with "__", and
so do the queries here. The indexes are built without a stopword list. FULLTEXT has no
fuzzy matching: as on SQLite, misspelt words are corrected from the names and partners of
the entries that share pieces with them (LIKE), and no vocabulary is kept. InnoDB applies
index changes at commit: a search sees committed entries only.

Ranking is InnoDB's relevance (tf-idf), newest first on ties.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from storage.search.backend import NO_NAMES, Backend
from storage.search.query import Query, Term

MIN_TOKEN = 3  # innodb_ft_min_token_size's default, and ToolsDB's
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


class MariadbBackend(Backend):
    words_agg = "group_concat(word SEPARATOR ' ')"
    materialized = ""
    text_type = "char(16)"
    char_length = "char_length"

    def windows(
        self, query: Query, filters: dict[str, Any], params: dict[str, Any], scoped: bool
    ) -> tuple[str, str]:
        where, more = self.where(params["guild"], filters)
        params |= more | {"excluded": bool(query.excluded)}
        if not query.groups:  # exclusions only: nothing to rank by, newest first
            params["q"] = " ".join(map(_term, query.excluded))
            w = (
                f"SELECT id, 0.0 AS score FROM entry WHERE {where}"
                f" AND NOT {_match('ft_text', 'q')} ORDER BY id DESC LIMIT :n"
            )
            return f"w AS ({w}), {NO_NAMES}", "0"
        # The name index is searched for the words alone; with excluded words, a name hit
        # must lack them in the rest of the entry too.
        named = Query(query.text, query.groups, [])
        lacking = "(NOT :excluded OR id IN (SELECT id FROM w))"

        def window(key: str, guard: str) -> str:
            match = _match("ft_text", key)
            return (
                f"SELECT * FROM (SELECT id, {match} AS score FROM entry WHERE {where}"
                f" AND {match}{guard} ORDER BY score DESC, id DESC LIMIT :n) AS {key}w"
            )

        def names(key: str, guard: str) -> str:
            return (
                f"SELECT * FROM (SELECT id, name_key FROM entry WHERE {where}"
                f" AND {_match('ft_name', key + 'n')} AND {lacking}{guard} LIMIT :names)"
                f" AS {key}n"
            )

        params |= {"q": against(query.without_prefix()), "qn": against(named.without_prefix())}
        if not query.prefix:
            return f"w AS ({window('q', '')}), n AS ({names('q', '')})", "0"
        # A whole indexed word is not also read as a prefix; the branch not wanted finds
        # nothing.
        params |= {"p": against(query), "pn": against(named), "last": query.last_word}
        yes, no = " AND (SELECT whole FROM p)", " AND NOT (SELECT whole FROM p)"
        whole = f"SELECT EXISTS (SELECT 1 FROM entry WHERE {_match('ft_text', 'last')}) AS whole"
        return (
            f"p AS ({whole}),"
            f" w AS ({window('q', yes)} UNION ALL {window('p', no)}),"
            f" n AS ({names('q', yes)} UNION ALL {names('p', no)})"
        ), "0"

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
        if known:  # the word index narrows rows down, then the pieces are checked
            params[f"{tag}k"] = " ".join("+" + _word(word) for word in known)
            inner = _match("e.ft_text", f"{tag}k")
            outer = self.likes(groups, params, partners, tag, "s.")
        else:  # no trigram index: the guild's rows are read, newest first
            inner, outer = self.likes(groups, params, partners, tag, "e."), "1 = 1"
        guard = f" AND {guard}" if guard else ""
        scan = (
            f"SELECT e.id, e.name, e.name_key, e.partners FROM entry AS e"
            f" WHERE {where} AND {inner}{guard} ORDER BY e.id DESC LIMIT :scan"
        )
        return (
            "SELECT * FROM (SELECT s.*, count(*) OVER () AS scanned"
            f" FROM ({scan}) AS s) AS s WHERE {outer} LIMIT :pool"
        )
