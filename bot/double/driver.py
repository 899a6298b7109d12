"""`DiscordDouble`: a Discord-compatible server on loopback, and the test-facing API."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from aiohttp import web

from bot.double import ids, rest, rest_interactions, rest_messages, rest_threads
from bot.double.actions import Actions
from bot.double.commands import CommandRegistry
from bot.double.errors import Violation
from bot.double.faults import Fault, Faults
from bot.double.gateway import PRIVILEGED, Gateway
from bot.double.interactions import Interaction
from bot.double.mentions import Pings
from bot.double.messages import Message, MessageStore
from bot.double.payloads import Payloads
from bot.double.ratelimits import MessageLimit
from bot.double.server import RequestRecord, build_app
from bot.double.spec import find_spec, openapi
from bot.double.state import (
    DEFAULT_BOT_PERMISSIONS,
    Channel,
    Guild,
    Member,
    P,
    Permissions,
    User,
    World,
    bits,
)

log = logging.getLogger(__name__)


class DiscordDouble(Actions):
    """Discord's REST API and gateway for one bot application, on 127.0.0.1.

    Build guilds with `add_guild(...)`, start it, point discord.py at
    `api_base_url` / `gateway_url` (see `bot.endpoints.point_discord_py_at`), start the bot
    with `token`, then drive it: `slash`, `autocomplete`, `click`, `select`, `submit_modal`,
    `say`.
    """

    def __init__(
        self,
        *,
        application_id: int | None = None,
        bot_id: int | None = None,
        bot_name: str = "Partner Bot",
        token: str | None = None,
        response_deadline: float = 3.0,
        token_lifetime: float = 900.0,
        heartbeat_interval: int = 41250,
        openapi_path: str | None = None,
        bot_permissions: Permissions = DEFAULT_BOT_PERMISSIONS,
        privileged_intents: int = PRIVILEGED,
        recommended_shards: int = 1,
        host: str = "127.0.0.1",
        port: int = 0,
        message_limit: MessageLimit | None = None,
    ) -> None:
        self.world = World(bot_id=bot_id, bot_name=bot_name, bot_permissions=bits(bot_permissions))
        # Applications made since 2020 share their id with their bot user.
        self.application_id = application_id or self.world.bot.id
        self.token = token or ids.bot_token(self.world.bot.id)
        self.owner = self.world.add_user("Application owner")
        self.response_deadline = response_deadline
        self.token_lifetime = token_lifetime
        self.recommended_shards = recommended_shards
        self.host, self.port = host, port
        self.payloads = Payloads(self.world, "", self.application_id)
        self.store = MessageStore(self.world)
        self.commands = CommandRegistry(self.world, self.application_id)
        self.gateway = Gateway(
            self.world,
            self.payloads,
            token=self.token,
            heartbeat_interval=heartbeat_interval,
            privileged_intents=privileged_intents,
            resume_url=lambda: self.gateway_url,
        )
        self.world.emit = self.gateway.emit
        spec_path = find_spec(openapi_path)
        self.openapi = openapi(str(spec_path) if spec_path else None)
        self.faults = Faults()
        # Discord's 5 messages per 5 s per channel, when a test or benchmark sets one: off
        # by default, so that tests posting quickly in one channel are not slowed by it.
        self.message_limit = message_limit
        self.violations: list[Violation] = []
        self.requests: list[RequestRecord] = []
        self.interactions: dict[int, Interaction] = {}
        self._by_token: dict[str, Interaction] = {}
        self.last_bot_write = 0.0  # time.monotonic() of the bot's last accepted write
        self._runner: web.AppRunner | None = None

    # --- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        routes = [
            *rest.routes.specs,
            *rest_messages.routes.specs,
            *rest_interactions.routes.specs,
            *rest_threads.routes.specs,
        ]
        self._runner = web.AppRunner(build_app(self, routes), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self.payloads.base_url = self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self.gateway.close()
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> DiscordDouble:
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_base_url(self) -> str:
        """For discord.py's Route.BASE (DISCORD_API_BASE_URL)."""
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        """For discord.py's DEFAULT_GATEWAY (DISCORD_GATEWAY_URL)."""
        return f"ws://{self.host}:{self.port}/gateway"

    @property
    def bot_user(self) -> User:
        return self.world.bot

    async def wait_until_ready(
        self,
        timeout: float = 10.0,  # noqa: ASYNC109 (the driver API takes timeouts)
        *,
        sessions: int | None = None,
    ) -> None:
        """Until the bot identified and got its guilds: on every shard of its shard count,
        or, with `sessions`, on at least that many gateway sessions."""

        def ready() -> bool | None:
            live = [s for s in self.gateway.live_sessions() if s.connection is not None]
            if not live:
                return None
            if sessions is not None:
                return True if len(live) >= sessions else None
            count = live[-1].shard_count
            covered = {s.shard_id for s in live if s.shard_count == count}
            return True if covered >= set(range(count)) else None

        await self.world.changed.wait_for(ready, timeout, "the bot to connect to the gateway")

    # --- the world ---------------------------------------------------------------------------

    def add_guild(self, name: str, *, guild_id: int | None = None, locale: str = "en-US") -> Guild:
        """A guild with the bot in it (GUILD_CREATE if the bot is connected)."""
        return self.world.add_guild(name, guild_id=guild_id, locale=locale)

    def remove_guild(self, guild: Guild) -> None:
        """The bot leaves (or is removed from) the guild: GUILD_DELETE."""
        self.world.emit(
            "GUILD_DELETE", lambda _: {"id": str(guild.id), "unavailable": False}, guild.id
        )
        self.world.guilds.pop(guild.id, None)
        self.world.changed.notify()

    def add_user(self, name: str, *, locale: str = "en-US") -> User:
        """A user in no guild (the bot cannot DM them)."""
        return self.world.add_user(name, locale=locale)

    def revoke_send(self, channel: Channel) -> None:
        """Deny the bot Send Messages in the channel: its posts there get 403 / 50013."""
        assert channel.guild is not None
        channel.guild.set_overwrite(channel, channel.guild.me, deny=P.SEND_MESSAGES)

    def restore_send(self, channel: Channel) -> None:
        assert channel.guild is not None
        channel.guild.set_overwrite(channel, channel.guild.me)

    def deny_bot(self, channel: Channel, permissions: int) -> None:
        """Deny the bot these permissions in the channel (restore_send lifts it)."""
        assert channel.guild is not None
        channel.guild.set_overwrite(channel, channel.guild.me, deny=permissions)

    def threads(self, channel: Channel) -> list[Channel]:
        """The threads started in the channel, oldest first."""
        assert channel.guild is not None
        return [c for c in channel.guild.channels.values() if c.parent is channel]

    def close_dms(self, user: User | Member) -> None:
        """The user accepts no DMs from the bot: posting there gets 403 / 50007."""
        (user.user if isinstance(user, Member) else user).dms_open = False

    def open_dms(self, user: User | Member) -> None:
        (user.user if isinstance(user, Member) else user).dms_open = True

    def registered_commands(self, guild_id: Guild | int | None = None) -> list[dict[str, Any]]:
        """The commands as the bot last registered them: global, or for one guild."""
        return self.commands.list(guild_id.id if isinstance(guild_id, Guild) else guild_id)

    # --- messages ----------------------------------------------------------------------------

    def messages(self, channel: Channel) -> list[Message]:
        """Every live message in the channel, oldest first: posts, responses, user messages."""
        return self.store.in_channel(channel)

    def dm_messages(self, user: User | Member) -> list[Message]:
        plain = user.user if isinstance(user, Member) else user
        return self.store.in_channel(self.world.dm_channel(plain))

    async def wait_for_message(
        self,
        channel: Channel,
        predicate: Callable[[Message], bool] | None = None,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 (the driver API takes timeouts)
    ) -> Message:
        """The oldest bot post (POST /channels/…/messages) in the channel that no earlier
        wait returned and that matches `predicate`: posts made before the call count too."""
        return await self.world.changed.wait_for(
            lambda: self.store.next_unseen(channel, predicate),
            timeout,
            f"a bot post in #{channel.name or channel.id}",
        )

    async def wait_for_dm(
        self,
        user: User | Member,
        predicate: Callable[[Message], bool] | None = None,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 (the driver API takes timeouts)
    ) -> Message:
        plain = user.user if isinstance(user, Member) else user
        return await self.wait_for_message(self.world.dm_channel(plain), predicate, timeout=timeout)

    def pings(self, message: Message) -> Pings:
        """User ids, role ids and "@everyone"/"@here" the message notified when sent."""
        return message.pings

    def announce(self, event: str, message: Message) -> None:
        if not message.ephemeral:
            guild_id = message.guild.id if message.guild else None
            self.world.emit(event, lambda p: p.message(message), guild_id)

    def announce_delete(self, message: Message) -> None:
        if message.ephemeral:
            return
        guild_id = message.guild.id if message.guild else None
        data = {"id": str(message.id), "channel_id": str(message.channel.id)}
        if guild_id is not None:
            data["guild_id"] = str(guild_id)
        self.world.emit("MESSAGE_DELETE", lambda _: data, guild_id)

    def interaction_by_token(self, token: str) -> Interaction | None:
        return self._by_token.get(token)

    # --- violations and faults ---------------------------------------------------------------

    def violate(self, violation: Violation) -> None:
        log.warning("Discord double: %s", violation)
        self.violations.append(violation)

    def assert_no_violations(self) -> None:
        if self.violations:
            listed = "\n  ".join(str(v) for v in self.violations)
            raise AssertionError(f"the bot broke Discord's rules:\n  {listed}")

    def fail_next(
        self,
        route: str,
        status: int = 429,
        *,
        times: int = 1,
        retry_after: float | None = None,
        is_global: bool = False,
    ) -> None:
        """Answer the next `times` matching requests with `status` (429 carries
        `retry_after`). `route`: "POST /channels/{channel_id}/messages", a template, or a
        glob ("* /interactions/*")."""
        self.faults.add(Fault(route, status, times, retry_after, is_global))

    async def drop_gateway(self, *, resumable: bool = True) -> None:
        """Close the bot's gateway sockets; it should RESUME (or, if not resumable,
        be told INVALID_SESSION and IDENTIFY again). Missed events are replayed."""
        await self.gateway.drop(resumable=resumable)

    async def invalidate_session(self) -> None:
        """Send INVALID_SESSION (not resumable): the bot must IDENTIFY again."""
        await self.gateway.invalidate()
