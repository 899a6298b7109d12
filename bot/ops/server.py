"""With PORT set, the bot answers on it: /healthz for the host, /metrics for Prometheus.

/healthz is 200 while every shard is connected to the gateway and the database
answers, else 503 with the reason, so a host restarts a bot that is stuck.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import sqlalchemy as sa
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

if TYPE_CHECKING:
    from bot.client import PartnerBot

log = logging.getLogger(__name__)

DATABASE_CHECK_TIMEOUT = 2.0  # seconds; a host's health probe usually waits a few


class OpsServer:
    def __init__(self, bot: PartnerBot, *, host: str, port: int) -> None:
        self.bot = bot
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/metrics", self.metrics)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        log.info("health and metrics on http://%s:%d/healthz and /metrics", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def problem(self) -> str | None:
        """Why the bot is not healthy, or None."""
        bot = self.bot
        if bot.is_closed() or not bot.is_ready():
            return "not connected to the Discord gateway"
        closed = sorted(shard_id for shard_id, shard in bot.shards.items() if shard.is_closed())
        if closed:
            return f"shards {closed} not connected to the Discord gateway"
        try:
            async with asyncio.timeout(DATABASE_CHECK_TIMEOUT):
                async with bot.database.sessions() as session:
                    await session.exec(sa.text("SELECT 1"))  # type: ignore[call-overload]
        except Exception as exc:
            return f"database not answering: {type(exc).__name__}"
        return None

    async def healthz(self, _request: web.Request) -> web.Response:
        problem = await self.problem()
        if problem is None:
            return web.json_response({"status": "ok"})
        return web.json_response({"status": "unhealthy", "reason": problem}, status=503)

    async def metrics(self, _request: web.Request) -> web.Response:
        return web.Response(
            body=generate_latest(REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )
