"""/help: what the bot does, and the commands this member may use, in their language."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.checks import is_moderator
from bot.i18n import catalogue, normalize_locale, user_locale
from bot.i18n.translator import translation_key
from bot.render.entries import help_embeds
from commands.common import bot_of
from storage.services.settings import get_settings

Where = app_commands.TranslationContextLocation


def _localized(locale: str, command: app_commands.Command, where: Where, default: str) -> str:
    key = translation_key(
        app_commands.locale_str(default), app_commands.TranslationContext(where, command)
    )
    return catalogue().get(normalize_locale(locale), {}).get(key or "", default)


def usable_commands(
    tree: app_commands.CommandTree, interaction: discord.Interaction, *, moderator: bool
) -> list[tuple[str, str]]:
    """(full name, description) of every command the member may use: whose default
    permissions they have, and, for moderators' commands, a moderator."""
    locale = user_locale(interaction)
    found: list[tuple[str, str]] = []
    for command in tree.walk_commands():
        if not isinstance(command, app_commands.Command):
            continue
        root = command.root_parent or command
        needed = root.default_permissions
        if needed is not None and not interaction.permissions >= needed:
            continue
        chain = (command, command.parent, command.root_parent)
        if not moderator and any(c is not None and c.extras.get("moderators") for c in chain):
            continue
        parts = [
            _localized(
                locale,
                c,
                Where.group_name if isinstance(c, app_commands.Group) else Where.command_name,
                c.name,
            )
            for c in (command.root_parent, command.parent, command)
            if c is not None
        ]
        name = " ".join(dict.fromkeys(parts))
        found.append(
            (name, _localized(locale, command, Where.command_description, command.description))
        )
    return found


@app_commands.command(name="help")
async def help_command(interaction: discord.Interaction) -> None:
    """What this bot does and the commands you can use."""
    tree = interaction.client.tree  # type: ignore[attr-defined]
    moderator = False
    if interaction.guild_id is not None:
        async with bot_of(interaction).database.sessions() as session:
            settings = await get_settings(session=session, guild_id=interaction.guild_id)
        moderator = is_moderator(interaction, settings)
    usable = usable_commands(tree, interaction, moderator=moderator)
    embeds = help_embeds(usable, locale=user_locale(interaction))
    await interaction.response.send_message(embeds=embeds[:10], ephemeral=True)
