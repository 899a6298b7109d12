"""Entries as a CSV file, a JSON list or a MediaWiki table: written and read.

`render` writes rows of plain values; `read_rows` reads a file back into raw rows
(column -> text or value), not yet validated: `transfer` validates and imports them.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from html import escape as html_escape
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from storage.errors import InvalidInput
from storage.text import fold
from storage.transfer_json import JsonSyntax, json_items

if TYPE_CHECKING:
    import wikitextparser

FORMATS = ("csv", "json", "wikitext")
EXPORT_ONLY = ("id", "created_at", "updated_at")
# fmt: off
COLUMNS = (
    "id", "kind", "name", "status", "area", "steward", "chapter_name", "partners", "summary",
    "success_measures", "funder", "reporting_due_at", "links", "is_model", "rejection_reason",
    "outcomes", "lessons", "created_at", "updated_at",
)
# fmt: on
IMPORT_COLUMNS = tuple(name for name in COLUMNS if name not in EXPORT_ONLY)
_EXTENSIONS = {".csv": "csv", ".json": "json", ".wiki": "wikitext", ".wikitext": "wikitext"}
_EXTENSIONS[".txt"] = "wikitext"  # what a browser saves a copied page's source as
_FILE_EXTENSION = {"csv": "csv", "json": "json", "wikitext": "wiki"}
# A spreadsheet runs a cell starting with these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "'")


def detect_format(path: str) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in _EXTENSIONS:
        raise InvalidInput("format", "error-import-unknown-format", suffix or path)
    return _EXTENSIONS[suffix]


def export_filename(
    fmt: str, guild_name_or_id: str | int, now: datetime, *, what: str = "partnerships"
) -> str:
    """E.g. "partnerships-wikimedia-espana-20270301-1700.csv" (UTC time)."""
    ascii_name = fold(str(guild_name_or_id)).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")
    stamp = now.astimezone(UTC).strftime("%Y%m%d-%H%M")
    extension = _FILE_EXTENSION.get(fmt, fmt)
    return f"{what}-{slug[:40].strip('-') or 'guild'}-{stamp}.{extension}"


# --- writing ---------------------------------------------------------------


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return " ".join(value)
    return str(value)


def _csv_cell(value: Any) -> str:
    text = _cell_text(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


_WIKI_SPECIAL = re.compile(r"[&<>\[\]{}|!]|'{2,}|_{2,}|~{3,}|\n")


def wiki_cell(value: Any) -> str:
    """Cell text that cannot break the table, or make links, templates, bold or signatures.

    Characters with a meaning in wikitext become HTML entities (shown as
    themselves on the page) and newlines `<br />`; `wiki_plain` reverses it.
    """

    def entity(match: re.Match[str]) -> str:
        text = match.group()
        if text == "\n":
            return "<br />"
        if text in "&<>":
            return html_escape(text)
        return "".join(f"&#{ord(ch)};" for ch in text)

    return _WIKI_SPECIAL.sub(entity, _cell_text(value))


# With an indent, json.dumps runs its Python encoder (the C one writes no indents), at
# a third of the export's speed: rows are flat, so their layout is written here, and
# each value by the C encoder.
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode


def _json_value(value: Any) -> str:
    if isinstance(value, list) and value:
        return "[\n" + ",\n".join(f"      {_ENCODE(item)}" for item in value) + "\n    ]"
    return _ENCODE(value)


def _json_item(row: dict[str, Any]) -> str:
    """The row as json.dumps(rows, indent=2) writes an item of the list."""
    fields = ",\n".join(f"    {_ENCODE(name)}: {_json_value(value)}" for name, value in row.items())
    return "  {\n" + fields + "\n  }"


def head(fmt: str) -> str:
    """What a file starts with, before its rows."""
    if fmt not in FORMATS:
        raise InvalidInput("format", "error-import-unknown-format", fmt)
    if fmt == "csv":
        return ",".join(COLUMNS) + "\n"
    if fmt == "wikitext":
        return '{| class="wikitable sortable"\n' + "".join(f"! {name}\n" for name in COLUMNS)
    return ""


def row_text(fmt: str, row: dict[str, Any], index: int) -> str:
    """The file's text for its `index`th row (counted from 0)."""
    if fmt == "json":
        return ("[\n" if index == 0 else ",\n") + _json_item(row)
    if fmt == "csv":
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerow([_csv_cell(row[name]) for name in COLUMNS])
        return out.getvalue()
    return "|-\n" + "".join(f"| {wiki_cell(row[name])}".rstrip() + "\n" for name in COLUMNS)


def tail(fmt: str, count: int) -> str:
    """What a file of `count` rows ends with."""
    if fmt == "json":
        return "\n]\n" if count else "[]\n"
    return "|}\n" if fmt == "wikitext" else ""


