"""Where discord.py sends its calls: a module of its own, light enough for a process that
runs discord.py alone (the bare bot of bench/interaction.py, whose memory is the floor's)."""

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
