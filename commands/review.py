"""Reviewing proposals: the review-channel post, its lasting buttons, decisions, the queue."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.context import guild_id_of, require_moderator, user_locale
from bot.discord_sender import DiscordSender
from bot.errors import View, database_unreachable, report
from bot.i18n import normalize_locale, t
from bot.render import proposals as render
from bot.render.views import Pager
from bot.sender import ChannelGone
from commands.common import bot_of
from storage import schemas
from storage.models import Entry, GuildSettings, Status
from storage.services import entries, proposals
from storage.services.settings import get_settings

if TYPE_CHECKING:
    from bot.client import PartnerBot

log = logging.getLogger(__name__)

# What a post or edit after the interaction's answer may meet: an error, or a rate limit
# longer than the client waits (RateLimited is not an HTTPException).
DISCORD_FAILURES = (discord.HTTPException, discord.RateLimited)


def channel_locale(bot: PartnerBot, settings: GuildSettings) -> str:
    """Posts in channels speak the guild's language."""
    return normalize_locale(settings.locale or bot.settings.default_locale)


class ReviewButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"rv:(?P<action>ap|rj|ed|sp):(?P<id>\d{1,18})",
):
    """Approve, Reject, Edit or Support: the entry id rides in the custom id, surviving restarts."""

    STYLES = {
        "ap": discord.ButtonStyle.success,
        "rj": discord.ButtonStyle.danger,
        "ed": discord.ButtonStyle.secondary,
        "sp": discord.ButtonStyle.primary,
    }

    def __init__(
        self, action: str, entry_id: int, *, label: str = "", disabled: bool = False
    ) -> None:
        super().__init__(
            discord.ui.Button(
                style=self.STYLES[action],
                label=label or action,
                custom_id=f"rv:{action}:{entry_id}",
                disabled=disabled,
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


async def run_action(interaction: discord.Interaction, action: str, entry_id: int) -> None:
    if action == "sp":
        await support(interaction, entry_id)
    elif action == "rj":
        await open_reject(interaction, entry_id)
    elif action == "ed":
        from commands.editing import open_edit

        await open_edit(interaction, entry_id)
    else:
        await decide(interaction, entry_id, approve=True)


def review_view(entry: Entry, locale: str) -> View:
    decided = entry.status != Status.PROPOSED
    view = View(timeout=None)
    for action, key in (("ap", "review-approve"), ("rj", "review-reject"), ("ed", "review-edit")):
        view.add_item(ReviewButton(action, entry.id, label=t(locale, key), disabled=decided))
    view.add_item(
        ReviewButton("sp", entry.id, label=t(locale, "review-support", entry.support_count))
    )
    return view


async def _settings(bot: PartnerBot, guild_id: int) -> GuildSettings:
    async with bot.database.sessions() as session:
        return await get_settings(session=session, guild_id=guild_id)


async def _review_message(
    bot: PartnerBot, entry: Entry, settings: GuildSettings
) -> tuple[discord.Embed, View]:
    async with bot.database.sessions() as session:
        supporters = await entries.supporters(
            session=session, guild_id=entry.guild_id, entry_id=entry.id
        )
    locale = channel_locale(bot, settings)
    return render.review_embed(entry, supporters=supporters, locale=locale), review_view(
        entry, locale
    )


async def post_for_review(bot: PartnerBot, entry: Entry) -> None:
    """Post a new proposal to the review channel, if the guild has one.

    Through the Sender, with a nonce per entry: resent after a Discord 5xx, it is
    still posted once.
    """
    settings = await _settings(bot, entry.guild_id)
    if settings.review_channel_id is None:
        return
    embed, view = await _review_message(bot, entry, settings)
    payload = {"embeds": [embed.to_dict()], "components": view.to_components()}
    try:
        sent = await DiscordSender(bot.http).send(
            settings.review_channel_id, payload, nonce=f"rv-{entry.id}"
        )
    except (ChannelGone, *DISCORD_FAILURES) as exc:
        log.warning(
            "could not post proposal %s to review channel %s: %r",
            entry.id,
            settings.review_channel_id,
            exc,
        )
        return
    async with bot.database.transaction() as session:
        posted = await proposals.record_review_message(
            entry.id,
            session=session,
            guild_id=entry.guild_id,
            channel_id=sent.channel_id,
            message_id=sent.message_id,
        )
    if posted.status != entry.status:  # decided while it was being posted
        await refresh_review_message(bot, posted, settings)


class ReviewDispatcher:
    """Does what a crash (or the database, or Discord failing) left undone after a
    proposal or a decision was answered: the review post, its update with the decision,
    and the proposer's notice. Each is done once the first try had POST_GRACE to happen,
    with the same nonces as the first try: a message that did reach Discord just before
    a crash is not sent twice, nor by two processes racing on it."""

    name = "reviews"

    def __init__(self, bot: PartnerBot) -> None:
        self.bot = bot

    async def run_due(self, now: datetime) -> datetime | None:
        ready = now - proposals.POST_GRACE
        async with self.bot.database.sessions() as session:
            unposted = await proposals.unposted_proposals(session=session, now=now)
            untold = await proposals.untold_decisions(session=session, now=now)
        for entry in unposted:
            if entry.created_at <= ready:
                log.info("posting proposal %s for review, late", entry.id)
                await post_for_review(self.bot, entry)
        for entry in untold:
            if entry.decided_at is not None and entry.decided_at <= ready:
                log.info("telling the decision on entry %s, late", entry.id)
                await tell_decision(self.bot, entry, now=now)
        waiting = [e.created_at for e in unposted if e.created_at > ready]
        waiting += [e.decided_at for e in untold if e.decided_at and e.decided_at > ready]
        return min(waiting) + proposals.POST_GRACE if waiting else None


async def done_after_answer(work: Awaitable[None], what: str) -> None:
    """Work after the member was answered: if the database fails there, the member is
    not told to try again (what they did is stored); the reviews dispatcher does it."""
    try:
        await work
    except Exception as exc:
        if not database_unreachable(exc):
            raise
        log.warning("%s left to the reviews dispatcher: %s", what, exc)


async def tell_decision(
    bot: PartnerBot, entry: Entry, *, now: datetime, settings: GuildSettings | None = None
) -> None:
    """Show the decision on the review post, tell the proposer, and record both done;
    `settings`: the guild's, if the caller has them already."""
    settings = settings or await _settings(bot, entry.guild_id)
    await refresh_review_message(bot, entry, settings)
    await notify_proposer(bot, entry, settings)
    assert entry.id is not None
    async with bot.database.transaction() as session:
        await proposals.mark_decision_told(
            entry.id, session=session, guild_id=entry.guild_id, now=now
        )


async def refresh_review_message(
    bot: PartnerBot, entry: Entry, settings: GuildSettings | None = None
) -> None:
    """Show the decision, and the support count, on the proposal's review-channel post;
    `settings`: the guild's, if the caller has them already."""
    if not (entry.review_channel_id and entry.review_message_id):
        return
    settings = settings or await _settings(bot, entry.guild_id)
    embed, view = await _review_message(bot, entry, settings)
    channel = bot.get_partial_messageable(entry.review_channel_id, guild_id=entry.guild_id)
    try:
        await channel.get_partial_message(entry.review_message_id).edit(embed=embed, view=view)
    except DISCORD_FAILURES as exc:
        log.warning("could not update review message of entry %s: %s", entry.id, exc)


async def notify_proposer(bot: PartnerBot, entry: Entry, settings: GuildSettings) -> None:
    """Tell the proposer by DM; if their DMs are closed, mention them in the review channel."""
    if entry.proposer_id is None:
        return
    sender = DiscordSender(bot.http)
    payload = render.decision_notice(entry, channel_locale(bot, settings))
    nonce = f"dc{entry.id}-{entry.status[:2]}"
    try:
        await sender.send_dm(entry.proposer_id, payload, nonce=nonce)
        return
    except ChannelGone:
        log.info(
            "proposer %s has DMs closed; mentioning them in the review channel", entry.proposer_id
        )
    except DISCORD_FAILURES as exc:
        # The decision is saved and the moderator told: a failed notice must not undo that.
        log.warning("could not tell proposer %s of entry %s: %r", entry.proposer_id, entry.id, exc)
        return
    channel_id = entry.review_channel_id or settings.review_channel_id
    if channel_id is None:
        return
    mention = {
        "content": f"<@{entry.proposer_id}> {payload['content']}",
        "allowed_mentions": {"parse": [], "users": [str(entry.proposer_id)]},
    }
    try:
        await sender.send(channel_id, mention, nonce=nonce)
    except (ChannelGone, *DISCORD_FAILURES):
        log.warning(
            "could not tell proposer %s of the decision on entry %s", entry.proposer_id, entry.id
        )


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
        )
    assert entry.decided_at is not None
    bot.wake(ReviewDispatcher.name, entry.decided_at + proposals.POST_GRACE)
    locale = user_locale(interaction)
    key = "review-you-approved" if approve else "review-you-rejected"
    await interaction.response.send_message(t(locale, key, entry.name), ephemeral=True)
    await done_after_answer(
        tell_decision(bot, entry, now=bot.clock.now(), settings=settings),
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
    await refresh_review_message(bot, entry)


review_group = app_commands.Group(
    name="review", description="Review proposed entries (moderators)", guild_only=True
)


@review_group.command(name="queue")
async def queue(interaction: discord.Interaction) -> None:
    """Proposals waiting for review, oldest first, with their buttons."""
    bot = bot_of(interaction)
    guild_id = guild_id_of(interaction)
    locale = user_locale(interaction)
    async with bot.database.sessions() as session:
        require_moderator(interaction, await get_settings(session=session, guild_id=guild_id))

    async def load(offset: int) -> tuple[discord.Embed, int]:
        async with bot.database.sessions() as session:
            page, total = await proposals.review_queue(
                session=session, guild_id=guild_id, limit=1, offset=offset
            )
            supporters = (
                await entries.supporters(session=session, guild_id=guild_id, entry_id=page[0].id)
                if page
                else []
            )
        if not page:
            return discord.Embed(description=t(locale, "review-queue-empty")), total
        pager.show_entry(page[0])
        embed = render.review_embed(page[0], supporters=supporters, locale=locale)
        embed.set_author(name=t(locale, "review-queue-position", offset + 1, total))
        return embed, total

    pager = ReviewPager(owner_id=interaction.user.id, locale=locale, load=load, total=0, per_page=1)
    embed, total = await load(0)
    if total == 0:
        await interaction.response.send_message(t(locale, "review-queue-empty"), ephemeral=True)
        return
    pager.total = total
    pager._update_buttons()
    await interaction.response.send_message(embed=embed, view=pager, ephemeral=True)
    pager.answered = interaction


class ReviewPager(Pager):
    """The queue, one proposal a page, with the review buttons acting on the shown proposal.

    These are plain buttons, not `ReviewButton`s: discord.py unregisters a dynamic
    item's pattern when a timed view holding one is removed, which would break the
    review-channel buttons.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.entry_id: int | None = None
        for action, key in (
            ("ap", "review-approve"),
            ("rj", "review-reject"),
            ("ed", "review-edit"),
        ):
            button: discord.ui.Button = discord.ui.Button(
                style=ReviewButton.STYLES[action], label=t(self.locale, key)
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
