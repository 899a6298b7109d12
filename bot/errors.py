"""The one error path: known errors become a localized ephemeral answer; the rest are logged.

Used by the command tree's `on_error` and by every view and dynamic item, so a
button press fails the same polite way as a slash command.
"""

from __future__ import annotations

import functools
import logging
import socket
from collections.abc import Awaitable, Callable

import discord
from discord import app_commands
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot.checks import NotInGuild, NotModerator
from bot.i18n import t, user_locale
from bot.ops import metrics
from bot.render.entries import label
from bot.render.text import one_line
from bot.wiki.client import WikiError
from storage.errors import Ambiguous, DomainError, InvalidInput, TryAgainLater
from storage.models import Status
from storage.transfer import ImportRowError

log = logging.getLogger(__name__)

# PostgreSQL cannot serve for now: a connection exception (class 08), too many
# connections, or the server shutting down, crashed, or starting up.
UNAVAILABLE_SQLSTATES = ("08", "53300", "57P01", "57P02", "57P03")
# Discord's answer to a reply after the interaction's 3 s: the member saw "did not respond".
UNKNOWN_INTERACTION = 10062


def _unwrap(error: BaseException) -> BaseException:
    while isinstance(error, app_commands.CommandInvokeError | app_commands.TransformerError):
        if error.__cause__ is None:
            break
        error = error.__cause__
    original = getattr(error, "original", None)
    return original if isinstance(original, BaseException) else error


def database_unreachable(error: BaseException) -> bool:
    """Whether the database cannot be reached for now: worth trying again shortly."""
    if isinstance(error, OperationalError | PoolTimeout | ConnectionError | TimeoutError):
        return True
    if isinstance(error, socket.gaierror):  # the database's host name does not resolve
        return True
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    # asyncpg's errors carry the SQLSTATE; SQLAlchemy keeps the driver's error as `orig`.
    driver_error = error.orig if isinstance(error, DBAPIError) else error
    sqlstate = getattr(driver_error, "sqlstate", None)
    return isinstance(sqlstate, str) and sqlstate.startswith(UNAVAILABLE_SQLSTATES)


def describe(error: BaseException, locale: str) -> str | None:
    """The user-facing text for a known error, or None for a bug."""
    if isinstance(error, ImportRowError):
        return error.render(lambda key, *params: t(locale, key, *params))
    if isinstance(error, Ambiguous):
        name, matches = error.params
        lines = "\n".join(f"- `#{id_}` {one_line(match, 100)}" for id_, match in matches)
        return t(locale, error.key, one_line(str(name), 100)) + "\n" + lines
    if isinstance(error, InvalidInput):
        field = t(locale, f"field-{error.field}")
        return t(locale, error.key, field, *error.params[1:])
    if isinstance(error, DomainError):
        # A status is named by its label in the reader's language ("propuesta", not "proposed").
        params = [label(locale, p) if isinstance(p, Status) else p for p in error.params]
        return t(locale, error.key, *params)
    if isinstance(error, WikiError):
        return t(locale, error.key)
    if isinstance(error, NotModerator):
        return t(locale, "error-not-moderator")
    if isinstance(error, NotInGuild):
        return t(locale, "error-guild-only")
    if isinstance(error, app_commands.CommandOnCooldown):
        return t(locale, "error-cooldown", round(error.retry_after, 1))
    if isinstance(error, app_commands.MissingPermissions | app_commands.CheckFailure):
        return t(locale, "error-not-allowed")
    if database_unreachable(error):
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
    command = interaction.command.qualified_name if interaction.command else "component"
    if isinstance(error, discord.NotFound) and error.code == UNKNOWN_INTERACTION:
        # Answered too late: no traceback (under overload there is one per interaction,
        # and logging them costs the CPU that made them late), and no error message,
        # which Discord would refuse for the same reason.
        log.warning("answered too late: interaction %s of %s expired", interaction.id, command)
        metrics.answered(command, "late", interaction.created_at)
        return
    locale = user_locale(interaction)
    text = describe(error, locale)
    outcome = "refused"
    if text is None:
        log.error("unhandled error in %s", command, exc_info=error)
        text = t(locale, "error-generic")
        outcome = "error"
    elif database_unreachable(error):
        log.warning("database unreachable: %s", error)
        metrics.DATABASE_ERRORS.inc()
        outcome = "unavailable"
    await send_ephemeral(interaction, text)
    metrics.answered(command, outcome, interaction.created_at)


Autocomplete = Callable[[discord.Interaction, str], Awaitable[list[app_commands.Choice[str]]]]


def quiet_autocomplete(callback: Autocomplete) -> Autocomplete:
    """No choices while the database is unreachable.

    discord.py only logs an autocomplete's error, with a traceback, and the member
    sees "Loading options failed"; the command itself then answers "try again shortly".
    """

    @functools.wraps(callback)
    async def guarded(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        try:
            return await callback(interaction, current)
        except Exception as error:
            if not database_unreachable(error):
                raise
            log.warning("database unreachable during autocomplete: %s", error)
            return []

    return guarded


class CommandTree(app_commands.CommandTree):
    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        await report(interaction, error)
