"""Review posts and decisions: the work after a proposal or a decision is answered.

A new proposal is posted to the review channel; a decision is shown on that post
(its buttons disabled) and told to the proposer. Commands do this right after
answering; should it not happen (a crash, the database or Discord failing), the
`reviews` dispatcher does it once the first try had POST_GRACE to happen, with the
same nonces as the first try: a message that did reach Discord just before a crash
is not sent twice, nor by two processes racing on it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from datetime import datetime

import discord

from bot.errors import database_unreachable
from bot.i18n import channel_locale, person_locale
from bot.jobs import REVIEWS
from bot.jobs.sender import ChannelGone, Sender
from bot.jobs.threads import DiscussionThreads
from bot.render import proposals as render
from storage.db import Database
from storage.models import Entry, GuildSettings, Status
from storage.services import proposals
from storage.services import support as support_service
from storage.services.settings import get_settings, remembered_locale

log = logging.getLogger(__name__)

# What a post or edit after the interaction's answer may meet: an error, or a rate limit
# longer than the client waits (RateLimited is not an HTTPException).
DISCORD_FAILURES = (discord.HTTPException, discord.RateLimited)


async def done_after_answer(work: Awaitable[None], what: str) -> None:
    """Work after the member was answered: if the database fails there, the member is
    not told to try again (what they did is stored); the reviews dispatcher does it."""
    try:
        await work
    except Exception as exc:
        if not database_unreachable(exc):
            raise
        log.warning("%s left to the reviews dispatcher: %s", what, exc)


class ReviewJobs:
    """Posts proposals for review, shows and tells decisions; also the `reviews` dispatcher."""

    name = REVIEWS

    def __init__(self, database: Database, sender: Sender, *, default_locale: str) -> None:
        self.database = database
        self.sender = sender
        self.default_locale = default_locale
        self.threads = DiscussionThreads(database, sender, default_locale=default_locale)
        # Entries this process is posting: a post may wait minutes for the review channel's
        # pace, and the dispatcher, finding it still unposted, must not queue it again.
        self._posting: set[int] = set()

    @property
    def posting(self) -> frozenset[int]:
        """The entries whose review post this process is making."""
        return frozenset(self._posting)

    async def run_due(self, now: datetime) -> datetime | None:
        ready = now - proposals.POST_GRACE
        async with self.database.sessions() as session:
            unposted = await proposals.unposted_proposals(session=session, now=now)
            untold = await proposals.untold_decisions(session=session, now=now)
        under_way = {entry.id for entry in unposted} & self._posting
        for entry in unposted:
            if proposals.submitted_at(entry) <= ready and entry.id not in under_way:
                log.info("posting proposal %s for review, late", entry.id)
                await self.post(entry)
        for entry in untold:
            if entry.decided_at is not None and entry.decided_at <= ready:
                log.info("telling the decision on entry %s, late", entry.id)
                await self.tell_decision(entry, now=now)
        waiting = [proposals.submitted_at(e) for e in unposted]
        waiting = [moment for moment in waiting if moment > ready]
        waiting += [e.decided_at for e in untold if e.decided_at and e.decided_at > ready]
        if under_way:  # should one of those posts fail, it is made at the next look
            waiting.append(now)
        return min(waiting) + proposals.POST_GRACE if waiting else None

    async def _settings(self, guild_id: int) -> GuildSettings:
        async with self.database.sessions() as session:
            return await get_settings(session=session, guild_id=guild_id)

    async def _nonce(self, base: str, entry: Entry) -> str:
        """A message's nonce: one per entry and kind of message, and per round of review
        (a resubmitted proposal's post and decision are new messages)."""
        assert entry.id is not None
        async with self.database.sessions() as session:
            round_ = await proposals.submission_number(
                entry.id, session=session, guild_id=entry.guild_id
            )
        return base + (f"-{round_}" if round_ else "")

    async def _post_payload(self, entry: Entry, settings: GuildSettings) -> dict:
        async with self.database.sessions() as session:
            supporters = await support_service.supporters(
                session=session, guild_id=entry.guild_id, entry_id=entry.id
            )
        locale = channel_locale(settings.locale, self.default_locale)
        flags = proposals.measure_flags(entry)
        return render.review_post(entry, supporters=supporters, locale=locale, flags=flags)

    async def post(self, entry: Entry) -> None:
        """Post a new proposal to the review channel, if the guild has one, and if this
        process is not posting it already.

        With a nonce per entry and round: resent after a Discord 5xx, it is still posted
        once; resubmitted, it is posted anew.
        """
        assert entry.id is not None
        if entry.id in self._posting:
            return
        self._posting.add(entry.id)
        try:
            await self._post(entry)
        finally:
            self._posting.discard(entry.id)

    async def _post(self, entry: Entry) -> None:
        settings = await self._settings(entry.guild_id)
        if settings.review_channel_id is None:
            return
        payload = await self._post_payload(entry, settings)
        nonce = await self._nonce(f"rv-{entry.id}", entry)
        try:
            sent = await self.sender.send(settings.review_channel_id, payload, nonce=nonce)
        except (ChannelGone, *DISCORD_FAILURES) as exc:
            log.warning(
                "could not post proposal %s to review channel %s: %r",
                entry.id,
                settings.review_channel_id,
                exc,
            )
            return
        async with self.database.transaction() as session:
            posted = await proposals.record_review_message(
                entry.id,
                session=session,
                guild_id=entry.guild_id,
                channel_id=sent.channel_id,
                message_id=sent.message_id,
            )
        # Decided before the post was recorded: the post (or, after a crash, the first
        # try's, which the nonce brought back) may still show the buttons enabled.
        if posted.status != Status.PROPOSED:
            await self.refresh(posted, settings)
            return
        try:
            await self.threads.open(
                posted, settings, nonce=await self._nonce(f"th-{entry.id}", entry)
            )
        except DISCORD_FAILURES as exc:
            log.warning("could not open the thread of entry %s: %r", entry.id, exc)

    async def tell_decision(
        self, entry: Entry, *, now: datetime, settings: GuildSettings | None = None
    ) -> None:
        """Show the decision on the review post, tell the proposer, and record both done;
        `settings`: the guild's, if the caller has them already."""
        settings = settings or await self._settings(entry.guild_id)
        await self.refresh(entry, settings)
        await self._notify_proposer(entry, settings)
        nonce = await self._nonce(f"td{entry.id}-{entry.status[:2]}", entry)
        try:
            await self.threads.close(entry, settings, nonce=nonce)
        except DISCORD_FAILURES as exc:
            log.warning("could not close the thread of entry %s: %r", entry.id, exc)
        assert entry.id is not None
        async with self.database.transaction() as session:
            await proposals.mark_decision_told(
                entry.id, session=session, guild_id=entry.guild_id, now=now
            )

    async def refresh(self, entry: Entry, settings: GuildSettings | None = None) -> None:
        """Show the decision, and the support count, on the proposal's review-channel post;
        `settings`: the guild's, if the caller has them already."""
        if not (entry.review_channel_id and entry.review_message_id):
            return
        settings = settings or await self._settings(entry.guild_id)
        payload = await self._post_payload(entry, settings)
        try:
            await self.sender.edit(entry.review_channel_id, entry.review_message_id, payload)
        except (ChannelGone, *DISCORD_FAILURES) as exc:
            log.warning("could not update review message of entry %s: %r", entry.id, exc)

    async def _notify_proposer(self, entry: Entry, settings: GuildSettings) -> None:
        """Tell the proposer by DM, in their language; if their DMs are closed, mention
        them in the review channel, in the channel's language."""
        if entry.proposer_id is None:
            return
        async with self.database.sessions() as session:
            own = await remembered_locale(session=session, user_id=entry.proposer_id)
        dm = render.decision_notice(entry, person_locale(own, settings.locale, self.default_locale))
        nonce = await self._nonce(f"dc{entry.id}-{entry.status[:2]}", entry)
        try:
            await self.sender.send_dm(entry.proposer_id, dm, nonce=nonce)
            return
        except ChannelGone:
            log.info("proposer %s has DMs closed; mentioning them instead", entry.proposer_id)
        except DISCORD_FAILURES as exc:
            # The decision is saved and the moderator told: a failed notice must not undo that.
            log.warning(
                "could not tell proposer %s of entry %s: %r", entry.proposer_id, entry.id, exc
            )
            return
        channel_id = entry.review_channel_id or settings.review_channel_id
        if channel_id is None:
            return
        notice = render.decision_notice(entry, channel_locale(settings.locale, self.default_locale))
        mention = {
            "content": f"<@{entry.proposer_id}> {notice['content']}",
            "allowed_mentions": {"parse": [], "users": [str(entry.proposer_id)]},
        }
        try:
            await self.sender.send(channel_id, mention, nonce=nonce)
        except (ChannelGone, *DISCORD_FAILURES):
            log.warning(
                "could not tell proposer %s of the decision on entry %s",
                entry.proposer_id,
                entry.id,
            )
