"""Command, option and choice names and descriptions, localized from the catalogue.

Keys are derived from the command tree, so code carries no key strings:
`cmd-partnership-search-description`, `cmd-partnership-search-opt-query-name`,
`choice-alliance`. The English catalogue holds the same texts as the code.
"""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.app_commands import TranslationContextLocation as Where

from bot.i18n import FALLBACK, catalogue, format_message, normalize_locale


def _command_key(data: Any) -> str:
    return "cmd-" + data.qualified_name.replace(" ", "-")


def translation_key(
    string: app_commands.locale_str, context: app_commands.TranslationContext
) -> str | None:
    """The catalogue key of a string in the command tree, or None for strings we do not localize."""
    where, data = context.location, context.data
    if "key" in string.extras:
        return str(string.extras["key"])
    if where in (Where.command_name, Where.group_name):
        return _command_key(data) + "-name"
    if where in (Where.command_description, Where.group_description):
        return _command_key(data) + "-description"
    if where is Where.parameter_name:
        return f"{_command_key(data.command)}-opt-{data.name}-name"
    if where is Where.parameter_description:
        return f"{_command_key(data.command)}-opt-{data.name}-description"
    if where is Where.choice_name:
        return f"choice-{data.value}"
    return None


class CatalogueTranslator(app_commands.Translator):
    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContext,
    ) -> str | None:
        language = normalize_locale(locale.value)
        if language == FALLBACK and not locale.value.startswith(FALLBACK):
            return None  # a language we lack: Discord shows the default (English)
        key = translation_key(string, context)
        if key is None:
            return None
        text = catalogue().get(language, {}).get(key)
        return format_message(text, (), language) if text is not None else None
