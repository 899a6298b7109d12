"""The one error path: known errors become a localized ephemeral answer; the rest are logged.

Used by the command tree's `on_error` and by every view and dynamic item, so a
button press fails the same polite way as a slash command.
"""

from __future__ import annotations

import logging
import socket

import discord
from discord import app_commands
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot.context import NotInGuild, NotModerator, user_locale
from bot.i18n import t
from storage.errors import DomainError, InvalidInput, TryAgainLater
from storage.transfer import ImportRowError

log = logging.getLogger(__name__)


def _unwrap(error: BaseException) -> BaseException:
    while isinstance(error, app_commands.CommandInvokeError | app_commands.TransformerError):
        if error.__cause__ is None:
            break
        error = error.__cause__
    original = getattr(error, "original", None)
    return original if isinstance(original, BaseException) else error


def _database_unreachable(error: BaseException) -> bool:
    if isinstance(error, OperationalError | PoolTimeout | ConnectionError | TimeoutError):
        return True
    if isinstance(error, socket.gaierror):  # the database's host name does not resolve
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def describe(error: BaseException, locale: str) -> str | None:
    """The user-facing text for a known error, or None for a bug."""
    if isinstance(error, ImportRowError):
        return error.render(lambda key, *params: t(locale, key, *params))
    if isinstance(error, InvalidInput):
        field = t(locale, f"field-{error.field}")
        return t(locale, error.key, field, *error.params[1:])
    if isinstance(error, DomainError):
        return t(locale, error.key, *error.params)
    if isinstance(error, NotModerator):
        return t(locale, "error-not-moderator")
    if isinstance(error, NotInGuild):
        return t(locale, "error-guild-only")
    if isinstance(error, app_commands.CommandOnCooldown):
        return t(locale, "error-cooldown", round(error.retry_after, 1))
    if isinstance(error, app_commands.MissingPermissions | app_commands.CheckFailure):
        return t(locale, "error-not-allowed")
    if _database_unreachable(error):
        return t(locale, TryAgainLater.key)
    return None


async def send_ephemeral(interaction: discord.Interaction, text: str) -> None:
    """Answer ephemerally whether or not the interaction was already acknowledged."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not deliver an error message for interaction %s", interaction.id)


async def report(interaction: discord.Interaction, error: BaseException) -> None:
    error = _unwrap(error)
    locale = user_locale(interaction)
    text = describe(error, locale)
    if text is None:
        command = interaction.command.qualified_name if interaction.command else "component"
        log.error("unhandled error in %s", command, exc_info=error)
        text = t(locale, "error-generic")
    elif _database_unreachable(error):
        log.warning("database unreachable: %s", error)
    await send_ephemeral(interaction, text)


class CommandTree(app_commands.CommandTree):
    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        await report(interaction, error)


class View(discord.ui.View):
    """A view whose failures take the same path as commands'."""

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item
    ) -> None:
        await report(interaction, error)
