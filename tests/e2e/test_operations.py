"""What an operator sees with PORT set: /healthz and /metrics, from the real bot."""

from __future__ import annotations

import socket

import aiohttp

from bot.double import DiscordDouble
from storage.db import Database
from tests.e2e.conftest import start_bot, stop_bot


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_health_and_metrics_on_port(e2e_db_url: str) -> None:
    double = DiscordDouble()
    guild = double.add_guild("Wikimedia ES")
    general = guild.add_text_channel("general")
    volunteer = guild.add_member("Ben")
    await double.start()
    port = free_port()
    bot, task = await start_bot(double, e2e_db_url, port=port, health_host="127.0.0.1")
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{base}/healthz") as answer:
                assert answer.status == 200
                assert await answer.json() == {"status": "ok"}

            ix = await double.slash(
                volunteer, "partnership search", {"query": "museo"}, channel=general
            )
            await ix.response()
            async with http.get(f"{base}/metrics") as answer:
                assert answer.status == 200
                assert answer.content_type == "text/plain"
                text = await answer.text()
            assert 'partnerbot_interactions_total{command="partnership search",outcome="ok"}' in (
                text
            )
            assert "partnerbot_answer_seconds_bucket" in text
            for name in (
                "partnerbot_reminders_total",
                "partnerbot_scheduler_lag_seconds",
                "partnerbot_digests_posted_total",
                "partnerbot_database_errors_total",
                "partnerbot_gateway_reconnects_total",
            ):
                assert f"# TYPE {name.removesuffix('_total')}" in text, name
            assert "process_resident_memory_bytes" in text

            # The database stops answering: 503, with the reason.
            working, bot.database = bot.database, Database("sqlite+aiosqlite:////nonexistent/x.db")
            try:
                async with http.get(f"{base}/healthz") as answer:
                    assert answer.status == 503
                    reason = (await answer.json())["reason"]
                assert reason.startswith("database not answering")
            finally:
                await bot.database.dispose()
                bot.database = working
    finally:
        await stop_bot(bot, task)
        await double.stop()
    # Closed with the bot: nothing listens any more.
    async with aiohttp.ClientSession() as http:
        try:
            await http.get(f"{base}/healthz")
        except aiohttp.ClientConnectionError:
            pass
        else:
            raise AssertionError("the health endpoint outlived the bot")


async def test_nothing_listens_without_port(e2e_db_url: str) -> None:
    double = DiscordDouble()
    double.add_guild("Wikimedia ES").add_text_channel("general")
    await double.start()
    bot, task = await start_bot(double, e2e_db_url)
    try:
        assert bot.ops is None
    finally:
        await stop_bot(bot, task)
        await double.stop()
