"""Reading `/command sub opt:value "bare text"` against the command schema the bot registered.

Typos get a message naming what exists; choices are accepted by name or value (in
any language the bot registered); booleans as true/false/yes/no; members, roles
and channels by name; attachments as a local file path.
"""

from __future__ import annotations

import difflib
import mimetypes
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import discord

from bot.double import Upload

SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = range(3, 12)
TYPE_NAMES = {
    STRING: "text",
    INTEGER: "whole number",
    BOOLEAN: "true|false",
    USER: "@member",
    CHANNEL: "#channel",
    ROLE: "@role",
    MENTIONABLE: "@member or @role",
    NUMBER: "number",
    ATTACHMENT: "file path",
}
TRUE, FALSE = {"true", "yes", "y", "on", "1", "sí", "si"}, {"false", "no", "n", "off", "0"}

# name:"quoted value", name:'quoted', name:value, "quoted bare", or a bare word.
_TOKEN = re.compile(r"""(?:([^\s:"']+):)?("(?:[^"\\]|\\.)*"|'[^']*'|\S+)""")
_OPTION_NAME = re.compile(r"^[^\W\d][\w-]*$")


class ParseError(Exception):
    """The line does not name a command the bot registered, or its options are wrong."""


class Lookup(Protocol):
    """The sandbox's members, roles and channels, found by the name a person types."""

    def member(self, name: str) -> Any | None: ...

    def role(self, name: str) -> Any | None: ...

    def channel(self, name: str) -> Any | None: ...


@dataclass(frozen=True)
class Invocation:
    command: dict[str, Any]  # the registered top-level command
    path: str  # canonical names, e.g. "partnership search"
    options: dict[str, Any]  # canonical option name -> value for the double
    schema: list[dict[str, Any]]  # the options the command takes

    def autocompleted(self) -> list[str]:
        """Options given as typed text that the bot offers suggestions for."""
        return [
            o["name"]
            for o in self.schema
            if o.get("autocomplete") and isinstance(self.options.get(o["name"]), str)
        ]


def names_of(item: dict[str, Any]) -> set[str]:
    """Its name and every localized name, folded: any of them may be typed."""
    return {n.casefold() for n in [item["name"], *(item.get("name_localizations") or {}).values()]}


def _find(items: Iterable[dict[str, Any]], word: str) -> dict[str, Any] | None:
    return next((i for i in items if word.casefold() in names_of(i)), None)


def _suggest(word: str, items: Iterable[dict[str, Any]]) -> str:
    close = difflib.get_close_matches(word, [i["name"] for i in items], n=1, cutoff=0.6)
    return f" Did you mean {close[0]!r}?" if close else ""


def usage(path: str, options: list[dict[str, Any]]) -> str:
    """`/path query:<text> [kind:alliance|partnership]`: what the command takes."""
    parts = [f"/{path}"]
    for option in options:
        choices = option.get("choices")
        kind = (
            "|".join(c["value"] for c in choices) if choices else f"<{TYPE_NAMES[option['type']]}>"
        )
        part = f"{option['name']}:{kind}"
        parts.append(part if option.get("required") else f"[{part}]")
    return " ".join(parts)


def usages(command: dict[str, Any]) -> list[tuple[str, str]]:
    """(usage, description) of every invocable path under a registered command."""
    found: list[tuple[str, str]] = []

    def walk(prefix: str, item: dict[str, Any]) -> None:
        options = item.get("options") or []
        subs = [o for o in options if o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)]
        if not subs:
            found.append((usage(prefix, options), item.get("description") or ""))
        for sub in subs:
            walk(f"{prefix} {sub['name']}", sub)

    walk(command["name"], command)
    return found


def tokenize(text: str) -> list[tuple[str | None, str, str]]:
    """(option name or None, value, raw token) for each token."""
    tokens = []
    for match in _TOKEN.finditer(text):
        name, value = match[1], match[2]
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
            if match[2][0] == '"':
                value = re.sub(r"\\(.)", r"\1", value)
        tokens.append((name, value, match[0]))
    return tokens


