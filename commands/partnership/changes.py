"""/partnership edit, status, model and history: changing an entry, and what changed."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot.checks import guild_id_of, require_moderator
from bot.errors import report
from bot.i18n import t, user_locale
from bot.render import proposals as render
from bot.render.entries import about, label
from bot.render.history import history_embed
from bot.render.milestones import milestones_after_status
from bot.ui import OwnedView
from commands.common import MODERATORS_ONLY, bot_of, choices, entry_autocomplete, read_due_at
from commands.entry_actions import decide
from commands.entry_actions.forms import open_edit
from storage import schemas
from storage.models import Area, Entry, EntryKind, Status, Steward
from storage.services import audit, closing, entries
from storage.services.settings import get_settings


@app_commands.command(name="edit")
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
        options["reporting_due_at"] = await read_due_at(interaction, reporting_due)
    await open_edit(interaction, found.id, options)


@app_commands.command(name="history")
@app_commands.describe(entry="The entry whose changes to show")
@app_commands.autocomplete(entry=entry_autocomplete)
async def history(interaction: discord.Interaction, entry: app_commands.Range[str, 1, 100]) -> None:
    """Who changed an entry, when, and what."""
    guild_id = guild_id_of(interaction)
    async with bot_of(interaction).database.sessions() as session:
        found = await entries.resolve_entry(entry, session=session, guild_id=guild_id)
        events = await audit.history(session=session, guild_id=guild_id, entry_id=found.id)
        titles = await audit.milestone_titles(events, session=session, guild_id=guild_id)
    embed = history_embed(found.name, events, user_locale(interaction), titles)
    await interaction.response.send_message(embed=embed, ephemeral=True)


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
    bot = bot_of(interaction)
    now = bot.clock.now()
    async with bot.database.transaction() as session:
        require_moderator(interaction, await get_settings(session=session, guild_id=guild_id))
        before = Status(
            (await entries.get_entry(entry_id, session=session, guild_id=guild_id)).status
        )
        entry = await entries.change_status(
            entry_id,
            status,
            session=session,
            guild_id=guild_id,
            actor_id=interaction.user.id,
            now=now,
            **texts,
        )
        # What happens to its milestones: closed with it, staying closed, or still open.
        closed = await closing.closed_with_entry(
            entry_id, session=session, guild_id=guild_id, at=now
        )
        stay_closed = []
        if before in closing.CLOSING_STATUSES and status not in closing.CLOSING_STATUSES:
            stay_closed = await closing.closed_with_entry(
                entry_id, session=session, guild_id=guild_id
            )
        still_open = []
        if status == Status.COMPLETED:
            still_open = await closing.open_of_entry(entry_id, session=session, guild_id=guild_id)
    locale = user_locale(interaction)
    text = about(locale, "status-changed", entry, label(locale, entry.status))
    text += milestones_after_status(len(closed), len(stay_closed), still_open, locale)
    if not still_open:
        await interaction.response.send_message(text, ephemeral=True)
        return
    view = CloseOpenMilestones(
        owner_id=interaction.user.id, locale=locale, entry_id=entry_id, count=len(still_open)
    )
    await interaction.response.send_message(text, view=view, ephemeral=True)


class CloseOpenMilestones(OwnedView):
    """A completed entry's milestones still open: closed with one press, if nothing is due."""

    def __init__(self, *, owner_id: int, locale: str, entry_id: int, count: int) -> None:
        super().__init__(owner_id=owner_id, locale=locale)
        self.entry_id = entry_id
        self.close.label = t(locale, "milestones-close-button", count)

    @discord.ui.button(style=discord.ButtonStyle.danger)
    async def close(self, interaction: discord.Interaction, _button: discord.ui.Button) -> None:
        bot = bot_of(interaction)
        guild_id = guild_id_of(interaction)
        async with bot.database.transaction() as session:
            require_moderator(interaction, await get_settings(session=session, guild_id=guild_id))
            entry = await entries.get_entry(self.entry_id, session=session, guild_id=guild_id)
            closed = await closing.close_open_milestones(
                entry, session=session, actor_id=interaction.user.id, now=bot.clock.now()
            )
        self.stop()
        await interaction.response.edit_message(
            content=t(self.locale, "milestones-closed-now", len(closed)), view=None
        )


@app_commands.command(name="status", extras=MODERATORS_ONLY)
@app_commands.describe(entry="The entry to move", status="Its new status")
@app_commands.autocomplete(entry=entry_autocomplete)
@app_commands.choices(status=[c for c in choices(Status) if c.value != Status.REJECTED])
async def status(
    interaction: discord.Interaction, entry: app_commands.Range[str, 1, 100], status: str
) -> None:
    """Move an entry through the pipeline, e.g. mark it completed or paused (moderators).

    A proposal is approved here through the review's decision; rejected, or moved
    anywhere else, only from its review post or /review queue."""
    guild_id = guild_id_of(interaction)
    async with bot_of(interaction).database.sessions() as session:
        require_moderator(interaction, await get_settings(session=session, guild_id=guild_id))
        found = await entries.resolve_entry(entry, session=session, guild_id=guild_id)
    assert found.id is not None
    if found.status == Status.PROPOSED and status == Status.ACTIVE:
        # Approving: the decision's one path (review post, proposer told, audited).
        await decide(interaction, found.id, approve=True)
        return
    if status == Status.COMPLETED and found.status != Status.COMPLETED:
        entries.check_transition(Status(found.status), Status.COMPLETED, name=found.name)
        await interaction.response.send_modal(OutcomesModal(found, user_locale(interaction)))
        return
    await _change_status(interaction, found.id, Status(status))


@app_commands.command(name="model", extras=MODERATORS_ONLY)
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
            found.id,
            model,
            session=session,
            guild_id=guild_id,
            actor_id=interaction.user.id,
            now=bot_of(interaction).clock.now(),
        )
    key = "model-marked" if updated.is_model else "model-unmarked"
    await interaction.response.send_message(
        t(user_locale(interaction), key, updated.name), ephemeral=True
    )


COMMANDS = (edit, history, status, model)
