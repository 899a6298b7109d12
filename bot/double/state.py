"""The double's world: users, guilds, roles, channels, members, and Discord's permission maths.

Test code builds it through `Guild.add_*`; every change after the bot connected is
announced on the gateway (GUILD_CREATE, CHANNEL_CREATE, …) through `World.emit`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import discord

from bot.double.ids import Snowflakes, utcnow

if TYPE_CHECKING:
    from bot.double import payloads

T = TypeVar("T")


class P:
    """Discord permission bits the double reasons about."""

    CREATE_INSTANT_INVITE = 1 << 0
    ADMINISTRATOR = 1 << 3
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    CHANGE_NICKNAME = 1 << 26
    USE_APPLICATION_COMMANDS = 1 << 31
    MANAGE_THREADS = 1 << 34
    CREATE_PUBLIC_THREADS = 1 << 35
    SEND_MESSAGES_IN_THREADS = 1 << 38
    ALL = discord.Permissions.all().value


# What a new guild's @everyone may do (Discord's defaults, text side).
DEFAULT_EVERYONE = (
    P.CREATE_INSTANT_INVITE
    | P.ADD_REACTIONS
    | P.VIEW_CHANNEL
    | P.SEND_MESSAGES
    | P.EMBED_LINKS
    | P.ATTACH_FILES
    | P.READ_MESSAGE_HISTORY
    | P.USE_EXTERNAL_EMOJIS
    | P.CHANGE_NICKNAME
    | P.USE_APPLICATION_COMMANDS
    | P.CREATE_PUBLIC_THREADS
    | P.SEND_MESSAGES_IN_THREADS
)
# What anyone may do in a DM.
DM_PERMISSIONS = (
    P.ADD_REACTIONS
    | P.VIEW_CHANNEL
    | P.SEND_MESSAGES
    | P.EMBED_LINKS
    | P.ATTACH_FILES
    | P.READ_MESSAGE_HISTORY
    | P.USE_EXTERNAL_EMOJIS
    | P.USE_APPLICATION_COMMANDS
)
# The bot's managed role. MENTION_EVERYONE is included on purpose: with it, a message
# sent without allowed_mentions really pings @everyone, the worst case tests must see.
DEFAULT_BOT_PERMISSIONS = (
    DEFAULT_EVERYONE | P.MENTION_EVERYONE | P.MANAGE_MESSAGES | P.MANAGE_THREADS
)

GUILD_TEXT, DM, PUBLIC_THREAD = 0, 1, 11
Permissions = int | discord.Permissions


def bits(permissions: Permissions) -> int:
    return permissions.value if isinstance(permissions, discord.Permissions) else int(permissions)


class Signal:
    """Wakes waiters whenever the world changes; they re-check their condition."""

    def __init__(self) -> None:
        self._waiters: set[asyncio.Future[None]] = set()

    def notify(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    async def wait_for(self, check: Callable[[], T | None], seconds: float, what: str) -> T:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while (result := check()) is None:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"timed out after {seconds:g} s waiting for {what}")
            waiter = loop.create_future()
            self._waiters.add(waiter)
            try:
                await asyncio.wait_for(waiter, remaining)
            except TimeoutError:
                continue
            finally:
                self._waiters.discard(waiter)
        return result


@dataclass(eq=False)
class User:
    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    locale: str = "en-US"  # the Discord client's language, sent with each interaction
    dms_open: bool = True

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"


@dataclass(eq=False)
class Role:
    id: int
    guild: Guild
    name: str
    permissions: int
    position: int = 0
    mentionable: bool = False
    managed_by: int | None = None  # the bot's own role carries its user id

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"


@dataclass
class Overwrite:
    id: int
    type: int  # 0 role, 1 member
    allow: int = 0
    deny: int = 0


@dataclass(eq=False)
class Channel:
    id: int
    name: str
    type: int
    guild: Guild | None = None
    position: int = 0
    topic: str | None = None
    recipient: User | None = None  # DM channels
    overwrites: dict[int, Overwrite] = field(default_factory=dict)
    deleted: bool = False
    # Threads: the channel they are in (their permissions are its), and their state.
    parent: Channel | None = None
    owner_id: int | None = None
    archived: bool = False
    locked: bool = False

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"


@dataclass(eq=False)
class Member:
    user: User
    guild: Guild
    roles: list[Role] = field(default_factory=list)
    nick: str | None = None
    joined_at: datetime = field(default_factory=utcnow)

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def mention(self) -> str:
        return self.user.mention

    def base_permissions(self) -> int:
        if self.guild.owner_id == self.id:
            return P.ALL
        value = self.guild.everyone.permissions
        for role in self.roles:
            value |= role.permissions
        return P.ALL if value & P.ADMINISTRATOR else value

    def permissions_in(self, channel: Channel | None) -> int:
        """Discord's algorithm: base, then @everyone, role and member overwrites."""
        value = self.base_permissions()
        if channel is None or value & P.ADMINISTRATOR:
            return value
        if channel.parent is not None:  # a thread has its channel's permissions
            channel = channel.parent
        overwrites = channel.overwrites
        if everyone := overwrites.get(self.guild.id):
            value = (value & ~everyone.deny) | everyone.allow
        allow = deny = 0
        for role in self.roles:
            if overwrite := overwrites.get(role.id):
                allow |= overwrite.allow
                deny |= overwrite.deny
        value = (value & ~deny) | allow
        if own := overwrites.get(self.id):
            value = (value & ~own.deny) | own.allow
        if not value & P.VIEW_CHANNEL:
            return 0
        if not value & P.SEND_MESSAGES:
            value &= ~(P.MENTION_EVERYONE | P.EMBED_LINKS | P.ATTACH_FILES)
        return value