def parse(line: str, commands: list[dict[str, Any]], lookup: Lookup) -> Invocation:
    """The command a line names, with its option values converted for the double."""
    words = line.strip().removeprefix("/").split(None, 1)
    if not words:
        raise ParseError("Type a command after the slash, e.g. /help. :commands lists them all.")
    chat = [c for c in commands if c["type"] == 1]
    command = _find(chat, words[0])
    if command is None:
        listed = ", ".join(f"/{c['name']}" for c in sorted(chat, key=lambda c: c["name"]))
        hint = _suggest(words[0], chat)
        raise ParseError(f"No command /{words[0]}.{hint} Commands: {listed}.")
    rest = words[1] if len(words) > 1 else ""
    path, level = [command["name"]], command
    while subs := [
        o for o in level.get("options") or [] if o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)
    ]:
        head = rest.split(None, 1)
        found = _find(subs, head[0]) if head else None
        if found is None:
            where = f"/{' '.join(path)}"
            listed = ", ".join(s["name"] for s in subs)
            got = (
                f" has no subcommand {head[0]!r}.{_suggest(head[0], subs)}"
                if head
                else " needs a subcommand."
            )
            raise ParseError(f"{where}{got} Choose one of: {listed}.")
        path.append(found["name"])
        level, rest = found, (head[1] if len(head) > 1 else "")
    schema = level.get("options") or []
    full = " ".join(path)
    return Invocation(command, full, _options(full, schema, rest, lookup), schema)


def _options(path: str, schema: list[dict[str, Any]], text: str, lookup: Lookup) -> dict[str, Any]:
    values: dict[str, Any] = {}
    bare: list[str] = []
    for name, value, raw in tokenize(text):
        option = _find(schema, name) if name else None
        if option is None:
            if (
                name
                and _OPTION_NAME.match(name)
                and name.islower()
                and name not in ("http", "https")
            ):
                hint = _suggest(name, schema)
                raise ParseError(
                    f"/{path} has no option {name!r}.{hint} Usage: {usage(path, schema)}"
                )
            bare.append(value if name is None else raw)
            continue
        values[option["name"]] = _convert(path, option, value, lookup)
    if bare:
        open_strings = [o for o in schema if o["type"] == STRING and o["name"] not in values]
        target = next((o for o in open_strings if o.get("required")), None) or next(
            iter(open_strings), None
        )
        if target is None:
            raise ParseError(f"/{path} takes no free text here. Usage: {usage(path, schema)}")
        values[target["name"]] = _convert(path, target, " ".join(bare), lookup)
    missing = [o["name"] for o in schema if o.get("required") and o["name"] not in values]
    if missing:
        raise ParseError(f"/{path} needs {', '.join(missing)}. Usage: {usage(path, schema)}")
    return values


def _convert(path: str, option: dict[str, Any], text: str, lookup: Lookup) -> Any:
    kind, name = option["type"], option["name"]
    if choices := option.get("choices"):
        folded = text.casefold()
        match = next(
            (c for c in choices if folded in names_of(c) or folded == str(c["value"]).casefold()),
            None,
        )
        if match is None:
            listed = ", ".join(str(c["value"]) for c in choices)
            raise ParseError(f"{text!r} is not a choice of {name!r} in /{path}: choose {listed}.")
        return match["value"]
    try:
        return _scalar(kind, text, lookup)
    except (ValueError, LookupError) as exc:
        raise ParseError(f"{name!r} in /{path} takes {TYPE_NAMES[kind]}: {exc}") from None


def _scalar(kind: int, text: str, lookup: Lookup) -> Any:
    if kind == STRING:
        return text
    if kind in (INTEGER, NUMBER):
        return int(text) if kind == INTEGER else float(text)
    if kind == BOOLEAN:
        if text.casefold() in TRUE | FALSE:
            return text.casefold() in TRUE
        raise ValueError(f"{text!r} is neither true nor false")
    if kind == ATTACHMENT:
        file = Path(text).expanduser()
        content_type = mimetypes.guess_type(file.name)[0]
        try:
            return Upload(file.name, file.read_bytes(), content_type)
        except OSError as exc:
            raise ValueError(exc.strerror or str(exc)) from None
    name = text.lstrip("@#")
    finders = {
        USER: (lookup.member,),
        CHANNEL: (lookup.channel,),
        ROLE: (lookup.role,),
        MENTIONABLE: (lookup.member, lookup.role),
    }[kind]
    for find in finders:
        if (found := find(name)) is not None:
            return found
    raise LookupError(f"no {TYPE_NAMES[kind]} named {text!r}")


def permission_names(bits: int) -> str:
    """ "Manage Server" and the like, for a default_member_permissions value."""
    named = [name for name, on in discord.Permissions(bits) if on]
    readable = {"manage_guild": "Manage Server"}
    return ", ".join(readable.get(n, n.replace("_", " ").title()) for n in named)
