"""Test doubles for the narrow interfaces: the sender (the clock is in clocks.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.jobs.sender import ChannelGone, SentMessage


@dataclass
class RecordingSender:
    """A Sender that keeps what it was asked to send: for rule tests."""

    sent: list[tuple[int, dict[str, Any], str]] = field(default_factory=list)
    edited: list[tuple[int, int, dict[str, Any]]] = field(default_factory=list)
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

    async def edit(self, channel_id: int, message_id: int, payload: dict[str, Any]) -> None:
        if channel_id in self.gone:
            raise ChannelGone(channel_id)
        self.edited.append((channel_id, message_id, payload))
