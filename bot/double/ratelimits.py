"""Discord's per-channel message limit: 5 messages per 5 s in each channel (opt-in).

Discord answers POST /channels/{id}/messages with the channel's bucket in headers
(X-RateLimit-Limit, -Remaining, -Reset, -Reset-After, -Bucket), from which discord.py
paces itself; past the limit it answers 429 with the body `{"message", "retry_after",
"global": false, "code"}` (the OpenAPI description's RatelimitedResponse), Retry-After,
X-RateLimit-Scope: user, and Via (discord.py takes a 429 without Via for a Cloudflare
ban and gives up). discord.py then sleeps `retry_after` and sends again. A bucket's
window opens at its first request and resets whole `window` seconds later, as
Discord's reset time does; a refused request does not count against it.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from aiohttp import web

from bot.double.server import json_response

LIMITED_ROUTE = ("POST", "/channels/{channel_id}/messages")


@dataclass(frozen=True)
class Refusal:
    """One request answered 429: which channel, when (time.monotonic()), for how long."""

    channel_id: str
    at: float
    retry_after: float


@dataclass
class _Window:
    opened: float
    used: int = 0


@dataclass
class MessageLimit:
    """`limit` messages per `window` seconds in each channel, as Discord enforces them."""

    limit: int = 5
    window: float = 5.0
    refused: list[Refusal] = field(default_factory=list)
    _windows: dict[str, _Window] = field(default_factory=dict)

    def applies(self, method: str, route: str) -> bool:
        return (method, route) == LIMITED_ROUTE

    def take(self, channel_id: str, now: float | None = None) -> dict[str, str] | web.Response:
        """Count one message to `channel_id`: the headers of its answer, or the 429."""
        now = time.monotonic() if now is None else now
        window = self._windows.get(channel_id)
        if window is None or now >= window.opened + self.window:
            window = self._windows[channel_id] = _Window(now)
        reset_after = window.opened + self.window - now
        if window.used >= self.limit:
            self.refused.append(Refusal(channel_id, now, reset_after))
            return too_many_requests(reset_after, headers=self._headers(channel_id, 0, reset_after))
        window.used += 1
        return self._headers(channel_id, self.limit - window.used, reset_after)

    def _headers(self, channel_id: str, remaining: int, reset_after: float) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            # One bucket hash for the route; the channel id is its major parameter.
            "X-RateLimit-Bucket": "double-channel-messages",
        }


def too_many_requests(
    retry_after: float, *, is_global: bool = False, headers: dict[str, str] | None = None
) -> web.Response:
    """Discord's 429: the body discord.py sleeps `retry_after` on, and the headers it reads."""
    body = {
        "message": "You are being rate limited.",
        "retry_after": round(retry_after, 3),
        "global": is_global,
        "code": 0,
    }
    headers = {
        **(headers or {}),
        "Retry-After": str(math.ceil(retry_after)),
        "X-RateLimit-Scope": "global" if is_global else "user",
        # discord.py treats a 429 without Via as a Cloudflare ban and gives up.
        "Via": "1.1 google",
    }
    if is_global:
        headers["X-RateLimit-Global"] = "true"
    return json_response(body, status=429, headers=headers)
