"""PostgreSQL: a weighted tsvector column, GIN indexes over it and over the name's own
words (each with the filterable columns, btree_gin), and pg_trgm indexes on name_key and
partners (migrations/versions/0002_search.py).

websearch_to_tsquery reads the query; it knows no prefixes, so its canonical text gets
':*' on the last lexeme when the last word may be the start of a longer one (and is not a
whole indexed word). Ranking is ts_rank with name words weighing most. Misspelt words are
looked up in each guild's vocabulary (search_word, migrations/versions/0003_search_speed.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Status
from storage.search.backend import NO_NAMES, Backend
from storage.search.query import LIVING, Query

_TSQUERY = "websearch_to_tsquery('simple', :q)"
_TSQUERY_PREFIX = (
    "to_tsquery('simple', regexp_replace(websearch_to_tsquery('simple', :q)::text, '''$', ''':*'))"
)
SIMILAR_WORDS = 8  # indexed words read per unknown word
UNKNOWN_SLOTS = 4  # words looked up by a statement: a multiple of this
# Prepared statements would switch to generic plans, blind to how common a word is; a
# swap of two letters leaves a short word few trigrams in common: look further for it.
_SETTINGS = {"plan_cache_mode": "force_custom_plan", "pg_trgm.similarity_threshold": "0.2"}
_SET_LOCAL = sa.text(
    "SELECT "
    + ", ".join(f"set_config('{name}', '{value}', true)" for name, value in _SETTINGS.items())
)
_SET = "; ".join(f"SET {name} = '{value}'" for name, value in _SETTINGS.items())


class PostgresBackend(Backend):
    name_order = 'e.name_key COLLATE "C"'  # byte order: prefix ranges on the name index
    words_agg = "string_agg(word, ' ')"
    keeps_vocabulary = True

    async def prepare(self, session: AsyncSession) -> None:
        """The settings, once per pooled connection when its transaction has not begun (a
        rollback would undo them), else for the transaction: a round trip each time. They
        stay on the connection: its other statements are planned for their values too,
        which costs a little planning and changes no result."""
        connection = await session.connection()
        if connection.info.get("search_settings"):
            return
        driver = (await connection.get_raw_connection()).driver_connection
        if driver is None or driver.is_in_transaction():
            await session.exec(_SET_LOCAL)
            return
        await driver.execute(_SET)
        connection.info["search_settings"] = True

    def windows(
        self, query: Query, filters: dict[str, Any], params: dict[str, Any], scoped: bool
    ) -> tuple[str, str]:
        where, more = self.where(params["guild"], filters)
        params |= more | {"q": query.text, "excluded": bool(query.excluded)}

        def window(tsquery: str, guard: str = "") -> str:
            rank = f"ts_rank('{{0.1, 0.2, 0.4, 1.0}}', search_vector, {tsquery})"
            return (
                f"(SELECT id, {rank} AS score FROM entry WHERE {where}"
                f" AND search_vector @@ {tsquery}{guard} LIMIT :n)"
            )

        def names(tsquery: str, guard: str = "") -> str:
            # With excluded words, a name hit must lack them in the rest of the entry too.
            lacking = f"(NOT CAST(:excluded AS boolean) OR search_vector @@ {tsquery})"
            return (
                f"(SELECT id, name_key FROM entry WHERE {where} AND"
                f" to_tsvector('simple', name_key) @@ {tsquery} AND {lacking}{guard} LIMIT :names)"
            )

        if not query.groups:  # exclusions only: nothing to rank by
            return f"w AS {window(_TSQUERY)}, {NO_NAMES}", "0"
        if not query.prefix:
            return f"w AS {window(_TSQUERY)}, n AS {names(_TSQUERY)}", "0"
        # Each branch is planned for its own tsquery; the one not wanted is never run.
        params["last"] = query.last_word
        whole = "SELECT 1 FROM entry WHERE search_vector @@ websearch_to_tsquery('simple', :last)"
        yes, no = " AND (SELECT whole FROM p)", " AND NOT (SELECT whole FROM p)"
        return (
            f"p AS (SELECT EXISTS ({whole}) AS whole),"
            f" w AS ({window(_TSQUERY, yes)} UNION ALL {window(_TSQUERY_PREFIX, no)}),"
            f" n AS ({names(_TSQUERY, yes)} UNION ALL {names(_TSQUERY_PREFIX, no)})"
        ), "0"

    def living(self, prefix: str) -> str:
        # The other statuses, NOT IN, which no index answers. The GIN indexes hold status, and
        # as their condition IN read the postings of most entries before the LIMIT (a search
        # for common words: 4.9 -> 3.1 ms on 100,000 entries).
        others = ", ".join(repr(str(status)) for status in Status if status not in LIVING)
        return f"{prefix}status NOT IN ({others})"

    def unknown_sql(self, words: Sequence[str], params: dict[str, Any], guard: str = "") -> str:
        # One lookup per word, planned for that word (a common one is found at once by a
        # sequential scan, a rare one by the index); the number of lookups is rounded up,
        # the spare ones bound to NULL and dropped by the planner: fewer statements.
        checks = []
        for i in range(-(-len(words) // UNKNOWN_SLOTS) * UNKNOWN_SLOTS):
            params[f"u{i}"] = words[i] if i < len(words) else None
            word = f"CAST(:u{i} AS varchar(100))"
            missing = (
                "NOT EXISTS (SELECT 1 FROM entry WHERE guild_id = :guild"
                f" AND search_vector @@ websearch_to_tsquery('simple', {word}))"
            )
            check = f"CASE WHEN {guard} THEN {missing} END" if guard else missing
            checks.append(f"SELECT {word} AS word WHERE {word} IS NOT NULL AND {check}")
        return " UNION ALL ".join(checks)

    def similar_words(self) -> str:
        # Nearest first, at most a few per word: the trigram index answers in well under a
        # millisecond (migrations/versions/0003_search_speed.py).
        return (
            "(SELECT string_agg(s.word, ' ') FROM u0, LATERAL (SELECT word FROM search_word"
            " WHERE guild_id = :guild AND word % u0.word ORDER BY word <-> u0.word"
            f" LIMIT {SIMILAR_WORDS}) AS s)"
        )

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
            params[f"{tag}k"] = " ".join(known)
            inner = f"e.search_vector @@ websearch_to_tsquery('simple', :{tag}k)"
            outer = self.likes(groups, params, partners, tag, "s.")
        else:
            inner, outer = self.likes(groups, params, partners, tag, "e."), "true"
        guard = f" AND {guard}" if guard else ""
        # The scan is planned on its own: under the outer LIMIT the planner would count on
        # reading a fraction of it, and prefer a sequential scan to the trigram index.
        return (
            f"WITH {tag}i AS MATERIALIZED (SELECT e.id, e.name, e.name_key, e.partners"
            f" FROM entry AS e WHERE {where} AND {inner}{guard} LIMIT :scan)"
            " SELECT * FROM (SELECT s.*, count(*) OVER () AS scanned"
            f" FROM {tag}i AS s) AS s WHERE {outer} LIMIT :pool"
        )
