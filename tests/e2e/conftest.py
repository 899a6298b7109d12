"""The real bot, over real HTTP and a websocket, against the Discord double.

`world` starts a double with two guilds (channels, a moderator, volunteers), the
bot with a fresh migrated SQLite database holding the source's examples, and
fails the test if the bot sent anything Discord would have rejected.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import pytest

from bot.app import create_bot
from bot.client import PartnerBot
from bot.config import Settings
from bot.double import Channel, DiscordDouble, Guild, Member
from storage import transfer
from storage.clock import Clock
from tests.support.clocks import FixedClock

T = TypeVar("T")


@dataclass
class World:
    double: DiscordDouble
    bot: PartnerBot
    guild: Guild
    general: Channel
    review: Channel
    reminders: Channel
    moderator: Member
    volunteer: Member
    stranger: Member
    other_guild: Guild
    other_channel: Channel
    other_member: Member
    bot_task: asyncio.Task[None]


async def start_bot(
    double: DiscordDouble,
    database_url: str,
    *,
    clock: Clock | None = None,
    sessions: int | None = None,
    **settings: object,
) -> tuple[PartnerBot, asyncio.Task[None]]:
    """Start the real bot against the double; `sessions`: wait for that many gateway sessions."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        discord_token=double.token,
        database_url=database_url,
        discord_api_base_url=double.api_base_url,
        discord_gateway_url=double.gateway_url,
        **settings,
    )
    # discord.py waits 2 s after the last GUILD_CREATE before on_ready; the double is quick.
    bot = await create_bot(
        settings, clock=clock, migrate_separately=False, guild_ready_timeout=0.05
    )
    task = asyncio.create_task(bot.start(settings.discord_token))
    await double.wait_until_ready(sessions=sessions)
    for _ in range(200):
        if bot.is_ready():
            break
        await asyncio.sleep(0.01)
    await bot.settle()  # the start-up scan is over before the test moves any clock
    return bot, task


async def stop_bot(bot: PartnerBot, task: asyncio.Task[None]) -> None:
    await bot.close()
    await asyncio.wait_for(task, timeout=10)
    await bot.database.dispose()


async def eventually(check: Callable[[], Awaitable[T]], seconds: float = 3.0) -> T:
    """The first truthy result of `check`: for what the bot does just after it answers."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        result = await check()
        if result or asyncio.get_running_loop().time() > deadline:
            return result
        await asyncio.sleep(0.02)


@pytest.fixture
def e2e_db_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "bot.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
async def world(e2e_db_url: str) -> AsyncIterator[World]:
    double = DiscordDouble()
    guild = double.add_guild("Wikimedia ES")
    general = guild.add_text_channel("general")
    review = guild.add_text_channel("review")
    reminders = guild.add_text_channel("reminders")
    moderator = guild.add_moderator("Ana", locale="es-ES")
    volunteer = guild.add_member("Ben")
    stranger = guild.add_member("Cleo")
    other_guild = double.add_guild("Other community")
    other_channel = other_guild.add_text_channel("general")
    other_member = other_guild.add_member("Dana")
    await double.start()
    bot, task = await start_bot(double, e2e_db_url)
    async with bot.database.transaction() as session:
        await transfer.import_examples(session=session, guild_id=guild.id, now=bot.clock.now())
    state = World(
        double,
        bot,
        guild,
        general,
        review,
        reminders,
        moderator,
        volunteer,
        stranger,
        other_guild,
        other_channel,
        other_member,
        task,
    )
    try:
        yield state
    finally:
        # A test may have restarted the bot: stop the one running now.
        await stop_bot(state.bot, state.bot_task)
        await double.stop()
    double.assert_no_violations()


@pytest.fixture
async def clock(world: World, e2e_db_url: str) -> FixedClock:
    """The world's bot, restarted on a clock that moves only when the test says."""
    fixed = FixedClock(datetime.now(UTC))
    await stop_bot(world.bot, world.bot_task)
    world.bot, world.bot_task = await start_bot(world.double, e2e_db_url, clock=fixed)
    return fixed
