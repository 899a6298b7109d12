"""The message catalogue, the one list of languages, and who reads which language.

Messages live in `messages/<area>/<lang>.json` (MediaWiki-style JSON, as
translatewiki.net reads them, plus `qqq.json`, a note for translators per key).
`$1`, `$2`… are parameters; `{{PLURAL:$1|one|other}}` picks a form by the number.
A language is added by adding its files: no code, `languages()` lists it.

Who reads which language:
- an answer to an interaction: the member's Discord client language (`user_locale`);
- a post in a channel: the guild's language, else DEFAULT_LOCALE (`channel_locale`);
- a message to one person outside an interaction (a DM): their language as Discord
  last told us, else the guild's, else DEFAULT_LOCALE (`person_locale`).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import discord

MESSAGES_DIR = Path(__file__).parent / "messages"
FALLBACK = "en"
DOCUMENTATION = "qqq"

_PARAM = re.compile(r"\$(\d+)")
_EXPLICIT = re.compile(r"\d+=")
_PLURAL = re.compile(r"\{\{\s*PLURAL:\s*([^|}]*)\|([^}]*)\}\}", re.IGNORECASE)


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """Every language's messages: {lang: {key: text}}, merged across areas."""
    languages: dict[str, dict[str, str]] = {}
    for path in sorted(MESSAGES_DIR.glob("*/*.json")):
        messages = json.loads(path.read_text(encoding="utf-8"))
        target = languages.setdefault(path.stem, {})
        for key, text in messages.items():
            if key.startswith("@"):
                continue
            if key in target:
                raise ValueError(f"message key {key!r} defined twice for {path.stem}")
            target[key] = text
    return languages


def languages() -> list[str]:
    return sorted(lang for lang in catalogue() if lang != DOCUMENTATION)


def is_language(code: str) -> bool:
    """Whether the catalogue has this language (a code as `languages()` lists it)."""
    return code in languages()


def normalize_locale(locale: str | None) -> str:
    """Discord's 'es-ES' or 'es-419' -> 'es'; anything we lack -> the fallback."""
    if not locale:
        return FALLBACK
    base = str(locale).split("-")[0].lower()
    return base if base in catalogue() and base != DOCUMENTATION else FALLBACK


def _plural_form(language: str, number: float, forms: list[str]) -> str:
    # MediaWiki's explicit forms first: "0=none" is used for exactly that number.
    explicit = [form.partition("=") for form in forms if _EXPLICIT.match(form)]
    for value, _, text in explicit:
        if float(value) == number:
            return text
    forms = [form for form in forms if not _EXPLICIT.match(form)]
    # English and Spanish: one form for exactly 1, the other for the rest.
    if not forms:
        return ""
    index = 0 if number == 1 else 1
    return forms[min(index, len(forms) - 1)]


def format_message(text: str, params: tuple[object, ...], language: str) -> str:
    def param(match: re.Match[str]) -> str:
        index = int(match.group(1)) - 1
        return str(params[index]) if 0 <= index < len(params) else match.group(0)

    text = _PARAM.sub(param, text)

    def plural(match: re.Match[str]) -> str:
        try:
            number = float(match.group(1).strip().replace(",", ""))
        except ValueError:
            number = 0
        return _plural_form(language, number, match.group(2).split("|"))

    return _PLURAL.sub(plural, text)


def t(locale: str | None, key: str, *params: object) -> str:
    """The message `key` in the reader's language, falling back to English."""
    language = normalize_locale(locale)
    messages = catalogue()
    text = messages.get(language, {}).get(key)
    if text is None:
        text = messages[FALLBACK].get(key)
    if text is None:
        raise KeyError(f"unknown message key {key!r}")
    return format_message(text, params, language)


def user_locale(interaction: discord.Interaction) -> str:
    """The language of an answer to an interaction: the member's Discord client's."""
    return normalize_locale(interaction.locale.value)


def channel_locale(guild_locale: str | None, default: str) -> str:
    """The language of a post in a channel: the guild's setting, else DEFAULT_LOCALE."""
    return normalize_locale(guild_locale or default)


def person_locale(own: str | None, guild_locale: str | None, default: str) -> str:
    """The language of a message to one person: theirs as last seen, else the channel's."""
    return normalize_locale(own or guild_locale or default)
