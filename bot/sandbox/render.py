"""The sandbox's terminal view of Discord: messages, embeds, components and modals as text.

Markdown is shown as typed; what a Discord client would turn into something else is
turned into readable text: `<t:…>` timestamps into local times, `<@id>` / `<@&id>` /
`<#id>` into @name and #channel. Buttons and select options get numbers to press.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.double import Message
from bot.double.state import DM, World

BAR = "  │ "
INDENT = "  "
TEXT_PREVIEW_LINES = 5
TEXT_TYPES = ("text/", "application/json", "application/csv")
TEXT_SUFFIXES = (".txt", ".csv", ".json", ".wiki", ".wikitext", ".md")
BUTTON, TEXT_DISPLAY = 2, 10
SELECTS = {3: "", 5: "member", 6: "role", 7: "member or role", 8: "channel"}
LINK_STYLE = 5

_TIMESTAMP = re.compile(r"<t:(-?\d+)(?::([tTdDfFR]))?>")
_MENTION = re.compile(r"<(@!?|@&|#)(\d+)>")
_COMMAND = re.compile(r"</([^:>]+):\d+>")
_EMOJI = re.compile(r"<a?:(\w+):\d+>")
_FORMATS = {
    "t": "%H:%M",
    "T": "%H:%M:%S",
    "d": "%Y-%m-%d",
    "D": "%d %B %Y",
    "f": "%d %B %Y %H:%M",
    "F": "%A, %d %B %Y %H:%M",
}
_UNITS = (("year", 365 * 86400), ("month", 30 * 86400), ("day", 86400), ("hour", 3600))


@dataclass(frozen=True)
class Target:
    """Something numbered on a message: a button, a select option, or a whole select menu."""

    kind: str  # "button", "option" or "select" (user, role, channel selects: pick by name)
    custom_id: str
    label: str
    value: str | None = None
    disabled: bool = False


def relative(moment: datetime, now: datetime) -> str:
    seconds = (moment - now).total_seconds()
    size = abs(seconds)
    amount, unit = next(
        ((round(size / length), name) for name, length in _UNITS if size >= length),
        (round(size / 60), "minute") if size >= 60 else (round(size), "second"),
    )
    text = f"{amount} {unit}{'' if amount == 1 else 's'}"
    return f"in {text}" if seconds > 0 else f"{text} ago"


def local_time(unix: int, style: str | None, now: datetime | None = None) -> str:
    moment = datetime.fromtimestamp(unix, tz=UTC).astimezone()
    if style == "R":
        return relative(moment, now or datetime.now(tz=UTC))
    return moment.strftime(_FORMATS[style or "f"])


class Names:
    """Ids in message text, as a Discord client names them."""

    def __init__(self, world: World) -> None:
        self.world = world

    def user(self, user_id: int) -> str:
        for guild in self.world.guilds.values():
            member = guild.members.get(user_id)
            if member is not None and member.nick:
                return member.nick
        user = self.world.users.get(user_id)
        return (user.global_name or user.username) if user else "unknown-user"

    def role(self, role_id: int) -> str:
        for guild in self.world.guilds.values():
            if role := guild.roles.get(role_id):
                return role.name.lstrip("@")
        return "deleted-role"

    def channel(self, channel_id: int) -> str:
        channel = self.world.channels.get(channel_id)
        if channel is None:
            return "#unknown"
        if channel.type == DM:
            recipient = channel.recipient
            return f"DM to {recipient.username if recipient else 'someone'}"
        return f"#{channel.name}"

    def readable(self, text: str) -> str:
        def mention(match: re.Match[str]) -> str:
            sigil, number = match[1], int(match[2])
            if sigil == "#":
                return self.channel(number)
            return "@" + (self.role(number) if sigil == "@&" else self.user(number))

        text = _TIMESTAMP.sub(lambda m: local_time(int(m[1]), m[2]), text)
        text = _MENTION.sub(mention, text)
        text = _COMMAND.sub(r"/\1", text)
        return _EMOJI.sub(r":\1:", text)


def _block(text: str, prefix: str) -> list[str]:
    return [prefix + line for line in text.split("\n")]


def render_embed(embed: dict[str, Any], names: Names) -> list[str]:
    lines: list[str] = []

    def add(text: str | None) -> None:
        if text:
            lines.extend(_block(names.readable(text), BAR))

    add((embed.get("author") or {}).get("name"))
    title = embed.get("title")
    if title and embed.get("url"):
        title = f"{title} <{embed['url']}>"
    add(title)
    add(embed.get("description"))
    for field in embed.get("fields") or []:
        add(f"{field.get('name', '')}: {field.get('value', '')}")
    for key in ("image", "thumbnail"):
        if url := (embed.get(key) or {}).get("url"):
            add(f"[{key}: {url}]")
    footer = (embed.get("footer") or {}).get("text") or ""
    if stamp := embed.get("timestamp"):
        moment = int(datetime.fromisoformat(stamp).timestamp())
        footer = " · ".join(part for part in (footer, local_time(moment, "f")) if part)
    add(f"— {footer}" if footer else None)
    return lines or [BAR]


def _is_text(attachment: Any) -> bool:
    kind = attachment.content_type or ""
    return kind.startswith(TEXT_TYPES) or attachment.filename.lower().endswith(TEXT_SUFFIXES)


def render_attachments(message: Message) -> list[str]:
    lines = []
    for attachment in message.attachments:
        lines.append(f"{INDENT}📎 {attachment.filename} ({attachment.size:,} bytes)")
        if _is_text(attachment):
            text = attachment.data.decode("utf-8", errors="replace").lstrip("\ufeff")
            shown = text.splitlines()
            for line in shown[:TEXT_PREVIEW_LINES]:
                lines.append(f"{INDENT}  ┆ {line}")
            if len(shown) > TEXT_PREVIEW_LINES:
                lines.append(f"{INDENT}  ┆ … ({len(shown) - TEXT_PREVIEW_LINES} more lines)")
    return lines


def _button_text(number: int, target: Target) -> str:
    return f"[{number}] {target.label}" + (" (disabled)" if target.disabled else "")


def _emoji(component: dict[str, Any]) -> str:
    emoji = component.get("emoji") or {}
    return emoji.get("name") or ""


def render_components(
    components: list[dict[str, Any]], names: Names
) -> tuple[list[str], list[Target]]:
    """Rows of numbered buttons and select options; the numbered targets, in order."""
    lines: list[str] = []
    targets: list[Target] = []

    def walk(items: list[Any]) -> None:
        row: list[str] = []
        for item in items:
            if not isinstance(item, dict):
                continue
            kind = item.get("type")
            if kind == BUTTON:
                label = " ".join(p for p in (_emoji(item), item.get("label") or "") if p)
                if item.get("style") == LINK_STYLE:
                    row.append(f"[{label} ↗ {item.get('url', '')}]")
                    continue
                target = Target(
                    "button", item["custom_id"], label, disabled=bool(item.get("disabled"))
                )
                targets.append(target)
                row.append(_button_text(len(targets), target))
            elif kind in SELECTS:
                lines.extend(_select(item, targets))
            elif kind == TEXT_DISPLAY:
                lines.extend(_block(names.readable(item.get("content") or ""), INDENT))
            else:
                walk(
                    [*(item.get("components") or []), item.get("accessory"), item.get("component")]
                )
        if row:
            lines.append(INDENT + "  ".join(row))

    walk(components)
    return lines, targets


def _select(item: dict[str, Any], targets: list[Target]) -> list[str]:
    low, high = item.get("min_values", 1), item.get("max_values", 1)
    how = f"choose {low}" if low == high else f"choose {low}-{high}"
    disabled = " (disabled)" if item.get("disabled") else ""
    header = f"{INDENT}▾ {item.get('placeholder') or 'Select'} ({how}){disabled}"
    if item["type"] != 3:
        targets.append(Target("select", item["custom_id"], header, disabled=bool(disabled)))
        kind = SELECTS[item["type"]]
        return [f"{header}  [{len(targets)}] — type: choose {len(targets)} <{kind} name>"]
    lines = [header]
    for option in item.get("options") or []:
        target = Target(
            "option", item["custom_id"], option["label"], option["value"], bool(disabled)
        )
        targets.append(target)
        extra = f" — {option['description']}" if option.get("description") else ""
        chosen = " (selected)" if option.get("default") else ""
        lines.append(f"{INDENT}  ({len(targets)}) {option['label']}{extra}{chosen}")
    return lines


def render_message(
    message: Message, names: Names, *, viewer_id: int | None, edited: bool
) -> tuple[str, list[Target]]:
    """The message as a block of text with a header naming where it appeared."""
    where = names.channel(message.channel.id)
    notes = []
    if message.ephemeral:
        owner = int((message.interaction or {}).get("user", {}).get("id", 0))
        notes.append(
            "only you can see this"
            if owner in (0, viewer_id)
            else f"only {names.user(owner)} can see this"
        )
    if message.deleted:
        notes.append("deleted")
    elif edited:
        notes.append("edited")
    suffix = f" ({', '.join(notes)})" if notes else ""
    lines = [f"[{where}] {names.user(message.author.id)}{suffix}:"]
    if message.deleted:
        return lines[0], []
    if message.content:
        lines.extend(_block(names.readable(message.content), INDENT))
    for embed in message.embeds:
        lines.extend(render_embed(embed, names))
    lines.extend(render_attachments(message))
    component_lines, targets = render_components(message.components, names)
    lines.extend(component_lines)
    return "\n".join(lines), targets


@dataclass(frozen=True)
class Field:
    """A modal field as a person fills it in."""

    custom_id: str
    label: str
    required: bool
    default: str
    long: bool
    max_length: int | None
    placeholder: str

    def prompt(self) -> str:
        facts = ["required" if self.required else "optional"]
        if self.max_length:
            facts[0] += f", up to {self.max_length} characters"
        if self.placeholder and not self.default:
            facts.append(f"hint: {self.placeholder}")
        shown = f" [{self.default}]" if self.default else ""
        return f"{INDENT}{self.label} ({'; '.join(facts)}){shown}: "


def modal_fields(modal: dict[str, Any]) -> list[Field]:
    """The text inputs of a modal, in order (in action rows or in labels)."""
    fields = []
    for component in modal.get("components") or []:
        label = component.get("label")
        inner = component.get("components") or [component.get("component")]
        for item in inner:
            if not isinstance(item, dict) or item.get("type") != 4:
                continue
            fields.append(
                Field(
                    custom_id=item["custom_id"],
                    label=label or item.get("label") or item["custom_id"],
                    required=item.get("required", True) is not False,
                    default=item.get("value") or "",
                    long=item.get("style") == 2,
                    max_length=item.get("max_length"),
                    placeholder=item.get("placeholder") or "",
                )
            )
    return fields
