"""The composition root: everything the bot is made of is put together here.

`create_bot` points discord.py at the configured servers, migrates the database,
builds the client, registers the slash commands and the lasting buttons
(`commands`), and the scheduled and after-the-answer work (`bot.jobs`).
Nothing else in `bot/` knows the features.
"""

from __future__ import annotations

import ctypes
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord

import commands
from bot.client import PartnerBot
from bot.config import Settings
from bot.endpoints import point_discord_py_at
from bot.jobs.digests import DigestDispatcher
from bot.jobs.reminders import ReminderDispatcher
from bot.jobs.reviews import ReviewJobs
from bot.jobs.sender import DiscordSender
from bot.jobs.wiki import WikiDispatcher
from bot.ops.server import OpsServer
from bot.wiki import client_from
from storage.clock import Clock
from storage.db import Database

log = logging.getLogger(__name__)

_M_ARENA_MAX = -8  # glibc's mallopt parameter (malloc.h)
MALLOC_ARENAS = 2


def limit_malloc_arenas() -> None:
    """Two malloc arenas instead of glibc's eight per core.

    Every aiosqlite connection is a thread, and glibc gives each thread that allocates an
    arena of its own; memory freed in one is not reused by another. Capping them (what
    MALLOC_ARENA_MAX=2 does) saved about 9 MB of the bot's peak RSS in bench/interaction.py.
    Must run before the threads start; elsewhere than glibc it does nothing.
    """
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library the interpreter runs on
    except (OSError, AttributeError, TypeError) as exc:  # not glibc: no such tunable
        log.debug("malloc arenas left as they are: %s", exc)
        return
    mallopt(_M_ARENA_MAX, MALLOC_ARENAS)


def assemble(bot: PartnerBot) -> None:
    """Register the commands, the lasting buttons and the scheduled work on `bot`."""
    for command in commands.all_commands():
        bot.tree.add_command(command)
    bot.add_dynamic_items(*commands.lasting_items())
    sender = DiscordSender(bot.http)
    bot.reviews = ReviewJobs(bot.database, sender, default_locale=bot.settings.default_locale)
    if bot.settings.port is not None:
        bot.ops = OpsServer(bot, host=bot.settings.health_host, port=bot.settings.port)
    bot.dispatchers = [
        ReminderDispatcher(bot.database, sender, default_locale=bot.settings.default_locale),
        DigestDispatcher(bot.database, sender, default_locale=bot.settings.default_locale),
        bot.reviews,
    ]
    bot.wiki = client_from(bot.settings, bot.clock)
    if bot.wiki is not None:  # without the host's wiki account, nothing of it runs
        bot.dispatchers.append(
            WikiDispatcher(
                bot.database, sender, bot.wiki, default_locale=bot.settings.default_locale
            )
        )


async def create_bot(
    settings: Settings,
    *,
    clock: Clock | None = None,
    migrate_separately: bool = True,
    **client_options: Any,
) -> PartnerBot:
    """A bot ready to start: discord.py aimed at the configured servers, database migrated.

    Migrations run in a child process by default, so Alembic (about 12 MB) does not
    stay in the long-running bot's memory.
    """
    limit_malloc_arenas()
    point_discord_py_at(settings.discord_api_base_url, settings.discord_gateway_url)
    database = Database(settings.database_url)
    await database.upgrade(separate_process=migrate_separately)
    bot = PartnerBot(settings, database, clock=clock, **client_options)
    assemble(bot)
    return bot


async def _connected(
    settings: Settings, work: Callable[[PartnerBot], Awaitable[None]], **options: Any
) -> int:
    """Create the bot, do `work` with it, and always release the database."""
    bot = await create_bot(settings, **options)
    try:
        async with bot:
            await work(bot)
    except discord.LoginFailure:
        log.error("Discord refused DISCORD_TOKEN: check it in the developer portal")
        return 1
    finally:
        await bot.database.dispose()
    return 0


async def run_bot(settings: Settings) -> int:
    return await _connected(settings, lambda bot: bot.start(settings.discord_token))


async def sync_commands(settings: Settings) -> int:
    """Register the slash commands now, whether or not the tree changed, then exit."""
    return await _connected(
        settings, lambda bot: bot.login(settings.discord_token), force_sync=True, scheduled=False
    )
