"""/settings: each guild setting, and the guidelines, for members with Manage Server
(checked here too)."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot.checks import guild_id_of, require_manage_guild
from bot.i18n import languages, t, user_locale
from bot.jobs import WIKI
from bot.render import entries as render
from bot.render import wiki as render_wiki
from bot.render.proposals import guidelines_embed
from commands.common import bot_of, timezone_autocomplete, wake_reminders
from storage import schemas
from storage.errors import DomainError
from storage.models import GuildSettings, WikiPage
from storage.services import reminders, wiki
from storage.services.settings import get_settings, parse_lead_times, update_settings

settings_group = app_commands.Group(
    name="settings",
    description="Configure the bot for this server",
    guild_only=True,
    default_permissions=discord.Permissions(manage_guild=True),
)


async def _update(interaction: discord.Interaction, **changes: Any) -> None:
    """Apply changes for a member with Manage Server, then show the settings."""
    require_manage_guild(interaction)
    guild_id = guild_id_of(interaction)
    bot = bot_of(interaction)
    async with bot.database.transaction() as session:
        updated = await update_settings(
            session=session,
            guild_id=guild_id,
            actor_id=interaction.user.id,
            now=bot.clock.now(),
            languages=languages(),
            **changes,
        )
        page = await wiki.get_page(session=session, guild_id=guild_id)
    locale = user_locale(interaction)
    await interaction.response.send_message(
        t(locale, "settings-saved"),
        embed=_settings_embed(updated, page, locale),
        ephemeral=True,
    )


def _settings_embed(settings: GuildSettings, page: WikiPage | None, locale: str) -> discord.Embed:
    wiki_page = render_wiki.page_setting(page, locale) if page else None
    return render.settings_embed(settings, locale=locale, wiki_page=wiki_page)


@settings_group.command(name="show")
async def show(interaction: discord.Interaction) -> None:
    """Show this server's settings."""
    require_manage_guild(interaction)
    guild_id = guild_id_of(interaction)
    async with bot_of(interaction).database.sessions() as session:
        current = await get_settings(session=session, guild_id=guild_id)
        page = await wiki.get_page(session=session, guild_id=guild_id)
    locale = user_locale(interaction)
    await interaction.response.send_message(
        embed=_settings_embed(current, page, locale), ephemeral=True
    )


@settings_group.command(name="moderator-role")
@app_commands.describe(role="Members with this role review proposals")
async def moderator_role(interaction: discord.Interaction, role: discord.Role) -> None:
    """Choose the role whose members moderate the directory."""
    await _update(interaction, moderator_role_id=role.id)


@settings_group.command(name="coordinator-role")
@app_commands.describe(role="Pinged for milestones that have no coordinator")
async def coordinator_role(interaction: discord.Interaction, role: discord.Role) -> None:
    """Choose the role pinged for milestones without a coordinator."""
    await _update(interaction, coordinator_role_id=role.id)


@settings_group.command(name="review-channel")
@app_commands.describe(channel="Where new proposals are posted for review")
async def review_channel(interaction: discord.Interaction, channel: discord.TextChannel) -> None:
    """Choose the channel where proposals are reviewed."""
    await _update(interaction, review_channel_id=channel.id)


@settings_group.command(name="proposals-channel")
@app_commands.describe(channel="Where each proposal gets a public discussion thread")
async def proposals_channel(interaction: discord.Interaction, channel: discord.TextChannel) -> None:
    """Choose the channel where each proposal gets a public discussion thread."""
    await _update(interaction, proposals_channel_id=channel.id)


@settings_group.command(name="reminder-channel")
@app_commands.describe(channel="Where coordinators are reminded of milestones")
async def reminder_channel(interaction: discord.Interaction, channel: discord.TextChannel) -> None:
    """Choose the channel for milestone reminders."""
    await _update(interaction, reminder_channel_id=channel.id)
    # Reminders that failed in the old channel (gone, or closed to the bot) go out here.
    bot = bot_of(interaction)
    async with bot.database.transaction() as session:
        await reminders.requeue_failed(session=session, guild_id=guild_id_of(interaction))
    await wake_reminders(bot)


@settings_group.command(name="timezone")
@app_commands.describe(name="An IANA time zone, e.g. Europe/Madrid")
@app_commands.autocomplete(name=timezone_autocomplete)
async def timezone(interaction: discord.Interaction, name: app_commands.Range[str, 1, 64]) -> None:
    """Choose the server's time zone, used to read dates."""
    await _update(interaction, timezone=name.strip())


