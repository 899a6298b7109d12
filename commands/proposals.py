"""/partnership propose: a modal, the look-alike check and guidelines, then the review queue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import discord
from discord import app_commands

from bot.context import guild_id_of, user_locale
from bot.errors import View, report
from bot.i18n import t
from bot.render import proposals as render
from commands.common import bot_of, choices
from commands.partnership import partnership
from commands.review import ReviewDispatcher, done_after_answer, post_for_review
from storage import schemas
from storage.dates import parse_due
from storage.models import Area, EntryKind, Steward
from storage.schemas import EntryInput
from storage.services import entries, proposals
from storage.services.settings import effective_timezone, get_settings

CONFIRM_TIMEOUT = 15 * 60


class ProposalModal(discord.ui.Modal):
    """The proposal's texts; kind, area and steward came as the command's options."""

    def __init__(self, *, locale: str, options: dict[str, Any]) -> None:
        kind = options["kind"]
        super().__init__(title=t(locale, f"propose-modal-title-{kind}"), timeout=CONFIRM_TIMEOUT)
        self.locale = locale
        self.options = options
        self.name = render.text_input(locale, "name", schemas.NAME_MAX)
        self.partners = render.text_input(
            locale, "partners", schemas.PARTNERS_MAX, long=True, required=False
        )
        self.summary = render.text_input(locale, "summary", schemas.SUMMARY_MAX, long=True)
        for item in (self.name, self.partners, self.summary):
            self.add_item(item)
        self.measures: discord.ui.TextInput | None = None
        if kind == EntryKind.PARTNERSHIP:
            self.measures = render.text_input(
                locale, "success_measures", schemas.MEASURES_MAX, long=True
            )
            self.add_item(self.measures)
        self.links = render.text_input(locale, "links", 1500, long=True, required=False)
        self.add_item(self.links)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        guild_id = guild_id_of(interaction)
        data = EntryInput.parse(
            **self.options,
            name=self.name.value,
            partners=self.partners.value,
            summary=self.summary.value,
            success_measures=self.measures.value if self.measures else None,
            links=self.links.value,
        )
        async with bot_of(interaction).database.sessions() as session:
            similar = await proposals.check_proposal(data, session=session, guild_id=guild_id)
            settings = await get_settings(session=session, guild_id=guild_id)
        view = ConfirmProposal(owner_id=interaction.user.id, data=data, locale=self.locale)
        content, embeds = render.confirmation(
            data, similar=similar, settings=settings, locale=self.locale
        )
        await interaction.response.send_message(content, embeds=embeds, view=view, ephemeral=True)

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        await report(interaction, error)


class ConfirmProposal(View):
    """Confirm (the entry follows the guidelines) or cancel, after seeing look-alikes."""

    def __init__(self, *, owner_id: int, data: EntryInput, locale: str) -> None:
        super().__init__(timeout=CONFIRM_TIMEOUT)
        self.owner_id = owner_id
        self.data = data
        self.locale = locale
        self.confirm.label = t(locale, "propose-confirm")
        self.cancel.label = t(locale, "propose-cancel")

    @discord.ui.button(style=discord.ButtonStyle.success)
    async def confirm(self, interaction: discord.Interaction, _button: discord.ui.Button) -> None:
        guild_id = guild_id_of(interaction)
        bot = bot_of(interaction)
        async with bot.database.transaction() as session:
            entry = await entries.create_entry(
                self.data, session=session, guild_id=guild_id, actor_id=interaction.user.id
            )
        self.stop()
        # Should the post below never happen, the reviews dispatcher makes it then.
        bot.wake(ReviewDispatcher.name, entry.created_at + proposals.POST_GRACE)
        await interaction.response.edit_message(
            content=t(self.locale, "propose-done", entry.name, entry.id), embeds=[], view=None
        )
        await done_after_answer(post_for_review(bot, entry), f"the review post of {entry.id}")

    @discord.ui.button(style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, _button: discord.ui.Button) -> None:
        self.stop()
        await interaction.response.edit_message(
            content=t(self.locale, "propose-cancelled"), embeds=[], view=None
        )


async def parse_reporting_due(
    interaction: discord.Interaction, text: str | None
) -> datetime | None:
    """Read a due date in the member's language and time zone, against the interaction's time."""
    if not text:
        return None
    bot = bot_of(interaction)
    async with bot.database.sessions() as session:
        zone = await effective_timezone(
            session=session,
            guild_id=guild_id_of(interaction),
            user_id=interaction.user.id,
            default=bot.settings.default_timezone,
        )
    return parse_due(
        text, now=interaction.created_at, timezone=zone, locale=interaction.locale.value
    )


@partnership.command(name="propose")
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
        "reporting_due_at": await parse_reporting_due(interaction, reporting_due),
    }
    await interaction.response.send_modal(
        ProposalModal(locale=user_locale(interaction), options=options)
    )
