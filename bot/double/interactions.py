"""Interactions the double sent to the bot, and what the bot answered.

An `Interaction` is both the double's record (acknowledgements, @original,
follow-ups) and the test's handle on it (`await ix.response()`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.double.commands import Upload
from bot.double.errors import Violation
from bot.double.messages import Attachment, Message
from bot.double.payloads import Payloads
from bot.double.state import DM, DM_PERMISSIONS, Channel, Member, Role, Signal, User

PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5
# Callback types: 4 message, 5 deferred message, 6 deferred update, 7 update, 8 choices, 9 modal.
ALLOWED_CALLBACKS = {
    APPLICATION_COMMAND: {4, 5, 9},
    MESSAGE_COMPONENT: {4, 5, 6, 7, 9},
    AUTOCOMPLETE: {8},
    MODAL_SUBMIT: {4, 5, 6, 7},
}
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024


class NoResponse(AssertionError):
    """The bot did not answer in time: Discord would show "The application did not respond"."""


@dataclass
class Response:
    """The bot's first answer (the acknowledgement). `message` is live: later edits show."""

    type: int
    message: Message | None = None
    modal: dict[str, Any] | None = None
    choices: list[dict[str, Any]] | None = None

    @property
    def ephemeral(self) -> bool:
        return self.message is not None and self.message.ephemeral

    @property
    def deferred(self) -> bool:
        return self.type in (5, 6)


