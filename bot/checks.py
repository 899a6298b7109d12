"""Who may do what: the guild of an interaction, moderator rights, Manage Server."""

from __future__ import annotations

import discord

from storage.models import GuildSettings


class NotInGuild(discord.app_commands.CheckFailure):
    """The command was used in a DM; the directory belongs to a server."""


class NotModerator(discord.app_commands.CheckFailure):
    """The member lacks the moderator role and Manage Server."""


def guild_id_of(interaction: discord.Interaction) -> int:
    if interaction.guild_id is None:
        raise NotInGuild()
    return interaction.guild_id


def is_moderator(interaction: discord.Interaction, settings: GuildSettings) -> bool:
    """Manage Server, or the guild's moderator role: checked on our side, whatever Discord hides."""
    if interaction.permissions.manage_guild or interaction.permissions.administrator:
        return True
    user = interaction.user
    roles = getattr(user, "roles", [])
    return settings.moderator_role_id is not None and any(
        role.id == settings.moderator_role_id for role in roles
    )


def require_moderator(interaction: discord.Interaction, settings: GuildSettings) -> None:
    if not is_moderator(interaction, settings):
        raise NotModerator()


def require_manage_guild(interaction: discord.Interaction) -> None:
    if not (interaction.permissions.manage_guild or interaction.permissions.administrator):
        raise NotModerator()
