"""Automatic publishing to the wiki: the `wiki` dispatcher the Waker runs.

The database says what is due (`storage.services.wiki.claim_due`: a guild with changes
not yet published whose interval has passed); the claim is committed before the wiki is
written, so one process publishes each change set. A publish cut short by a crash is
claimed again once its lease is stale, and finds the page already as it would write it:
no second edit. A failure keeps the change set pending and is tried again later, each
time later; the moderators hear of the first failure in a row in the review channel.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.errors import database_unreachable
from bot.i18n import FALLBACK, channel_locale
from bot.jobs import WIKI
from bot.jobs.sender import ChannelGone, Sender
from bot.render.wiki import failure_notice
from bot.wiki.client import WikiClient, WikiError
from bot.wiki.publish import publish
from storage import db
from storage.services import settings, wiki

log = logging.getLogger(__name__)


class WikiDispatcher:
    name = WIKI

    def __init__(
        self,
        database: db.Database,
        sender: Sender,
        client: WikiClient,
        *,
        default_locale: str = FALLBACK,
    ) -> None:
        self.database = database
        self.sender = sender
        self.client = client
        self.default_locale = default_locale

    async def run_due(self, now: datetime) -> datetime | None:
        async with self.database.transaction() as session:
            claimed = await wiki.claim_due(session=session, now=now)
        for guild_id in claimed:
            try:
                published = await publish(
                    self.database,
                    self.client,
                    guild_id=guild_id,
                    now=now,
                    default_locale=self.default_locale,
                )
            except Exception as error:
                if database_unreachable(error):
                    raise  # the Waker retries within seconds; the claim goes stale meanwhile
                await self._failed(guild_id, error, now)
                continue
            log.info(
                "wiki: guild %s published to %s (%s)", guild_id, published.title, published.outcome
            )
        async with self.database.sessions() as session:
            return await wiki.next_due_at(session=session)

    async def _failed(self, guild_id: int, error: Exception, now: datetime) -> None:
        known = isinstance(error, WikiError)
        if known:
            log.warning("wiki: guild %s: publishing failed: %r", guild_id, error)
        else:
            log.error("wiki: guild %s: publishing failed", guild_id, exc_info=error)
        async with self.database.transaction() as session:
            retry_at = await wiki.release_failed(session=session, guild_id=guild_id, now=now)
            page = await wiki.get_page(session=session, guild_id=guild_id)
            guild = await settings.get_settings(session=session, guild_id=guild_id)
        assert page is not None
        if page.failures != 1 or guild.review_channel_id is None:
            return  # told already (this run of failures), or nowhere to tell: the log has it
        key = error.key if isinstance(error, WikiError) else "wiki-error-unreachable"
        locale = channel_locale(guild.locale, self.default_locale)
        text = failure_notice(page.title, key, retry_at, locale)
        try:
            await self.sender.send(
                guild.review_channel_id,
                {"content": text},
                nonce=f"wk-{guild_id}-{int(retry_at.timestamp())}"[:25],
            )
        except ChannelGone:
            log.warning("wiki: guild %s: the review channel is gone", guild_id)
