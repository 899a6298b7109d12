"""Messages the bot (or a test user) created: content, embeds, components, files, pings."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.double.ids import utcnow
from bot.double.mentions import MentionContext, Pings, pings
from bot.double.state import Channel, Guild, P, User, World

EPHEMERAL = 1 << 6
LOADING = 1 << 7
# Flags a sender may set; the rest are Discord's to set.
SETTABLE_FLAGS = (1 << 2) | EPHEMERAL | (1 << 12) | (1 << 15)
NONCE_WINDOW = 600.0  # enforce_nonce deduplicates within ten minutes


@dataclass(eq=False)
class Attachment:
    id: int
    filename: str
    data: bytes
    content_type: str | None = None
    description: str | None = None
    ephemeral: bool = False

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(eq=False)
class Message:
    """A stored message. `kind`: "post" (channel or DM post), "response", "followup", "user"."""

    id: int
    channel: Channel
    author: User
    kind: str
    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    allowed_mentions: dict[str, Any] | None = None  # as last sent; None when never sent
    flags: int = 0
    type: int = 0
    created_at: datetime = field(default_factory=utcnow)
    edited_at: datetime | None = None
    nonce: str | int | None = None
    webhook_id: int | None = None
    interaction: dict[str, Any] | None = None  # interaction_metadata
    interaction_id: int | None = None
    reference: dict[str, Any] | None = None
    pings: Pings = frozenset()
    deleted: bool = False
    bodies: list[dict[str, Any]] = field(default_factory=list)  # every body sent for it
    awaited: bool = False  # already returned by wait_for_message

    @property
    def guild(self) -> Guild | None:
        return self.channel.guild

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def loading(self) -> bool:
        """A deferred response still "thinking"."""
        return bool(self.flags & LOADING)

    @property
    def text(self) -> str:
        """Content and every embed's visible text, one per line: for `in` assertions."""
        parts = [self.content]
        for embed in self.embeds:
            parts += [embed.get("title") or "", embed.get("description") or ""]
            for embed_field in embed.get("fields") or []:
                parts += [embed_field.get("name", ""), embed_field.get("value", "")]
            for key, text_key in (("author", "name"), ("footer", "text")):
                parts.append((embed.get(key) or {}).get(text_key) or "")
        return "\n".join(part for part in parts if part)

    def walk_components(self) -> Iterator[dict[str, Any]]:
        def walk(items: list[Any]) -> Iterator[dict[str, Any]]:
            for item in items:
                if isinstance(item, dict):
                    yield item
                    yield from walk(item.get("components") or [])
                    yield from walk([item.get("accessory"), item.get("component")])

        return walk(self.components)

    def component(self, custom_id: str) -> dict[str, Any] | None:
        return next((c for c in self.walk_components() if c.get("custom_id") == custom_id), None)

    def buttons(self) -> list[dict[str, Any]]:
        return [c for c in self.walk_components() if c.get("type") == 2]


class MessageStore:
    def __init__(self, world: World) -> None:
        self.world = world
        self.by_id: dict[int, Message] = {}
        self._by_channel: dict[int, list[Message]] = {}
        self._nonces: dict[tuple[int, str | int], tuple[Message, float]] = {}
        self.attachments: dict[int, Attachment] = {}

    def in_channel(self, channel: Channel) -> list[Message]:
        return [m for m in self._by_channel.get(channel.id, []) if not m.deleted]

    def by_nonce(self, channel: Channel, nonce: str | int) -> Message | None:
        found = self._nonces.get((channel.id, nonce))
        if found and time.monotonic() - found[1] < NONCE_WINDOW and not found[0].deleted:
            return found[0]
        return None

    def create(
        self,
        channel: Channel,
        author: User,
        body: dict[str, Any],
        uploads: dict[int, Attachment],
        *,
        kind: str,
        **meta: Any,
    ) -> Message:
        message = Message(self.world.ids.next(), channel, author, kind, **meta)
        settable = (
            SETTABLE_FLAGS if kind in ("response", "followup") else SETTABLE_FLAGS & ~EPHEMERAL
        )
        message.flags = meta.get("flags", 0) | ((body.get("flags") or 0) & settable)
        message.nonce = body.get("nonce")
        if body.get("message_reference"):
            message.reference = {**body["message_reference"], "channel_id": str(channel.id)}
            message.type = 19
        self.apply(message, body, uploads, editing=False)
        self.by_id[message.id] = message
        self._by_channel.setdefault(channel.id, []).append(message)
        if message.nonce is not None and body.get("enforce_nonce"):
            self._nonces[(channel.id, message.nonce)] = (message, time.monotonic())
        if not message.loading:
            message.pings = self._pings(message)
        self.world.changed.notify()
        return message

    def apply(
        self,
        message: Message,
        body: dict[str, Any],
        uploads: dict[int, Attachment],
        *,
        editing: bool,
    ) -> None:
        """Set what the body carries: content, embeds, components, files, allowed_mentions."""
        message.bodies.append(body)
        if "content" in body:
            message.content = body["content"] or ""
        if "embeds" in body:
            message.embeds = [{"type": "rich", **e} for e in body["embeds"] or []]
        if "components" in body:
            message.components = body["components"] or []
        if "allowed_mentions" in body:
            message.allowed_mentions = body["allowed_mentions"]
        if editing and body.get("flags") is not None:
            message.flags = (message.flags & ~(1 << 2)) | (body["flags"] & (1 << 2))
        listed = body.get("attachments")
        if listed is None:
            message.attachments = (message.attachments if editing else []) + list(uploads.values())
        else:
            keep = {str(a.get("id")): a for a in listed if isinstance(a, dict)}
            uploaded = {str(index): a for index, a in uploads.items()}
            attachments = [a for a in message.attachments if str(a.id) in keep]
            for key, upload in uploaded.items():
                if key in keep:
                    upload.filename = keep[key].get("filename") or upload.filename
                    upload.description = keep[key].get("description")
                attachments.append(upload)
            message.attachments = attachments
        for attachment in message.attachments:
            attachment.ephemeral = message.ephemeral
            self.attachments[attachment.id] = attachment
        if editing:
            message.edited_at = utcnow()
            if message.loading:
                # The deferred answer arrives. Whether Discord notifies for it is disputed
                # (discord-api-docs discussion #4140): take the worst case, as a new message.
                message.flags &= ~LOADING
                message.pings = self._pings(message)
        self.world.changed.notify()

    def delete(self, message: Message) -> None:
        message.deleted = True
        self.world.changed.notify()

    def _pings(self, message: Message) -> Pings:
        if message.ephemeral:
            return frozenset()
        guild = message.channel.guild
        member = guild.members.get(message.author.id) if guild else None
        can_everyone = bool(member and member.permissions_in(message.channel) & P.MENTION_EVERYONE)
        replied: int | None = None
        if message.reference and (target := self.by_id.get(int(message.reference["message_id"]))):
            replied = target.author.id if target.author.id != message.author.id else None

        def mentionable(role_id: int) -> bool:
            role = guild.roles.get(role_id) if guild else None
            return bool(role and role.mentionable)

        context = MentionContext(guild is not None, can_everyone, mentionable, replied)
        return pings(message.content, message.allowed_mentions, context)

    def next_unseen(
        self, channel: Channel, predicate: Callable[[Message], bool] | None
    ) -> Message | None:
        """The oldest bot post in the channel no earlier wait returned (and matching)."""
        for message in self._by_channel.get(channel.id, []):
            if (
                message.kind == "post"
                and not message.awaited
                and not message.deleted
                and (predicate is None or predicate(message))
            ):
                message.awaited = True
                return message
        return None
