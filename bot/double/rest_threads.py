"""Threads: start one from a message, and archive or lock it (PATCH the channel)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.double import errors
from bot.double.errors import DiscordError, invalid_form_body
from bot.double.rest_messages import _message_in, _require, channel_for
from bot.double.server import ApiRequest, Routes
from bot.double.state import GUILD_TEXT, PUBLIC_THREAD, Channel, P

if TYPE_CHECKING:
    from bot.double.driver import DiscordDouble

routes = Routes()
NAME_MAX = 100


@routes("POST", "/channels/{channel_id}/messages/{message_id}/threads")
async def start_thread_from_message(double: DiscordDouble, req: ApiRequest) -> Any:
    """A public thread on a message: its id is the message's; once per message."""
    channel = channel_for(double, req)
    message = _message_in(double, req, channel)
    if channel.type != GUILD_TEXT:
        raise DiscordError(400, 50024, "Cannot execute action on this channel type")
    _require(double, channel, P.CREATE_PUBLIC_THREADS)
    body = req.body if isinstance(req.body, dict) else {}
    name = body.get("name")
    if not isinstance(name, str) or not 1 <= len(name) <= NAME_MAX:
        problem = errors.Problem(("name",), f"Must be between 1 and {NAME_MAX} in length.")
        raise invalid_form_body([problem])
    if message.id in double.world.channels:
        raise DiscordError(
            400, errors.THREAD_ALREADY_CREATED, "A thread has already been created for this message"
        )
    assert channel.guild is not None
    thread = Channel(
        message.id,
        name,
        PUBLIC_THREAD,
        guild=channel.guild,
        parent=channel,
        owner_id=double.world.bot.id,
    )
    channel.guild.channels[thread.id] = thread
    double.world.channels[thread.id] = thread
    double.world.emit_guild(channel.guild, "THREAD_CREATE", lambda p: p.thread(thread))
    return double.payloads.thread(thread)


@routes("PATCH", "/channels/{channel_id}")
async def modify_channel(double: DiscordDouble, req: ApiRequest) -> Any:
    """Only what the bot does with channels: archive and lock a thread (Manage Threads)."""
    channel = channel_for(double, req)
    body = req.body if isinstance(req.body, dict) else {}
    if channel.parent is None or set(body) - {"archived", "locked"}:
        raise DiscordError(400, 50035, "The double only archives and locks threads")
    _require(double, channel, P.MANAGE_THREADS)
    channel.archived = bool(body.get("archived", channel.archived))
    channel.locked = bool(body.get("locked", channel.locked))
    assert channel.guild is not None
    double.world.emit_guild(channel.guild, "THREAD_UPDATE", lambda p: p.thread(channel))
    return double.payloads.thread(channel)
