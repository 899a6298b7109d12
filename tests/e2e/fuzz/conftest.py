"""Fixtures of the fuzz tests: the errors logged, and the `Watch` over each example."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from storage.services import entries
from storage.services import settings as guild_settings
from tests.e2e.conftest import World
from tests.e2e.fuzz.hostile import Watch


class Recorder(logging.Handler):
    """ERRORs logged anywhere (the bot's "unhandled error" too), and the error path's
    warnings: "database unreachable" in these tests means an error was misread."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR or record.name == "bot.errors":
            self.records.append(record)


@pytest.fixture
def errors() -> Iterator[list[logging.LogRecord]]:
    recorder = Recorder()
    logging.getLogger().addHandler(recorder)
    yield recorder.records
    logging.getLogger().removeHandler(recorder)


@pytest.fixture
async def watch(world: World, errors: list[logging.LogRecord]) -> Watch:
    world.guild.add_role("Partners", mentionable=True)
    async with world.bot.database.transaction() as session:
        await guild_settings.update_settings(
            session=session,
            guild_id=world.guild.id,
            actor_id=None,
            review_channel_id=world.review.id,
            now=world.bot.clock.now(),
        )
        seeds = await entries.all_entries(session=session, guild_id=world.guild.id)
    return Watch(world, errors, [str(e.id) for e in seeds] + [e.name for e in seeds])
