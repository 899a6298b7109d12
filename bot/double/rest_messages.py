"""Channel messages and DMs: post (with nonce dedupe), read, edit, delete; open a DM."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.double import errors
from bot.double.errors import DiscordError, invalid_form_body, unknown
from bot.double.messages import Attachment, Message
from bot.double.rules import message_problems
from bot.double.server import ApiRequest, Routes
from bot.double.state import DM, Channel, P

if TYPE_CHECKING:
    from bot.double.driver import DiscordDouble

routes = Routes()


def checked_message(
    body: Any, uploads: dict[int, Attachment], *, creating: bool, prefix: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The body, once Discord's message rules hold (else 400 50035 / 50006)."""
    if not isinstance(body, dict):
        if body is None and uploads:
            return {}
        raise invalid_form_body([errors.Problem(prefix, "A message body must be an object")])
    problems = message_problems(body, prefix)
    if problems:
        raise invalid_form_body(problems)
    if creating and not (
        (body.get("content") or "").strip()
        or body.get("embeds")
        or body.get("components")
        or uploads
        or body.get("sticker_ids")
        or body.get("poll")
    ):
        raise DiscordError(
            400, errors.EMPTY_MESSAGE, "Cannot send an empty message", violation=True
        )
    return body


def channel_for(double: DiscordDouble, req: ApiRequest) -> Channel:
    channel = double.world.channels.get(req.id("channel_id"))
    if channel is None or channel.deleted:
        raise unknown("Channel", errors.UNKNOWN_CHANNEL)
    if channel.guild is not None and channel.guild.id not in double.world.guilds:
        raise unknown("Channel", errors.UNKNOWN_CHANNEL)
    return channel


def _require(double: DiscordDouble, channel: Channel, needed: int) -> None:
    """403 50013 unless the bot has every permission in `needed` there (guild channels)."""
    if channel.guild is None:
        return
    have = channel.guild.me.permissions_in(channel)
    if not have & P.VIEW_CHANNEL:
        raise DiscordError(403, errors.MISSING_ACCESS, "Missing Access")
    if have & needed != needed:
        raise DiscordError(403, errors.MISSING_PERMISSIONS, "Missing Permissions")


def _message_in(double: DiscordDouble, req: ApiRequest, channel: Channel) -> Message:
    message = double.store.by_id.get(req.id("message_id"))
    if message is None or message.deleted or message.channel is not channel or message.ephemeral:
        raise unknown("Message", errors.UNKNOWN_MESSAGE)
    return message


@routes("POST", "/channels/{channel_id}/messages")
async def create_message(double: DiscordDouble, req: ApiRequest) -> Any:
    channel = channel_for(double, req)
    body = checked_message(req.body, req.uploads, creating=True)
    thread = channel.parent is not None
    needed = P.SEND_MESSAGES_IN_THREADS if thread else P.SEND_MESSAGES
    needed |= P.ATTACH_FILES if req.uploads else 0
    if body.get("message_reference"):
        needed |= P.READ_MESSAGE_HISTORY
    _require(double, channel, needed)
    if thread and channel.locked:
        _require(double, channel, P.MANAGE_THREADS)
    if thread and channel.archived:
        channel.archived = False  # a message to an archived thread (not locked) reopens it
    if channel.type == DM:
        recipient = channel.recipient
        assert recipient is not None
        if recipient.bot or not recipient.dms_open or not double.world.shares_guild(recipient):
            raise DiscordError(403, errors.CANNOT_DM, "Cannot send messages to this user")
    if body.get("enforce_nonce") and body.get("nonce") is not None:
        existing = double.store.by_nonce(channel, body["nonce"])
        if existing is not None:
            return double.payloads.message(existing)
    reference = body.get("message_reference")
    if reference and int(reference.get("message_id", 0)) not in double.store.by_id:
        if reference.get("fail_if_not_exists", True):
            raise invalid_form_body(
                [
                    errors.Problem(
                        ("message_reference",),
                        "Unknown message",
                        "MESSAGE_REFERENCE_UNKNOWN_MESSAGE",
                    )
                ]
            )
        body = {**body, "message_reference": None}
    message = double.store.create(channel, double.world.bot, body, req.uploads, kind="post")
    double.announce("MESSAGE_CREATE", message)
    return double.payloads.message(message)


@routes("GET", "/channels/{channel_id}/messages")
async def list_messages(double: DiscordDouble, req: ApiRequest) -> Any:
    channel = channel_for(double, req)
    _require(double, channel, P.READ_MESSAGE_HISTORY)
    limit = min(req.number("limit", 50), 100)
    before, after = req.number("before", 1 << 64), req.number("after", 0)
    found = [
        m for m in double.store.in_channel(channel) if not m.ephemeral and after < m.id < before
    ]
    if "after" in req.query:
        found = found[:limit]
    newest_first = sorted(found, key=lambda m: m.id, reverse=True)[:limit]
    return [double.payloads.message(m) for m in newest_first]


@routes("GET", "/channels/{channel_id}/messages/{message_id}")
async def get_message(double: DiscordDouble, req: ApiRequest) -> Any:
    channel = channel_for(double, req)
    _require(double, channel, P.READ_MESSAGE_HISTORY)
    return double.payloads.message(_message_in(double, req, channel))


@routes("PATCH", "/channels/{channel_id}/messages/{message_id}")
async def edit_message(double: DiscordDouble, req: ApiRequest) -> Any:
    channel = channel_for(double, req)
    message = _message_in(double, req, channel)
    if message.author is not double.world.bot:
        raise DiscordError(
            403, errors.CANNOT_EDIT_OTHERS, "Cannot edit a message authored by another user"
        )
    body = checked_message(req.body, req.uploads, creating=False)
    double.store.apply(message, body, req.uploads, editing=True)
    double.announce("MESSAGE_UPDATE", message)
    return double.payloads.message(message)


@routes("DELETE", "/channels/{channel_id}/messages/{message_id}")
async def delete_message(double: DiscordDouble, req: ApiRequest) -> None:
    channel = channel_for(double, req)
    message = _message_in(double, req, channel)
    if message.author is not double.world.bot:
        _require(double, channel, P.MANAGE_MESSAGES)
    double.store.delete(message)
    double.announce_delete(message)


@routes("POST", "/channels/{channel_id}/typing")
async def typing(double: DiscordDouble, req: ApiRequest) -> None:
    _require(double, channel_for(double, req), P.SEND_MESSAGES)


@routes("GET", "/channels/{channel_id}")
async def get_channel(double: DiscordDouble, req: ApiRequest) -> Any:
    channel = channel_for(double, req)
    _require(double, channel, 0)
    return double.payloads.channel(channel)


@routes("POST", "/users/@me/channels")
async def open_dm(double: DiscordDouble, req: ApiRequest) -> Any:
    recipient_id = (req.body or {}).get("recipient_id")
    user = double.world.users.get(int(recipient_id)) if recipient_id is not None else None
    if user is None:
        raise unknown("User", errors.UNKNOWN_USER)
    return double.payloads.channel(double.world.dm_channel(user))
