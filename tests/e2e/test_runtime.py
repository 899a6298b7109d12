"""The bot as operators run it: a subprocess, command sync, shards, intents."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from bot.double import DiscordDouble
from tests.e2e.conftest import World, start_bot, stop_bot

ROOT = Path(__file__).resolve().parents[2]


def _command_puts(double: DiscordDouble) -> int:
    return sum(1 for r in double.requests if r.method == "PUT" and "commands" in r.path)


async def test_sync_only_when_the_tree_changed(world: World, e2e_db_url: str) -> None:
    assert _command_puts(world.double) == 1
    await stop_bot(world.bot, world.bot_task)
    world.bot, world.bot_task = await start_bot(world.double, e2e_db_url)
    assert _command_puts(world.double) == 1  # same tree: no sync on restart
    assert await world.bot.sync_commands(force=True)
    assert _command_puts(world.double) == 2


async def test_dev_guild_gets_its_commands_at_once(e2e_db_url: str) -> None:
    double = DiscordDouble()
    guild = double.add_guild("Test server")
    guild.add_text_channel("general")
    await double.start()
    bot, task = await start_bot(double, e2e_db_url, dev_guild_id=guild.id)
    try:
        names = {c["name"] for c in double.registered_commands(guild)}
        assert {"partnership", "settings", "help"} <= names
        assert not double.registered_commands()  # nothing global
    finally:
        await stop_bot(bot, task)
        await double.stop()
    double.assert_no_violations()


async def test_only_the_guilds_intent(world: World) -> None:
    identify = world.double.gateway.identifies[-1]
    assert identify.intents == 1  # GUILDS: no privileged intent


async def test_two_shards_in_two_bots_split_the_guilds(e2e_db_url: str) -> None:
    double = DiscordDouble()
    guilds = [double.add_guild(f"Community {n}") for n in range(6)]
    for guild in guilds:
        guild.add_text_channel("general")
    await double.start()
    bots = []
    try:
        for shard in (0, 1):
            os.environ["SHARD_COUNT"], os.environ["SHARD_IDS"] = "2", f"[{shard}]"
            bots.append(await start_bot(double, e2e_db_url, sessions=shard + 1))
        seen = [{g.id for g in bot.guilds} for bot, _ in bots]
        assert not seen[0] & seen[1]
        assert seen[0] | seen[1] == {g.id for g in guilds}
        for guild in guilds:  # each guild's commands are answered by exactly one process
            member = guild.add_member("Vol")
            ix = await double.slash(member, "help", channel=guild.text_channels()[0])
            assert (await ix.response()).ephemeral
    finally:
        os.environ.pop("SHARD_COUNT", None)
        os.environ.pop("SHARD_IDS", None)
        for bot, task in bots:
            await stop_bot(bot, task)
        await double.stop()
    double.assert_no_violations()


async def test_partnerbot_run_as_a_subprocess(e2e_db_url: str, tmp_path: Path) -> None:
    double = DiscordDouble()
    guild = double.add_guild("Wikimedia ES")
    channel = guild.add_text_channel("general")
    member = guild.add_member("Ben")
    await double.start()
    env = {
        **os.environ,
        "DISCORD_TOKEN": double.token,
        "DATABASE_URL": e2e_db_url,
        "DISCORD_API_BASE_URL": double.api_base_url,
        "DISCORD_GATEWAY_URL": double.gateway_url,
        "LOG_LEVEL": "WARNING",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await double.wait_until_ready(timeout=30)
        for _ in range(100):
            if double.registered_commands():
                break
            await asyncio.sleep(0.1)
        ix = await double.slash(
            member, "partnership search", {"query": "anything"}, channel=channel
        )
        response = await ix.response(timeout=10)
        assert response.ephemeral and "Nothing" in response.message.content
    finally:
        process.terminate()
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=20)
        await double.stop()
    assert b"Traceback" not in stderr, stderr.decode()
    double.assert_no_violations()