@settings_group.command(name="language")
@app_commands.describe(language="Language of the bot's posts in channels")
@app_commands.choices(
    language=[
        app_commands.Choice(name=t("en", f"choice-{code}"), value=code) for code in languages()
    ]
)
async def language(interaction: discord.Interaction, language: str) -> None:
    """Choose the language of the bot's posts in channels."""
    await _update(interaction, locale=language)


@settings_group.command(name="follow-through")
@app_commands.describe(days="Flag active entries with no activity for this many days")
async def follow_through(
    interaction: discord.Interaction, days: app_commands.Range[int, 7, 3650]
) -> None:
    """Choose after how many quiet days an active entry needs follow-through."""
    await _update(interaction, followthrough_days=days)


@settings_group.command(name="reminders")
@app_commands.rename(overdue_every="overdue-every", overdue_times="overdue-times")
@app_commands.describe(
    before="Reminders before the due time, e.g. 7d, 1d, 2h (or none: only at the due time)",
    overdue_every="Hours between reminders once a milestone is overdue",
    overdue_times="Overdue reminders before the channel is told instead",
)
async def reminder_timing(
    interaction: discord.Interaction,
    before: app_commands.Range[str, 1, 100] | None = None,
    overdue_every: app_commands.Range[int, 1, 168] | None = None,
    overdue_times: app_commands.Range[int, 0, 10] | None = None,
) -> None:
    """Choose when coordinators are reminded of milestones."""
    require_manage_guild(interaction)  # before reading the input: refuse first
    changes: dict[str, Any] = {
        "overdue_interval_hours": overdue_every,
        "overdue_max": overdue_times,
    }
    if before is not None:
        changes["reminder_lead_minutes"] = parse_lead_times(before)
    changes = {key: value for key, value in changes.items() if value is not None}
    if not changes:
        raise DomainError(key="settings-reminders-nothing")
    await _update(interaction, **changes)
    if before is not None:  # new lead times replanned open milestones: one may come sooner
        await wake_reminders(bot_of(interaction))


@settings_group.command(name="guidelines")
@app_commands.describe(
    text="A short statement of principles (an MOU)",
    link="A link to the full text, e.g. on Meta-Wiki",
)
async def set_guidelines(
    interaction: discord.Interaction,
    text: app_commands.Range[str, 1, 2000],
    link: app_commands.Range[str, 1, schemas.LINK_MAX] | None = None,
) -> None:
    """Set the guidelines proposers agree to before their proposal is queued."""
    require_manage_guild(interaction)
    links = schemas.clean_links(link)
    guild_id = guild_id_of(interaction)
    async with bot_of(interaction).database.transaction() as session:
        settings = await update_settings(
            session=session,
            guild_id=guild_id,
            actor_id=interaction.user.id,
            now=bot_of(interaction).clock.now(),
            guidelines_text=text.strip(),
            guidelines_url=links[0] if links else None,
        )
    locale = user_locale(interaction)
    await interaction.response.send_message(
        t(locale, "settings-saved"), embed=guidelines_embed(settings, locale), ephemeral=True
    )


@settings_group.command(name="wiki")
@app_commands.describe(
    page="The page's title on the wiki, e.g. Alliances and partnerships/Directory",
    every="Publish changes automatically at most every this many minutes (0: off)",
)
async def wiki_page(
    interaction: discord.Interaction,
    page: app_commands.Range[str, 1, wiki.TITLE_MAX],
    every: app_commands.Range[int, 0, wiki.INTERVAL_MINUTES[1]] | None = None,
) -> None:
    """Choose the wiki page the directory is published to, and automatic publishing."""
    require_manage_guild(interaction)
    bot = bot_of(interaction)
    locale = user_locale(interaction)
    if bot.wiki is None:
        await interaction.response.send_message(t(locale, "wiki-not-configured"), ephemeral=True)
        return
    guild_id = guild_id_of(interaction)
    now = bot.clock.now()
    async with bot.database.transaction() as session:
        chosen = await wiki.set_page(
            session=session, guild_id=guild_id, title=page, actor_id=interaction.user.id, now=now
        )
        if every is not None:
            chosen = await wiki.set_auto_interval(
                session=session, guild_id=guild_id, minutes=every or None, now=now
            )
    await interaction.response.send_message(
        render_wiki.settings_text(chosen, locale), ephemeral=True
    )
    if chosen.auto_interval_minutes is not None:
        bot.wake(WIKI, now)
