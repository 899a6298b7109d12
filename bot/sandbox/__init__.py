"""`partnerbot sandbox`: the real bot against the Discord double, driven from a terminal chat.

A server "Sandbox" (#general, #review, #reminders), a volunteer "you" and a moderator,
the source's examples in a throwaway SQLite database, and a chat where slash commands
are typed, replies shown as text, buttons pressed by number and forms filled field by
field. With a script, its lines are run in order and the transcript printed.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import tempfile
from pathlib import Path
from typing import Any, TextIO

import discord

from bot.app import create_bot
from bot.client import PartnerBot
from bot.config import Settings
from bot.double import ClientRefused, DiscordDouble, Member, NoResponse
from bot.double.state import Channel
from bot.sandbox.chat import Chat, GuildLookup
from bot.sandbox.feed import POLL, Feed
from bot.sandbox.lines import Lines
from bot.sandbox.parse import ParseError, usages
from storage import transfer
from storage.services.settings import update_settings

log = logging.getLogger(__name__)

READY_TIMEOUT = 15.0
# Short language codes a person types, as the Discord client names them.
LOCALES = {"en": "en-US", "es": "es-ES", "pt": "pt-BR", "zh": "zh-CN", "sv": "sv-SE"}

HELP = """\
Sandbox commands (every other line starting with / goes to the bot):
  /partnership search openstreetmap   a bot command: options as name:value or name:"two words";
                                      bare text fills the first required text option
  press N  (or just N, or a label)    press button N of the last message with buttons
  choose N [M ...]                    choose menu options N, M…
  /as moderator | /as volunteer       act as the other member
  /lang es | /lang en                 the language your Discord client sends
  :channel review                     run commands in another channel (at first #general)
  :commands                           every command the bot registered, with its options
  :quit                               leave (so does the end of the input)
Forms: answer field by field; Enter keeps [the value shown], - leaves it empty,
\\n starts a new line, :cancel closes the form. In a script, a form's answers are
the indented lines right after the command that opened it."""


class Sandbox(Chat):
    """The double, the bot, and who you are: the state behind the chat."""

    def __init__(self, lines: Lines, output: TextIO) -> None:
        self.lines = lines
        self.double = DiscordDouble()
        self.feed = Feed(self.double, output)
        self.guild = self.double.add_guild("Sandbox")
        self.general = self.guild.add_text_channel("general", topic="Try the bot here")
        self.review = self.guild.add_text_channel("review", topic="Proposals wait here")
        self.reminders = self.guild.add_text_channel("reminders", topic="Milestone reminders")
        self.volunteer = self.guild.add_member("you")
        self.moderator = self.guild.add_moderator("moderator")
        self.actor: Member = self.volunteer
        self.channel: Channel = self.general
        self.locale = "en-US"
        self.busy = False
        self._tmp = tempfile.TemporaryDirectory(prefix="partnerbot-sandbox-")
        self._bot: PartnerBot | None = None
        self._bot_task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.double.start()
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            discord_token=self.double.token,
            database_url=f"sqlite+aiosqlite:///{Path(self._tmp.name) / 'sandbox.db'}",
            discord_api_base_url=self.double.api_base_url,
            discord_gateway_url=self.double.gateway_url,
            # Whatever the environment says: one process, commands synced globally.
            dev_guild_id=None,
            shard_count=None,
            shard_ids=None,
        )
        # discord.py waits 2 s after the last GUILD_CREATE before on_ready; the double is quick.
        bot = self._bot = await create_bot(settings, guild_ready_timeout=0.05)
        async with bot.database.transaction() as session:
            await update_settings(
                session=session,
                guild_id=self.guild.id,
                actor_id=self.moderator.id,
                now=bot.clock.now(),
                review_channel_id=self.review.id,
                reminder_channel_id=self.reminders.id,
                moderator_role_id=self.moderator.roles[0].id,
            )
            report = await transfer.import_examples(
                session=session, guild_id=self.guild.id, now=bot.clock.now()
            )
        self._bot_task = asyncio.create_task(bot.start(settings.discord_token))
        await self.double.wait_until_ready(READY_TIMEOUT)
        # is_ready() changes nothing on the double, so there is no signal to wait on: poll.
        for _ in range(int(READY_TIMEOUT / POLL)):
            if bot.is_ready() and self.commands():
                break
            await asyncio.sleep(POLL)
        else:
            raise TimeoutError("the bot did not get ready against the Discord double")
        self.feed.mark_seen()
        self.feed.say(
            f"Sandbox ready: server {self.guild.name!r} with #general, #review and #reminders; "
            f"{report.created} example entries loaded. You are the volunteer 'you' in #general.\n"
            "Try /partnership search openstreetmap, /help for the bot's help, "
            ":help for the sandbox's, :quit to leave."
        )

    async def stop(self) -> None:
        try:
            if self._bot is not None:
                await self._bot.close()
                if self._bot_task is not None:
                    await asyncio.wait_for(self._bot_task, timeout=10)
                await self._bot.database.dispose()
            await self.double.stop()
        finally:
            self._tmp.cleanup()

    def commands(self) -> list[dict[str, Any]]:
        """The commands as the bot registered them: global, and the sandbox server's."""
        return self.double.registered_commands() + self.double.registered_commands(self.guild)

    def role_name(self) -> str:
        return "the moderator" if self.actor is self.moderator else "the volunteer"

    def idle_viewer(self) -> int | None:
        return None if self.busy else self.actor.id

    async def execute(self, line: str) -> bool:
        """Run one line; False when it asks to quit. A failing line is explained, not fatal."""
        word, _, rest = line.partition(" ")
        word, rest = word.casefold(), rest.strip()
        self.busy = True
        self.feed.flush(self.actor.id)  # what came since the last line shows before this one
        try:
            if word in (":quit", ":q", ":exit"):
                return False
            await self._dispatch(word, rest, line)
        except (ParseError, ClientRefused) as exc:
            self.feed.say(f"✗ {exc}")
        except NoResponse as exc:
            self.feed.say(f"✗ The application did not respond ({exc}).")
        except Exception as exc:  # keep the session alive; the log has the traceback
            log.exception("sandbox: %r failed", line)
            self.feed.say(f"✗ The sandbox failed on this line: {exc!r}")
        finally:
            self.busy = False
        return True

    async def _dispatch(self, word: str, rest: str, line: str) -> None:
        if word == "/as":
            self.switch_actor(rest)
        elif word == "/lang":
            self.switch_locale(rest)
        elif word in (":help", "?"):
            self.feed.say(HELP)
        elif word == ":commands":
            self.list_commands()
        elif word in (":channel", ":in"):
            self.switch_channel(rest)
        elif word == "press" or word.isdecimal():
            await self.press(rest if word == "press" else word)
        elif word == "choose":
            await self.choose(rest.split())
        elif word.startswith("/"):
            await self.slash(line)
        else:
            raise ParseError(
                "Bot commands start with / (e.g. /partnership search openstreetmap); "
                ":help lists the sandbox's own."
            )

    def switch_actor(self, who: str) -> None:
        people = {"moderator": self.moderator, "mod": self.moderator}
        people |= {"volunteer": self.volunteer, "you": self.volunteer}
        if who.casefold() not in people:
            raise ParseError("Use /as moderator or /as volunteer.")
        self.actor = people[who.casefold()]
        if self.actor is self.moderator:
            self.feed.say("You are now the moderator (Moderators role, Manage Server).")
        else:
            self.feed.say("You are now the volunteer 'you'.")

    def switch_locale(self, code: str) -> None:
        wanted = LOCALES.get(code.casefold(), code)
        if wanted not in {locale.value for locale in discord.Locale}:
            raise ParseError(f"Unknown Discord language {code!r}; try /lang es or /lang en.")
        self.locale = wanted
        for member in (self.volunteer, self.moderator):
            member.user.locale = wanted
        self.feed.say(f"Your Discord client now sends the locale {wanted}.")

    def switch_channel(self, name: str) -> None:
        found = GuildLookup(self).channel(name)
        if found is None:
            listed = ", ".join(f"#{c.name}" for c in self.guild.text_channels())
            raise ParseError(f"No channel {name!r}; channels: {listed}.")
        self.channel = found
        self.feed.say(f"Now in #{found.name}.")

    def list_commands(self) -> None:
        lines = ["Commands the bot registered ([x]: not offered to you as you are now):"]
        have = self.actor.permissions_in(self.channel)
        for command in sorted(self.commands(), key=lambda c: c["name"]):
            needed = command.get("default_member_permissions")
            hidden = needed is not None and have & int(needed) != int(needed)
            for text, description in usages(command):
                lines.append(f"  {'[x] ' if hidden else ''}{text}\n      {description}")
        self.feed.say("\n".join(lines))


async def serve(script: Path | None, input_stream: TextIO, output: TextIO) -> int:
    """Start everything, run the lines until :quit or their end, then clean up."""
    lines = Lines.open(script, input_stream, output)
    sandbox = Sandbox(lines, output)
    watcher: asyncio.Task[None] | None = None
    try:
        await sandbox.start()
        if lines.interactive:
            watcher = asyncio.create_task(sandbox.feed.watch(sandbox.idle_viewer, lines.reprompt))
        while (
            line := await lines.command(sandbox.actor.user.username, sandbox.channel.name)
        ) is not None:
            if not await sandbox.execute(line):
                break
        await sandbox.feed.settle(None)
        sandbox.feed.flush(sandbox.actor.id)
        sandbox.feed.say("Bye: the sandbox's database is deleted.")
        return 0
    finally:
        if watcher is not None:
            watcher.cancel()
        await sandbox.stop()


def run_sandbox(
    script: Path | None, *, input_stream: TextIO = sys.stdin, output: TextIO = sys.stdout
) -> int:
    """Run the sandbox chat (or `script`, printing its transcript); the exit status."""
    try:
        return asyncio.run(serve(script, input_stream, output))
    except OSError as exc:  # an unreadable script, no loopback port, the bot never ready
        print(f"partnerbot sandbox: {exc}", file=sys.stderr)
        return 1
