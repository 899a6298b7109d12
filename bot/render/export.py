"""The directory as a MediaWiki table to paste on Meta-Wiki: for readers, in the guild's
language. (CSV, JSON and the CLI's wikitext stay complete and machine-readable:
storage.transfer_formats.)"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.i18n import normalize_locale, t
from bot.render.entries import label
from storage.transfer_formats import wiki_cell
from storage.wiki_text import table_text

# The columns a reader needs, then a partnership's measures, funder and report date.
COLUMNS = (
    "name",
    "kind",
    "area",
    "steward",
    "status",
    "partners",
    "summary",
    "links",
    "success_measures",
    "funder",
    "reporting_due_at",
)
LABELLED = ("kind", "area", "status")


def _steward(row: dict[str, Any], locale: str) -> str:
    steward = wiki_cell(label(locale, row["steward"]))
    chapter = row.get("chapter_name")
    return f"{steward} ({wiki_cell(chapter)})" if chapter else steward


def _date(value: str | None, locale: str) -> str:
    """A human date in the page's language (ParserFunctions' #time on Meta-Wiki), sorted
    by the ISO date."""
    if not value:
        return ""
    day = value[:10]
    language = normalize_locale(locale)
    return f'data-sort-value="{day}" | {{{{#time:j F Y|{day}|{language}}}}}'


def _cell(name: str, row: dict[str, Any], locale: str) -> str:
    value = row.get(name)
    if name in LABELLED:
        return wiki_cell(label(locale, str(value)))
    if name == "steward":
        return _steward(row, locale)
    if name == "links":
        return "<br />".join(wiki_cell(link) for link in value or [])
    if name == "reporting_due_at":
        return _date(value, locale)
    return wiki_cell(value)


def table_head(locale: str) -> str:
    """The table's opening and header row."""
    headers = " !! ".join(t(locale, f"field-{name}") for name in COLUMNS)
    return f'{{| class="wikitable sortable"\n! {headers}'


def table_row(row: dict[str, Any], locale: str) -> str:
    """One entry's row (`storage.transfer.export_rows`), on one line."""
    return "| " + " || ".join(_cell(name, row, locale) for name in COLUMNS)


def mediawiki_table(rows: Sequence[dict[str, Any]], *, locale: str) -> str:
    """A sortable wikitable of the export's rows (`storage.transfer.export_rows`)."""
    return table_text(table_head(locale), (table_row(row, locale) for row in rows))
