"""Application-command schema rules Discord enforces beyond its OpenAPI description.

Source: discord.com/developers/docs/interactions/application-commands
("Application Command Naming", "Application Command Option Structure", "Locales").
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from functools import partial
from typing import Any

from bot.double.errors import Path, Problem, required_text
from bot.double.rules import CHOICE_NAME_MAX, CHOICES_MAX, choice_problems

# Discord's locales for name/description localizations (docs: Reference → Locales).
LOCALES = frozenset(
    {
        "id",
        "da",
        "de",
        "en-GB",
        "en-US",
        "es-ES",
        "es-419",
        "fr",
        "hr",
        "it",
        "lt",
        "hu",
        "nl",
        "no",
        "pl",
        "pt-BR",
        "ro",
        "fi",
        "sv-SE",
        "vi",
        "tr",
        "cs",
        "el",
        "bg",
        "ru",
        "uk",
        "hi",
        "th",
        "zh-CN",
        "ja",
        "zh-TW",
        "ko",
    }
)
CHAT_INPUT, USER, MESSAGE = 1, 2, 3
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
NAME_MAX = 32
DESCRIPTION_MAX = 100
OPTIONS_MAX = 25
COMMAND_CHARS_MAX = 4000
COMMANDS_MAX = {CHAT_INPUT: 100, USER: 15, MESSAGE: 15}


def _is_name(name: str) -> bool:
    """`^[-_\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$`, lower-case where a lower case exists."""
    return (
        1 <= len(name) <= NAME_MAX
        and name == name.lower()
        and all(
            ch in "-_"
            or unicodedata.category(ch)[0] in "LN"
            or unicodedata.name(ch, "").startswith(("DEVANAGARI", "THAI"))
            for ch in name
        )
    )


def _name_problems(path: Path, name: Any, *, chat_input: bool) -> list[Problem]:
    if not isinstance(name, str):
        return [Problem(path, "This field is required", "BASE_TYPE_REQUIRED")]
    if chat_input and not _is_name(name):
        return [
            Problem(
                path,
                f"Command name {name!r} does not match "
                r"^[-_\p{L}\p{N}]{1,32}$ in lower case",
                "APPLICATION_COMMAND_INVALID_NAME",
            )
        ]
    if not 1 <= len(name) <= NAME_MAX:
        return [
            Problem(path, f"Must be between 1 and {NAME_MAX} in length.", "BASE_TYPE_BAD_LENGTH")
        ]
    return []


NameCheck = Callable[[Path, Any], list[Problem]]
_option_name: NameCheck = partial(_name_problems, chat_input=True)


def _choice_name(path: Path, text: Any) -> list[Problem]:
    return required_text(path, text, CHOICE_NAME_MAX)


def _description_problems(path: Path, text: Any) -> list[Problem]:
    if not isinstance(text, str) or not 1 <= len(text) <= DESCRIPTION_MAX:
        size = len(text) if isinstance(text, str) else 0
        return [
            Problem(
                path,
                f"Must be between 1 and {DESCRIPTION_MAX} in length. (got {size})",
                "BASE_TYPE_BAD_LENGTH",
            )
        ]
    return []


def _localization_problems(
    item: dict[str, Any], path: Path, *, names: NameCheck, description: bool
) -> list[Problem]:
    problems: list[Problem] = []
    keys = (("name_localizations", False), ("description_localizations", True))
    for key, is_description in keys:
        if is_description and not description:
            continue
        for locale, text in (item.get(key) or {}).items():
            where = (*path, key, locale)
            if locale not in LOCALES:
                problems.append(
                    Problem(where, f"{locale!r} is not a valid Discord locale", "LOCALE_INVALID")
                )
            elif is_description:
                problems += _description_problems(where, text)
            else:
                problems += names(where, text)
    return problems


def command_problems(command: dict[str, Any], path: Path = ()) -> list[Problem]:
    kind = command.get("type") or CHAT_INPUT
    chat_input = kind == CHAT_INPUT
    problems = _name_problems((*path, "name"), command.get("name"), chat_input=chat_input)
    problems += _localization_problems(
        command, path, names=partial(_name_problems, chat_input=chat_input), description=chat_input
    )
    if chat_input:
        problems += _description_problems((*path, "description"), command.get("description"))
        problems += _options_problems(command.get("options") or [], (*path, "options"), depth=0)
        size = _chars(command)
        if size > COMMAND_CHARS_MAX:
            problems.append(
                Problem(
                    path,
                    f"Command exceeds {COMMAND_CHARS_MAX} characters of "
                    f"names, descriptions and values (got {size})",
                    "APPLICATION_COMMAND_TOO_LARGE",
                )
            )
    else:
        if command.get("description"):
            problems.append(
                Problem(
                    (*path, "description"), "User and message commands take an empty description"
                )
            )
        if command.get("options"):
            problems.append(
                Problem((*path, "options"), "User and message commands take no options")
            )
    return problems


def commands_problems(commands: list[Any]) -> list[Problem]:
    """A bulk overwrite: each command, unique names per type, per-type counts."""
    problems: list[Problem] = []
    seen: dict[tuple[int, str], int] = {}
    counts: dict[int, int] = {}
    for index, command in enumerate(commands):
        if not isinstance(command, dict):
            continue
        problems += command_problems(command, (index,))
        key = (command.get("type") or CHAT_INPUT, command.get("name"))
        if key in seen:
            problems.append(
                Problem(
                    (index, "name"),
                    f"Duplicate command name {key[1]!r}",
                    "APPLICATION_COMMANDS_DUPLICATE_NAME",
                )
            )
        seen[key] = index
        counts[key[0]] = counts.get(key[0], 0) + 1
    for kind, count in counts.items():
        if count > COMMANDS_MAX.get(kind, 100):
            problems.append(
                Problem(
                    (), f"Too many commands of type {kind}: {count}", "APPLICATION_COMMAND_TOO_MANY"
                )
            )
    return problems


def _options_problems(options: list[Any], path: Path, *, depth: int) -> list[Problem]:
    problems: list[Problem] = []
    if len(options) > OPTIONS_MAX:
        problems.append(
            Problem(
                path,
                f"Must be {OPTIONS_MAX} or fewer in length. (got {len(options)})",
                "BASE_TYPE_MAX_LENGTH",
            )
        )
    kinds = [o.get("type") for o in options if isinstance(o, dict)]
    nested = [k in (SUB_COMMAND, SUB_COMMAND_GROUP) for k in kinds]
    if any(nested) and not all(nested):
        problems.append(
            Problem(
                path,
                "Subcommands and groups cannot sit beside other options",
                "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
            )
        )
    names: set[str] = set()
    optional_seen = False
    for index, option in enumerate(options):
        if not isinstance(option, dict):
            continue
        where = (*path, index)
        problems += _option_problems(option, where, depth=depth)
        if option.get("name") in names:
            problems.append(
                Problem(
                    (*where, "name"),
                    "Option names must be unique",
                    "APPLICATION_COMMAND_OPTION_NAME_ALREADY_EXISTS",
                )
            )
        names.add(option.get("name"))
        if option.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP):
            continue
        if option.get("required"):
            if optional_seen:
                problems.append(
                    Problem(
                        (*where, "required"),
                        "Required options must be placed before non-required options",
                        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    )
                )
        else:
            optional_seen = True
    return problems


def _option_problems(option: dict[str, Any], path: Path, *, depth: int) -> list[Problem]:
    kind = option.get("type")
    problems = _option_name((*path, "name"), option.get("name"))
    problems += _description_problems((*path, "description"), option.get("description"))
    problems += _localization_problems(option, path, names=_option_name, description=True)
    if kind == SUB_COMMAND_GROUP:
        if depth > 0:
            problems.append(Problem(path, "A subcommand group must sit at the top level"))
        children = option.get("options") or []
        if any(isinstance(c, dict) and c.get("type") != SUB_COMMAND for c in children):
            problems.append(Problem((*path, "options"), "A group may only hold subcommands"))
        return problems + _options_problems(children, (*path, "options"), depth=depth + 1)
    if kind == SUB_COMMAND:
        if depth > 1:
            problems.append(Problem(path, "Subcommands nest at most one group deep"))
        children = option.get("options") or []
        if any(
            isinstance(c, dict) and c.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP)
            for c in children
        ):
            problems.append(Problem((*path, "options"), "A subcommand cannot hold subcommands"))
        return problems + _options_problems(children, (*path, "options"), depth=depth + 1)
    choices = option.get("choices") or []
    if choices and option.get("autocomplete"):
        problems.append(
            Problem(
                (*path, "autocomplete"),
                "autocomplete cannot be used with choices",
                "APPLICATION_COMMAND_AUTOCOMPLETE_INVALID",
            )
        )
    if len(choices) > CHOICES_MAX:
        problems.append(
            Problem(
                (*path, "choices"),
                f"Must be {CHOICES_MAX} or fewer in length.",
                "BASE_TYPE_MAX_LENGTH",
            )
        )
    for index, choice in enumerate(choices):
        problems += choice_problems(choice, kind, (*path, "choices", index))
        if isinstance(choice, dict):
            problems += _localization_problems(
                choice, (*path, "choices", index), names=_choice_name, description=False
            )
    for low, high in (("min_value", "max_value"), ("min_length", "max_length")):
        bounds = option.get(low), option.get(high)
        if None not in bounds and bounds[0] > bounds[1]:
            problems.append(Problem((*path, low), f"{low} must not exceed {high}"))
    return problems


def _chars(item: dict[str, Any]) -> int:
    """Name + description (+ the longest localization of each) + choice names and values."""
    total = 0
    for key in ("name", "description"):
        variants = [item.get(key) or "", *(item.get(f"{key}_localizations") or {}).values()]
        total += max(len(v or "") for v in variants)
    for choice in item.get("choices") or []:
        if isinstance(choice, dict):
            total += len(str(choice.get("name", ""))) + len(str(choice.get("value", "")))
    return total + sum(_chars(o) for o in item.get("options") or [] if isinstance(o, dict))
