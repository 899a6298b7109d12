"""Start the bot: point discord.py at the configured servers, migrate, connect."""

from __future__ import annotations

import ctypes
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.client import PartnerBot
from bot.config import Settings
from bot.wire import point_discord_py_at
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
    return PartnerBot(settings, database, clock=clock, **client_options)


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
