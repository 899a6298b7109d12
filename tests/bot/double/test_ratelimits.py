"""Discord's per-channel message limit in the double: headers, 429s, and discord.py pacing
itself from them."""

from __future__ import annotations

import asyncio

import aiohttp
import discord

from bot.double import DiscordDouble, MessageLimit
from tests.support.bare_bot import Scene, double, scene

__all__ = ["double", "scene"]  # fixtures


async def test_past_the_limit_a_channel_answers_429_until_its_window_resets(
    double: DiscordDouble,
) -> None:
    guild = double.add_guild("Limited")
    busy, quiet = guild.add_text_channel("busy"), guild.add_text_channel("quiet")
    double.message_limit = MessageLimit(limit=2, window=0.5)
    headers = {"Authorization": f"Bot {double.token}"}

    async def post(channel_id: int) -> aiohttp.ClientResponse:
        url = f"{double.api_base_url}/channels/{channel_id}/messages"
        async with (
            aiohttp.ClientSession(headers=headers) as http,
            http.post(url, json={"content": "hello"}) as response,
        ):
            await response.read()
            return response

    first, second, third = [await post(busy.id) for _ in range(3)]
    assert (first.status, second.status, third.status) == (200, 200, 429)
    assert first.headers["X-RateLimit-Limit"] == "2"
    assert first.headers["X-RateLimit-Remaining"] == "1"
    assert second.headers["X-RateLimit-Remaining"] == "0"
    assert 0 < float(second.headers["X-RateLimit-Reset-After"]) <= 0.5
    assert third.headers["Via"] and third.headers["X-RateLimit-Scope"] == "user"
    assert (await post(quiet.id)).status == 200  # another channel: its own bucket
    [refusal] = double.message_limit.refused
    assert refusal.channel_id == str(busy.id) and 0 < refusal.retry_after <= 0.5
    assert len(double.messages(busy)) == 2
    await asyncio.sleep(refusal.retry_after)
    assert (await post(busy.id)).status == 200
    assert [r.status for r in double.requests if r.path.endswith(f"{busy.id}/messages")] == [
        200,
        200,
        429,
        200,
    ]


async def test_429_body_is_discords(double: DiscordDouble) -> None:
    guild = double.add_guild("Limited")
    channel = guild.add_text_channel("busy")
    double.message_limit = MessageLimit(limit=1, window=5.0)
    url = f"{double.api_base_url}/channels/{channel.id}/messages"
    async with aiohttp.ClientSession(headers={"Authorization": f"Bot {double.token}"}) as http:
        await (await http.post(url, json={"content": "one"})).read()
        async with http.post(url, json={"content": "two"}) as response:
            body = await response.json()
    assert body["global"] is False and body["message"] == "You are being rate limited."
    assert 0 < body["retry_after"] <= 5.0 and set(body) == {
        "message",
        "retry_after",
        "global",
        "code",
    }


async def test_discord_py_paces_itself_from_the_headers(scene: Scene) -> None:
    double = scene.double
    double.message_limit = MessageLimit(limit=2, window=0.4)
    channel = scene.bot.get_channel(scene.general.id)
    assert isinstance(channel, discord.TextChannel)
    await asyncio.gather(*(channel.send(f"message {n}") for n in range(5)))
    assert len(double.messages(scene.general)) == 5
    posts = [
        r.at
        for r in double.requests
        if r.method == "POST" and r.route == "/channels/{channel_id}/messages"
    ]
    # Paced without a 429: two messages a window, so the fifth waited for the third window.
    assert double.message_limit.refused == [] and len(posts) == 5
    assert posts[-1] - posts[0] >= 2 * 0.4
