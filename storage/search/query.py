"""What a search asks for: the cleaned text read as web-search syntax, the filters, the page.

Queries are folded like the indexed text (storage.text.fold), then read as PostgreSQL's
websearch_to_tsquery reads them: "a phrase", -excluded, OR; the last bare word of three
letters or more may also be the start of a longer word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from storage.models import Area, Entry, EntryKind, Status, Steward
from storage.text import fold

QUERY_MAX = 200
NAME_MAX = 100
CANDIDATES = 200  # matches ranked at most; more are reported as "200+"
NAME_HITS = 100  # name hits ranked first
AUTOCOMPLETE_MAX = 25
FUZZY_BELOW = 3  # fewer exact matches than this also brings in near ones
PREFIX_MIN = 3  # a shorter last word matches exactly: "a*" is most of the index

FILTERS = ("kind", "area", "status", "steward", "is_model")  # entry columns
# The living directory: what a search or list shows unless a status filter asks for another.
LIVING = (Status.PROPOSED, Status.ACTIVE, Status.PAUSED, Status.COMPLETED)
LIVING_KEY = "living"  # in the filters: only entries of the LIVING statuses
WORD = re.compile(r"[^\W_]+")
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')


@dataclass
class SearchFilters:
    kind: EntryKind | None = None
    area: Area | None = None
    status: Status | None = None
    steward: Steward | None = None
    models_only: bool = False


@dataclass
class SearchPage:
    entries: list[Entry]
    total: int
    offset: int
    limit: int
    suggestion: str | None
    # More than `total` (= CANDIDATES) entries match: show "200+".
    total_capped: bool = False
    # The query had text but no word to search for ("🌍🤝", "%", "OR"): nothing was searched.
    no_words: bool = False


@dataclass(frozen=True)
class Term:
    """A word or "quoted phrase"; `prefix` lets its last word match longer words."""

    words: tuple[str, ...]
    prefix: bool = False


@dataclass
class Query:
    text: str  # folded and cleaned
    groups: list[list[Term]]  # all groups must match; a group matches if one term does
    excluded: list[Term]

    @property
    def searchable(self) -> bool:
        """Whether the query has a word to look for or to exclude."""
        return bool(self.groups or self.excluded)

    def excludes(self, document: str) -> bool:
        """Whether a folded document (Entry.search_text) holds one of the excluded terms."""
        words = WORD.findall(document)
        return any(
            tuple(words[i : i + len(term.words)]) == term.words
            for term in self.excluded
            for i in range(len(words) - len(term.words) + 1)
        )

    @property
    def words(self) -> list[str]:
        return [word for group in self.groups for term in group for word in term.words]

    @property
    def prefix(self) -> bool:
        return bool(self.groups) and self.groups[-1][-1].prefix

    @property
    def last_word(self) -> str:
        return self.groups[-1][-1].words[-1]

    def without_prefix(self) -> Query:
        """The same query with its last word matched as a whole word only."""
        if not self.prefix:
            return self
        last = replace(self.groups[-1][-1], prefix=False)
        return Query(self.text, [*self.groups[:-1], [*self.groups[-1][:-1], last]], self.excluded)


@dataclass(frozen=True)
class Page:
    offset: int
    limit: int

    @property
    def end(self) -> int:
        return self.offset + self.limit


def clean(text: str, limit: int) -> str:
    """Folded, printable (no NUL), at most `limit` characters."""
    text = "".join(ch for ch in text[: limit * 2] if ch.isprintable() or ch.isspace())
    return fold(text)[:limit].strip()


# Typographic quotes mark a phrase as straight ones do («frases», “phrases”, „Phrasen“).
_QUOTES = str.maketrans(dict.fromkeys("«»“”„", '"'))


def parse(raw: str) -> Query:
    """Web-search syntax, read as PostgreSQL's websearch_to_tsquery reads it."""
    text = clean(raw, QUERY_MAX).translate(_QUOTES)
    groups: list[list[Term]] = []
    excluded: list[Term] = []
    join_or, last_bare = False, False
    for sign, quoted, bare in _TOKEN.findall(text):
        if bare == "or":
            join_or = bool(groups)
            continue
        words = tuple(WORD.findall(bare or quoted))
        if not words:
            continue
        if sign or bare.startswith("-"):
            excluded.append(Term(words))
            last_bare = False
        else:
            if join_or:
                groups[-1].append(Term(words))
            else:
                groups.append([Term(words)])
            last_bare = bool(bare) and len(words) == 1
        join_or = False
    if last_bare and len(groups[-1][-1].words[0]) >= PREFIX_MIN:
        groups[-1][-1] = Term(groups[-1][-1].words, prefix=True)
    return Query(text, groups, excluded)


def filter_values(filters: SearchFilters | None) -> dict[str, Any]:
    """Entry column -> wanted value, for the filters that are set; without a status, the
    living directory's statuses (rejected and archived entries are asked for by status)."""
    filters = filters or SearchFilters()
    values = {"kind": filters.kind, "area": filters.area, "status": filters.status}
    values["steward"] = filters.steward
    chosen: dict[str, Any] = {key: str(value) for key, value in values.items() if value}
    if filters.models_only:
        chosen["is_model"] = 1
    if filters.status is None:
        chosen[LIVING_KEY] = True
    return chosen
