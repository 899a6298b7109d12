"""Engine, sessions and migrations."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.util import await_only
from sqlmodel.ext.asyncio.session import AsyncSession

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# A command waits for the database at most this long, so it still answers within
# Discord's 3 s deadline, with "try again shortly" if need be: a locked SQLite
# database, an unanswered PostgreSQL connect (asyncpg waits 60 s by default), a
# pool with no free connection (SQLAlchemy waits 30 s by default).
SQLITE_BUSY_TIMEOUT_MS = 2_000
# SQLite has one writer at a time. The bot's writers take turns in its event loop, first
# come, first served, from their first write to their commit (SQLiteTurns): waiting there
# costs no thread, where SQLite's busy handler polls and may leave the lock idle. A write
# waits its turn at most this long, and then for another process's lock (busy_timeout)
# only what is left of the busy timeout: both waits together stay within it.
SQLITE_WRITER_WAIT = 2.0  # seconds
CLI_BUSY_TIMEOUT_MS = 30_000  # `partnerbot import`/`export`: no deadline, wait for the bot
PG_CONNECT_TIMEOUT = 1.5  # seconds
# Waiting for a pooled connection queues in order (the pool's queue is first come, first
# served); the wait is bounded so that a command still answers before the deadline.
POOL_TIMEOUT = 2.0  # seconds
# Pools open all their connections once and keep them (no overflow): a connection
# opened for a burst and closed after costs more than the work it came for (PostgreSQL
# forks a server process and warms its caches; aiosqlite starts a thread). PostgreSQL: one
# for each interaction in flight under bench/load.py's 50 volunteers, within its default
# max_connections (100). MariaDB: as many as before (ToolsDB allows each tool few).
SQLITE_POOL_SIZE = 20
# The SQLite pool hands out the connection used last (LIFO), whose page cache is warm
# (a search at 100,000 entries: 0.1 ms less). No mmap_size: each connection maps the file
# anew, and RSS under bench/load.py counted the pages once per connection (1.4 GiB).
PG_POOL_SIZE, PG_MAX_OVERFLOW = 50, 0
MARIADB_POOL_SIZE, MARIADB_MAX_OVERFLOW = 20, 0
# ToolsDB closes connections idle for long; renewing them sooner saves a failed ping.
MARIADB_POOL_RECYCLE = 1_800  # seconds


def _sqlite_pragmas(busy_timeout_ms: int) -> Callable[[Any, Any], None]:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # busy_timeout waits for a locked database instead of failing at once. WAL lets
        # readers run beside one writer; it stays set in the file, and setting it again
        # fails at once (no busy wait) while another connection writes: only if need be.
        # SQLite leaves foreign keys off by default.
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode")
        if cursor.fetchone()[0] != "wal":
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return on_connect


WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class SQLiteTurns:
    """One writer at a time in this process, each from its first write (where the driver
    begins its transaction) to its commit or rollback: what SQLite's write lock spans.

    The wait happens in the event loop (SQLAlchemy runs the statement in a greenlet that
    can await), so no in-process writer ever meets SQLite's lock, nor a snapshot another
    wrote past ("database is locked" at once, whatever the busy timeout).
    """

    def __init__(self, engine: AsyncEngine, *, busy_timeout_ms: int) -> None:
        self.lock = asyncio.Lock()
        self.busy_timeout_ms = busy_timeout_ms
        event.listen(engine.sync_engine, "before_cursor_execute", self.before_execute)
        # Given back as the commit or rollback starts: a writer let in meanwhile waits
        # the last milliseconds in SQLite's busy handler. Checked in without either (a
        # connection lost): given back then.
        event.listen(engine.sync_engine, "commit", self.done)
        event.listen(engine.sync_engine, "rollback", self.done)
        event.listen(engine.sync_engine, "checkin", self.checked_in)

    def before_execute(self, conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if conn.info.get("turn") or not statement.lstrip()[:7].upper().startswith(WRITES):
            return
        waiting_since = time.monotonic()
        try:
            await_only(asyncio.wait_for(self.lock.acquire(), SQLITE_WRITER_WAIT))
        except TimeoutError:
            # As SQLite's own busy timeout fails: the driver's error, which SQLAlchemy
            # wraps and the session rolls back like any other.
            locked = f"database is locked: no turn to write within {SQLITE_WRITER_WAIT:g} s"
            raise conn.dialect.loaded_dbapi.OperationalError(locked) from None
        conn.info["turn"] = True
        waited_ms = (time.monotonic() - waiting_since) * 1000
        self._wait_for_others_at_most(conn, self.busy_timeout_ms - waited_ms)

    def _wait_for_others_at_most(self, conn: Any, left_ms: float) -> None:
        """Set the connection's busy timeout to what the turn left of it (a command must
        still answer in time); back to the whole of it after a turn that came at once."""
        busy_ms = self.busy_timeout_ms if left_ms > self.busy_timeout_ms - 50 else left_ms
        busy_ms = max(int(busy_ms), 1)
        if conn.info.get("busy_timeout_ms", self.busy_timeout_ms) == busy_ms:
            return
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        finally:
            cursor.close()
        conn.info["busy_timeout_ms"] = busy_ms

    def done(self, conn: Any) -> None:
        if conn.info.pop("turn", False):
            self.lock.release()

    def checked_in(self, _dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            self.done(record)


def _skip_idle_rollbacks(engine: AsyncEngine) -> None:
    """aiosqlite: a rollback is a trip to the connection's thread, and a session makes two
    as it closes (its own, then the pool's reset), even one that only read. The sqlite3
    module begins a transaction at the first write only, so a connection that just read
    holds none, and there is nothing to roll back: skipped, as the driver reports."""
    dialect = engine.sync_engine.dialect
    roll_back = dialect.do_rollback

    def do_rollback(dbapi_connection: Any) -> None:
        try:
            idle = not dbapi_connection.driver_connection.in_transaction
        except (AttributeError, ValueError):  # closed: the driver says how
            idle = False
        if not idle:
            roll_back(dbapi_connection)

    dialect.do_rollback = do_rollback  # type: ignore[method-assign]


def _replace_closed(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """PostgreSQL: a pooled connection that the server closed (a restart, an idle
    timeout) is replaced at checkout, unseen. asyncpg notices the close when it comes, so
    this costs no round trip, where pool_pre_ping costs three (BEGIN, ping, ROLLBACK) per
    checkout: a third of a search's round trips. A connection dropped unannounced fails
    its first statement instead, which answers "try again" and empties the pool."""
    if dbapi_connection.driver_connection.is_closed():
        raise DisconnectionError("the server closed this pooled connection")


def create_engine(
    url: str, *, sqlite_busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS, **kwargs: Any
) -> AsyncEngine:
    """The engine; `sqlite_busy_timeout_ms`: how long a write waits for a locked SQLite
    database (the bot's commands must answer within 3 s; a command-line import may wait)."""
    if url.startswith("sqlite"):
        kwargs.setdefault("pool_size", SQLITE_POOL_SIZE)
        kwargs.setdefault("max_overflow", 0)
        kwargs.setdefault("pool_timeout", POOL_TIMEOUT)
        kwargs.setdefault("pool_use_lifo", True)
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas(sqlite_busy_timeout_ms))
        _skip_idle_rollbacks(engine)
        return engine
    mariadb = url.startswith(("mysql", "mariadb"))
    kwargs.setdefault("pool_size", MARIADB_POOL_SIZE if mariadb else PG_POOL_SIZE)
    kwargs.setdefault("max_overflow", MARIADB_MAX_OVERFLOW if mariadb else PG_MAX_OVERFLOW)
    kwargs.setdefault("pool_timeout", POOL_TIMEOUT)
    connect_args: dict[str, Any] = {"timeout": PG_CONNECT_TIMEOUT}
    if mariadb:
        # A connection the server dropped is replaced: aiomysql only learns it by asking.
        kwargs.setdefault("pool_pre_ping", True)
        # utf8mb4: names with emoji. READ COMMITTED, PostgreSQL's default: locking reads
        # take no gap locks, so the claims of two processes do not deadlock on them.
        connect_args = {"connect_timeout": PG_CONNECT_TIMEOUT, "charset": "utf8mb4"}
        kwargs.setdefault("isolation_level", "READ COMMITTED")
        kwargs.setdefault("pool_recycle", MARIADB_POOL_RECYCLE)
    kwargs["connect_args"] = connect_args | kwargs.get("connect_args", {})
    engine = create_async_engine(url, **kwargs)
    if not mariadb:
        event.listen(engine.sync_engine, "checkout", _replace_closed)
    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # expire_on_commit=False: objects stay readable after commit; lazy loads fail under asyncio.
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


class Database:
    """The engine and its session factory; one per process."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = create_engine(url, **engine_kwargs)
        self.sessions = session_factory(self.engine)
        if self.dialect == "sqlite":
            busy_ms = engine_kwargs.get("sqlite_busy_timeout_ms", SQLITE_BUSY_TIMEOUT_MS)
            SQLiteTurns(self.engine, busy_timeout_ms=busy_ms)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session whose work is committed on success and rolled back on any error."""
        async with self.sessions() as session, session.begin():
            yield session

    async def upgrade(self, *, separate_process: bool = False) -> None:
        """Apply migrations; in a separate process, Alembic never loads into this one."""
        if not separate_process:
            await asyncio.to_thread(upgrade, self.url)
            return
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            "import sys; from storage.db import upgrade; upgrade(sys.argv[1])",
            self.url,
            stderr=asyncio.subprocess.PIPE,
        )
        _, errors = await process.communicate()
        if process.returncode:
            raise MigrationFailed(errors.decode(errors="replace").strip().splitlines()[-1:])

    async def dispose(self) -> None:
        await self.engine.dispose()


class MigrationFailed(RuntimeError):
    """The migrations could not be applied; the message is Alembic's last line."""


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    # The standard output of now: Alembic's default is the one when it was first imported.
    config = Config(stdout=sys.stdout)
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations (blocking: Alembic's env runs its own event loop)."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(url), revision)
