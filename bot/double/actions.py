"""What test users do: run slash commands, type into autocomplete, click, select, submit
modals, post messages. Each builds what a Discord client would send and delivers it
to the bot over the gateway; each returns the `Interaction` to await answers on.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from bot.double import ids
from bot.double.commands import ClientRefused, Upload, build_data
from bot.double.components import click_data, modal_submit_data, select_data
from bot.double.interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    Interaction,
    ResolvedData,
    interaction_payload,
)
from bot.double.messages import Attachment, Message
from bot.double.state import Channel, Member, User

HUMAN_REACTION = 0.02  # seconds: the soonest a click or modal submit follows a bot write

if TYPE_CHECKING:
    from bot.double.driver import DiscordDouble

Actor = Member | User


def _plain(user: Actor) -> User:
    return user.user if isinstance(user, Member) else user


class Actions:
    """Mixed into DiscordDouble: the test-facing user actions."""

    async def slash(
        self: DiscordDouble,
        user: Actor,
        command: str,
        options: Mapping[str, Any] | None = None,
        *,
        channel: Channel | None = None,
        locale: str | None = None,
    ) -> Interaction:
        """Run `/command [group] [subcommand]` with option values, as the user's client would.

        Values: str/int/float/bool for scalar options (a choice may be given by name or
        value), Member/User/Role/Channel for those types, `Upload` for attachments.
        Raises `ClientRefused` when a real client would not send it.
        """
        actor, channel = self._where(user, channel)
        resolved = ResolvedData(self.payloads, channel, self._store_upload)
        data = self._command_data(actor, channel, command, options or {}, locale, resolved)
        return await self._deliver(APPLICATION_COMMAND, actor, channel, locale, data, resolved)

    async def autocomplete(
        self: DiscordDouble,
        user: Actor,
        command: str,
        options: Mapping[str, Any],
        *,
        focused: str,
        channel: Channel | None = None,
        locale: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 (the driver API takes timeouts)
    ) -> list[dict[str, Any]]:
        """Type into option `focused` (its value in `options`); the choices the bot offers."""
        actor, channel = self._where(user, channel)
        resolved = ResolvedData(self.payloads, channel, self._store_upload)
        data = self._command_data(actor, channel, command, options, locale, resolved, focused)
        level = data["options"]
        while level and level[0]["type"] in (1, 2):  # down through group and subcommand
            level = level[0]["options"]
        focused_type = next(o["type"] for o in level if o.get("focused"))
        ix = await self._deliver(
            AUTOCOMPLETE, actor, channel, locale, data, resolved, focused_type=focused_type
        )
        response = await ix.response(timeout)
        return response.choices or []

    async def click(
        self: DiscordDouble,
        user: Actor,
        message: Message,
        custom_id: str,
        *,
        locale: str | None = None,
    ) -> Interaction:
        """Press the button `custom_id` on a stored message (refused if missing or disabled)."""
        actor, channel = self._where(user, message.channel)
        data = click_data(message, custom_id, actor)
        return await self._deliver(
            MESSAGE_COMPONENT, actor, channel, locale, data, None, message=message
        )

    async def select(
        self: DiscordDouble,
        user: Actor,
        message: Message,
        custom_id: str,
        values: Sequence[Any],
        *,
        locale: str | None = None,
    ) -> Interaction:
        """Choose `values` in a select menu: option values, or Member/Role/Channel objects."""
        actor, channel = self._where(user, message.channel)
        resolved = ResolvedData(self.payloads, channel, self._store_upload)
        data = select_data(message, custom_id, values, actor, resolved)
        return await self._deliver(
            MESSAGE_COMPONENT, actor, channel, locale, data, resolved, message=message
        )

    async def submit_modal(
        self: DiscordDouble,
        user: Actor,
        interaction: Interaction,
        values: Mapping[str, Any],
        *,
        locale: str | None = None,
    ) -> Interaction:
        """Fill in and submit the modal the bot opened in answer to `interaction`.

        `values` are keyed by custom_id or by the field's label, as a person sees it.
        """
        modal = interaction.modal
        if modal is None:
            raise ClientRefused(f"interaction {interaction.id} was not answered with a modal")
        actor, channel = self._where(user, interaction.channel)
        resolved = ResolvedData(self.payloads, channel, self._store_upload)
        data = modal_submit_data(modal, values, resolved)
        return await self._deliver(
            MODAL_SUBMIT, actor, channel, locale, data, resolved, message=interaction.message
        )

    async def say(self: DiscordDouble, user: Actor, channel: Channel, content: str) -> Message:
        """A user posts in a channel (MESSAGE_CREATE for bots with the message intents)."""
        actor, channel = self._where(user, channel)
        message = self.store.create(channel, _plain(actor), {"content": content}, {}, kind="user")
        self.announce("MESSAGE_CREATE", message)
        return message

    # --- helpers ---------------------------------------------------------------------------

    def _where(self: DiscordDouble, user: Actor, channel: Channel | None) -> tuple[Actor, Channel]:
        """The acting member (or DM user) and the channel, defaulting sensibly."""
        if channel is None:
            if isinstance(user, Member):
                channels = user.guild.text_channels()
                if not channels:
                    raise ValueError(f"guild {user.guild.name!r} has no text channel")
                channel = channels[0]
            else:
                channel = self.world.dm_channel(user)
        if channel.deleted:
            raise ClientRefused(f"channel {channel.name!r} was deleted")
        if channel.guild is None:
            return _plain(user), channel
        member = channel.guild.members.get(_plain(user).id)
        if member is None:
            raise ClientRefused(f"{_plain(user).username} is not in {channel.guild.name!r}")
        return member, channel

    def _store_upload(self: DiscordDouble, upload: Upload) -> Attachment:
        attachment = Attachment(
            self.world.ids.next(), upload.filename, upload.data, upload.content_type, ephemeral=True
        )
        self.store.attachments[attachment.id] = attachment
        return attachment

    def _command_data(
        self: DiscordDouble,
        actor: Actor,
        channel: Channel,
        command: str,
        options: Mapping[str, Any],
        locale: str | None,
        resolved: ResolvedData,
        focused: str | None = None,
    ) -> dict[str, Any]:
        locale = locale or _plain(actor).locale
        schema = self.commands.find(actor, channel, command, locale)
        return build_data(schema, command, options, locale, resolved, focused=focused)

    async def _deliver(
        self: DiscordDouble,
        kind: int,
        user: Actor,
        channel: Channel,
        locale: str | None,
        data: dict[str, Any],
        resolved: ResolvedData | None,
        *,
        message: Message | None = None,
        focused_type: int | None = None,
    ) -> Interaction:
        if resolved is not None and resolved.data:
            data["resolved"] = resolved.data
        if kind in (MESSAGE_COMPONENT, MODAL_SUBMIT):
            # A person needs far more than this to press what the bot just showed; the bot
            # needs it to read its own answer and start listening to that view or modal.
            since = time.monotonic() - self.last_bot_write
            await asyncio.sleep(max(0.0, HUMAN_REACTION - since))
        interaction_id, token = self.world.ids.next(), ids.interaction_token()
        payload = interaction_payload(
            self.payloads,
            interaction_id=interaction_id,
            token=token,
            kind=kind,
            user=user,
            channel=channel,
            locale=locale or _plain(user).locale,
            data=data,
            message=message,
        )
        ix = Interaction(
            interaction_id=interaction_id,
            token=token,
            kind=kind,
            user=user,
            channel=channel,
            payload=payload,
            signal=self.world.changed,
            violations=self.violations,
            deadline=self.response_deadline,
            lifetime=self.token_lifetime,
            message=message,
            focused_type=focused_type,
        )
        self.interactions[ix.id] = ix
        self._by_token[token] = ix
        guild_id = channel.guild.id if channel.guild else None
        ix.sent()  # the deadline runs from here: Discord counts from the user's action
        written = self.gateway.emit("INTERACTION_CREATE", lambda _: payload, guild_id)
        if not written:
            raise RuntimeError(
                "no bot session receives this interaction: is the bot connected "
                "(await double.wait_until_ready()) and on the guild's shard?"
            )
        pending = [done for done in written if done is not None]
        if pending:  # a socket that drops meanwhile keeps the frame for RESUME: no error here
            await asyncio.wait(pending)
        return ix
