"""Changing entries: edit, status, model, history and the guidelines."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot.context import (
    guild_id_of,
    is_moderator,
    require_manage_guild,
    require_moderator,
    user_locale,
)
from bot.errors import report
from bot.i18n import t
from bot.render import proposals as render
from bot.render.entries import label
from commands.common import bot_of, choices, entry_autocomplete
from commands.partnership import partnership
from commands.proposals import parse_reporting_due
from commands.review import refresh_review_message
from commands.settings import settings_group
from storage import schemas
from storage.errors import NotAllowed
from storage.models import Area, Entry, EntryKind, Status, Steward
from storage.schemas import EntryUpdate
from storage.services import audit, entries, proposals
from storage.services.settings import get_settings, update_settings


class EditModal(discord.ui.Modal):
    """The entry's texts, pre-filled; other fields came as the command's options."""

    def __init__(self, entry: Entry, *, locale: str, options: dict[str, Any]) -> None:
        super().__init__(title=t(locale, "edit-modal-title"))
        self.entry_id = entry.id
        self.options = options
        self.name = render.text_input(locale, "name", schemas.NAME_MAX, default=entry.name)
        self.partners = render.text_input(
            locale,
            "partners",
            schemas.PARTNERS_MAX,
            long=True,
            required=False,
            default=entry.partners,
        )
        self.summary = render.text_input(
            locale, "summary", schemas.SUMMARY_MAX, long=True, required=False, default=entry.summary
        )
        self.measures = render.text_input(
            locale,
            "success_measures",
            schemas.MEASURES_MAX,
            long=True,
            required=False,
            default=entry.success_measures,
        )
        self.links = render.text_input(
            locale, "links", 1500, long=True, required=False, default="\n".join(entry.links)
        )
        for item in (self.name, self.partners, self.summary, self.measures, self.links):
            self.add_item(item)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        changes = EntryUpdate.parse(
            **self.options,
            name=self.name.value,
            partners=self.partners.value or "",
            summary=self.summary.value or "",
            success_measures=self.measures.value or None,
            links=self.links.value,
        )
        bot = bot_of(interaction)
        guild_id = guild_id_of(interaction)
        async with bot.database.transaction() as session:
            settings = await get_settings(session=session, guild_id=guild_id)
            entry = await entries.get_entry(self.entry_id, session=session, guild_id=guild_id)
            allowed = is_moderator(interaction, settings)
            if not proposals.can_edit(entry, user_id=interaction.user.id, is_moderator=allowed):
                raise NotAllowed()
            entry = await entries.update_entry(
                self.entry_id,
                changes,
                session=session,
                guild_id=guild_id,
                actor_id=interaction.user.id,
            )
        await interaction.response.send_message(
            t(user_locale(interaction), "edit-saved", entry.name), ephemeral=True
        )
        await refresh_review_message(bot, entry, settings)

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        await report(interaction, error)


async def open_edit(
    interaction: discord.Interaction, entry_id: int, options: dict[str, Any] | None = None
) -> None:
    guild_id = guild_id_of(interaction)
    async with bot_of(interaction).database.sessions() as session:
        settings = await get_settings(session=session, guild_id=guild_id)
        entry = await entries.get_entry(entry_id, session=session, guild_id=guild_id)
    allowed = is_moderator(interaction, settings)
    if not proposals.can_edit(entry, user_id=interaction.user.id, is_moderator=allowed):
        raise NotAllowed()
    modal = EditModal(entry, locale=user_locale(interaction), options=options or {})
    await interaction.response.send_modal(modal)


@partnership.command(name="edit")
@app_commands.describe(
    entry="The entry to change",
    kind="Change the kind",
    area="Change the area",
    steward="Change the steward",
    chapter="Change the chapter's name",
    funder="Change the funder",
    reporting_due="Change when the report is due (e.g. 2027-03-01)",
)
@app_commands.autocomplete(entry=entry_autocomplete)
@app_commands.choices(kind=choices(EntryKind), area=choices(Area), steward=choices(Steward))
async def edit(
    interaction: discord.Interaction,
    entry: app_commands.Range[str, 1, 100],
    kind: str | None = None,
    area: str | None = None,
    steward: str | None = None,
    chapter: app_commands.Range[str, 1, schemas.CHAPTER_MAX] | None = None,
    funder: app_commands.Range[str, 1, schemas.FUNDER_MAX] | None = None,
    reporting_due: app_commands.Range[str, 1, 100] | None = None,
) -> None:
    """Edit an entry (moderators, or its proposer while it is proposed)."""
    guild_id = guild_id_of(interaction)
    async with bot_of(interaction).database.sessions() as session:
        found = await entries.resolve_entry(entry, session=session, guild_id=guild_id)
    given = {
        "kind": kind,
        "area": area,
        "steward": steward,
        "chapter_name": chapter,
        "funder": funder,
    }
    options: dict[str, Any] = {key: value for key, value in given.items() if value is not None}
    if reporting_due:
        options["reporting_due_at"] = await parse_reporting_due(interaction, reporting_due)
    await open_edit(interaction, found.id, options)


@partnership.command(name="history")
@app_commands.describe(entry="The entry whose changes to show")
@app_commands.autocomplete(entry=entry_autocomplete)
async def history(interaction: discord.Interaction, entry: app_commands.Range[str, 1, 100]) -> None:
    """Who changed an entry, when, and what."""
    guild_id = guild_id_of(interaction)
    async with bot_of(interaction).database.sessions() as session:
        found = await entries.resolve_entry(entry, session=session, guild_id=guild_id)
        events = await audit.history(session=session, guild_id=guild_id, entry_id=found.id)
    await interaction.response.send_message(
        embed=render.history_embed(found, events, user_locale(interaction)), ephemeral=True
    )


class OutcomesModal(discord.ui.Modal):
    """Completing an entry: its outcomes against the success measures, and lessons learned."""

    def __init__(self, entry: Entry, locale: str) -> None:
        super().__init__(title=t(locale, "complete-modal-title"))
        self.entry_id = entry.id
        self.outcomes = render.text_input(locale, "outcomes", schemas.OUTCOMES_MAX, long=True)
        self.lessons = render.text_input(
            locale, "lessons", schemas.OUTCOMES_MAX, long=True, required=False
        )
        self.add_item(self.outcomes)
        self.add_item(self.lessons)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await _change_status(
            interaction,
            self.entry_id,
            Status.COMPLETED,
            outcomes=self.outcomes.value,
            lessons=self.lessons.value,
        )

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        await report(interaction, error)


async def _change_status(
    interaction: discord.Interaction, entry_id: int, status: Status, **texts: str
) -> None:
    guild_id = guild_id_of(interaction)
    async with bot_of(interaction).database.transaction() as session:
        require_moderator(interaction, await get_settings(session=session, guild_id=guild_id))
        entry = await entries.change_status(
            entry_id,
            status,
            session=session,
            guild_id=guild_id,
            actor_id=interaction.user.id,
            **texts,
        )
    locale = user_locale(interaction)
    await interaction.response.send_message(
        t(locale, "status-changed", entry.name, label(locale, entry.status)), ephemeral=True
    )


@partnership.command(name="status")
@app_commands.describe(entry="The entry to move", status="Its new status")
@app_commands.autocomplete(entry=entry_autocomplete)
@app_commands.choices(status=[c for c in choices(Status) if c.value != Status.REJECTED])
async def status(
    interaction: discord.Interaction, entry: app_commands.Range[str, 1, 100], status: str
) -> None:
    """Move an entry through the pipeline, e.g. mark it completed or paused (moderators)."""
    guild_id = guild_id_of(interaction)
    async with bot_of(interaction).database.sessions() as session:
        require_moderator(interaction, await get_settings(session=session, guild_id=guild_id))
        found = await entries.resolve_entry(entry, session=session, guild_id=guild_id)
    if status == Status.COMPLETED and found.status != Status.COMPLETED:
        entries.check_transition(Status(found.status), Status.COMPLETED)
        await interaction.response.send_modal(OutcomesModal(found, user_locale(interaction)))
        return
    await _change_status(interaction, found.id, Status(status))


@partnership.command(name="model")
@app_commands.describe(
    entry="The entry", model="Whether it is a best-case example others can learn from"
)
@app_commands.autocomplete(entry=entry_autocomplete)
async def model(
    interaction: discord.Interaction, entry: app_commands.Range[str, 1, 100], model: bool
) -> None:
    """Mark an entry as a model others can learn from (moderators)."""
    guild_id = guild_id_of(interaction)
    async with bot_of(interaction).database.transaction() as session:
        require_moderator(interaction, await get_settings(session=session, guild_id=guild_id))
        found = await entries.resolve_entry(entry, session=session, guild_id=guild_id)
        updated = await entries.set_model(
            found.id, model, session=session, guild_id=guild_id, actor_id=interaction.user.id
        )
    key = "model-marked" if updated.is_model else "model-unmarked"
    await interaction.response.send_message(
        t(user_locale(interaction), key, updated.name), ephemeral=True
    )


@partnership.command(name="guidelines")
async def guidelines(interaction: discord.Interaction) -> None:
    """The general guidelines every alliance and partnership follows."""
    async with bot_of(interaction).database.sessions() as session:
        settings = await get_settings(session=session, guild_id=guild_id_of(interaction))
    locale = user_locale(interaction)
    embed = render.guidelines_embed(settings, locale)
    if embed is None:
        await interaction.response.send_message(t(locale, "guidelines-none"), ephemeral=True)
        return
    await interaction.response.send_message(embed=embed, ephemeral=True)


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
            guidelines_text=text.strip(),
            guidelines_url=links[0] if links else None,
        )
    locale = user_locale(interaction)
    await interaction.response.send_message(
        t(locale, "settings-saved"), embed=render.guidelines_embed(settings, locale), ephemeral=True
    )
