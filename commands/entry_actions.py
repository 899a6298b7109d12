"""Actions on one entry that several places offer: edit, approve, reject, support.

/partnership edit, the /review queue and the review post's lasting buttons all act
through these, so a decision takes one path wherever it is made.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.checks import guild_id_of, is_moderator, require_moderator
from bot.errors import report
from bot.i18n import t, user_locale
from bot.jobs import REVIEWS
from bot.jobs.reviews import done_after_answer
from bot.render import proposals as render
from commands.common import bot_of
from storage import schemas
from storage.errors import NotAllowed
from storage.models import Entry, Status
from storage.schemas import EntryUpdate
from storage.services import entries, proposals
from storage.services.settings import get_settings


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
                now=bot.clock.now(),
            )
        await interaction.response.send_message(
            t(user_locale(interaction), "edit-saved", entry.name), ephemeral=True
        )
        await bot.reviews.refresh(entry, settings)

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


async def decide(
    interaction: discord.Interaction, entry_id: int, *, approve: bool, reason: str | None = None
) -> None:
    bot = bot_of(interaction)
    guild_id = guild_id_of(interaction)
    async with bot.database.transaction() as session:
        settings = await get_settings(session=session, guild_id=guild_id)
        require_moderator(interaction, settings)
        entry = await entries.decide(
            entry_id,
            approve=approve,
            session=session,
            guild_id=guild_id,
            actor_id=interaction.user.id,
            reason=reason,
            now=bot.clock.now(),
        )
    assert entry.decided_at is not None
    bot.wake(REVIEWS, entry.decided_at + proposals.POST_GRACE)
    locale = user_locale(interaction)
    key = "review-you-approved" if approve else "review-you-rejected"
    await interaction.response.send_message(t(locale, key, entry.name), ephemeral=True)
    await done_after_answer(
        bot.reviews.tell_decision(entry, now=bot.clock.now(), settings=settings),
        f"the decision on entry {entry.id}",
    )


class RejectModal(discord.ui.Modal):
    def __init__(self, entry: Entry, locale: str) -> None:
        super().__init__(title=t(locale, "review-reject-title"))
        self.entry_id = entry.id
        self.reason = render.text_input(locale, "rejection_reason", schemas.REASON_MAX, long=True)
        self.add_item(self.reason)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await decide(interaction, self.entry_id, approve=False, reason=self.reason.value)

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        await report(interaction, error)


async def open_reject(interaction: discord.Interaction, entry_id: int) -> None:
    guild_id = guild_id_of(interaction)
    async with bot_of(interaction).database.sessions() as session:
        require_moderator(interaction, await get_settings(session=session, guild_id=guild_id))
        entry = await entries.get_entry(entry_id, session=session, guild_id=guild_id)
    if entry.status != Status.PROPOSED:
        await interaction.response.send_message(
            t(user_locale(interaction), "error-already-decided", entry.name, entry.status),
            ephemeral=True,
        )
        return
    await interaction.response.send_modal(RejectModal(entry, user_locale(interaction)))


async def support(interaction: discord.Interaction, entry_id: int) -> None:
    """Support a proposal; a second press withdraws the support."""
    bot = bot_of(interaction)
    guild_id = guild_id_of(interaction)
    async with bot.database.transaction() as session:
        entry, supporting = await entries.toggle_support(
            entry_id, session=session, guild_id=guild_id, user_id=interaction.user.id
        )
    key = "review-supported" if supporting else "review-unsupported"
    await interaction.response.send_message(
        t(user_locale(interaction), key, entry.name), ephemeral=True
    )
    await bot.reviews.refresh(entry)


async def run_action(interaction: discord.Interaction, action: str, entry_id: int) -> None:
    """One of the review post's actions (`bot.render.proposals.REVIEW_ACTIONS`, or support)."""
    if action == render.SUPPORT_ACTION:
        await support(interaction, entry_id)
    elif action == "rj":
        await open_reject(interaction, entry_id)
    elif action == "ed":
        await open_edit(interaction, entry_id)
    else:
        await decide(interaction, entry_id, approve=True)


class ReviewButton(
    discord.ui.DynamicItem[discord.ui.Button], template=render.REVIEW_BUTTON_PATTERN
):
    """Approve, Reject, Edit or Support on a review post: the entry id rides in the custom
    id (`bot.render.proposals.review_button_id`), so the buttons survive restarts."""

    def __init__(self, action: str, entry_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                style=render.REVIEW_BUTTON_STYLES[action],
                label=action,
                custom_id=render.review_button_id(action, entry_id),
            )
        )
        self.action = action
        self.entry_id = entry_id

    @classmethod
    async def from_custom_id(
        cls, _interaction: discord.Interaction, _item: discord.ui.Button, match: re.Match[str]
    ) -> ReviewButton:
        return cls(match["action"], int(match["id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await run_action(interaction, self.action, self.entry_id)
        except Exception as error:  # the one error path, for buttons as for commands
            await report(interaction, error)
