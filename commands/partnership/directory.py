"""/partnership search, show, list, export and guidelines: reading the directory."""

from __future__ import annotations

import io

import discord
from discord import app_commands

from bot.checks import guild_id_of, require_moderator
from bot.i18n import channel_locale, t, user_locale
from bot.render import entries as render
from bot.render.export import mediawiki_table
from bot.render.proposals import guidelines_embed
from bot.ui import send_list, send_paged
from commands.common import MODERATORS_ONLY, bot_of, choices, entry_autocomplete
from commands.entry_actions import support_button
from commands.entry_actions.showing import entry_embed_of
from storage import search, transfer, transfer_formats
from storage.models import Area, EntryKind, Status, Steward
from storage.services import entries
from storage.services.settings import get_settings

PER_PAGE = 10
QUERY_MAX = 200


def _search_embed(page: search.SearchPage, offset: int, title: str, locale: str) -> discord.Embed:
    return render.search_page(
        page.entries,
        total=page.total,
        offset=offset,
        per_page=PER_PAGE,
        title=title,
        locale=locale,
        capped=page.total_capped,
    )


@app_commands.command(name="search")
@app_commands.describe(
    query="Words to look for in names, partners, summaries and success measures",
    kind="Only alliances or only partnerships",
    area="Only this area",
    status="Only this status",
    steward="Only entries led by these stewards",
    models="Only best-case examples others can learn from",
)
@app_commands.choices(
    kind=choices(EntryKind), area=choices(Area), status=choices(Status), steward=choices(Steward)
)
async def search_command(
    interaction: discord.Interaction,
    query: app_commands.Range[str, 1, QUERY_MAX],
    kind: str | None = None,
    area: str | None = None,
    status: str | None = None,
    steward: str | None = None,
    models: bool = False,
) -> None:
    """Search the directory of alliances and partnerships."""
    guild_id = guild_id_of(interaction)
    locale = user_locale(interaction)
    filters = search.SearchFilters(
        kind=EntryKind(kind) if kind else None,
        area=Area(area) if area else None,
        status=Status(status) if status else None,
        steward=Steward(steward) if steward else None,
        models_only=models,
    )
    database = bot_of(interaction).database
    title = t(locale, "search-title", query)

    async def load(offset: int) -> tuple[discord.Embed, int]:
        async with database.sessions() as session:
            page = await search.search_entries(
                query,
                session=session,
                guild_id=guild_id,
                filters=filters,
                limit=PER_PAGE,
                offset=offset,
            )
        return _search_embed(page, offset, title, locale), page.total

    async with database.sessions() as session:
        first = await search.search_entries(
            query, session=session, guild_id=guild_id, filters=filters, limit=PER_PAGE
        )
    if first.no_words:
        await interaction.response.send_message(
            render.no_search_words(query, locale=locale), ephemeral=True
        )
        return
    if not first.entries:
        await interaction.response.send_message(
            render.no_results(
                query,
                first.suggestion,
                filtered=any((kind, area, status, steward, models)),
                locale=locale,
            ),
            ephemeral=True,
        )
        return
    embed = _search_embed(first, 0, title, locale)
    # The first page's proposals may be supported from here (a row of at most five).
    proposed = [entry for entry in first.entries if entry.status == Status.PROPOSED]
    buttons = [support_button(entry, locale, named=True) for entry in proposed[:5]]
    await send_paged(
        interaction,
        embed,
        total=first.total,
        per_page=PER_PAGE,
        load=load,
        locale=locale,
        extra=buttons,
    )


@app_commands.command(name="show")
@app_commands.describe(entry="The entry's name (pick from the list)")
@app_commands.autocomplete(entry=entry_autocomplete)
async def show_command(
    interaction: discord.Interaction, entry: app_commands.Range[str, 1, 100]
) -> None:
    """Show an entry in full: summary, partners, milestones, support and links."""
    guild_id = guild_id_of(interaction)
    async with bot_of(interaction).database.sessions() as session:
        found = await entries.resolve_entry(entry, session=session, guild_id=guild_id)
    locale = user_locale(interaction)
    embed = await entry_embed_of(interaction, found, locale)
    if found.status != Status.PROPOSED:
        await interaction.response.send_message(embed=embed)
        return
    view = discord.ui.View(timeout=None)
    view.add_item(support_button(found, locale))
    await interaction.response.send_message(embed=embed, view=view)


@app_commands.command(name="list")
@app_commands.describe(status="Only entries with this status")
@app_commands.choices(status=choices(Status))
async def list_command(interaction: discord.Interaction, status: str | None = None) -> None:
    """List the directory's entries, most recently changed first."""
    guild_id = guild_id_of(interaction)
    locale = user_locale(interaction)
    wanted = Status(status) if status else None
    database = bot_of(interaction).database
    title = render.list_title(locale, wanted)

    async def load(offset: int) -> tuple[discord.Embed, int]:
        async with database.sessions() as session:
            page, total = await entries.list_entries(
                session=session, guild_id=guild_id, status=wanted, limit=PER_PAGE, offset=offset
            )
        embed = render.search_page(
            page, total=total, offset=offset, per_page=PER_PAGE, title=title, locale=locale
        )
        return embed, total

    empty = t(locale, "list-empty")
    await send_list(interaction, load=load, per_page=PER_PAGE, locale=locale, empty=empty)


@app_commands.command(name="export", extras=MODERATORS_ONLY)
@app_commands.describe(format="File format: CSV, JSON or a MediaWiki table for Meta-Wiki")
@app_commands.choices(
    format=[
        app_commands.Choice(name=t("en", f"choice-{f}"), value=f) for f in transfer_formats.FORMATS
    ]
)
async def export_command(interaction: discord.Interaction, format: str) -> None:
    """Export the directory as a file (moderators)."""
    guild_id = guild_id_of(interaction)
    bot = bot_of(interaction)
    async with bot.database.sessions() as session:
        settings = await get_settings(session=session, guild_id=guild_id)
        require_moderator(interaction, settings)
        await interaction.response.defer(ephemeral=True, thinking=True)
        if format == "wikitext":  # to paste on Meta-Wiki: for readers, in the guild's language
            rows = await transfer.export_rows(session=session, guild_id=guild_id)
            page_locale = channel_locale(settings.locale, bot.settings.default_locale)
            text = mediawiki_table(rows, locale=page_locale)
        else:
            text = await transfer.export_entries(format, session=session, guild_id=guild_id)
    # Named after the server (its id only if Discord did not tell its name) and the date.
    server = interaction.guild.name if interaction.guild is not None else guild_id
    name = transfer_formats.export_filename(format, server, bot.clock.now())
    file = discord.File(io.BytesIO(text.encode("utf-8")), filename=name)
    await interaction.followup.send(
        t(user_locale(interaction), "export-ready", format), file=file, ephemeral=True
    )


@app_commands.command(name="guidelines")
async def guidelines(interaction: discord.Interaction) -> None:
    """The general guidelines every alliance and partnership follows."""
    async with bot_of(interaction).database.sessions() as session:
        settings = await get_settings(session=session, guild_id=guild_id_of(interaction))
    locale = user_locale(interaction)
    embed = guidelines_embed(settings, locale)
    if embed is None:
        await interaction.response.send_message(t(locale, "guidelines-none"), ephemeral=True)
        return
    await interaction.response.send_message(embed=embed, ephemeral=True)


COMMANDS = (search_command, show_command, list_command, export_command, guidelines)
