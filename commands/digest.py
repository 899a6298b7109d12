"""/digest: the weekly digest per channel (set up, list, turn off, preview), for moderators."""

from __future__ import annotations

import discord
from discord import app_commands
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.checks import guild_id_of, require_moderator
from bot.i18n import channel_locale, languages, t, user_locale
from bot.jobs import DIGESTS
from bot.jobs.digests import preview
from bot.ops.invite import channel_permissions
from bot.render.digest import COLOR_LATE, DAY_KEYS, DAYS, notice_text, schedule_line
from bot.render.limits import pack_lines, pack_messages
from commands.common import bot_of, timezone_autocomplete
from storage.dates import parse_time_of_day
from storage.errors import DomainError, InvalidInput
from storage.models import GuildSettings
from storage.services import digest
from storage.services.settings import get_settings

# What the bot needs in a digest channel: see it, post, and show embeds.
_POST_PERMISSIONS = channel_permissions()

digest_group = app_commands.Group(
    name="digest",
    description="Post a weekly digest of the directory's news in a channel",
    guild_only=True,
    default_permissions=discord.Permissions(manage_guild=True),
)


async def _moderator_settings(
    interaction: discord.Interaction, session: AsyncSession
) -> GuildSettings:
    """The guild's settings, once the member is known to moderate: default permissions
    only hide the command, and a server may show it to anyone."""
    settings = await get_settings(session=session, guild_id=guild_id_of(interaction))
    require_moderator(interaction, settings)
    return settings


def _time_of_day(value: str, locale: str) -> str:
    """The time as HH:MM, read as milestones' times are ("5pm", "17:00", "a las 17"),
    or a polite error showing the forms understood."""
    try:
        return parse_time_of_day(value, locale=locale).strftime("%H:%M")
    except InvalidInput:
        raise DomainError(value[:16], key="digest-bad-time") from None


def _check_can_post(interaction: discord.Interaction, channel_id: int) -> None:
    """Refuse a channel the bot may not post in now, rather than fail at the first digest."""
    guild = interaction.guild
    channel = guild.get_channel(channel_id) if guild is not None else None
    if guild is None or channel is None or guild.me is None:
        return  # not cached: the first post will tell (the digest turns off with a notice)
    if not channel.permissions_for(guild.me) >= _POST_PERMISSIONS:
        raise DomainError(channel_id, key="digest-cannot-post")


@digest_group.command(name="setup")
@app_commands.describe(
    channel="Where the digest is posted",
    day="Day of the week to post it",
    time="Time of day to post it, e.g. 17:00, 5pm or 9:30am",
    timezone="Time zone of that time, e.g. Europe/Madrid (default: the server's)",
    language="Language of the digest (default: the server's)",
)
@app_commands.choices(
    day=[
        app_commands.Choice(name=app_commands.locale_str(t("en", key), key=key), value=value)
        for key, value in zip(DAY_KEYS, DAYS, strict=True)
    ],
    language=[
        app_commands.Choice(name=t("en", f"choice-{code}"), value=code) for code in languages()
    ],
)
@app_commands.autocomplete(timezone=timezone_autocomplete)
async def setup_command(
    interaction: discord.Interaction,
    channel: discord.TextChannel,
    day: str,
    time: app_commands.Range[str, 1, 16],
    timezone: app_commands.Range[str, 1, 64] | None = None,
    language: str | None = None,
) -> None:
    """Post a weekly digest in a channel, or change when and how it is posted."""
    bot = bot_of(interaction)
    async with bot.database.transaction() as session:
        guild = await _moderator_settings(interaction, session)
        _check_can_post(interaction, channel.id)
        schedule = await digest.setup_digest(
            session=session,
            guild_id=guild.guild_id,
            channel_id=channel.id,
            weekday=DAYS.index(day),
            time_of_day=_time_of_day(time, interaction.locale.value),
            timezone=(timezone or guild.timezone or bot.settings.default_timezone).strip(),
            locale=language or channel_locale(guild.locale, bot.settings.default_locale),
            languages=languages(),
            actor_id=interaction.user.id,
            now=bot.clock.now(),
        )
    bot.wake(DIGESTS, schedule.next_run_at)
    locale = user_locale(interaction)
    await interaction.response.send_message(
        t(locale, "digest-saved", schedule_line(schedule, locale)), ephemeral=True
    )


