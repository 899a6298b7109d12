"""The publishing tests' world: a migrated SQLite database with the source's examples,
and the bot's client of the real MediaWiki."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.wiki.local import BOT_PASSWORD, MediaWiki
from bot.wiki.mediawiki import MwClient
from storage import transfer
from storage.db import Database
from tests.support.clocks import FixedClock
from tests.support.factories import GUILD

START = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
async def directory(
    sqlite_template: Path, tmp_path: Path, clock: FixedClock
) -> AsyncIterator[Database]:
    """A guild's directory holding the source document's examples."""
    path = tmp_path / "bot.db"
    shutil.copy(sqlite_template, path)
    database = Database(f"sqlite+aiosqlite:///{path}")
    async with database.transaction() as session:
        await transfer.import_examples(session=session, guild_id=GUILD, now=clock.now())
    yield database
    await database.dispose()


def wiki_client(mediawiki: MediaWiki, clock: FixedClock, **overrides: object) -> MwClient:
    options: dict[str, object] = {
        "contact": "tests@example.org",
        "clock": clock,
        "edit_interval": 0,
        "max_retries": 0,
    } | overrides
    api_url = str(options.pop("api_url", mediawiki.api_url))
    password = str(options.pop("password", BOT_PASSWORD))
    return MwClient(api_url, mediawiki.bot_username, password, **options)  # type: ignore[arg-type]


@pytest.fixture
def client(mediawiki: MediaWiki, clock: FixedClock) -> MwClient:
    return wiki_client(mediawiki, clock)


@pytest.fixture
def title() -> str:
    """A page of the test's own on the session's wiki."""
    return f"Partnerships/{uuid.uuid4().hex[:10]}"
