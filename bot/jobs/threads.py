"""A public discussion thread per proposal, in the guild's proposals channel: opened when
the proposal is posted for review, given the decision and locked after it.

Without the permissions it needs there (Create Public Threads, Send Messages in Threads,
Manage Threads), the moderators are told in the review channel, and the proposal is
queued all the same.
"""

from __future__ import annotations

import logging

from bot.i18n import channel_locale
from bot.jobs.sender import ChannelGone, Sender
from bot.render import proposals as render
from storage.db import Database
from storage.models import Entry, GuildSettings
from storage.services import proposals
from storage.services import support as support_service

log = logging.getLogger(__name__)
THREAD_NAME_MAX = 100


class DiscussionThreads:
    def __init__(self, database: Database, sender: Sender, *, default_locale: str) -> None:
        self.database = database
        self.sender = sender
        self.default_locale = default_locale

    async def open(self, entry: Entry, settings: GuildSettings, *, nonce: str) -> None:
        """Post the proposal in the proposals channel and open its thread; `nonce`: this
        round's (a resend after a crash finds the post, and its thread, already there)."""
        channel_id = settings.proposals_channel_id
        if channel_id is None or entry.thread_id is not None:
            return
        assert entry.id is not None
        locale = channel_locale(settings.locale, self.default_locale)
        async with self.database.sessions() as session:
            supporters = await support_service.supporters(
                session=session, guild_id=entry.guild_id, entry_id=entry.id
            )
        payload = render.discussion_post(entry, supporters=supporters, locale=locale)
        try:
            sent = await self.sender.send(channel_id, payload, nonce=nonce)
            name = entry.name[:THREAD_NAME_MAX]
            thread_id = await self.sender.start_thread(sent.channel_id, sent.message_id, name=name)
        except ChannelGone:
            await self._tell_moderators(entry, settings, channel_id, nonce=f"{nonce}-x")
            return
        async with self.database.transaction() as session:
            await proposals.record_thread(
                entry.id, session=session, guild_id=entry.guild_id, thread_id=thread_id
            )
        entry.thread_id = thread_id

    async def close(self, entry: Entry, settings: GuildSettings, *, nonce: str) -> None:
        """Post the decision (and its reason) in the thread, then lock and archive it."""
        if entry.thread_id is None:
            return
        locale = channel_locale(settings.locale, self.default_locale)
        try:
            await self.sender.send(
                entry.thread_id, render.thread_decision(entry, locale), nonce=nonce
            )
            await self.sender.close_thread(entry.thread_id)
        except ChannelGone as exc:
            log.warning("could not close the thread of entry %s: %r", entry.id, exc)

    async def _tell_moderators(
        self, entry: Entry, settings: GuildSettings, channel_id: int, *, nonce: str
    ) -> None:
        if settings.review_channel_id is None:
            return
        locale = channel_locale(settings.locale, self.default_locale)
        notice = render.thread_refused(entry, channel_id, locale)
        try:
            await self.sender.send(settings.review_channel_id, notice, nonce=nonce)
        except ChannelGone:
            log.warning("could not tell moderators of guild %s about threads", entry.guild_id)
