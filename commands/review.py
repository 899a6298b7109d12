"""/review: the queue of proposals waiting for review, one a page, with its buttons; and
the rows people changed on the wiki page (`/review wiki`), with a decision for each."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.checks import guild_id_of, require_moderator
from bot.i18n import t, user_locale
from bot.jobs import WIKI
from bot.render import proposals as render
from bot.render import wiki as render_wiki
from bot.ui import Pager
from commands.common import MODERATORS_ONLY, bot_of
from commands.entry_actions import run_action
from storage.models import Entry, WikiChange
from storage.services import proposals, wiki
from storage.services import support as support_service
from storage.services.settings import get_settings

if TYPE_CHECKING:
    from bot.client import PartnerBot

review_group = app_commands.Group(
    name="review",
    description="Review proposed entries (moderators)",
    guild_only=True,
    extras=MODERATORS_ONLY,
)


@review_group.command(name="queue")
async def queue(interaction: discord.Interaction) -> None:
    """Proposals waiting for review, oldest first, with their buttons."""
    bot, guild_id, locale = await _as_moderator(interaction)

    async def load(offset: int) -> tuple[discord.Embed, int]:
        async with bot.database.sessions() as session:
            page, total = await proposals.review_queue(
                session=session, guild_id=guild_id, limit=1, offset=offset
            )
            supporters = (
                await support_service.supporters(
                    session=session, guild_id=guild_id, entry_id=page[0].id
                )
                if page
                else []
            )
        if not page:
            return discord.Embed(description=t(locale, "review-queue-empty")), total
        pager.show_entry(page[0])
        # As on the review post: what a moderator should check before approving.
        flags = proposals.measure_flags(page[0])
        embed = render.review_embed(page[0], supporters=supporters, locale=locale, flags=flags)
        embed.set_author(name=t(locale, "review-queue-position", offset + 1, total))
        return embed, total

    pager = ReviewPager(owner_id=interaction.user.id, locale=locale, load=load, total=0, per_page=1)
    await _send_first(interaction, pager, "review-queue-empty")


async def _as_moderator(interaction: discord.Interaction) -> tuple[PartnerBot, int, str]:
    """The bot, the guild and the member's language, for a moderator (else refused)."""
    bot = bot_of(interaction)
    guild_id = guild_id_of(interaction)
    async with bot.database.sessions() as session:
        require_moderator(interaction, await get_settings(session=session, guild_id=guild_id))
    return bot, guild_id, user_locale(interaction)


async def _send_first(interaction: discord.Interaction, pager: Pager, empty_key: str) -> None:
    """Answer with the pager's first item, or say that there is none."""
    embed, total = await pager.load(0)
    if total == 0:
        await interaction.response.send_message(t(pager.locale, empty_key), ephemeral=True)
        return
    pager.total = total
    pager._update_buttons()
    await interaction.response.send_message(embed=embed, view=pager, ephemeral=True)
    pager.answered = interaction


class ReviewPager(Pager):
    """The queue, one proposal a page, with the review buttons acting on the shown proposal.

    These are plain buttons, not `commands.entry_actions.ReviewButton`s: discord.py
    unregisters a dynamic item's pattern when a timed view holding one is removed,
    which would break the review-channel buttons.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.entry_id: int | None = None
        for action, key in render.REVIEW_ACTIONS.items():
            button: discord.ui.Button = discord.ui.Button(
                style=render.REVIEW_BUTTON_STYLES[action], label=t(self.locale, key)
            )
            button.callback = self._acting(action)  # type: ignore[method-assign]
            self.add_item(button)

    def show_entry(self, entry: Entry) -> None:
        self.entry_id = entry.id

    def _acting(self, action: str) -> Callable[[discord.Interaction], Awaitable[None]]:
        async def act(interaction: discord.Interaction) -> None:
            if self.entry_id is not None:
                await run_action(interaction, action, self.entry_id)

        return act


@review_group.command(name="wiki")
async def wiki_changes(interaction: discord.Interaction) -> None:
    """Rows people changed on the wiki page, with a decision for each."""
    bot, guild_id, locale = await _as_moderator(interaction)

    async def load(offset: int) -> tuple[discord.Embed, int]:
        async with bot.database.sessions() as session:
            page, total = await wiki.open_changes(
                session=session, guild_id=guild_id, limit=1, offset=offset
            )
        pager.item = page[0] if page else None
        if not page:
            return discord.Embed(description=t(locale, "wiki-review-empty")), total
        url = bot.wiki.diff_url(page[0].revid, None) if bot.wiki and page[0].revid else None
        embed = render_wiki.change_embed(
            page[0], position=offset + 1, total=total, revision_url=url, locale=locale
        )
        return embed, total

    pager = WikiChangePager(owner_id=interaction.user.id, locale=locale, load=load, total=0)
    await _send_first(interaction, pager, "wiki-review-empty")


class WikiChangePager(Pager):
    """The wiki's changed rows, one a page, with a button for each decision on the shown one."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(per_page=1, **kwargs)
        self.item: WikiChange | None = None
        for decision, key in (
            (wiki.KEEP_WIKI, "wiki-review-keep-wiki"),
            (wiki.KEEP_DIRECTORY, "wiki-review-keep-directory"),
        ):
            button: discord.ui.Button = discord.ui.Button(
                style=discord.ButtonStyle.primary, label=t(self.locale, key)
            )
            button.callback = self._deciding(decision)  # type: ignore[method-assign]
            self.add_item(button)

    def _deciding(self, decision: str) -> Callable[[discord.Interaction], Awaitable[None]]:
        async def decide(interaction: discord.Interaction) -> None:
            if self.item is None or self.item.id is None:
                return
            bot = bot_of(interaction)
            guild_id = guild_id_of(interaction)
            async with bot.database.transaction() as session:
                require_moderator(
                    interaction, await get_settings(session=session, guild_id=guild_id)
                )
                item = await wiki.decide(
                    session=session,
                    guild_id=guild_id,
                    change_id=self.item.id,
                    decision=decision,
                    actor_id=interaction.user.id,
                    now=bot.clock.now(),
                )
            if bot.wiki is not None:  # what the next publish writes changed: one is due
                bot.wake(WIKI, bot.clock.now())
            # The decided item left the list: show the one now at this place, or the last.
            embed, self.total = await self.load(self.offset)
            if 0 < self.total <= self.offset:
                self.offset = self.total - 1
                embed, self.total = await self.load(self.offset)
            self._update_buttons()
            done = render_wiki.decided_text(item, self.locale)
            if self.total == 0:
                await interaction.response.edit_message(content=done, embed=None, view=None)
                return
            await interaction.response.edit_message(content=done, embed=embed, view=self)

        return decide