class Interaction:
    def __init__(
        self,
        *,
        interaction_id: int,
        token: str,
        kind: int,
        user: Member | User,
        channel: Channel,
        payload: dict[str, Any],
        signal: Signal,
        violations: list[Violation],
        deadline: float,
        lifetime: float,
        message: Message | None = None,
        focused_type: int | None = None,
    ) -> None:
        self.id = interaction_id
        self.token = token
        self.type = kind
        self.user = user
        self.channel = channel
        self.payload = payload
        self.message = message  # the message whose component was used
        self.focused_type = focused_type  # autocomplete: the focused option's type
        self._signal = signal
        self._violations = violations
        self._deadline = deadline
        self._lifetime = lifetime
        self.dispatched_at: float | None = None
        self.responded_at: float | None = None
        self.first: Response | None = None
        self.acknowledgements = 0
        self.original_message: Message | None = None
        self.followups: list[Message] = []

    # --- the double's side ------------------------------------------------------------------

    def sent(self) -> None:
        self.dispatched_at = time.monotonic()

    def late(self, at: float) -> bool:
        """A response received `at` is past the deadline (counted from when the bot was
        sent the interaction)."""
        return self.dispatched_at is not None and at - self.dispatched_at > self._deadline

    def expired(self) -> bool:
        """The token lasts 15 minutes for follow-ups and edits."""
        return self.dispatched_at is not None and (
            time.monotonic() - self.dispatched_at > self._lifetime
        )

    def acknowledge(self, response: Response, *, received_at: float) -> None:
        self.acknowledgements += 1
        self.first = response
        self.responded_at = received_at
        self._signal.notify()

    @property
    def latency(self) -> float | None:
        """Seconds from INTERACTION_CREATE written to the first callback received."""
        if self.dispatched_at is None or self.responded_at is None:
            return None
        return self.responded_at - self.dispatched_at

    @property
    def modal(self) -> dict[str, Any] | None:
        return self.first.modal if self.first else None

    # --- the test's side --------------------------------------------------------------------

    async def response(self, timeout: float | None = None) -> Response:  # noqa: ASYNC109 (the driver API takes timeouts)
        """The first callback; by default waits the response deadline plus a little slack."""
        wait = self._deadline + 0.5 if timeout is None else timeout
        try:
            return await self._signal.wait_for(lambda: self.first, wait, "the first response")
        except TimeoutError:
            refused = [v.message for v in self._violations if self.token in v.path]
            why = f"; Discord refused: {refused}" if refused else ""
            raise NoResponse(
                f"no response to interaction {self.id} within {wait:g} s{why}"
            ) from None

    async def original(
        self,
        predicate: Callable[[Message], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 (the driver API takes timeouts)
    ) -> Message:
        """The @original message once it is no longer "thinking" (and matches `predicate`)."""

        def ready() -> Message | None:
            message = self.original_message
            if message is None or message.loading or message.deleted:
                return None
            return message if predicate is None or predicate(message) else None

        return await self._signal.wait_for(ready, timeout, f"@original of interaction {self.id}")

    async def followup(self, index: int = 0, timeout: float = 5.0) -> Message:  # noqa: ASYNC109 (the driver API takes timeouts)
        """The index-th follow-up message (0: the first)."""

        def ready() -> Message | None:
            return self.followups[index] if len(self.followups) > index else None

        return await self._signal.wait_for(ready, timeout, f"follow-up #{index}")


class ResolvedData:
    """Collects the `resolved` block for user, member, role, channel and attachment values."""

    def __init__(
        self, payloads: Payloads, channel: Channel, store_upload: Callable[[Upload], Attachment]
    ) -> None:
        self.payloads = payloads
        self.channel = channel
        self.store_upload = store_upload
        self.data: dict[str, dict[str, Any]] = {}

    def add(self, kind: int, value: Any) -> str:
        if isinstance(value, Member | User):
            user = value.user if isinstance(value, Member) else value
            self.data.setdefault("users", {})[str(user.id)] = self.payloads.user(user)
            member = value if isinstance(value, Member) else None
            if member is None and self.channel.guild is not None:
                member = self.channel.guild.members.get(user.id)
            if member is not None:
                self.data.setdefault("members", {})[str(user.id)] = {
                    **self.payloads.member(member, with_user=False),
                    "permissions": str(member.permissions_in(self.channel)),
                }
            return str(user.id)
        if isinstance(value, Role):
            self.data.setdefault("roles", {})[str(value.id)] = self.payloads.role(value)
            return str(value.id)
        if isinstance(value, Channel):
            me = value.guild.me if value.guild else None
            self.data.setdefault("channels", {})[str(value.id)] = {
                **self.payloads.channel(value),
                "permissions": str(me.permissions_in(value) if me else 0),
            }
            return str(value.id)
        if isinstance(value, Upload):
            attachment = self.store_upload(value)
            entry = self.payloads.attachment(attachment)
            self.data.setdefault("attachments", {})[str(attachment.id)] = entry
            return str(attachment.id)
        raise TypeError(f"cannot resolve {value!r} for option type {kind}")


def interaction_payload(
    payloads: Payloads,
    *,
    interaction_id: int,
    token: str,
    kind: int,
    user: Member | User,
    channel: Channel,
    locale: str,
    data: dict[str, Any],
    message: Message | None = None,
) -> dict[str, Any]:
    """INTERACTION_CREATE as Discord sends it: member with permissions, locales, app perms."""
    guild = channel.guild
    payload: dict[str, Any] = {
        "id": str(interaction_id),
        "application_id": str(payloads.application_id),
        "type": kind,
        "data": data,
        "token": token,
        "version": 1,
        "locale": locale,
        "channel_id": str(channel.id),
        "channel": payloads.channel(channel),
        "entitlements": [],
        "entitlement_sku_ids": [],
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        "context": 1 if channel.type == DM else 0,
    }
    if guild is not None:
        assert isinstance(user, Member)
        payload.update(
            guild_id=str(guild.id),
            guild={"id": str(guild.id), "locale": guild.preferred_locale, "features": []},
            guild_locale=guild.preferred_locale,
            member=payloads.member_in(user, channel),
            app_permissions=str(guild.me.permissions_in(channel)),
            authorizing_integration_owners={"0": str(guild.id)},
        )
    else:
        plain = user.user if isinstance(user, Member) else user
        payload.update(
            user=payloads.user(plain),
            app_permissions=str(DM_PERMISSIONS),
            authorizing_integration_owners={"0": "0"},
        )
    if message is not None:
        payload["message"] = payloads.message(message)
    return payload
