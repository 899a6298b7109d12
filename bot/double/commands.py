"""Registered application commands, and building a command invocation as a Discord client does.

A real client only offers what the bot registered: the double builds slash and
autocomplete data from the stored schema and refuses (`ClientRefused`) what a
user could not send — unknown commands or options, a missing required option, a
value outside the choices or bounds, a command the member may not see.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from bot.double.state import DM, Channel, Member, Role, User, World

SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = range(3, 12)


class ClientRefused(Exception):
    """A real Discord client would not let the user send this."""


@dataclass(frozen=True)
class Upload:
    """A file a user attaches to an attachment option."""

    filename: str
    data: bytes
    content_type: str | None = None


class Resolver(Protocol):
    """Fills `resolved` for user, role, channel and attachment values."""

    def add(self, kind: int, value: Any) -> str: ...


class CommandRegistry:
    def __init__(self, world: World, application_id: int) -> None:
        self.world = world
        self.application_id = application_id
        self._by_scope: dict[int | None, dict[int, dict[str, Any]]] = {}

    def list(self, guild_id: int | None) -> list[dict[str, Any]]:
        return list(self._by_scope.get(guild_id, {}).values())

    def get(self, guild_id: int | None, command_id: int) -> dict[str, Any] | None:
        return self._by_scope.get(guild_id, {}).get(command_id)

    def overwrite(self, guild_id: int | None, bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Bulk overwrite: a command keeps its id when its name and type are unchanged."""
        old = {(c["type"], c["name"]): int(c["id"]) for c in self.list(guild_id)}
        scope: dict[int, dict[str, Any]] = {}
        for body in bodies:
            kind = body.get("type") or 1
            command_id = old.get((kind, body["name"])) or self.world.ids.next()
            scope[command_id] = self._stored(guild_id, command_id, body)
        self._by_scope[guild_id] = scope
        self.world.changed.notify()
        return list(scope.values())

    def upsert(self, guild_id: int | None, body: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        kind = body.get("type") or 1
        existing = next(
            (c for c in self.list(guild_id) if c["type"] == kind and c["name"] == body["name"]),
            None,
        )
        command_id = int(existing["id"]) if existing else self.world.ids.next()
        stored = self._stored(guild_id, command_id, body)
        self._by_scope.setdefault(guild_id, {})[command_id] = stored
        self.world.changed.notify()
        return stored, existing is None

    def edit(self, guild_id: int | None, command_id: int, body: dict[str, Any]) -> dict[str, Any]:
        current = self._by_scope[guild_id][command_id]
        merged = {**current, **body}
        stored = self._stored(guild_id, command_id, merged)
        self._by_scope[guild_id][command_id] = stored
        return stored

    def delete(self, guild_id: int | None, command_id: int) -> bool:
        return self._by_scope.get(guild_id, {}).pop(command_id, None) is not None

    def _stored(self, guild_id: int | None, command_id: int, body: dict[str, Any]) -> dict:
        permissions = body.get("default_member_permissions")
        stored = {
            "id": str(command_id),
            "application_id": str(self.application_id),
            "version": str(self.world.ids.next()),
            "type": body.get("type") or 1,
            "name": body["name"],
            "name_localizations": body.get("name_localizations"),
            "description": body.get("description") or "",
            "description_localizations": body.get("description_localizations"),
            "options": copy.deepcopy(body.get("options") or []),
            "default_member_permissions": None if permissions is None else str(permissions),
            "dm_permission": body.get("dm_permission", True),
            "nsfw": bool(body.get("nsfw")),
            "contexts": body.get("contexts"),
            "integration_types": body.get("integration_types") or [0],
        }
        if guild_id is not None:
            stored["guild_id"] = str(guild_id)
        return stored

    # --- what the Discord client does when a user runs a command ---------------------------

    def find(self, user: Member | User, channel: Channel, path: str, locale: str) -> dict:
        """The chat-input command named by the first word of `path`, as this user sees it."""
        name = path.split()[0]
        scopes = [None] if channel.guild is None else [channel.guild.id, None]
        for scope in scopes:
            for command in self.list(scope):
                if command["type"] == 1 and _named(command, name, locale):
                    _check_visible(command, user, channel)
                    return command
        raise ClientRefused(f"no registered command /{name} for this channel")


def _named(item: Mapping[str, Any], name: str, locale: str) -> bool:
    return item["name"] == name or (item.get("name_localizations") or {}).get(locale) == name


def _check_visible(command: dict[str, Any], user: Member | User, channel: Channel) -> None:
    in_dm = channel.type == DM
    contexts = command.get("contexts")
    if contexts is not None:
        allowed = (1 if in_dm else 0) in contexts
    else:
        allowed = not in_dm or ("guild_id" not in command and command["dm_permission"])
    if not allowed:
        raise ClientRefused(f"/{command['name']} is not offered in this kind of channel")
    required = command.get("default_member_permissions")
    if required is not None and isinstance(user, Member):
        have = user.permissions_in(channel)
        if have & int(required) != int(required):
            raise ClientRefused(
                f"/{command['name']} is hidden from {user.user.username}: "
                f"needs permissions {required}"
            )


def build_data(
    command: dict[str, Any],
    path: str,
    values: Mapping[str, Any],
    locale: str,
    resolver: Resolver,
    *,
    focused: str | None = None,
) -> dict[str, Any]:
    """Type-2 (or autocomplete type-4) interaction data for `/path` with these option values."""
    words = path.split()[1:]
    schema = command["options"]
    nesting: list[dict[str, Any]] = []
    for word in words:
        option = next(
            (
                o
                for o in schema
                if o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP) and _named(o, word, locale)
            ),
            None,
        )
        if option is None:
            raise ClientRefused(f"/{command['name']} has no subcommand {word!r}")
        nesting.append({"type": option["type"], "name": option["name"]})
        schema = option.get("options") or []
    if any(o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP) for o in schema):
        raise ClientRefused(f"/{path} needs a subcommand")
    options = _options(schema, values, locale, resolver, focused)
    for level in reversed(nesting):
        level["options"] = options
        options = [level]
    data: dict[str, Any] = {
        "id": command["id"],
        "name": command["name"],
        "type": 1,
        "options": options,
    }
    if "guild_id" in command:
        data["guild_id"] = command["guild_id"]
    return data


