"""The entry's forms: edit, and revise and resubmit a rejected proposal; and what a
refused form offers (the form again, with what was typed)."""

from __future__ import annotations

from typing import Any, Self

import discord
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.checks import guild_id_of, is_moderator
from bot.i18n import t, user_locale
from bot.jobs import REVIEWS
from bot.jobs.reviews import done_after_answer
from bot.render import proposals as render
from bot.render.entries import about
from bot.ui import OwnedView
from commands.common import bot_of
from commands.entry_actions.refusals import CONFIRM_TIMEOUT, FormOffer, refuse_form
from storage import schemas
from storage.errors import NotAllowed
from storage.models import Entry, EntryKind, GuildSettings, Status
from storage.schemas import EntryInput, EntryUpdate
from storage.services import entries, proposals
from storage.services.settings import get_settings, remember_locale


def entry_texts(entry: Entry) -> dict[str, str]:
    """An entry's texts as its form shows them (links one per line)."""
    return {
        "name": entry.name,
        "partners": entry.partners,
        "summary": entry.summary,
        "success_measures": entry.success_measures or "",
        "links": "\n".join(entry.links),
    }


TEXT_LIMITS = {
    "name": schemas.NAME_MAX,
    "partners": schemas.PARTNERS_MAX,
    "summary": schemas.SUMMARY_MAX,
    "success_measures": schemas.MEASURES_MAX,
    "links": 1500,
}


def required_texts(kind: str, defaults: dict[str, str]) -> set[str]:
    """What a form may not leave empty: the name, the summary (unless the entry never had
    one, as some imported ones), and a partnership's success measures."""
    required = {"name", "summary"} if defaults.get("summary", "x") else {"name"}
    return required | ({"success_measures"} if kind == EntryKind.PARTNERSHIP else set())


def text_inputs(
    locale: str, defaults: dict[str, str], *, kind: str, measures: bool = True
) -> dict[str, discord.ui.TextInput]:
    """The form's text fields, pre-filled; `measures`: with the success measures field."""
    required = required_texts(kind, defaults)
    return {
        field: render.text_input(
            locale,
            field,
            limit,
            long=field != "name",
            required=field in required,
            default=defaults.get(field),
        )
        for field, limit in TEXT_LIMITS.items()
        if measures or field != "success_measures"
    }


async def editable_entry(
    interaction: discord.Interaction, entry_id: int, *, session: AsyncSession
) -> tuple[GuildSettings, Entry]:
    """The guild's settings and the entry, once the member may edit it (moderators; its
    proposer while it is proposed or rejected)."""
    guild_id = guild_id_of(interaction)
    settings = await get_settings(session=session, guild_id=guild_id)
    entry = await entries.get_entry(entry_id, session=session, guild_id=guild_id)
    allowed = is_moderator(interaction, settings)
    if not proposals.can_edit(entry, user_id=interaction.user.id, is_moderator=allowed):
        raise NotAllowed()
    return settings, entry


class EntryTextsModal(discord.ui.Modal):
    """An entry's texts in a form, pre-filled with `defaults`; other fields came as the
    command's options. `again()` opens it once more with what was typed."""

    TITLE_KEY = ""

    def __init__(
        self,
        entry_id: int,
        *,
        kind: str,
        locale: str,
        options: dict[str, Any],
        defaults: dict[str, str],
    ) -> None:
        super().__init__(title=t(locale, self.TITLE_KEY), timeout=CONFIRM_TIMEOUT)
        self.entry_id = entry_id
        self.kind = kind
        self.locale = locale
        self.options = options
        self.inputs = text_inputs(locale, defaults, kind=kind)
        for item in self.inputs.values():
            self.add_item(item)

    def again(self) -> Self:
        """This form once more, with what was typed."""
        typed = {field: item.value for field, item in self.inputs.items()}
        return type(self)(
            self.entry_id, kind=self.kind, locale=self.locale, options=self.options, defaults=typed
        )


class EditModal(EntryTextsModal):
    """The entry's texts, pre-filled; saved as an edit."""

    TITLE_KEY = "edit-modal-title"

    async def on_submit(self, interaction: discord.Interaction) -> None:
        typed = {field: item.value for field, item in self.inputs.items()}
        changes = EntryUpdate.parse(
            **self.options,
            name=typed["name"],
            partners=typed["partners"] or "",
            summary=typed["summary"] or "",
            success_measures=typed["success_measures"] or None,
            links=typed["links"],
        )
        bot = bot_of(interaction)
        guild_id = guild_id_of(interaction)
        async with bot.database.transaction() as session:
            settings, entry = await editable_entry(interaction, self.entry_id, session=session)
            entry = await entries.update_entry(
                self.entry_id,
                changes,
                session=session,
                guild_id=guild_id,
                actor_id=interaction.user.id,
                now=bot.clock.now(),
            )
        await interaction.response.send_message(
            about(user_locale(interaction), "edit-saved", entry), ephemeral=True
        )
        await bot.reviews.refresh(entry, settings)

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        await refuse_form(interaction, error, self.again)


