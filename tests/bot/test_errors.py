"""Which database errors mean "try again shortly": real ones raised through the outage
proxy (tests/support/pg_outage.py), and the errors asyncpg reports when PostgreSQL cannot serve;
a bug's error is not one of them. The end-to-end outage is in tests/e2e/test_db_faults.py.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import asyncpg
import discord
import pytest
import sqlalchemy as sa
from sqlmodel import select

from bot.errors import database_unreachable, describe, report
from bot.i18n import t
from storage.db import Database
from storage.models import AppState
from tests.e2e.conftest import eventually
from tests.support.pg_outage import OutageProxy

on_postgres = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)

SLEEPER = "SELECT pg_sleep(30) -- sleeper"


@pytest.fixture
async def through_proxy(proxy: OutageProxy) -> AsyncIterator[Database]:
    database = Database(proxy.url)
    yield database
    await database.dispose()


async def select_one(database: Database) -> int:
    async with database.sessions() as session:
        return (await session.exec(sa.text("SELECT 1"))).scalar_one()  # type: ignore[call-overload]


async def sleeper_running(database: Database) -> bool:
    async with database.sessions() as session:
        found = await session.exec(  # type: ignore[call-overload]
            sa.text("SELECT count(*) FROM pg_stat_activity WHERE query = :q"),
            params={"q": SLEEPER},
        )
        return found.scalar_one() == 1


@on_postgres
async def test_connection_dropped_mid_query_says_try_again_and_the_pool_recovers(
    db_url: str, proxy: OutageProxy, through_proxy: Database
) -> None:
    direct = Database(db_url)
    try:

        async def sleep_in_a_transaction() -> None:
            async with through_proxy.transaction() as session:
                await session.exec(sa.text(SLEEPER))  # type: ignore[call-overload]

        query = asyncio.create_task(sleep_in_a_transaction())
        assert await eventually(lambda: sleeper_running(direct), seconds=5)
        await proxy.stop()
        with pytest.raises(sa.exc.DBAPIError) as dropped:
            await query
        assert describe(dropped.value, "es") == t("es", "error-try-again")

        await proxy.start()
        assert await select_one(through_proxy) == 1  # the dead one was replaced
    finally:
        await direct.dispose()


@on_postgres
async def test_idle_connections_dropped_by_a_restart_are_replaced_unseen(
    proxy: OutageProxy, through_proxy: Database
) -> None:
    assert await select_one(through_proxy) == 1
    pooled = through_proxy.engine.pool.checkedin()  # type: ignore[attr-defined]
    assert pooled >= 1
    await proxy.stop()
    await proxy.start()
    assert await select_one(through_proxy) == 1


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
        asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator"),
        asyncpg.exceptions.CrashShutdownError("terminating connection: another process crashed"),
        asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already"),
        asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"),
        asyncpg.exceptions.ConnectionFailureError("could not receive data from server"),
        ConnectionRefusedError(111, "Connect call failed"),
        TimeoutError(),
    ],
    ids=lambda error: type(error).__name__,
)
def test_postgres_unable_to_serve_is_unreachable(error: Exception) -> None:
    assert database_unreachable(error)


@on_postgres
async def test_a_bugs_database_error_is_not_unreachable(database: Database) -> None:
    with pytest.raises(sa.exc.DBAPIError) as failed:
        async with database.sessions() as session:
            await session.exec(sa.text("SELECT 1/0"))  # type: ignore[call-overload]
    assert not database_unreachable(failed.value)
    assert not database_unreachable(asyncpg.exceptions.QueryCanceledError("statement timeout"))
    assert describe(failed.value, "en") is None  # logged as a bug, with its traceback


@pytest.mark.parametrize("db_url", ["postgresql", "mariadb"], indirect=True)
async def test_no_pooled_connection_in_time_says_try_again(db_url: str) -> None:
    database = Database(db_url, pool_size=1, max_overflow=0, pool_timeout=0.1)
    try:
        async with database.sessions() as holding:
            await holding.connection()
            with pytest.raises(sa.exc.TimeoutError) as waited:
                await select_one(database)
        assert describe(waited.value, "es") == t("es", "error-try-again")
        assert await select_one(database) == 1  # the connection back, the pool serves again
    finally:
        await database.dispose()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_no_turn_to_write_in_time_says_try_again(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("storage.db.SQLITE_WRITER_WAIT", 0.1)

    async def write(key: str) -> None:
        async with database.transaction() as session:
            session.add(AppState(key=key, value="written"))
            await session.flush()

    async with database.transaction() as holding:
        holding.add(AppState(key="first", value="written"))
        await holding.flush()  # its turn, until it commits
        with pytest.raises(sa.exc.OperationalError) as waited:
            await write("second")
    assert describe(waited.value, "en") == t("en", "error-try-again")
    await write("third")  # the turn given back
    async with database.sessions() as session:
        keys = {row.key for row in (await session.exec(select(AppState))).all()}
    assert {"first", "third"} <= keys and "second" not in keys


class LateInteraction:
    """An interaction whose token Discord already expired: anything sent is recorded."""

    id = 1
    command = None
    created_at = datetime.now(UTC) - timedelta(seconds=4)

    def __init__(self) -> None:
        self.sent: list[str] = []

    @property
    def response(self) -> SimpleNamespace:
        async def send_message(text: str, **_: object) -> None:
            self.sent.append(text)

        return SimpleNamespace(is_done=lambda: False, send_message=send_message)


async def test_an_answer_too_late_is_logged_once_without_a_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    expired = discord.NotFound(
        SimpleNamespace(status=404, reason="Not Found"),
        {"code": 10062, "message": "Unknown interaction"},
    )
    interaction = LateInteraction()
    with caplog.at_level(logging.WARNING, logger="bot.errors"):
        await report(interaction, expired)  # type: ignore[arg-type]
    assert interaction.sent == []  # Discord would refuse it too
    assert [(r.levelno, r.exc_info) for r in caplog.records] == [(logging.WARNING, None)]
    assert "answered too late" in caplog.records[0].getMessage()
