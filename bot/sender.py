"""The message sender, behind a narrow interface so scheduled features test without Discord.

Payloads are Discord message JSON (content, embeds, components, allowed_mentions),
built by `bot.render`. The nonce is deterministic per logical message, sent with
`enforce_nonce`, so that Discord drops a resend after a crash mid-send.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


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


@dataclass
class RecordingSender:
    """A Sender that keeps what it was asked to send: for rule tests."""

    sent: list[tuple[int, dict[str, Any], str]] = field(default_factory=list)
    gone: set[int] = field(default_factory=set)
    _next_id: int = 1

    async def send(self, channel_id: int, payload: dict[str, Any], *, nonce: str) -> SentMessage:
        if channel_id in self.gone:
            raise ChannelGone(channel_id)
        self.sent.append((channel_id, payload, nonce))
        self._next_id += 1
        return SentMessage(channel_id, self._next_id)

    async def send_dm(self, user_id: int, payload: dict[str, Any], *, nonce: str) -> SentMessage:
        return await self.send(-user_id, payload, nonce=nonce)
