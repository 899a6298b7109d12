"""Text normalisation used for uniqueness and search: case- and accent-insensitive."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_NOT_ASCII = re.compile(r"[^\x00-\x7f]+")  # combining marks are not ASCII


def _without_marks(run: re.Match[str]) -> str:
    return "".join(ch for ch in run.group() if not unicodedata.combining(ch))


def fold(text: str) -> str:
    """Lower-case, strip accents, collapse white space: "Educación  X" -> "educacion x"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    # Only the runs of other characters are looked at one by one: several times faster
    # on the texts of an import, where most characters are ASCII.
    stripped = _NOT_ASCII.sub(_without_marks, decomposed)
    return _SPACES.sub(" ", stripped).strip()


def search_document(*parts: str | None) -> str:
    """The folded text that full-text search indexes for an entry."""
    return fold(" \n ".join(part for part in parts if part))
