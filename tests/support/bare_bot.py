"""A bare discord.py bot for the double's own tests: one command per interaction shape,
and the fixtures that run it against a fresh double over real HTTP and websocket."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import discord
import pytest
from discord import app_commands

from bot.double import Channel, DiscordDouble, Guild, Member
from bot.endpoints import point_discord_py_at

NAMES = ["openstreetmap", "open knowledge", "wikidata", "osm spain"]


class Feedback(discord.ui.Modal, title="Feedback"):
    comment = discord.ui.TextInput(label="Comment", max_length=200)
    mood = discord.ui.Label(text="Mood", component=discord.ui.TextInput(required=False))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        mood = self.mood.component.value or "-"  # type: ignore[attr-defined]
        await interaction.response.send_message(
            f"thanks: {self.comment.value} ({mood})", ephemeral=True
        )


class VoteView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Yes", custom_id="vote:yes")
    async def yes(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        await interaction.response.edit_message(content="voted yes", view=None)

    @discord.ui.button(label="Closed", custom_id="vote:closed", disabled=True)
    async def closed(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        raise AssertionError("a disabled button cannot be clicked")

    @discord.ui.select(
        custom_id="vote:colour",
        options=[
            discord.SelectOption(label="Red", value="red"),
            discord.SelectOption(label="Blue", value="blue"),
        ],
        max_values=2,
    )
    async def colour(self, interaction: discord.Interaction, select: discord.ui.Select) -> None:
        await interaction.response.send_message("picked " + ",".join(select.values))


def build_tree(client: discord.Client, errors: list[BaseException]) -> app_commands.CommandTree:
    tree = app_commands.CommandTree(client)

    @tree.error
    async def on_error(_: discord.Interaction, error: app_commands.AppCommandError) -> None:
        errors.append(
            error.original if isinstance(error, app_commands.CommandInvokeError) else error
        )

    @tree.command(description="Answer pong")
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("pong")

    @tree.command(description="Repeat the text")
    @app_commands.describe(text="What to repeat", private="Only you see it")
    async def echo(interaction: discord.Interaction, text: str, private: bool = False) -> None:
        await interaction.response.send_message(text, ephemeral=private)

    @tree.command(description="Think, then answer")
    async def slow(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.followup.send("working")
        await interaction.edit_original_response(content="done")
        await interaction.followup.send("extra")

    @tree.command(description="Send feedback")
    async def feedback(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(Feedback())

    @tree.command(description="Vote on something")
    async def vote(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("Vote now", view=VoteView())

    @tree.command(description="Search entries")
    @app_commands.describe(query="Words to find", kind="Kind of entry")
    @app_commands.choices(
        kind=[
            app_commands.Choice(name="Alliance", value="alliance"),
            app_commands.Choice(name="Partnership", value="partnership"),
        ]
    )
    async def search(
        interaction: discord.Interaction, query: str, kind: app_commands.Choice[str] | None = None
    ) -> None:
        await interaction.response.send_message(f"{query}/{kind.value if kind else '-'}")

    @search.autocomplete("query")
    async def complete(_: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=n, value=n) for n in NAMES if current in n]

    group = app_commands.Group(name="partnership", description="Partnerships")

    @group.command(name="show", description="Show one entry")
    async def show(
        interaction: discord.Interaction,
        entry: app_commands.Range[int, 1, 999],
        where: discord.TextChannel | None = None,
        who: discord.Member | None = None,
    ) -> None:
        text = f"entry {entry} in {where.name if where else '-'} for {who.name if who else '-'}"
        await interaction.response.send_message(text)

    tree.add_command(group)

    @tree.command(description="Break the embed title limit")
    async def bigtitle(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(embed=discord.Embed(title="x" * 257))

    @tree.command(description="Answer after a delay")
    async def late(interaction: discord.Interaction, seconds: float) -> None:
        await asyncio.sleep(seconds)
        await interaction.response.send_message("finally")

    @tree.command(description="Send a file")
    async def export(interaction: discord.Interaction) -> None:
        data = io.BytesIO(b"name\nosm\n")
        await interaction.response.send_message("here", file=discord.File(data, "entries.csv"))

    @tree.command(name="import", description="Read a file")
    async def import_(interaction: discord.Interaction, file: discord.Attachment) -> None:
        data = await file.read()
        await interaction.response.send_message(f"{file.filename}: {len(data)} bytes")

    @tree.command(description="Moderators only")
    @app_commands.default_permissions(manage_guild=True)
    async def settings(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("settings", ephemeral=True)

    @tree.command(description="Describe the caller")
    async def whoami(interaction: discord.Interaction) -> None:
        perms = interaction.permissions
        await interaction.response.send_message(
            f"{interaction.locale.value} {interaction.guild_locale} manage={perms.manage_guild} "
            f"app_send={interaction.app_permissions.send_messages}"
        )

    return tree


class _Quick:
    """Test pacing: discord.py waits 5 s before each re-IDENTIFY (Discord's identify
    rate limit) and 2 s after the last GUILD_CREATE; the double needs neither."""

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None


class BareBot(_Quick, discord.Client):
    def __init__(self, **options: Any) -> None:
        intents = options.pop("intents", None) or discord.Intents(guilds=True)
        super().__init__(intents=intents, guild_ready_timeout=0.05, **options)
        self.errors: list[BaseException] = []
        self.tree = build_tree(self, self.errors)


class ShardedBareBot(_Quick, discord.AutoShardedClient):
    def __init__(self, **options: Any) -> None:
        super().__init__(intents=discord.Intents(guilds=True), guild_ready_timeout=0.05, **options)
        self.errors: list[BaseException] = []
        self.tree = build_tree(self, self.errors)


async def until(check: Callable[[], object], seconds: float = 5.0) -> None:
    """Poll a condition on the bot's side (its caches fill as it parses events)."""
    for _ in range(int(seconds * 100)):
        if check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"condition not met within {seconds:g} s")


