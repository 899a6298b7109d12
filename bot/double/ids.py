"""Snowflakes, tokens and timestamps shaped like Discord's."""

from __future__ import annotations

import base64
import secrets
import time
from datetime import UTC, datetime

DISCORD_EPOCH_MS = 1420070400000
_WORKER_BITS = 1 << 17  # worker 1, process 0: any fixed value works


class Snowflakes:
    """Unique, increasing 64-bit ids whose top bits are the creation time, like Discord's."""

    def __init__(self) -> None:
        self._last = 0

    def next(self, *, fresh_millisecond: bool = False) -> int:
        """A new id; `fresh_millisecond` gives it a timestamp no earlier id has.

        Sharding routes a guild by `(guild_id >> 22) % shard_count`, the creation
        millisecond: guilds made in one burst would otherwise all land on one shard.
        """
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        if fresh_millisecond:
            ms = max(ms, (self._last >> 22) + 1)
        self._last = max((ms << 22) | _WORKER_BITS, self._last + 1)
        return self._last


def bot_token(bot_id: int) -> str:
    """A token in Discord's format: base64(user id) . timestamp . HMAC."""
    user_part = base64.urlsafe_b64encode(str(bot_id).encode()).decode().rstrip("=")
    return f"{user_part}.{secrets.token_urlsafe(4)}.{secrets.token_urlsafe(27)}"


def interaction_token() -> str:
    return "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(96)


def session_id() -> str:
    return secrets.token_hex(16)


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime | None) -> str | None:
    """Discord's timestamp format: ISO 8601 with microseconds and +00:00."""
    return None if moment is None else moment.astimezone(UTC).isoformat(timespec="microseconds")
