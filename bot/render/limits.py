"""Discord's message and embed limits, and packing long content within them.

discord.py does not check these; Discord answers 400. Long lists are split at
item boundaries, never mid-item.
"""

from __future__ import annotations

from typing import Any

CONTENT = 2000
EMBEDS_PER_MESSAGE = 10
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER = 2048
AUTHOR_NAME = 256
EMBEDS_TOTAL = 6000
AUTOCOMPLETE_CHOICES = 25
CHOICE_NAME = 100
BUTTON_LABEL = 80
SELECT_OPTIONS = 25
MODAL_TITLE = 45
TEXT_INPUT_LABEL = 45
ELLIPSIS = "…"

Embed = dict[str, Any]


def truncate(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, marked with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS


def embed_size(embed: Embed) -> int:
    """Characters that count towards the 6,000 limit across a message's embeds."""
    size = len(embed.get("title", "")) + len(embed.get("description", ""))
    size += len(embed.get("footer", {}).get("text", ""))
    size += len(embed.get("author", {}).get("name", ""))
    for field in embed.get("fields", []):
        size += len(field.get("name", "")) + len(field.get("value", ""))
    return size


def pack_lines(
    title: str, lines: list[str], *, color: int | None = None, continued: str | None = None
) -> list[Embed]:
    """Embeds whose descriptions hold `lines` in order, each line whole.

    A line longer than a description is truncated (only then is an item cut).
    `continued` titles the embeds after the first (e.g. "Proposals (cont.)").
    """
    embeds: list[Embed] = []
    current: list[str] = []
    length = 0
    budget = EMBED_DESCRIPTION

    def flush() -> None:
        nonlocal current, length
        if not current:
            return
        heading = title if not embeds else (continued or title)
        embed: Embed = {"title": truncate(heading, EMBED_TITLE), "description": "\n".join(current)}
        if color is not None:
            embed["color"] = color
        embeds.append(embed)
        current, length = [], 0

    for line in lines:
        line = truncate(line, budget)
        added = len(line) + (1 if current else 0)
        if length + added > budget:
            flush()
            added = len(line)
        current.append(line)
        length += added
    flush()
    return embeds


def pack_messages(embeds: list[Embed]) -> list[list[Embed]]:
    """Group embeds into messages of at most 10 embeds and 6,000 characters each."""
    messages: list[list[Embed]] = []
    current: list[Embed] = []
    total = 0
    for embed in embeds:
        size = embed_size(embed)
        if current and (len(current) == EMBEDS_PER_MESSAGE or total + size > EMBEDS_TOTAL):
            messages.append(current)
            current, total = [], 0
        current.append(embed)
        total += size
    if current:
        messages.append(current)
    return messages


def fit_total(embed: Embed, limit: int = EMBEDS_TOTAL) -> Embed:
    """Shorten the longest texts of an embed until it fits within `limit` characters in all."""
    excess = embed_size(embed) - limit
    while excess > 0:
        texts: list[tuple[int, dict[str, Any], str]] = [
            (len(field.get("value", "")), field, "value") for field in embed.get("fields", [])
        ]
        texts.append((len(embed.get("description", "")), embed, "description"))
        length, holder, key = max(texts, key=lambda item: item[0])
        if length <= 1:
            break
        holder[key] = truncate(holder[key], max(1, length - excess))
        excess = embed_size(embed) - limit
    return embed
