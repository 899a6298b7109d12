"""The invite link, with exactly the permissions the bot's features use, from one table."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

import discord

SCOPES = ("bot", "applications.commands")


@dataclass(frozen=True)
class Need:
    permission: str  # a discord.Permissions flag
    purpose: str


# Channel permissions; interactions (answers, forms, exports) need none. Reminders ping
# the coordinator role only if the role is mentionable: the bot does not ask for
# Mention @everyone, which would let it ping everyone.
NEEDS = (
    Need("view_channel", "see the review, reminder and digest channels"),
    Need("send_messages", "post proposals for review, reminders and weekly digests"),
    Need("embed_links", "show proposals, reminders and digests as embeds"),
    Need("create_public_threads", "open a discussion thread under each proposal"),
    Need("send_messages_in_threads", "post the decision in the proposal's thread"),
    Need("manage_threads", "lock and archive the thread once the proposal is decided"),
)


def channel_permissions() -> discord.Permissions:
    return discord.Permissions(**{need.permission: True for need in NEEDS})


def client_id_from_token(token: str) -> int | None:
    """A bot token starts with its user id (the application's id) in base64."""
    first = token.split(".")[0]
    try:
        decoded = base64.b64decode(first + "=" * (-len(first) % 4), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return int(decoded) if decoded.isdecimal() else None


def invite_url(client_id: int) -> str:
    return discord.utils.oauth_url(
        client_id, permissions=channel_permissions(), scopes=list(SCOPES)
    )
