"""Pieces several command modules share: choices, entry autocomplete, the bot's services."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, cast

import discord
from discord import app_commands

from bot.errors import quiet_autocomplete
from bot.i18n import t
from bot.render.limits import AUTOCOMPLETE_CHOICES, CHOICE_NAME, truncate
from storage import search

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
