"""Migrations go up from empty, down to nothing and up again, on both backends."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel

import storage.models  # noqa: F401
from storage.db import Database, downgrade, upgrade
from tests.conftest import _pg_admin, _pg_url


def _empty_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    request.getfixturevalue("postgres_template")  # skips or fails like the other PG tests
    name = f"pb_mig_{uuid.uuid4().hex[:8]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    request.addfinalizer(
        lambda: asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    )
    return _pg_url(name)


async def _tables(url: str) -> set[str]:
    db = Database(url)
    try:
        async with db.engine.connect() as connection:
            return set(await connection.run_sync(lambda c: sa.inspect(c).get_table_names()))
    finally:
        await db.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_upgrade_downgrade_upgrade(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = _empty_url(backend, tmp_path, request)
    upgrade(url)
    tables = asyncio.run(_tables(url))
    assert set(SQLModel.metadata.tables) <= tables
    downgrade(url, "base")
    assert asyncio.run(_tables(url)) <= {"alembic_version"}
    upgrade(url)
    assert set(SQLModel.metadata.tables) <= asyncio.run(_tables(url))