async def start_bot(
    client: discord.Client, double: DiscordDouble, **ready: Any
) -> asyncio.Task[None]:
    """Log in and connect over the double's HTTP and gateway; returns the connect task."""
    await client.login(double.token)
    task = asyncio.create_task(client.connect())
    await double.wait_until_ready(**ready)
    return task


async def stop_bot(client: discord.Client, task: asyncio.Task[None]) -> None:
    await client.close()
    await asyncio.wait_for(task, 5)


@dataclass
class Scene:
    double: DiscordDouble
    guild: Guild
    general: Channel
    mod: Member
    vol: Member
    bot: BareBot


@pytest.fixture
async def double() -> AsyncIterator[DiscordDouble]:
    async with DiscordDouble() as running:
        point_discord_py_at(running.api_base_url, running.gateway_url)
        yield running


@pytest.fixture
async def scene(double: DiscordDouble) -> AsyncIterator[Scene]:
    """A guild with #general, a moderator and a volunteer; the bare bot connected and synced.

    Teardown fails on any violation a test did not check and clear.
    """
    guild = double.add_guild("Wikimedia ES", locale="es-ES")
    general = guild.add_text_channel("general")
    mod = guild.add_moderator("Ana", locale="es-ES")
    vol = guild.add_member("Ben")
    bot = BareBot()
    task = await start_bot(bot, double)
    bot.tree.copy_global_to(guild=discord.Object(guild.id))
    await bot.tree.sync(guild=discord.Object(guild.id))
    try:
        yield Scene(double, guild, general, mod, vol, bot)
    finally:
        await stop_bot(bot, task)
    double.assert_no_violations()


async def _run_shard(shard_id: int, shard_count: int) -> None:
    """Run the bare bot on one shard until killed: the "second process" of a test."""
    import os

    point_discord_py_at(os.environ["DISCORD_API_BASE_URL"], os.environ["DISCORD_GATEWAY_URL"])
    bot = BareBot(shard_id=shard_id, shard_count=shard_count)
    async with bot:
        await bot.start(os.environ["DISCORD_TOKEN"])


if __name__ == "__main__":
    import sys

    asyncio.run(_run_shard(int(sys.argv[1]), int(sys.argv[2])))
