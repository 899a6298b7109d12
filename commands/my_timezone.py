"""/my-timezone: a member's own time zone for the dates they type.

Not under /settings: that group is hidden from members without Manage Server,
and every member may set their own zone.
"""

from __future__ import annotations

import discord
from discord import app_commands

from bot.i18n import t, user_locale
from commands.common import bot_of, timezone_autocomplete
from storage.services.settings import set_user_timezone


@app_commands.command(name="my-timezone")
@app_commands.describe(
    name="Your IANA time zone, e.g. America/Bogota; leave empty to use the server's"
)
@app_commands.autocomplete(name=timezone_autocomplete)
async def my_timezone(
    interaction: discord.Interaction, name: app_commands.Range[str, 1, 64] | None = None
) -> None:
    """Set the time zone your dates are read in."""
    zone = name.strip() if name else None
    bot = bot_of(interaction)
    async with bot.database.transaction() as session:
        await set_user_timezone(
            session=session, user_id=interaction.user.id, timezone=zone, now=bot.clock.now()
        )
    locale = user_locale(interaction)
    text = t(locale, "my-timezone-set", zone) if zone else t(locale, "my-timezone-cleared")
    await interaction.response.send_message(text, ephemeral=True)
