"""The gateway: the raw protocol, sharding (one process and two), resume, re-identify, and
injected REST faults."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import zlib
from pathlib import Path

import aiohttp
import discord
import pytest

from bot.double import DiscordDouble
from tests.support.bare_bot import (
    BareBot,
    Scene,
    ShardedBareBot,
    double,
    scene,
    start_bot,
    stop_bot,
    until,
)

__all__ = ["double", "scene"]  # fixtures
REPO = Path(__file__).resolve().parents[3]


async def test_raw_protocol_with_zlib_stream(double: DiscordDouble) -> None:
    guild = double.add_guild("Raw")
    channel = guild.add_text_channel("general")
    member = guild.add_member("Ben")
    inflate = zlib.decompressobj()

    async def receive(ws: aiohttp.ClientWebSocketResponse) -> dict:
        message = await ws.receive(timeout=2)
        assert message.type == aiohttp.WSMsgType.BINARY and message.data.endswith(b"\0\0\xff\xff")
        return json.loads(inflate.decompress(message.data))

    async with aiohttp.ClientSession() as http:
        url = f"{double.gateway_url}?v=10&encoding=json&compress=zlib-stream"
        async with http.ws_connect(url) as ws:
            assert (await receive(ws)) == {
                "op": 10,
                "d": {"heartbeat_interval": 41250, "_trace": ["discord-double"]},
            }
            intents = 1 | 1 << 9  # guilds, guild messages; not message content
            await ws.send_json(
                {
                    "op": 2,
                    "d": {
                        "token": double.token,
                        "intents": intents,
                        "properties": {},
                        "shard": [0, 1],
                    },
                }
            )
            ready = await receive(ws)
            assert (ready["t"], ready["s"], ready["d"]["shard"]) == ("READY", 1, [0, 1])
            assert ready["d"]["guilds"] == [{"id": str(guild.id), "unavailable": True}]
            assert ready["d"]["resume_gateway_url"] == double.gateway_url
            created = await receive(ws)
            assert (created["t"], created["s"]) == ("GUILD_CREATE", 2)
            # Without the members intent, only the bot's own member is sent.
            assert [m["user"]["id"] for m in created["d"]["members"]] == [str(double.bot_user.id)]
            await ws.send_json({"op": 1, "d": 2})
            assert (await receive(ws)) == {"op": 11}
            said = await double.say(member, channel, "hello bot")
            posted = await receive(ws)
            assert (posted["t"], posted["s"], posted["d"]["id"]) == (
                "MESSAGE_CREATE",
                3,
                str(said.id),
            )
            assert posted["d"]["content"] == ""  # no message content intent
        async with http.ws_connect(f"{double.gateway_url}?v=10&encoding=json") as ws:
            await ws.receive(timeout=2)
            await ws.send_json({"op": 2, "d": {"token": "wrong", "intents": 1, "properties": {}}})
            closing = await ws.receive(timeout=2)
            assert closing.type == aiohttp.WSMsgType.CLOSE and closing.data == 4004


async def test_bad_token_fails_login(double: DiscordDouble) -> None:
    bot = BareBot()
    with pytest.raises(discord.LoginFailure):
        await bot.login("not-the-token")
    await bot.close()
    assert double.violations and "Authorization" in double.violations[0].message


async def test_sharded_client_gets_its_guilds_split(double: DiscordDouble) -> None:
    guilds = [double.add_guild(f"Guild {n}") for n in range(4)]
    members = [g.add_member(f"User {n}") for n, g in enumerate(guilds)]
    for guild in guilds:
        guild.add_text_channel("general")
    bot = ShardedBareBot(shard_count=2)
    task = await start_bot(bot, double)
    try:
        assert sorted(i.shard for i in double.gateway.identifies) == [(0, 2), (1, 2)]
        shards = {(g.id >> 22) % 2 for g in guilds}
        assert shards == {0, 1}
        for session in double.gateway.sessions.values():
            created = [int(f["d"]["id"]) for _, f in session.sent if f["t"] == "GUILD_CREATE"]
            assert created == [g.id for g in guilds if (g.id >> 22) % 2 == session.shard_id]
        await until(lambda: all(bot.get_guild(g.id) for g in guilds))
        for guild in guilds:
            cached = bot.get_guild(guild.id)
            assert cached is not None and cached.shard_id == (guild.id >> 22) % 2
        await bot.tree.sync()
        for member in members:
            answer = await (await double.slash(member, "ping")).response()
            assert answer.message is not None and answer.message.content == "pong"
        double.assert_no_violations()
    finally:
        await stop_bot(bot, task)


async def test_two_processes_share_the_shards(double: DiscordDouble) -> None:
    guilds = [double.add_guild(f"Guild {n}") for n in range(2)]
    members = [g.add_member("Someone") for g in guilds]
    for guild in guilds:
        guild.add_text_channel("general")
    env = {
        **os.environ,
        "DISCORD_API_BASE_URL": double.api_base_url,
        "DISCORD_GATEWAY_URL": double.gateway_url,
        "DISCORD_TOKEN": double.token,
    }
    other = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.support.bare_bot", "1", "2", cwd=REPO, env=env
    )
    bot = BareBot(shard_id=0, shard_count=2)
    try:
        task = await start_bot(bot, double, timeout=20)
        await bot.tree.sync()
        for member in members:
            answer = await (await double.slash(member, "ping")).response()
            assert answer.message is not None and answer.message.content == "pong"
        await stop_bot(bot, task)
    finally:
        other.terminate()
        await asyncio.wait_for(other.wait(), 10)
    double.assert_no_violations()


async def test_resume_replays_what_was_missed(scene: Scene) -> None:
    double = scene.double
    await double.drop_gateway(resumable=True)
    joined = double.add_guild("Joined while offline")
    await until(lambda: scene.bot.get_guild(joined.id) is not None)
    assert len(double.gateway.identifies) == 1
    (session,) = double.gateway.sessions.values()
    assert any(frame["t"] == "RESUMED" for _, frame in session.sent)
    seqs = [number for number, _ in session.sent]
    assert seqs == list(range(1, len(seqs) + 1))
    answer = await (await double.slash(scene.vol, "ping")).response()
    assert answer.message is not None


async def test_lost_session_means_identify_again(scene: Scene) -> None:
    double = scene.double
    await double.drop_gateway(resumable=False)
    await until(lambda: len(double.gateway.identifies) == 2, seconds=10)
    await double.wait_until_ready()
    await double.invalidate_session()
    await until(lambda: len(double.gateway.identifies) == 3, seconds=10)
    await double.wait_until_ready()
    answer = await (await double.slash(scene.vol, "ping")).response()
    assert answer.message is not None and answer.message.content == "pong"


async def test_guilds_and_channels_added_after_ready_reach_the_bot(scene: Scene) -> None:
    channel = scene.guild.add_text_channel("late-channel")
    later = scene.double.add_guild("Later")
    await until(lambda: scene.bot.get_channel(channel.id) and scene.bot.get_guild(later.id))


async def test_injected_rate_limit_and_server_error(scene: Scene) -> None:
    double = scene.double
    channel = scene.bot.get_channel(scene.general.id)
    assert isinstance(channel, discord.TextChannel)
    double.fail_next("POST /channels/{channel_id}/messages", 429, retry_after=0.05)
    await channel.send("after a rate limit")
    statuses = [r.status for r in double.requests if r.method == "POST"]
    assert statuses[-2:] == [429, 200]
    double.fail_next("/channels/*", 503)
    with pytest.raises(discord.DiscordServerError):
        await channel.send("during an outage")
    assert [f.status for f in double.faults.served] == [429, 503]
