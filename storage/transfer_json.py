"""A JSON list of entries read as a stream: one item at a time, each with its line.

The standard library's C decoder (`raw_decode`) reads each item from a window of the
file, so memory holds one chunk and one item, never the document. A streaming parser
such as ijson would also bound memory, but reports no line numbers, which every error
message of an import names; and raw_decode is faster than ijson's C backend at
building whole items.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any

CHUNK = 1 << 20  # characters read at a time
ITEM_MAX = 1 << 24  # an item longer than this (no entry is near it) is taken as unfinished
_SPACE = " \t\r\n"


class JsonSyntax(Exception):
    """The document is not a JSON list; `line` is where it went wrong."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(line, message)
        self.line = line
        self.message = message


class _Window:
    """The unread part of the stream, and the line its start is on."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.text = ""
        self.at = 0  # position in text
        self.line = 1  # line of text[at]
        self.ended = False

    def more(self) -> bool:
        """Read another chunk (dropping what was consumed); False at the end of the stream."""
        if self.ended:
            return False
        chunk = self.stream.read(CHUNK)
        if not chunk:
            self.ended = True
            return False
        self.text, self.at = self.text[self.at :] + chunk, 0
        return True

    def advance(self, to: int) -> None:
        self.line += self.text.count("\n", self.at, to)
        self.at = to

    def next_char(self) -> str:
        """The next character that is not white space ("" at the end), not consumed."""
        while True:
            while self.at < len(self.text) and self.text[self.at] in _SPACE:
                self.advance(self.at + 1)
            if self.at < len(self.text) or not self.more():
                return self.text[self.at : self.at + 1]

    def error_at(self, position: int, message: str) -> JsonSyntax:
        return JsonSyntax(self.line + self.text.count("\n", self.at, position), message)


def _item(window: _Window, decoder: json.JSONDecoder) -> Any:
    """Decode the item at the window's start, reading more of the stream while it is cut."""
    while True:
        try:
            item, end = decoder.raw_decode(window.text, window.at)
        except json.JSONDecodeError as exc:
            # An item cut by the window's end fails too: read on, unless nothing is left.
            unfinished = len(window.text) - window.at < ITEM_MAX
            if unfinished and window.more():
                continue
            raise window.error_at(exc.pos, exc.msg) from None
        # A number may be cut too ("12" of "123"): it is complete only before a delimiter.
        if end == len(window.text) and window.more():
            continue
        window.advance(end)
        return item


def json_items(stream: IO[str]) -> Iterator[tuple[int, Any]]:
    """Each item of the document's top-level list, with the line it starts on."""
    window, decoder = _Window(stream), json.JSONDecoder()
    if window.next_char() != "[":
        raise window.error_at(window.at, "expected a list of entries")
    window.advance(window.at + 1)
    if window.next_char() == "]":
        window.advance(window.at + 1)
    else:
        while True:
            window.next_char()
            line = window.line
            yield line, _item(window, decoder)
            after = window.next_char()
            window.advance(window.at + 1)
            if after == "]":
                break
            if after != ",":
                message = "Expecting ',' delimiter" if after else "Unterminated list"
                raise window.error_at(window.at - 1, message)
    if window.next_char():
        raise window.error_at(window.at, "Extra data")
