"""/my-timezone: a member's own time zone for the dates they type: shown, set or reset.

Not under /settings: that group is hidden from members without Manage Server,
and every member may set their own zone.
"""

from __future__ import annotations

import discord
from discord import app_commands

from bot.i18n import t, user_locale
from commands.common import bot_of, timezone_autocomplete
from storage.errors import DomainError
from storage.services.settings import get_settings, set_user_timezone, user_timezone


@app_commands.command(name="my-timezone")
@app_commands.describe(
    name="Your IANA time zone, e.g. America/Bogota",
    reset="Remove your own zone: use the server's",
)
@app_commands.autocomplete(name=timezone_autocomplete)
async def my_timezone(
    interaction: discord.Interaction,
    name: app_commands.Range[str, 1, 64] | None = None,
    reset: bool = False,
) -> None:
    """Show or set the time zone your dates are read in."""
    if name is not None and reset:
        raise DomainError(key="my-timezone-both")
    bot = bot_of(interaction)
    user_id = interaction.user.id
    async with bot.database.transaction() as session:
        if name is not None or reset:
            zone = name.strip() if name is not None else None
            await set_user_timezone(
                session=session, user_id=user_id, timezone=zone, now=bot.clock.now()
            )
        own = await user_timezone(session=session, user_id=user_id)
        server = bot.settings.default_timezone
        if interaction.guild_id is not None:
            guild = await get_settings(session=session, guild_id=interaction.guild_id)
            server = guild.timezone or server
    locale = user_locale(interaction)
    if name is not None:
        text = t(locale, "my-timezone-set", own)
    elif reset:
        text = t(locale, "my-timezone-cleared", server)
    elif own is not None:
        text = t(locale, "my-timezone-yours", own, server)
    else:
        text = t(locale, "my-timezone-none", server)
    await interaction.response.send_message(text, ephemeral=True)
