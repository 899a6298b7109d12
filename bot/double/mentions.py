"""Who a message would actually notify, by Discord's allowed-mentions rules.

Docs: Message Resource → Allowed Mentions Object. Without the field, every user
mentioned in the content is pinged, roles are pinged when mentionable (or the
author may mention everyone), and @everyone/@here ping when the author has the
MENTION_EVERYONE permission. With the field, only what `parse` names is parsed
from the content, plus the ids listed in `users`/`roles` that the content also
mentions. `replied_user` decides whether a reply pings its target (default:
yes without the field, no with it). Embeds never ping; ephemeral messages
notify nobody.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

USER_MENTION = re.compile(r"<@!?(\d{15,21})>")
ROLE_MENTION = re.compile(r"<@&(\d{15,21})>")
EVERYONE, HERE = "@everyone", "@here"

Pings = frozenset[int | str]


@dataclass(frozen=True)
class MentionContext:
    """What Discord knows when it parses: the author's rights and the guild's roles."""

    in_guild: bool
    can_mention_everyone: bool
    mentionable_role: Callable[[int], bool]
    replied_user_id: int | None = None


def mentioned(content: str) -> tuple[list[int], list[int], bool, bool]:
    """User ids, role ids, and whether @everyone / @here appear in the text."""
    users = [int(m) for m in USER_MENTION.findall(content)]
    roles = [int(m) for m in ROLE_MENTION.findall(content)]
    return users, roles, EVERYONE in content, HERE in content


def pings(content: str, allowed: dict[str, Any] | None, context: MentionContext) -> Pings:
    """The user ids, role ids and "@everyone"/"@here" this content would notify."""
    users, roles, everyone, here = mentioned(content or "")
    if allowed is None:
        parse = {"users", "roles", "everyone"}
        allowed_users: set[int] = set()
        allowed_roles: set[int] = set()
        ping_reply = True
    else:
        parse = set(allowed.get("parse") or [])
        allowed_users = {int(x) for x in allowed.get("users") or []}
        allowed_roles = {int(x) for x in allowed.get("roles") or []}
        ping_reply = bool(allowed.get("replied_user"))
    found: set[int | str] = {user for user in users if "users" in parse or user in allowed_users}
    if context.in_guild:
        found |= {
            role
            for role in roles
            if ("roles" in parse or role in allowed_roles)
            and (context.can_mention_everyone or context.mentionable_role(role))
        }
        if "everyone" in parse and context.can_mention_everyone:
            found |= {name for name, present in ((EVERYONE, everyone), (HERE, here)) if present}
    if ping_reply and context.replied_user_id is not None:
        found.add(context.replied_user_id)
    return frozenset(found)
