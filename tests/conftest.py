"""Shared fixtures: a migrated database on each backend, SQLite, PostgreSQL and MariaDB.

PostgreSQL is the server named by TEST_POSTGRES_URL, MariaDB the one named by
TEST_MARIADB_URL (default: the local ones). Without a server its cases skip with the
reason; under CI=true they fail, because CI must run them.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pymysql
import pytest
from sqlalchemy.engine import make_url
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.wiki.local import MediaWiki, running_mediawiki
from bot.wiki.local import missing as mediawiki_missing
from storage.db import Database, upgrade
from tests.support.pg_outage import OutageProxy

POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
MARIADB_URL = os.environ.get("TEST_MARIADB_URL", "mysql+aiomysql://root@127.0.0.1:3306/test")
BACKENDS = ["sqlite", "postgresql", "mariadb"]


def _pg_dsn(database: str) -> str:
    base = POSTGRES_URL.replace("postgresql+asyncpg://", "postgresql://")
    return base.rsplit("/", 1)[0] + "/" + database


def _pg_url(database: str) -> str:
    return POSTGRES_URL.rsplit("/", 1)[0] + "/" + database


async def _pg_admin(*statements: str) -> None:
    connection = await asyncpg.connect(_pg_dsn(POSTGRES_URL.rsplit("/", 1)[1]), timeout=5)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


def _postgres_available() -> str | None:
    try:
        asyncio.run(_pg_admin("SELECT 1"))
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        return f"PostgreSQL not reachable at {POSTGRES_URL}: {exc}"
    return None


def _require(reason: str | None, server: str) -> None:
    """Skip without the server; fail under CI, which must run every backend."""
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI must run the {server} tests)")
        pytest.skip(reason)


def my_url(database: str) -> str:
    return MARIADB_URL.rsplit("/", 1)[0] + "/" + database


def my_admin(*statements: str, database: str | None = None) -> list[tuple]:
    """Run statements on the MariaDB server; the rows of the last one."""
    url = make_url(MARIADB_URL)
    connection = pymysql.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 3306,
        user=url.username or "root",
        password=url.password or "",
        database=database,
        charset="utf8mb4",
        connect_timeout=5,
    )
    rows: list[tuple] = []
    try:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
                rows = list(cursor.fetchall())
        connection.commit()
    finally:
        connection.close()
    return rows


def my_create(name: str, *statements: str) -> None:
    """A database with the collation the migrations expect, then `statements` in it."""
    my_admin(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
    if statements:
        my_admin("SET FOREIGN_KEY_CHECKS = 0", *statements, database=name)


def my_drop(name: str) -> None:
    my_admin(f"DROP DATABASE IF EXISTS `{name}`")


def _mariadb_available() -> str | None:
    try:
        my_admin("SELECT 1")
    except pymysql.MySQLError as exc:
        return f"MariaDB not reachable at {MARIADB_URL}: {exc}"
    return None


@pytest.fixture(scope="session")
def mariadb_template() -> Iterator[list[str]]:
    """The statements that make a migrated database: MariaDB has no CREATE DATABASE
    TEMPLATE, so each test's database replays the template's tables."""
    _require(_mariadb_available(), "MariaDB")
    name = f"pb_template_{uuid.uuid4().hex[:8]}"
    my_create(name)
    upgrade(my_url(name))
    tables = my_admin("SHOW FULL TABLES WHERE Table_type = 'BASE TABLE'", database=name)
    ddl = [my_admin(f"SHOW CREATE TABLE `{t}`", database=name)[0][1] for t, _ in tables]
    versions = my_admin("SELECT version_num FROM alembic_version", database=name)
    ddl += [f"INSERT INTO alembic_version VALUES ('{v}')" for (v,) in versions]
    yield ddl
    my_drop(name)


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A migrated template database; each test gets a fast copy of it."""
    _require(_postgres_available(), "PostgreSQL")
    name = f"pb_template_{uuid.uuid4().hex[:8]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    upgrade(_pg_url(name))
    yield name
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database URL on each backend."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "test.db"
        shutil.copy(template, path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    if request.param == "mariadb":
        ddl: list[str] = request.getfixturevalue("mariadb_template")
        name = f"pb_test_{uuid.uuid4().hex[:10]}"
        my_create(name, *ddl)
        yield my_url(name)
        my_drop(name)
        return
    template_name: str = request.getfixturevalue("postgres_template")
    name = f"pb_test_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"'))
    yield _pg_url(name)
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def database(db_url: str) -> AsyncIterator[Database]:
    db = Database(db_url)
    yield db
    await db.dispose()


@pytest.fixture
async def session(database: Database) -> AsyncIterator[AsyncSession]:
    async with database.sessions() as session:
        yield session


@pytest.fixture
async def proxy(db_url: str) -> AsyncIterator[OutageProxy]:
    """A proxy in front of the PostgreSQL database `db_url`, to stop and start it."""
    proxy = OutageProxy(db_url)
    await proxy.start()
    yield proxy
    await proxy.close()


@pytest.fixture(scope="session")
def mediawiki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MediaWiki]:
    """A real MediaWiki on loopback (Debian's package), for the whole session."""
    _require(mediawiki_missing(), "MediaWiki")
    with running_mediawiki(tmp_path_factory.mktemp("mediawiki")) as wiki:
        yield wiki
