"""search indexes

SQLite: two FTS5 external-content tables over `entry`, kept in step by triggers
so every write (services, imports, raw SQL) reaches them:
  - entry_fts: words (unicode61, accents removed) of search_text, plus the guild
    and the filterable columns as columns of their own, so a guild's filtered
    matches are found inside the index instead of by joining every match to `entry`;
  - entry_name_fts: the same with name_key instead of search_text, so that name
    hits of a word common in texts are found without reading all its matches;
  - entry_trgm: trigrams of name_key and partners, for typo-tolerant names.
PostgreSQL: a weighted tsvector column; GIN indexes over it and over the name's
own words, each together with the filterable columns (btree_gin), so that a
filtered search reads only the rows it returns; pg_trgm GIN indexes on name_key
and partners; a byte-order name index for autocomplete prefixes.
MariaDB: InnoDB FULLTEXT indexes over generated copies of search_text and name_key
whose words of one or two letters are padded to the index's minimum token size
(innodb_ft_min_token_size is 3 and server-wide: ToolsDB's cannot be changed), built
without a stopword list; the unique (guild_id, name_key) index serves prefixes.
All: (guild_id, updated_at) for "most recently updated" lists.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Columns of each FTS5 table; their names are entry's, as external content requires.
_SQLITE_INDEXES = {
    "entry_fts": (
        "guild_id, kind, area, steward, status, is_model, search_text",
        "unicode61 remove_diacritics 2",
    ),
    "entry_name_fts": (
        "guild_id, kind, area, steward, status, is_model, name_key",
        "unicode61 remove_diacritics 2",
    ),
    "entry_trgm": ("name_key, partners", "trigram"),
}
_RECENT_INDEX = "CREATE INDEX ix_entry_guild_updated ON entry (guild_id, updated_at)"
_WATCHED = "id, guild_id, kind, area, steward, status, is_model, name_key, search_text, partners"


def _values(columns: str, row: str) -> str:
    return ", ".join(f"{row}.{name.strip()}" for name in columns.split(","))


def _sqlite_upgrade() -> None:
    inserts, deletes = [], []
    for table, (columns, tokenizer) in _SQLITE_INDEXES.items():
        op.execute(
            f"CREATE VIRTUAL TABLE {table} USING fts5({columns}, content='entry', "
            f"content_rowid='id', tokenize='{tokenizer}')"
        )
        inserts.append(
            f"INSERT INTO {table}(rowid, {columns}) VALUES (new.id, {_values(columns, 'new')});"
        )
        deletes.append(
            f"INSERT INTO {table}({table}, rowid, {columns}) "
            f"VALUES ('delete', old.id, {_values(columns, 'old')});"
        )
        op.execute(f"INSERT INTO {table}({table}) VALUES ('rebuild')")
    op.execute(_RECENT_INDEX)
    insert, delete = "\n".join(inserts), "\n".join(deletes)
    op.execute(f"CREATE TRIGGER entry_search_ai AFTER INSERT ON entry BEGIN\n{insert}\nEND")
    op.execute(f"CREATE TRIGGER entry_search_ad AFTER DELETE ON entry BEGIN\n{delete}\nEND")
    # Only changes to indexed columns touch the index (not support counts, dates...).
    op.execute(
        f"CREATE TRIGGER entry_search_au AFTER UPDATE OF {_WATCHED} ON entry BEGIN\n"
        f"{delete}\n{insert}\nEND"
    )


def _sqlite_downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_entry_guild_updated")
    for trigger in ("entry_search_ai", "entry_search_ad", "entry_search_au"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    for table in _SQLITE_INDEXES:
        op.execute(f"DROP TABLE IF EXISTS {table}")


# btree_gin lets the filters share the GIN index with the words. is_model is indexed
# as an integer: PostgreSQL rewrites "is_model = true" to a bare column no GIN matches.
_FILTERS = "kind, area, steward, status, (is_model::int)"
_PG_INDEXES = {
    "ix_entry_search_vector": f"gin ({_FILTERS}, search_vector)",
    "ix_entry_name_vector": f"gin ({_FILTERS}, to_tsvector('simple', name_key))",
    "ix_entry_name_trgm": "gin (name_key gin_trgm_ops)",
    "ix_entry_partners_trgm": "gin (lower(partners) gin_trgm_ops)",
    # Byte order whatever the database collation: prefix ranges for autocomplete.
    "ix_entry_guild_name_c": '(guild_id, name_key COLLATE "C")',
    "ix_entry_guild_updated": "(guild_id, updated_at)",
}


def _postgresql_upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    # Name words weigh A, the rest B, so ts_rank puts name hits first.
    op.execute(
        "ALTER TABLE entry ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
        "setweight(to_tsvector('simple', name_key), 'A') || "
        "setweight(to_tsvector('simple', search_text), 'B')) STORED"
    )
    for name, definition in _PG_INDEXES.items():
        using = "" if definition.startswith("(") else "USING "
        op.execute(f"CREATE INDEX {name} ON entry {using}{definition}")


def _postgresql_downgrade() -> None:
    for name in _PG_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    op.execute("ALTER TABLE entry DROP COLUMN IF EXISTS search_vector")
    # The extensions stay: the server may have had them before, and others may use them.


# Generated columns that MariaDB indexes: the column's words, separated by single spaces,
# those of one or two letters padded with "__" (which no query word contains: words are
# letters and digits), as storage/search/mariadb.py pads the query's.
_MARIADB_COLUMNS = {"ft_text": ("TEXT", "search_text"), "ft_name": ("VARCHAR(400)", "name_key")}


_NOT_WORD = "(*UCP)[^[:alnum:]]+"
_SHORT_WORD = "(*UCP)(?<![[:alnum:]])([[:alnum:]]{1,2})(?![[:alnum:]])"


def _mariadb_words(column: str) -> str:
    spaced = f"REGEXP_REPLACE({column}, '{_NOT_WORD}', ' ')"
    return f"REGEXP_REPLACE({spaced}, '{_SHORT_WORD}', '\\\\1__')"


def _mariadb_upgrade() -> None:
    columns = ", ".join(
        f"ADD COLUMN {column} {kind} AS ({_mariadb_words(source)}) STORED"
        for column, (kind, source) in _MARIADB_COLUMNS.items()
    )
    op.execute(f"ALTER TABLE entry {columns}")
    # Stopwords ("the", "de", "la"...) are words people search for; the setting is read
    # when an index is built.
    op.execute("SET SESSION innodb_ft_enable_stopword = OFF")
    for column in _MARIADB_COLUMNS:
        op.execute(f"CREATE FULLTEXT INDEX ix_entry_{column} ON entry ({column})")
    op.execute("SET SESSION innodb_ft_enable_stopword = DEFAULT")
    op.execute(_RECENT_INDEX)


def _mariadb_downgrade() -> None:
    op.execute("DROP INDEX ix_entry_guild_updated ON entry")
    for column in _MARIADB_COLUMNS:
        op.execute(f"DROP INDEX ix_entry_{column} ON entry")
    op.execute("ALTER TABLE entry " + ", ".join(f"DROP COLUMN {c}" for c in _MARIADB_COLUMNS))


_UPGRADES = {"sqlite": _sqlite_upgrade, "postgresql": _postgresql_upgrade}
_DOWNGRADES = {"sqlite": _sqlite_downgrade, "postgresql": _postgresql_downgrade}


def upgrade() -> None:
    _UPGRADES.get(op.get_bind().dialect.name, _mariadb_upgrade)()


def downgrade() -> None:
    _DOWNGRADES.get(op.get_bind().dialect.name, _mariadb_downgrade)()
