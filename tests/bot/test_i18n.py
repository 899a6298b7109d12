"""The catalogue: every key in every language, no key unused, parameters and plurals work."""

from __future__ import annotations

import re
from pathlib import Path

import discord
import pytest
from discord import app_commands

from bot.i18n import DOCUMENTATION, catalogue, format_message, languages, normalize_locale, t
from bot.i18n.translator import CatalogueTranslator, translation_key
from storage.models import Area, EntryKind, Status, Steward

ROOT = Path(__file__).resolve().parents[2]
CODE_DIRS = ("bot", "commands", "storage")


def _code_text() -> str:
    return "\n".join(
        path.read_text(encoding="utf-8")
        for directory in CODE_DIRS
        for path in (ROOT / directory).rglob("*.py")
        if "double" not in path.parts
    )


def _tree_keys() -> set[str]:
    """The keys the translator derives from the real command tree."""
    from commands import all_commands

    where = app_commands.TranslationContextLocation
    keys: set[str] = set()

    def visit(command: app_commands.Command | app_commands.Group) -> None:
        is_group = isinstance(command, app_commands.Group)
        for location in (
            (where.group_name, where.group_description)
            if is_group
            else (where.command_name, where.command_description)
        ):
            keys.add(
                translation_key(
                    app_commands.locale_str(""), app_commands.TranslationContext(location, command)
                )
            )  # type: ignore[arg-type]
        if is_group:
            for child in command.commands:
                visit(child)
            return
        for parameter in command.parameters:
            for location in (where.parameter_name, where.parameter_description):
                keys.add(
                    translation_key(
                        app_commands.locale_str(""),
                        app_commands.TranslationContext(location, parameter),
                    )
                )  # type: ignore[arg-type]

    for command in all_commands():
        visit(command)
    return keys


def test_every_language_has_every_key() -> None:
    messages = catalogue()
    english = set(messages["en"])
    for language, texts in messages.items():
        missing = english - set(texts)
        extra = set(texts) - english
        assert not missing, f"{language}.json lacks {sorted(missing)}"
        assert not extra, f"{language}.json has keys English lacks: {sorted(extra)}"
    assert languages() == ["en", "es"]
    assert DOCUMENTATION in messages


def test_parameters_match_across_languages() -> None:
    messages = catalogue()
    for key, text in messages["en"].items():
        wanted = set(re.findall(r"\$\d+", text))
        for language in languages():
            got = set(re.findall(r"\$\d+", messages[language][key]))
            assert got <= wanted | {"$1"} and wanted <= got | {"$1"}, (language, key)


def _dynamic_key_used(key: str, code: str) -> bool:
    """Keys built as f"<prefix>{value}": used when the value is one the code has."""
    for prefix in ("field-", "placeholder-"):
        if key.startswith(prefix) and re.search(
            rf"\b{re.escape(key.removeprefix(prefix))}\b", code
        ):
            return True
    if key.startswith("propose-modal-title-"):
        return key.removeprefix("propose-modal-title-") in {k.value for k in EntryKind}
    if key.startswith("history-action-"):
        return f'"{key.removeprefix("history-action-")}"' in code
    return False


def test_no_key_is_unused() -> None:
    code = _code_text()
    tree_keys = _tree_keys()
    enum_values = {m.value for e in (EntryKind, Area, Status, Steward) for m in e} | {
        "csv",
        "json",
        "wikitext",
        *languages(),
    }
    unused = []
    for key in catalogue()["en"]:
        if f'"{key}"' in code:
            continue
        if key.startswith("cmd-") and key in tree_keys:
            continue
        if key.startswith("choice-") and key.removeprefix("choice-") in enum_values:
            continue
        if _dynamic_key_used(key, code):
            continue
        unused.append(key)
    assert not unused, f"catalogue keys not used by the code: {unused}"


def test_every_command_string_is_translated() -> None:
    missing = _tree_keys() - set(catalogue()["es"])
    assert not missing, f"command tree strings without a catalogue entry: {sorted(missing)}"


def test_keys_used_in_code_exist() -> None:
    known = set(catalogue()["en"])
    # Literal keys handed to t(locale, "key", ...).
    literal_keys = set(re.findall(r"\bt\([^,()]+,\s*[\"']([a-z0-9-]+)[\"']", _code_text()))
    assert literal_keys <= known, (
        f"keys used but not in the catalogue: {sorted(literal_keys - known)}"
    )


@pytest.mark.parametrize(
    ("text", "params", "expected"),
    [
        ("$1 {{PLURAL:$1|result|results}}", (1,), "1 result"),
        ("$1 {{PLURAL:$1|result|results}}", (3,), "3 results"),
        ("$1 {{PLURAL:$1|result|results}}", (0,), "0 results"),
        ("done{{PLURAL:$1|0=| after one| after $1}}.", (0,), "done."),
        ("done{{PLURAL:$1|0=| after one| after $1}}.", (1,), "done after one."),
        ("done{{PLURAL:$1|0=| after one| after $1}}.", (4,), "done after 4."),
        ("{{PLURAL:$1|12=a dozen|one|$1}}", (12,), "a dozen"),
        ("$2 de $1", ("a", "b"), "b de a"),
        ("no params $1", (), "no params $1"),
    ],
)
def test_format(text: str, params: tuple, expected: str) -> None:
    assert format_message(text, params, "en") == expected


def test_locale_fallbacks() -> None:
    assert normalize_locale("es-ES") == "es"
    assert normalize_locale("es-419") == "es"
    assert normalize_locale("fr") == "en"
    assert normalize_locale(None) == "en"
    assert t("es-ES", "search-footer", 1, 2, 1) == "Página 1 de 2 · 1 resultado"
    assert t("fr", "search-footer", 1, 2, 5) == "Page 1 of 2 · 5 results"


async def test_translator_localizes_names_and_choices() -> None:
    from commands.partnership import partnership

    translator = CatalogueTranslator()
    where = app_commands.TranslationContextLocation
    context = app_commands.TranslationContext(where.group_name, partnership)
    name = await translator.translate(
        app_commands.locale_str("partnership"), discord.Locale.spain_spanish, context
    )
    assert name == "asociaciones"
    assert (
        await translator.translate(
            app_commands.locale_str("partnership"), discord.Locale.french, context
        )
        is None
    )
    choice = app_commands.Choice(name="alliance", value="alliance")
    choice_context = app_commands.TranslationContext(where.choice_name, choice)
    assert (
        await translator.translate(
            app_commands.locale_str("alliance"),
            discord.Locale.latin_american_spanish,
            choice_context,
        )
        == "alianza"
    )