@digest_group.command(name="list")
async def list_command(interaction: discord.Interaction) -> None:
    """Show this server's weekly digests, and any the bot had to turn off."""
    async with bot_of(interaction).database.transaction() as session:
        guild = await _moderator_settings(interaction, session)
        schedules = await digest.list_digests(session=session, guild_id=guild.guild_id)
        # Shown here, so told: cleared in this same transaction.
        notices = await digest.pending_notices(session=session, guild_id=guild.guild_id)
    locale = user_locale(interaction)
    if not schedules:
        await interaction.response.send_message(t(locale, "digest-list-empty"), ephemeral=True)
        return
    title = t(locale, "digest-list-title")
    embeds = pack_lines(
        t(locale, "digest-list-notices"),
        [notice_text(notice, locale=locale) for notice in notices],
        color=COLOR_LATE,
    ) + pack_lines(
        title,
        [schedule_line(schedule, locale) for schedule in schedules],
        continued=t(locale, "digest-continued", title),
    )
    # Ephemeral, in as many messages as Discord's embed limits need.
    for number, message in enumerate(pack_messages(embeds)):
        built = [discord.Embed.from_dict(embed) for embed in message]
        if number == 0:
            await interaction.response.send_message(embeds=built, ephemeral=True)
        else:
            await interaction.followup.send(embeds=built, ephemeral=True)


@digest_group.command(name="off")
@app_commands.describe(channel="The channel whose digest stops")
async def off_command(interaction: discord.Interaction, channel: discord.TextChannel) -> None:
    """Stop a channel's weekly digest."""
    async with bot_of(interaction).database.transaction() as session:
        guild = await _moderator_settings(interaction, session)
        found = await digest.get_digest(
            session=session, guild_id=guild.guild_id, channel_id=channel.id
        )
        if found is None:
            raise DomainError(channel.id, key="digest-not-set")
        await digest.disable_digest(
            session=session,
            guild_id=guild.guild_id,
            channel_id=channel.id,
            actor_id=interaction.user.id,
            now=bot_of(interaction).clock.now(),
        )
    await interaction.response.send_message(
        t(user_locale(interaction), "digest-off-done", channel.id), ephemeral=True
    )


@digest_group.command(name="preview")
@app_commands.describe(channel="The digest of this channel (default: the server's first)")
async def preview_command(
    interaction: discord.Interaction, channel: discord.TextChannel | None = None
) -> None:
    """Show, only to you, exactly what the digest would post now."""
    bot = bot_of(interaction)
    locale = user_locale(interaction)
    async with bot.database.sessions() as session:
        guild = await _moderator_settings(interaction, session)
        schedules = await digest.list_digests(session=session, guild_id=guild.guild_id)
    # The channel's digest; without one, the server's first (as `preview` reads them).
    chosen = next((s for s in schedules if channel is None or s.channel_id == channel.id), None)
    if channel is not None and chosen is None:
        await interaction.response.send_message(
            t(locale, "digest-preview-none", channel.id), ephemeral=True
        )
        return
    await interaction.response.defer(ephemeral=True, thinking=True)
    payloads = await preview(
        database=bot.database,
        guild_id=guild.guild_id,
        channel_id=chosen.channel_id if chosen is not None else None,
        now=bot.clock.now(),
        default_locale=bot.settings.default_locale,
    )
    if chosen is not None:
        language = t(locale, f"choice-{chosen.locale}")
        content = t(locale, "digest-preview-intro", chosen.channel_id, language)
    else:
        language = t(locale, f"choice-{channel_locale(guild.locale, bot.settings.default_locale)}")
        content = t(locale, "digest-preview-unset", language)
    if len(payloads) > 1:
        content += "\n" + t(locale, "digest-preview-more", len(payloads) - 1)
    # The first message as posted; the digest already fits one message's limits.
    embeds = [discord.Embed.from_dict(embed) for embed in payloads[0]["embeds"]]
    await interaction.followup.send(content, embeds=embeds, ephemeral=True)
