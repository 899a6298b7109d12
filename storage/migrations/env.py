"""Alembic environment: async engines for SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from storage.db import CLI_BUSY_TIMEOUT_MS, create_engine

target_metadata = SQLModel.metadata

# Search artefacts that the models do not describe (versions/0002_search.py and
# 0003_search_speed.py): FTS5 tables with their shadow tables (<name>_data, _idx...), a
# vocabulary table, the generated tsvector column (MariaDB: the generated columns that
# FULLTEXT indexes), and indexes on expressions, GIN, FULLTEXT or in byte order.
# Autogenerate would otherwise offer to drop them.
_SEARCH_TABLES = ("entry_fts", "entry_name_fts", "entry_trgm", "search_word")
_SEARCH_INDEXES = frozenset(
    {
        "ix_entry_guild_updated",
        "ix_entry_guild_name_c",
        "ix_entry_search_vector",
        "ix_entry_name_vector",
        "ix_entry_name_trgm",
        "ix_entry_partners_trgm",
        "ix_search_word_trgm",
        "ix_entry_ft_text",
        "ix_entry_ft_name",
    }
)
_SEARCH_COLUMNS = frozenset({"search_vector", "ft_text", "ft_name"})
# MariaDB: byte order and comparison, as on the other backends (names are unique by their
# folded key, not by the server's idea of equal letters); utf8mb4 for emoji.
MARIADB_CHARSET, MARIADB_COLLATION = "utf8mb4", "utf8mb4_bin"


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Whether autogenerate compares this object: not if it is one of the search's."""
    if type_ == "table":
        return not any(name == t or str(name).startswith(f"{t}_") for t in _SEARCH_TABLES)
    if type_ == "index":
        return name not in _SEARCH_INDEXES
    if type_ == "column":  # entry's generated search columns
        table = getattr(obj, "table", None)
        return not (name in _SEARCH_COLUMNS and getattr(table, "name", None) == "entry")
    return True


def _mariadb_defaults(connection: Connection) -> None:
    """Tables created from now on take utf8mb4 and byte order, whatever the server's
    defaults (a ToolsDB database is created by hand, with the server's)."""
    current = connection.exec_driver_sql(
        "SELECT default_character_set_name, default_collation_name"
        " FROM information_schema.schemata WHERE schema_name = DATABASE()"
    ).one()
    if tuple(current) != (MARIADB_CHARSET, MARIADB_COLLATION):
        connection.exec_driver_sql(
            f"ALTER DATABASE CHARACTER SET {MARIADB_CHARSET} COLLATE {MARIADB_COLLATION}"
        )
    # Ends the transaction the query began: Alembic commits only the ones it begins.
    connection.commit()


def _run(connection: Connection) -> None:
    if connection.dialect.name in ("mysql", "mariadb"):
        _mariadb_defaults(connection)
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things: batch mode rebuilds the table.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str) -> None:
    # The bot's engine settings (SQLite: WAL, and waiting for a locked database; there
    # is no deadline here, so as long as a command-line import waits).
    engine = create_engine(url, sqlite_busy_timeout_ms=CLI_BUSY_TIMEOUT_MS)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
    finally:
        await engine.dispose()


url = context.config.get_main_option("sqlalchemy.url")
assert url, "sqlalchemy.url must be set"
asyncio.run(_run_async(url))
