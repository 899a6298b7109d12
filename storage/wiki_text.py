"""The directory's block on a wiki page: the markers around it, its rows, and what a
publish writes there.

A row is the tuple of its cells' wikitext (wikitextparser's reading, attributes left
out), keyed by its first cell, the entry's name, folded: a person's change to one row is
seen as that row, however the rest of the table moved. The bot compares the page's rows
with what it last wrote; a row that differs was changed by a person, and is kept as the
person left it until a moderator decides (`plan_block`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import wikitextparser

from storage.text import fold
from storage.transfer_formats import wiki_plain

START = "<!-- partnerbot:start -->"
END = "<!-- partnerbot:end -->"

Row = tuple[str, ...]

CHANGED = "changed"
ADDED = "added"
REMOVED = "removed"


@dataclass(frozen=True)
class PageText:
    """A page's text around the directory's block; `block` None: the page has no markers."""

    before: str
    block: str | None
    after: str

    def with_block(self, block: str) -> str:
        """The page with `block` between the markers; appended at the end if it had none."""
        if self.block is not None:
            return f"{self.before}{START}\n{block}{END}{self.after}"
        page = self.before.rstrip()
        return f"{page}\n\n{START}\n{block}{END}\n" if page else f"{START}\n{block}{END}\n"


def split_page(text: str) -> PageText:
    start = text.find(START)
    end = text.find(END, start + len(START)) if start >= 0 else -1
    if start < 0 or end < 0:
        return PageText(text, None, "")
    block = text[start + len(START) : end].removeprefix("\n")
    return PageText(text[:start], block, text[end + len(END) :])


def row_key(row: Row) -> str:
    return fold(wiki_plain(row[0])) if row else ""


def read_rows(block: str | None) -> dict[str, Row]:
    """The rows of the block's first table by key, in order (its header row left out)."""
    if not block:
        return {}
    tables = wikitextparser.parse(block).tables
    if not tables:
        return {}
    rows: dict[str, Row] = {}
    # data() is linear in the cells without spans (cells(), and data() with spans, encode
    # the whole table per cell: seconds for a long directory); our rows span nothing.
    for cells in tables[0].data(span=False)[1:]:
        row = tuple(cell or "" for cell in cells)
        rows.setdefault(row_key(row), row)
    return rows


def row_line(row: Row) -> str:
    """A row someone else wrote, in the table's one-line form."""
    return "| " + " || ".join(row)


@dataclass(frozen=True)
class DirectoryRow:
    """One of the directory's rows as the bot renders it: its line and its cells."""

    key: str
    line: str
    cells: Row


@dataclass(frozen=True)
class RowChange:
    """A row a person changed, added or removed since the bot's last edit."""

    kind: str
    key: str
    name: str
    wiki_row: Row | None
    bot_row: Row | None


def table_text(head: str, lines: Iterable[str]) -> str:
    """A table of one-line rows under `head` (its opening and header row)."""
    return "\n|-\n".join([head, *lines]) + "\n|}\n"


def directory_rows(head: str, lines: Sequence[str]) -> list[DirectoryRow]:
    """The bot's rows: each rendered line with its cells as the wiki will read them (the
    table parsed once)."""
    table = wikitextparser.parse(table_text(head, lines)).tables[0]
    parsed = table.data(span=False)[1:]
    rows = []
    for line, cells in zip(lines, parsed, strict=True):
        row = tuple(cell or "" for cell in cells)
        rows.append(DirectoryRow(row_key(row), line, row))
    return rows


def _kind(wiki: Row | None, last: Row | None) -> str:
    if wiki is None:
        return REMOVED
    return ADDED if last is None else CHANGED


def plan_block(
    *,
    head: str,
    directory: Sequence[DirectoryRow],
    wiki: Mapping[str, Row],
    last: Mapping[str, Row],
    held: Iterable[str],
) -> tuple[str, list[RowChange]]:
    """The block to publish, and the rows people changed since the bot's last edit.

    `wiki`: the page's rows now; `last`: the rows the bot last wrote; `held`: keys whose
    wiki version stays (a review item open, or decided for the wiki's row). A row people
    changed, added or removed is held as they left it and reported, unless it is now
    what the directory says; every other row is the directory's.
    """
    held = set(held)
    ours = {row.key: row for row in directory}
    changes: list[RowChange] = []
    for key in dict.fromkeys([*wiki, *last]):
        now, before = wiki.get(key), last.get(key)
        mine = ours.get(key)
        if key in held or now == before or (mine is not None and now == mine.cells):
            continue
        shown = now or before or ()
        name = wiki_plain(shown[0]) if shown else key
        changes.append(RowChange(_kind(now, before), key, name, now, mine.cells if mine else None))
        held.add(key)
    lines = []
    for row in directory:
        if row.key not in held:
            lines.append(row.line)
        elif row.key in wiki:
            lines.append(row_line(wiki[row.key]))
    # Rows people added that the directory does not have, where they put them: at the end.
    lines.extend(row_line(wiki[key]) for key in wiki if key in held and key not in ours)
    return table_text(head, lines), changes


def changed_in(
    key: str, row: Row | None, revisions: Sequence[tuple[int, str, Mapping[str, Row]]]
) -> tuple[int | None, str | None]:
    """Which revision (oldest first: id, user, rows) gave the row its present form, and
    who made it: the first of the last run of revisions where it is as it is now."""
    found: tuple[int | None, str | None] = (None, None)
    for revid, user, rows in reversed(revisions):
        if rows.get(key) != row:
            break
        found = (revid, user)
    return found
