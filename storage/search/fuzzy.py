"""Typo tolerance in Python: the pieces that find near rows, and how near they are.

A misspelt word keeps at least one of its exact pieces (3+ letters), which the trigram
indexes find in names and partners; rapidfuzz then scores the rows found that way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from rapidfuzz import fuzz, process

from storage.search.query import WORD, Query, parse
from storage.text import fold

NEAR_POOL = 50  # rows read to find near names
NEAR_SCAN = 200  # index matches read to find near names
CORRECT_MIN = 75  # rapidfuzz ratio for replacing a query word by an indexed one
NEAR_MIN = 70  # rapidfuzz score for a near entry to be a result
SUGGEST_MIN = 55  # ... and for its name to be offered as "did you mean"
DUPLICATE_MIN = 80
ORGANISATIONS_MAX = 5  # partner organisations compared by similar_entries

_ORGANISATION = re.compile(r"[,;\n]")


def pieces(word: str) -> list[str]:
    """Exact pieces (3+ letters) of a word, one of which survives a typo (or, in long words,
    a swap of two letters)."""
    if len(word) < 6:
        return [word[:3], word[-3:]] if len(word) >= 4 else []
    count, size = (3 if len(word) >= 9 else 2), len(word)
    return [word[size * i // count : size * (i + 1) // count] for i in range(count)]


class _Folds(dict[int, str]):
    """Code point -> what fold() makes of it, worked out once per character seen."""

    def __missing__(self, code: int) -> str:
        folds = fold(f"a{chr(code)}a")[1:-1]  # between letters: spaces and marks stay put
        if len(self) < 5_000:
            self[code] = folds
        return folds


_FOLDS = _Folds()


def folded(text: str) -> str:
    """fold(text), faster: rows' partners are folded on every typo search."""
    return " ".join(text.translate(_FOLDS).split())


class Nearness:
    """How near rows (or entries: id, name, name_key, partners) are to a query's words; each
    row's partners are folded once, and only if its name is not near enough on its own."""

    def __init__(self, wanted: str) -> None:
        self.wanted = wanted
        self._scores: dict[int, float] = {}

    def score(self, row: Any) -> float:
        """How much the name (or, a little less, one of the partners) looks like the query."""
        if row.id not in self._scores:
            score = fuzz.WRatio(self.wanted, row.name_key)
            if row.partners and score < 90:  # a partner weighs at most 0.9 of a name
                by_partner = fuzz.partial_ratio(self.wanted, folded(row.partners))
                score = max(score, 0.9 * by_partner)
            self._scores[row.id] = score
        return self._scores[row.id]

    def near(self, rows: Iterable[Any]) -> list[int]:
        """The ids of the rows near enough to be results, nearest (then newest) first."""
        scored = sorted(((self.score(row), row.id) for row in rows), reverse=True)
        return list(dict.fromkeys(i for score, i in scored if score >= NEAR_MIN))

    def suggestion(self, rows: Iterable[Any]) -> str | None:
        """The name of the nearest row, if near enough to be offered as "did you mean"."""
        best = max(rows, key=self.score, default=None)
        return best.name if best is not None and self.score(best) >= SUGGEST_MIN else None


def vocabulary(rows: Iterable[Any]) -> set[str]:
    """The words of the rows' names and partners."""
    texts = {text for row in rows for text in (row.name_key, folded(row.partners or ""))}
    return {word for text in texts for word in WORD.findall(text)}


def corrected(query: Query, unknown: Sequence[str], words: Iterable[str]) -> Query | None:
    """The query with each unknown word replaced by the nearest of `words`, or None if none
    is near enough."""
    choices = set(words)
    text, replaced = query.text, set()
    for word in unknown:
        best = process.extractOne(word, choices, scorer=fuzz.ratio, score_cutoff=CORRECT_MIN)
        if best is not None:
            text = re.sub(rf"(?<![^\W_]){re.escape(word)}(?![^\W_])", best[0], text)
            replaced.add(best[0])
    fixed = parse(text)
    if not replaced or not fixed.groups:
        return None
    # The words are whole ones now (the query was typed out, with a typo): no prefix.
    return fixed.without_prefix()


def organisations(partners: str) -> list[str]:
    """Folded partner organisations, at most ORGANISATIONS_MAX."""
    return [o for o in map(str.strip, _ORGANISATION.split(partners)) if o][:ORGANISATIONS_MAX]


def _squeezed(organisation: str) -> str:
    """An organisation's name without spaces or punctuation: "Open Street Map" = "OpenStreetMap"."""
    return "".join(WORD.findall(organisation))


def duplicate_scores(name_key: str, ours: Sequence[str], rows: Iterable[Any]) -> dict[int, float]:
    """Entry id -> how much it looks like a proposal with this name and these organisations,
    for the rows that look enough like it (DUPLICATE_MIN)."""
    squeezed = [s for s in map(_squeezed, ours) if s]
    scores: dict[int, float] = {}
    for row in {row.id: row for row in rows}.values():
        score = fuzz.WRatio(name_key, row.name_key) if name_key else 0.0
        if squeezed and row.partners and score < 95:  # a partner weighs at most 0.95
            theirs = [s for s in map(_squeezed, _ORGANISATION.split(folded(row.partners))) if s]
            for mine in squeezed:
                best = process.extractOne(mine, theirs, scorer=fuzz.ratio)
                score = max(score, 0.95 * best[1]) if best else score
        if score >= DUPLICATE_MIN:
            scores[row.id] = score
    return scores