class Guild:
    """A guild the bot is in. Build it with `add_text_channel`, `add_role`, `add_member`."""

    def __init__(self, world: World, guild_id: int, name: str, locale: str) -> None:
        self.world = world
        self.id = guild_id
        self.name = name
        self.preferred_locale = locale
        self.roles: dict[int, Role] = {}
        self.channels: dict[int, Channel] = {}
        self.members: dict[int, Member] = {}
        self.everyone = self._role("@everyone", DEFAULT_EVERYONE, role_id=guild_id)
        owner = world.add_user(f"{name} owner")
        self.owner_id = owner.id
        self.members[owner.id] = Member(owner, self)
        bot_role = self._role(world.bot.username, world.bot_permissions, managed_by=world.bot.id)
        self.me = Member(world.bot, self, roles=[bot_role])
        self.members[world.bot.id] = self.me
        self.joined_at = utcnow()

    def _role(self, name: str, permissions: int, **extra: Any) -> Role:
        role_id = extra.pop("role_id", None) or self.world.ids.next()
        role = Role(role_id, self, name, permissions, position=len(self.roles), **extra)
        self.roles[role.id] = role
        return role

    def add_role(
        self, name: str, *, permissions: Permissions = 0, mentionable: bool = False
    ) -> Role:
        role = self._role(name, bits(permissions), mentionable=mentionable)
        self.world.emit_guild(self, "GUILD_ROLE_CREATE", lambda p: p.role_event(role))
        return role

    def add_text_channel(self, name: str, *, topic: str | None = None) -> Channel:
        channel = Channel(
            self.world.ids.next(),
            name,
            GUILD_TEXT,
            guild=self,
            position=len(self.channels),
            topic=topic,
        )
        self.channels[channel.id] = channel
        self.world.channels[channel.id] = channel
        self.world.emit_guild(self, "CHANNEL_CREATE", lambda p: p.channel(channel))
        return channel

    def add_member(
        self,
        name: str,
        *,
        roles: Iterable[Role] = (),
        permissions: Permissions | None = None,
        locale: str = "en-US",
        global_name: str | None = None,
        bot: bool = False,
    ) -> Member:
        """A member; `permissions` gives them a role of their own with those permissions."""
        user = self.world.add_user(name, locale=locale, global_name=global_name, bot=bot)
        member_roles = list(roles)
        if permissions is not None:
            member_roles.append(self.add_role(f"{name} permissions", permissions=permissions))
        member = Member(user, self, roles=member_roles)
        self.members[user.id] = member
        self.world.emit_guild(self, "GUILD_MEMBER_ADD", lambda p: p.member_event(member))
        return member

    def add_moderator(self, name: str, **options: Any) -> Member:
        """A member of the shared "Moderators" role, which has Manage Server."""
        moderators = self.role("Moderators") or self.add_role(
            "Moderators", permissions=P.MANAGE_GUILD
        )
        return self.add_member(name, roles=[moderators, *options.pop("roles", ())], **options)

    def role(self, name: str) -> Role | None:
        return next((r for r in self.roles.values() if r.name == name), None)

    def channel(self, name: str) -> Channel | None:
        return next((c for c in self.channels.values() if c.name == name and not c.deleted), None)

    def text_channels(self) -> list[Channel]:
        return [c for c in self.channels.values() if not c.deleted and c.type == GUILD_TEXT]

    def remove_channel(self, channel: Channel) -> None:
        channel.deleted = True
        self.channels.pop(channel.id, None)
        self.world.emit_guild(self, "CHANNEL_DELETE", lambda p: p.channel(channel))

    def remove_member(self, member: Member) -> None:
        self.members.pop(member.id, None)
        self.world.emit_guild(
            self,
            "GUILD_MEMBER_REMOVE",
            lambda p: {"guild_id": str(self.id), "user": p.user(member.user)},
        )

    def set_overwrite(
        self, channel: Channel, target: Role | Member, *, allow: int = 0, deny: int = 0
    ) -> None:
        """Allow/deny permissions for a role or member in a channel; both 0 removes it."""
        kind = 0 if isinstance(target, Role) else 1
        if allow or deny:
            channel.overwrites[target.id] = Overwrite(target.id, kind, allow, deny)
        else:
            channel.overwrites.pop(target.id, None)
        self.world.emit_guild(self, "CHANNEL_UPDATE", lambda p: p.channel(channel))


