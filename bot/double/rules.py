"""Discord's message, embed, allowed-mentions and autocomplete rules that its OpenAPI
description does not carry (or that must hold even without it).

Sources: discord.com/developers/docs — "Embed Limits", "Interactions: Receiving and
Responding", "Message Resource: Allowed Mentions". Each function returns the problems
it finds; an empty list means the body is fine.
"""

from __future__ import annotations

from typing import Any

from bot.double.component_rules import IS_COMPONENTS_V2, components_problems
from bot.double.errors import Path, Problem, required_text, too_long

CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TOTAL_MAX = 6000
EMBED_LIMITS = {"title": 256, "description": 4096}
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
AUTHOR_NAME_MAX = 256
CHOICES_MAX = 25
CHOICE_NAME_MAX = 100
CHOICE_STRING_MAX = 100


# --- messages and embeds -------------------------------------------------------------------


def message_problems(body: dict[str, Any], prefix: Path = ()) -> list[Problem]:
    """Content, embeds, allowed_mentions and components of a message body."""
    problems = too_long((*prefix, "content"), body.get("content"), CONTENT_MAX)
    embeds = body.get("embeds") or []
    problems += too_long((*prefix, "embeds"), embeds, EMBEDS_MAX)
    total = 0
    for index, embed in enumerate(embeds):
        if isinstance(embed, dict):
            found, size = _embed_problems(embed, (*prefix, "embeds", index))
            problems += found
            total += size
    if total > EMBED_TOTAL_MAX:
        problems.append(
            Problem(
                (*prefix, "embeds"),
                f"Embed size exceeds maximum size of {EMBED_TOTAL_MAX} (got {total})",
                "MAX_EMBED_SIZE_EXCEEDED",
            )
        )
    problems += _allowed_mentions_problems(body.get("allowed_mentions"), prefix)
    components = body.get("components")
    if components:
        v2 = bool((body.get("flags") or 0) & IS_COMPONENTS_V2)
        problems += components_problems(components, (*prefix, "components"), v2=v2)
        if v2 and (body.get("content") or body.get("embeds")):
            problems.append(
                Problem(
                    (*prefix, "content"),
                    "content and embeds cannot be used with IS_COMPONENTS_V2",
                    "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
                )
            )
    return problems


def _embed_problems(embed: dict[str, Any], path: Path) -> tuple[list[Problem], int]:
    problems: list[Problem] = []
    size = 0
    for key, limit in EMBED_LIMITS.items():
        problems += too_long((*path, key), embed.get(key), limit)
        size += len(embed.get(key) or "")
    fields = embed.get("fields") or []
    problems += too_long((*path, "fields"), fields, FIELDS_MAX)
    for index, field in enumerate(fields):
        if not isinstance(field, dict):
            continue
        problems += required_text(
            (*path, "fields", index, "name"), field.get("name"), FIELD_NAME_MAX
        )
        problems += required_text(
            (*path, "fields", index, "value"), field.get("value"), FIELD_VALUE_MAX
        )
        size += len(field.get("name") or "") + len(field.get("value") or "")
    for key, limit in (("footer", FOOTER_MAX), ("author", AUTHOR_NAME_MAX)):
        part = embed.get(key)
        if isinstance(part, dict):
            text_key = "text" if key == "footer" else "name"
            problems += required_text((*path, key, text_key), part.get(text_key), limit)
            size += len(part.get(text_key) or "")
    return problems, size


def _allowed_mentions_problems(allowed: Any, prefix: Path) -> list[Problem]:
    if not isinstance(allowed, dict):
        return []
    parse = allowed.get("parse") or []
    problems = []
    for kind in ("users", "roles"):
        if kind in parse and allowed.get(kind):
            problems.append(
                Problem(
                    (*prefix, "allowed_mentions"),
                    f'parse:["{kind}"] and {kind}: [...] are mutually exclusive.',
                    "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                )
            )
    return problems


def autocomplete_problems(data: dict[str, Any], option_type: int) -> list[Problem]:
    """Choices of an autocomplete answer, checked against the focused option's type."""
    choices = data.get("choices") or []
    problems = too_long(("data", "choices"), choices, CHOICES_MAX)
    for index, choice in enumerate(choices):
        path = ("data", "choices", index)
        problems += choice_problems(choice, option_type, path)
    return problems


def choice_problems(choice: Any, option_type: int, path: Path) -> list[Problem]:
    if not isinstance(choice, dict):
        return [Problem(path, "A choice must be an object")]
    problems = required_text((*path, "name"), choice.get("name"), CHOICE_NAME_MAX)
    value = choice.get("value")
    expected = {3: str, 4: int, 10: (int, float)}.get(option_type, str)
    if isinstance(value, bool) or not isinstance(value, expected):
        problems.append(
            Problem(
                (*path, "value"),
                f"Value {value!r} does not fit an option of type {option_type}",
                "BASE_TYPE_BAD_TYPE",
            )
        )
    elif isinstance(value, str):
        problems += too_long((*path, "value"), value, CHOICE_STRING_MAX)
    return problems
