"""/partnership propose: a modal, the look-alike check and guidelines, then the review queue."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import discord
from discord import app_commands

from bot.checks import guild_id_of, is_moderator
from bot.errors import report
from bot.i18n import t, user_locale
from bot.jobs import REVIEWS
from bot.jobs.reviews import done_after_answer
from bot.render import proposals as render
from bot.render.entries import about
from bot.ui import View
from commands.common import bot_of, choices, read_due_at
from commands.entry_actions.forms import offer_revision, text_inputs
from commands.entry_actions.refusals import CONFIRM_TIMEOUT, refuse_form
from storage import schemas
from storage.models import Area, Entry, EntryKind, GuildSettings, Status, Steward
from storage.schemas import EntryInput
from storage.services import entries, proposals
from storage.services.settings import get_settings, remember_locale


class ProposalModal(discord.ui.Modal):
    """The proposal's texts; kind, area and steward came as the command's options."""

    def __init__(
        self, *, locale: str, options: dict[str, Any], defaults: dict[str, str] | None = None
    ) -> None:
        kind = options["kind"]
        super().__init__(title=t(locale, f"propose-modal-title-{kind}"), timeout=CONFIRM_TIMEOUT)
        self.locale = locale
        self.options = options
        # Only a partnership is asked for its success measures.
        self.inputs = text_inputs(
            locale, defaults or {}, kind=kind, measures=kind == EntryKind.PARTNERSHIP
        )
        for item in self.inputs.values():
            self.add_item(item)

    def typed(self) -> dict[str, str]:
        return {field: item.value for field, item in self.inputs.items()}

    def again(self) -> ProposalModal:
        """This form once more, with what was typed."""
        return ProposalModal(locale=self.locale, options=self.options, defaults=self.typed())

    async def on_submit(self, interaction: discord.Interaction) -> None:
        guild_id = guild_id_of(interaction)
        data = EntryInput.parse(**self.options, **self.typed())
        async with bot_of(interaction).database.sessions() as session:
            settings = await get_settings(session=session, guild_id=guild_id)
            existing = await entries.find_by_name(
                session=session, guild_id=guild_id, name=data.name
            )
            if existing is None or not _revisable(existing, interaction, settings):
                similar = await proposals.check_proposal(data, session=session, guild_id=guild_id)
        if existing is not None and _revisable(existing, interaction, settings):
            # Proposing a rejected proposal's name again: revise that one, with this text.
            await offer_revision(interaction, existing, self.typed(), self.options)
            return
        view = ConfirmProposal(
            owner_id=interaction.user.id,
            data=data,
            locale=self.locale,
            similar=similar,
            settings=settings,
        )
        content, embeds = view.preview()
        await interaction.response.send_message(content, embeds=embeds, view=view, ephemeral=True)

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        await refuse_form(interaction, error, self.again)


def _revisable(entry: Entry, interaction: discord.Interaction, settings: GuildSettings) -> bool:
    """A rejected proposal this member may revise and resubmit."""
    return entry.status == Status.REJECTED and proposals.can_edit(
        entry, user_id=interaction.user.id, is_moderator=is_moderator(interaction, settings)
    )


class ConfirmProposal(View):
    """Confirm (the entry follows the guidelines) or cancel, after seeing look-alikes; a
    partnership may add its funder and reporting date here (a second form)."""

    def __init__(
        self,
        *,
        owner_id: int,
        data: EntryInput,
        locale: str,
        similar: Sequence[Entry],
        settings: GuildSettings,
    ) -> None:
        super().__init__(timeout=CONFIRM_TIMEOUT)
        self.owner_id = owner_id
        self.data = data
        self.locale = locale
        self.similar = similar
        self.settings = settings
        self.confirm.label = t(locale, "propose-confirm")
        self.cancel.label = t(locale, "propose-cancel")
        self.measures.label = t(locale, "propose-add-measures")
        if data.kind != EntryKind.PARTNERSHIP:
            self.remove_item(self.measures)

    def preview(self) -> tuple[str, list[discord.Embed]]:
        return render.confirmation(
            self.data,
            similar=self.similar,
            settings=self.settings,
            locale=self.locale,
            flags=proposals.measure_flags(self.data),
        )

    @discord.ui.button(style=discord.ButtonStyle.success)
    async def confirm(self, interaction: discord.Interaction, _button: discord.ui.Button) -> None:
        guild_id = guild_id_of(interaction)
        bot = bot_of(interaction)
        async with bot.database.transaction() as session:
            # The decision is told to the proposer later, by DM, in their language. Read
            # first: on SQLite the writes that follow hold the one writer's turn, which a
            # read among them would lengthen for every other writer.
            await remember_locale(
                session=session,
                user_id=interaction.user.id,
                locale=user_locale(interaction),
                now=bot.clock.now(),
            )
            entry = await entries.create_entry(
                self.data,
                session=session,
                guild_id=guild_id,
                actor_id=interaction.user.id,
                now=bot.clock.now(),
            )
        self.stop()
        # Should the post below never happen, the reviews dispatcher makes it then.
        bot.wake(REVIEWS, entry.created_at + proposals.POST_GRACE)
        await interaction.response.edit_message(
            content=about(self.locale, "propose-done", entry, entry.id), embeds=[], view=None
        )
        await done_after_answer(bot.reviews.post(entry), f"the review post of {entry.id}")

    @discord.ui.button(style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, _button: discord.ui.Button) -> None:
        self.stop()
        await interaction.response.edit_message(
            content=t(self.locale, "propose-cancelled"), embeds=[], view=None
        )

    @discord.ui.button(style=discord.ButtonStyle.primary)
    async def measures(self, interaction: discord.Interaction, _button: discord.ui.Button) -> None:
        await interaction.response.send_modal(MeasuresModal(self))


class MeasuresModal(discord.ui.Modal):
    """A partnership's funder and reporting date, asked before confirming; the preview
    then shows them (and drops the flags they answer)."""

    def __init__(self, proposal: ConfirmProposal) -> None:
        locale = proposal.locale
        super().__init__(title=t(locale, "propose-measures-title"), timeout=CONFIRM_TIMEOUT)
        self.proposal = proposal
        self.funder = render.text_input(
            locale, "funder", schemas.FUNDER_MAX, required=False, default=proposal.data.funder
        )
        self.reporting = render.text_input(locale, "reporting_due_at", 100, required=False)
        self.add_item(self.funder)
        self.add_item(self.reporting)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        data = self.proposal.data
        due = await read_due_at(interaction, self.reporting.value) or data.reporting_due_at
        changed = {"funder": self.funder.value or None, "reporting_due_at": due}
        self.proposal.data = EntryInput.parse(**(data.model_dump() | changed))
        content, embeds = self.proposal.preview()
        await interaction.response.edit_message(content=content, embeds=embeds, view=self.proposal)

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        await report(interaction, error)


@app_commands.command(name="propose")
@app_commands.describe(
    kind="An alliance (ongoing relationship) or a partnership (specific outcomes)",
    area="The area it serves",
    steward="Who would lead it",
    chapter="The chapter's name, when a chapter leads it",
    funder="For a partnership: who funds it",
    reporting_due="For a partnership: when the report to the funder is due (e.g. 2027-03-01)",
)
@app_commands.choices(kind=choices(EntryKind), area=choices(Area), steward=choices(Steward))
async def propose(
    interaction: discord.Interaction,
    kind: str,
    area: str,
    steward: str,
    chapter: app_commands.Range[str, 1, schemas.CHAPTER_MAX] | None = None,
    funder: app_commands.Range[str, 1, schemas.FUNDER_MAX] | None = None,
    reporting_due: app_commands.Range[str, 1, 100] | None = None,
) -> None:
    """Propose a new alliance or partnership for the directory."""
    guild_id_of(interaction)
    options = {
        "kind": kind,
        "area": area,
        "steward": steward,
        "chapter_name": chapter,
        "funder": funder,
        "reporting_due_at": await read_due_at(interaction, reporting_due),
    }
    await interaction.response.send_modal(
        ProposalModal(locale=user_locale(interaction), options=options)
    )


COMMANDS = (propose,)