Emitter = Callable[[str, Callable[["payloads.Payloads"], dict[str, Any]], int | None], object]


class World:
    """Everything the double knows, and the hook that announces changes on the gateway."""

    def __init__(self, *, bot_id: int | None, bot_name: str, bot_permissions: int) -> None:
        self.ids = Snowflakes()
        self.users: dict[int, User] = {}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.dm_channels: dict[int, Channel] = {}
        self.bot = User(bot_id or self.ids.next(), bot_name, bot=True)
        self.users[self.bot.id] = self.bot
        self.bot_permissions = bot_permissions
        self.changed = Signal()
        self.emit: Emitter = lambda event, build, guild_id: None

    def emit_guild(self, guild: Guild, event: str, build: Callable[..., dict[str, Any]]) -> None:
        if guild.id in self.guilds:
            self.emit(event, build, guild.id)
        self.changed.notify()

    def add_user(self, name: str, **options: Any) -> User:
        user = User(self.ids.next(), name, **options)
        self.users[user.id] = user
        return user

    def add_guild(self, name: str, *, guild_id: int | None = None, locale: str = "en-US") -> Guild:
        guild = Guild(self, guild_id or self.ids.next(fresh_millisecond=True), name, locale)
        self.guilds[guild.id] = guild
        self.emit("GUILD_CREATE", lambda p: p.guild_create(guild), guild.id)
        self.changed.notify()
        return guild

    def dm_channel(self, user: User) -> Channel:
        if user.id not in self.dm_channels:
            channel = Channel(self.ids.next(), "", DM, recipient=user)
            self.dm_channels[user.id] = channel
            self.channels[channel.id] = channel
        return self.dm_channels[user.id]

    def shares_guild(self, user: User) -> bool:
        return any(user.id in guild.members for guild in self.guilds.values())
