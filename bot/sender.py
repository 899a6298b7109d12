"""The message sender, behind a narrow interface so scheduled features test without Discord.

Payloads are Discord message JSON (content, embeds, components, allowed_mentions),
built by `bot.render`. The nonce is deterministic per logical message, sent with
`enforce_nonce`, so that Discord drops a resend after a crash mid-send.
"""

from __future__ import annotations

from dataclasses import dataclass
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