async def open_edit(
    interaction: discord.Interaction, entry_id: int, options: dict[str, Any] | None = None
) -> None:
    """The edit form; for a rejected proposal, the offer to revise and resubmit it."""
    async with bot_of(interaction).database.sessions() as session:
        _, entry = await editable_entry(interaction, entry_id, session=session)
    if entry.status == Status.REJECTED:
        await offer_revision(interaction, entry, entry_texts(entry), options or {})
        return
    assert entry.id is not None
    modal = EditModal(
        entry.id,
        kind=(options or {}).get("kind") or entry.kind,
        locale=user_locale(interaction),
        options=options or {},
        defaults=entry_texts(entry),
    )
    await interaction.response.send_modal(modal)


class ReviseModal(EntryTextsModal):
    """A rejected proposal's texts, pre-filled (from the entry, or from what was just typed
    under its name); on submit, the preview and the button to resubmit it."""

    TITLE_KEY = "revise-modal-title"

    async def on_submit(self, interaction: discord.Interaction) -> None:
        guild_id = guild_id_of(interaction)
        async with bot_of(interaction).database.sessions() as session:
            entry = await entries.get_entry(self.entry_id, session=session, guild_id=guild_id)
            settings = await get_settings(session=session, guild_id=guild_id)
        kept = {key: getattr(entry, key) for key in REVISION_KEPT}
        typed = {field: item.value for field, item in self.inputs.items()}
        data = EntryInput.parse(**(kept | self.options | typed))
        view = ConfirmResubmission(
            self.entry_id, owner_id=interaction.user.id, locale=self.locale, data=data
        )
        content, embeds = render.confirmation(
            data,
            similar=[],
            settings=settings,
            locale=self.locale,
            flags=proposals.measure_flags(data),
        )
        await interaction.response.send_message(content, embeds=embeds, view=view, ephemeral=True)

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        await refuse_form(interaction, error, self.again)


# What a revision keeps of the entry unless the command's options change it.
REVISION_KEPT = ("kind", "area", "steward", "chapter_name", "funder", "reporting_due_at")


class ConfirmResubmission(OwnedView):
    """Resubmit (the revised proposal, as previewed) or cancel."""

    def __init__(self, entry_id: int, *, owner_id: int, locale: str, data: EntryInput) -> None:
        super().__init__(owner_id=owner_id, locale=locale, timeout=CONFIRM_TIMEOUT)
        self.entry_id = entry_id
        self.data = data
        self.confirm.label = t(locale, "revise-confirm")
        self.cancel.label = t(locale, "propose-cancel")

    @discord.ui.button(style=discord.ButtonStyle.success)
    async def confirm(self, interaction: discord.Interaction, _button: discord.ui.Button) -> None:
        bot = bot_of(interaction)
        guild_id = guild_id_of(interaction)
        now = bot.clock.now()
        async with bot.database.transaction() as session:
            await editable_entry(interaction, self.entry_id, session=session)
            # The new decision is told to the proposer by DM, in their language (read
            # before the writes, as for a new proposal).
            await remember_locale(
                session=session,
                user_id=interaction.user.id,
                locale=user_locale(interaction),
                now=now,
            )
            entry = await proposals.resubmit(
                self.entry_id,
                self.data,
                session=session,
                guild_id=guild_id,
                actor_id=interaction.user.id,
                now=now,
            )
        self.stop()
        bot.wake(REVIEWS, now + proposals.POST_GRACE)
        await interaction.response.edit_message(
            content=about(user_locale(interaction), "revise-done", entry, entry.id),
            embeds=[],
            view=None,
        )
        await done_after_answer(bot.reviews.post(entry), f"the review post of {entry.id}")

    @discord.ui.button(style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, _button: discord.ui.Button) -> None:
        self.stop()
        await interaction.response.edit_message(
            content=t(user_locale(interaction), "revise-cancelled"), embeds=[], view=None
        )


async def offer_revision(
    interaction: discord.Interaction,
    entry: Entry,
    defaults: dict[str, str],
    options: dict[str, Any],
) -> None:
    """A rejected proposal's reason, and a button to revise and resubmit it: from
    /partnership edit on it, or from proposing its name again (`defaults`: the texts)."""
    assert entry.id is not None
    entry_id, locale = entry.id, user_locale(interaction)
    kind = options.get("kind") or entry.kind

    def form() -> ReviseModal:
        return ReviseModal(entry_id, kind=kind, locale=locale, defaults=defaults, options=options)

    view = FormOffer(
        owner_id=interaction.user.id, locale=locale, label=t(locale, "revise-button"), form=form
    )
    await interaction.response.send_message(
        render.revision_offer(entry, locale), view=view, ephemeral=True
    )