def _options(
    schema: list[dict[str, Any]],
    values: Mapping[str, Any],
    locale: str,
    resolver: Resolver,
    focused: str | None,
) -> list[dict[str, Any]]:
    by_name = {}
    for key in values:
        option = next((o for o in schema if _named(o, key, locale)), None)
        if option is None:
            raise ClientRefused(f"no option {key!r}; options are {[o['name'] for o in schema]}")
        by_name[option["name"]] = key
    if focused is not None and focused not in by_name:
        raise ClientRefused(f"focused option {focused!r} has no value")
    built = []
    for option in schema:
        name = option["name"]
        if name not in by_name:
            if option.get("required") and focused is None:
                raise ClientRefused(f"option {name!r} is required")
            continue
        raw = values[by_name[name]]
        if name == focused:
            if not option.get("autocomplete"):
                raise ClientRefused(f"option {name!r} has no autocomplete")
            built.append({"name": name, "type": option["type"], "value": str(raw), "focused": True})
        else:
            value = _coerce(option, raw, resolver)
            built.append({"name": name, "type": option["type"], "value": value})
    return built


def _coerce(option: dict[str, Any], raw: Any, resolver: Resolver) -> Any:
    kind, name = option["type"], option["name"]
    if kind in (USER, CHANNEL, ROLE, MENTIONABLE, ATTACHMENT):
        expected = {
            USER: (Member, User),
            CHANNEL: (Channel,),
            ROLE: (Role,),
            MENTIONABLE: (Member, User, Role),
            ATTACHMENT: (Upload,),
        }[kind]
        if not isinstance(raw, expected):
            raise ClientRefused(f"option {name!r} takes a {expected[0].__name__}")
        allowed = option.get("channel_types")
        if kind == CHANNEL and allowed is not None and raw.type not in allowed:
            raise ClientRefused(f"option {name!r} does not accept that channel type")
        return resolver.add(kind, raw)
    try:
        value = _scalar(kind, raw)
    except (TypeError, ValueError):
        raise ClientRefused(f"option {name!r} cannot take {raw!r}") from None
    choices = option.get("choices")
    if choices:
        match = next((c["value"] for c in choices if value in (c["value"], c["name"])), None)
        if match is None:
            raise ClientRefused(
                f"{raw!r} is not a choice of {name!r}: {[c['value'] for c in choices]}"
            )
        value = match
    low, high = option.get("min_value"), option.get("max_value")
    if kind in (INTEGER, NUMBER) and (
        (low is not None and value < low) or (high is not None and value > high)
    ):
        raise ClientRefused(f"{value!r} is outside [{low}, {high}] for {name!r}")
    low, high = option.get("min_length"), option.get("max_length", 6000)
    if kind == STRING and (len(value) < (low or 0) or len(value) > high):
        raise ClientRefused(f"{name!r} must be {low or 0}-{high} characters long")
    return value


def _scalar(kind: int, raw: Any) -> Any:
    if isinstance(raw, bool) and kind != BOOLEAN:
        raise TypeError(raw)
    if kind == STRING:
        return str(raw)
    if kind == INTEGER:
        if isinstance(raw, float) and not raw.is_integer():
            raise ValueError(raw)
        return int(raw)
    if kind == NUMBER:
        return float(raw)
    if kind == BOOLEAN:
        if isinstance(raw, str) and raw.lower() in ("true", "false"):
            return raw.lower() == "true"
        if isinstance(raw, bool):
            return raw
        raise TypeError(raw)
    raise ClientRefused(f"option type {kind} is not supported by the double")
