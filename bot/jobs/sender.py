"""The message sender, behind a narrow interface so scheduled features test without Discord.

`Sender` is the interface; `DiscordSender` posts through discord.py's HTTP client, which
handles 429s; channel posts are paced first (bot.jobs.pacing), so that none is needed.

Payloads are Discord message JSON (content, embeds, components, allowed_mentions),
built by `bot.render`. The nonce is deterministic per logical message, sent with
`enforce_nonce`, so that Discord drops a resend after a crash mid-send.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, Protocol

import discord
from discord.http import HTTPClient, Route

from bot.jobs.pacing import ChannelPacer

log = logging.getLogger(__name__)

# Unknown channel, missing access/permissions, cannot DM this user.
_GONE_CODES = {10003, 50001, 50013, 50007}
# Pauses before each resend after a 5xx discord.py gave up on (it never retries 503).
# Safe because every send carries its nonce with enforce_nonce: Discord drops a duplicate.
SERVER_ERROR_PAUSES = (1.0, 2.0)
THREAD_ALREADY_CREATED = 160004
THREAD_ARCHIVE_MINUTES = 7 * 24 * 60  # a week without messages: Discord archives it


class ChannelGone(Exception):
    """The channel no longer exists, or the bot may no longer post there (404 / 403)."""


@dataclass(frozen=True)
class SentMessage:
    channel_id: int
    message_id: int


class Sender(Protocol):
    async def send(self, channel_id: int, payload: dict[str, Any], *, nonce: str) -> SentMessage:
        """Post a message; raise ChannelGone when the channel is gone or forbidden."""
        ...

    async def send_dm(self, user_id: int, payload: dict[str, Any], *, nonce: str) -> SentMessage:
        """DM a member; raise ChannelGone when their DMs are closed."""
        ...

    async def edit(self, channel_id: int, message_id: int, payload: dict[str, Any]) -> None:
        """Replace a message the bot sent; raise ChannelGone when it or its channel is gone."""
        ...

    async def start_thread(self, channel_id: int, message_id: int, *, name: str) -> int:
        """A public thread on a message the bot sent, once (its id is the message's); raise
        ChannelGone when the bot may not."""
        ...

    async def close_thread(self, thread_id: int) -> None:
        """Archive and lock a thread; raise ChannelGone when the bot may not."""
        ...


class DiscordSender:
    def __init__(self, http: HTTPClient, pacer: ChannelPacer | None = None) -> None:
        self.http = http
        self.pacer = pacer or ChannelPacer()

    async def send(self, channel_id: int, payload: dict[str, Any], *, nonce: str) -> SentMessage:
        body = {**payload, "nonce": nonce, "enforce_nonce": True}
        body.setdefault("allowed_mentions", {"parse": []})
        for pause in SERVER_ERROR_PAUSES:
            try:
                return await self._post(channel_id, body)
            except discord.DiscordServerError as exc:
                log.warning("message %s: Discord answered %s; resending", nonce, exc.status)
                await asyncio.sleep(pause)
        return await self._post(channel_id, body)

    async def _post(self, channel_id: int, body: dict[str, Any]) -> SentMessage:
        route = Route("POST", "/channels/{channel_id}/messages", channel_id=channel_id)
        try:
            async with self.pacer.slot(channel_id):
                message = await self.http.request(route, json=body)
        except (discord.NotFound, discord.Forbidden) as exc:
            if isinstance(exc, discord.NotFound) or exc.code in _GONE_CODES:
                raise ChannelGone(channel_id) from exc
            raise
        return SentMessage(channel_id=int(message["channel_id"]), message_id=int(message["id"]))

    async def send_dm(self, user_id: int, payload: dict[str, Any], *, nonce: str) -> SentMessage:
        try:
            channel = await self.http.start_private_message(user_id)
        except (discord.NotFound, discord.Forbidden) as exc:
            raise ChannelGone(user_id) from exc
        return await self.send(int(channel["id"]), payload, nonce=nonce)

    async def edit(self, channel_id: int, message_id: int, payload: dict[str, Any]) -> None:
        route = Route(
            "PATCH",
            "/channels/{channel_id}/messages/{message_id}",
            channel_id=channel_id,
            message_id=message_id,
        )
        try:
            await self.http.request(route, json=payload)
        except (discord.NotFound, discord.Forbidden) as exc:
            if isinstance(exc, discord.NotFound) or exc.code in _GONE_CODES:
                raise ChannelGone(channel_id) from exc
            raise

    async def start_thread(self, channel_id: int, message_id: int, *, name: str) -> int:
        try:
            await self.http.start_thread_with_message(
                channel_id, message_id, name=name, auto_archive_duration=THREAD_ARCHIVE_MINUTES
            )
        except discord.HTTPException as exc:
            if exc.code == THREAD_ALREADY_CREATED:  # a resend after a crash: it is there
                return message_id
            if isinstance(exc, discord.NotFound) or exc.code in _GONE_CODES:
                raise ChannelGone(channel_id) from exc
            raise
        return message_id

    async def close_thread(self, thread_id: int) -> None:
        try:
            await self.http.edit_channel(thread_id, archived=True, locked=True)
        except (discord.NotFound, discord.Forbidden) as exc:
            if isinstance(exc, discord.NotFound) or exc.code in _GONE_CODES:
                raise ChannelGone(thread_id) from exc
            raise
