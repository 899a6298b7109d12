"""Pieces every command module may use: the bot, choices, autocompletes, due dates, wake-ups.

Command modules never import each other; what two of them need lives here (or, for
the actions on an entry shared by /partnership, /review and the review post's
buttons, in `commands.entry_actions`).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, cast

import discord
from discord import app_commands

from bot.checks import guild_id_of
from bot.errors import quiet_autocomplete
from bot.i18n import t
from bot.jobs import REMINDERS
from bot.render.limits import AUTOCOMPLETE_CHOICES, CHOICE_NAME, truncate
from storage import search
from storage.dates import DueReading
from storage.dates import read_due as read_due_phrase
from storage.services import reminders
from storage.services.settings import effective_timezone, timezone_names

# A command's (or group's) `extras` when only moderators may use it: /help lists it only
# to them (the moderator role is ours: Discord's default_permissions cannot name it).
MODERATORS_ONLY = {"moderators": True}

# For answers that show user text or name coordinators: nobody is pinged by them.
NO_PINGS = discord.AllowedMentions.none()

if TYPE_CHECKING:
    from bot.client import PartnerBot


def bot_of(interaction: discord.Interaction) -> PartnerBot:
    return cast("PartnerBot", interaction.client)


def choices(enum: type[StrEnum]) -> list[app_commands.Choice[str]]:
    """Choices named in English; the translator localizes them (key `choice-<value>`)."""
    return [app_commands.Choice(name=t("en", f"choice-{m.value}"), value=m.value) for m in enum]


@quiet_autocomplete
async def entry_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Entry names as the member types (prefix, then fuzzy); the value is the entry's id."""
    if interaction.guild_id is None:
        return []
    async with bot_of(interaction).database.sessions() as session:
        found = await search.autocomplete_names(
            current[:100],
            session=session,
            guild_id=interaction.guild_id,
            limit=AUTOCOMPLETE_CHOICES,
        )
    return [
        app_commands.Choice(name=truncate(name, CHOICE_NAME), value=str(i)) for i, name in found
    ]


async def timezone_autocomplete(
    _interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    needle = current.strip().lower().replace(" ", "_")
    names = timezone_names()
    starts = [n for n in names if n.lower().startswith(needle)]
    contains = [n for n in names if needle in n.lower() and n not in starts]
    return [app_commands.Choice(name=n, value=n) for n in (starts + contains)[:25]]


async def member_zone(interaction: discord.Interaction) -> str:
    """The zone the member's dates are read in: theirs, else the server's, else the default."""
    bot = bot_of(interaction)
    async with bot.database.sessions() as session:
        return await effective_timezone(
            session=session,
            guild_id=guild_id_of(interaction),
            user_id=interaction.user.id,
            default=bot.settings.default_timezone,
        )


async def read_due(
    interaction: discord.Interaction, text: str | None, *, zone: str | None = None
) -> DueReading | None:
    """Read a due date in the member's language and time zone (`zone`, if the caller has
    it already), against the interaction's time: the reading chosen, and the others an
    ambiguous phrase has ("at 3")."""
    if not text:
        return None
    return read_due_phrase(
        text,
        now=interaction.created_at,
        timezone=zone or await member_zone(interaction),
        locale=interaction.locale.value,
    )


async def read_due_at(interaction: discord.Interaction, text: str | None) -> datetime | None:
    """The reading chosen of a due date (see `read_due`), where only one is shown."""
    reading = await read_due(interaction, text)
    return reading.when if reading is not None else None


async def wake_reminders(bot: PartnerBot) -> None:
    """Make the scheduler look at the earliest pending reminder (now, if it is past).

    Nothing pending (or no reminder channel): nothing to look at; a wake-up already
    set for a reminder since cancelled just finds nothing.
    """
    async with bot.database.sessions() as session:
        due = await reminders.next_due_at(session=session)
    if due is not None:
        bot.wake(REMINDERS, max(due, bot.clock.now()))