def render_chunks(fmt: str, rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """The file, a piece per row, as rows come (json.dumps(rows, indent=2) for JSON)."""
    yield head(fmt)
    count = 0
    for row in rows:
        yield row_text(fmt, row, count)
        count += 1
    yield tail(fmt, count)


def render(fmt: str, rows: Iterable[dict[str, Any]]) -> str:
    return "".join(render_chunks(fmt, rows))


# --- parsing ---------------------------------------------------------------
# Each format gives its rows as (place, {column: value}) and a function from a place
# to its line in the file: for CSV and JSON the place is the line itself; for wikitext
# it is the row's index, whose line is costly to find, so it is found only for errors.

Rows = Iterator[tuple[int, dict[str, Any]]]
Parsed = tuple[Rows, Callable[[int], int]]


class BadRow(Exception):
    """A row (at `place`) that cannot be read; `reason` is the field's refusal."""

    def __init__(self, place: int, column: str, key: str, *params: object) -> None:
        super().__init__(place, key)
        self.place = place
        self.reason = InvalidInput(column, key, *params)


def _line_is_place(place: int) -> int:
    return place


def _checked_header(place: int, cells: list[str]) -> list[str]:
    header = [cell.strip().lower() for cell in cells]
    for name in header:
        if name not in COLUMNS:
            raise BadRow(place, name, "error-import-unknown-column", ", ".join(IMPORT_COLUMNS))
    return header


def _zip_row(place: int, header: list[str], cells: list[str]) -> dict[str, Any]:
    if len(cells) != len(header):
        raise BadRow(place, "row", "error-import-row-length", len(cells), len(header))
    return dict(zip(header, cells, strict=True))


def _csv_rows(stream: IO[str]) -> Rows:
    reader = csv.reader(stream)
    try:
        header = next(reader, None)
        if header is None:
            return
        header = _checked_header(reader.line_num, header)
        previous_end = reader.line_num
        for cells in reader:
            line, previous_end = previous_end + 1, reader.line_num
            if any(cell.strip() for cell in cells):
                row = _zip_row(line, header, cells)
                # Undo the export's guard against spreadsheet formulas.
                yield line, {k: v[1:] if v.startswith("'") else v for k, v in row.items()}
    except csv.Error as exc:
        raise BadRow(reader.line_num, "file", "error-import-syntax", "CSV", str(exc)) from None


def _json_rows(stream: IO[str]) -> Rows:
    try:
        for line, item in json_items(stream):
            if not isinstance(item, dict):
                raise BadRow(line, "row", "error-import-not-object")
            for name in item:
                if str(name).strip().lower() not in COLUMNS:
                    columns = ", ".join(IMPORT_COLUMNS)
                    raise BadRow(line, str(name), "error-import-unknown-column", columns)
            yield line, {str(k).strip().lower(): v for k, v in item.items()}
    except JsonSyntax as exc:
        raise BadRow(exc.line, "file", "error-import-syntax", "JSON", exc.message) from None


# plain_text() changes only comments, tags, templates, parameters, tables, links,
# bold and italics, and entities: text without these characters is already plain.
_WIKI_MARKUP = re.compile(r"[<{\[&]|''")


def wiki_plain(cell: str | None) -> str:
    """A cell's wikitext as plain text: entities decoded, `<br>` as newlines, markup dropped."""
    if not cell or not _WIKI_MARKUP.search(cell):
        return (cell or "").strip()
    import wikitextparser  # on first use: the running bot seldom needs its ~4 MB

    parsed = wikitextparser.parse(cell)
    for tag in parsed.get_tags("br"):
        tag.string = "\n"
    return parsed.plain_text().strip()


_ROW_START = re.compile(r"^[ \t]*\|-", re.MULTILINE)


def _wikitext_row_lines(text: str, table: wikitextparser.Table) -> list[int]:
    """The line of each row of the table: that of its `|-`, or of its first cell."""
    lines, previous_end = [], table.span[0]
    for cells in table.cells(span=False):
        start = cells[0].span[0] + 1
        marker = _ROW_START.search(text, previous_end, start)
        lines.append(text.count("\n", 0, marker.start() if marker else start) + 1)
        previous_end = cells[-1].span[1]
    return lines


def _wikitext(stream: IO[str]) -> Parsed:
    import wikitextparser

    # A table is parsed whole (wikitextparser reads a whole text): not streamed.
    text = stream.read()
    # The first table whose first row names a "name" column is the directory.
    for table in wikitextparser.parse(text).tables:
        grid = table.data(span=False)
        if grid and "name" in (wiki_plain(cell).lower() for cell in grid[0]):
            break
    else:
        raise InvalidInput("file", "error-import-no-table")

    def rows() -> Rows:
        header = _checked_header(0, [wiki_plain(cell) for cell in grid[0]])
        for index, cells in enumerate(grid[1:], start=1):
            yield index, _zip_row(index, header, [wiki_plain(cell) for cell in cells])

    # data() is linear in the cells; cells(), which knows where they are, is quadratic
    # (5 s for 500 rows), so row lines are computed only to report an error.
    lines = functools.cache(lambda: _wikitext_row_lines(text, table))
    return rows(), lambda index: lines()[index]


_PARSERS: dict[str, Callable[[IO[str]], Parsed]] = {
    "csv": lambda stream: (_csv_rows(stream), _line_is_place),
    "json": lambda stream: (_json_rows(stream), _line_is_place),
    "wikitext": _wikitext,
}


def read_rows(stream: IO[str], fmt: str) -> Parsed:
    """The raw rows of a file opened with newline="" (CSV cells keep their line breaks)
    and without a byte-order mark, read as a stream (a bad one raises `BadRow` when
    reached)."""
    if fmt not in _PARSERS:
        raise InvalidInput("format", "error-import-unknown-format", fmt)
    return _PARSERS[fmt](stream)
