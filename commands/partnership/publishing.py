"""/partnership publish: the directory, written to the guild's wiki page (moderators)."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.checks import guild_id_of, require_moderator
from bot.i18n import t, user_locale
from bot.render import wiki as render
from bot.wiki.publish import publish
from commands.common import MODERATORS_ONLY, bot_of
from storage.services.settings import get_settings


@app_commands.command(name="publish", extras=MODERATORS_ONLY)
async def publish_command(interaction: discord.Interaction) -> None:
    """Publish the directory to this server's wiki page (moderators)."""
    bot = bot_of(interaction)
    guild_id = guild_id_of(interaction)
    locale = user_locale(interaction)
    async with bot.database.sessions() as session:
        require_moderator(interaction, await get_settings(session=session, guild_id=guild_id))
    if bot.wiki is None:
        await interaction.response.send_message(t(locale, "wiki-not-configured"), ephemeral=True)
        return
    await interaction.response.defer(ephemeral=True, thinking=True)
    # A refusal of the wiki (bot.wiki.client.WikiError) takes the error path: its message.
    published = await publish(
        bot.database,
        bot.wiki,
        guild_id=guild_id,
        now=bot.clock.now(),
        default_locale=bot.settings.default_locale,
    )
    await interaction.followup.send(render.published_text(published, locale), ephemeral=True)


COMMANDS = (publish_command,)
