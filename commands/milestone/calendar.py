"""/milestone calendar: the open milestones as a calendar file (.ics) to import."""

from __future__ import annotations

import io

import discord
from discord import app_commands

from bot.checks import guild_id_of
from bot.i18n import t, user_locale
from bot.render.milestones import calendar_file
from commands.common import bot_of
from storage.calendar import calendar_source
from storage.transfer_formats import export_filename

NAMES_MAX = 25


@app_commands.command(name="calendar")
@app_commands.describe(mine="Only the milestones you coordinate or added")
async def calendar_command(interaction: discord.Interaction, mine: bool = False) -> None:
    """A calendar file (.ics) of the open milestones, to import into your calendar."""
    guild_id = guild_id_of(interaction)
    bot = bot_of(interaction)
    locale = user_locale(interaction)
    async with bot.database.sessions() as session:
        source = await calendar_source(
            session=session, guild_id=guild_id, mine=interaction.user.id if mine else None
        )
    page = source.milestones
    if not page:
        await interaction.response.send_message(t(locale, "calendar-empty"), ephemeral=True)
        return
    # Fetching the coordinators' names may take longer than Discord's 3 s.
    await interaction.response.defer(ephemeral=True, thinking=True)
    guild = interaction.guild
    who = await coordinator_names(guild, {m.coordinator_id for m in page} - {None})
    guild_name = guild.name if guild is not None else str(guild_id)
    now = bot.clock.now()
    data = calendar_file(source, who, locale, guild_name=guild_name, now=now)
    filename = export_filename("ics", guild_name, now, what="milestones")
    await interaction.followup.send(
        t(locale, "calendar-ready", len(page)),
        file=discord.File(io.BytesIO(data), filename=filename),
        ephemeral=True,
    )


async def coordinator_names(guild: discord.Guild | None, ids: set[int | None]) -> dict[int, str]:
    """Display names of the coordinators (a calendar shows no mention). The bot keeps no
    member list (no privileged intent), so each is fetched, up to NAMES_MAX; one that
    left the server is shown by id."""
    names: dict[int, str] = {}
    for user_id in sorted(i for i in ids if i is not None)[:NAMES_MAX]:
        member = guild.get_member(user_id) if guild is not None else None
        if member is None and guild is not None:
            try:
                member = await guild.fetch_member(user_id)
            except discord.HTTPException:
                member = None
        names[user_id] = member.display_name if member is not None else str(user_id)
    return names
