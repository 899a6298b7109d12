"""Actions on one entry that several places offer: edit, revise and resubmit (forms.py),
approve, reject, support.

/partnership edit, the /review queue and the review post's lasting buttons all act
through these, so a decision takes one path wherever it is made.
"""

from __future__ import annotations

import re

import discord

from bot.checks import guild_id_of, require_moderator
from bot.errors import report
from bot.i18n import t, user_locale
from bot.jobs import REVIEWS
from bot.jobs.reviews import done_after_answer
from bot.render import proposals as render
from bot.render.entries import about, label
from bot.render.milestones import milestones_after_status
from commands.common import bot_of
from commands.entry_actions.forms import open_edit
from storage import schemas
from storage.models import Entry, Status
from storage.services import closing, entries, proposals
from storage.services import support as support_service
from storage.services.settings import get_settings


async def decide(
    interaction: discord.Interaction, entry_id: int, *, approve: bool, reason: str | None = None
) -> None:
    bot = bot_of(interaction)
    guild_id = guild_id_of(interaction)
    now = bot.clock.now()
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
            now=now,
        )
        closed = await closing.closed_with_entry(
            entry_id, session=session, guild_id=guild_id, at=now
        )
    assert entry.decided_at is not None
    bot.wake(REVIEWS, entry.decided_at + proposals.POST_GRACE)
    locale = user_locale(interaction)
    key = "review-you-approved" if approve else "review-you-rejected"
    text = about(locale, key, entry) + milestones_after_status(len(closed), 0, [], locale)
    await interaction.response.send_message(text, ephemeral=True)
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
            t(
                user_locale(interaction),
                "error-already-decided",
                entry.name,
                label(user_locale(interaction), entry.status),
            ),
            ephemeral=True,
        )
        return
    await interaction.response.send_modal(RejectModal(entry, user_locale(interaction)))


async def support(interaction: discord.Interaction, entry_id: int) -> None:
    """Support a proposal; a second press withdraws the support."""
    bot = bot_of(interaction)
    guild_id = guild_id_of(interaction)
    async with bot.database.transaction() as session:
        entry, supporting = await support_service.toggle_support(
            entry_id, session=session, guild_id=guild_id, user_id=interaction.user.id
        )
    key = "review-supported" if supporting else "review-unsupported"
    await interaction.response.send_message(
        about(user_locale(interaction), key, entry), ephemeral=True
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


def support_button(entry: Entry, locale: str, *, named: bool = False) -> ReviewButton:
    """The lasting Support button of a proposal, for wherever it is shown (its review post,
    /partnership show, search results): pressed again, it withdraws the support."""
    assert entry.id is not None
    button = ReviewButton(render.SUPPORT_ACTION, entry.id)
    button.item.label = render.support_label(entry, locale, named=named)
    return button


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
