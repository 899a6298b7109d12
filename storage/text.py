"""Text normalisation used for uniqueness and search: case- and accent-insensitive."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower-case, strip accents, collapse white space: "Educación  X" -> "educacion x"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped).strip()


def search_document(*parts: str | None) -> str:
    """The folded text that full-text search indexes for an entry."""
    return fold(" \n ".join(part for part in parts if part))
