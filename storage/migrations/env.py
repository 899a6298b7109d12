"""Alembic environment: async engines for SQLite and PostgreSQL."""

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
# vocabulary table, the generated tsvector column, and indexes on expressions, GIN or in
# byte order. Autogenerate would otherwise offer to drop them.
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
    }
)


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Whether autogenerate compares this object: not if it is one of the search's."""
    if type_ == "table":
        return not any(name == t or str(name).startswith(f"{t}_") for t in _SEARCH_TABLES)
    if type_ == "index":
        return name not in _SEARCH_INDEXES
    if type_ == "column":  # entry's generated tsvector
        table = getattr(obj, "table", None)
        return not (name == "search_vector" and getattr(table, "name", None) == "entry")
    return True


def _run(connection: Connection) -> None:
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
