"""Point discord.py at a Discord-compatible server: Discord itself, or the double."""

from __future__ import annotations

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route


def point_discord_py_at(api_base_url: str, gateway_url: str) -> None:
    """Send REST calls to `api_base_url` (…/api/v10) and connect to `gateway_url`.

    Both are process-wide class attributes of discord.py: every client in the
    process uses them. The gateway URL also serves after INVALID_SESSION, when
    discord.py falls back to its default; resumes use READY's resume_gateway_url.
    """
    Route.BASE = api_base_url.rstrip("/")
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
