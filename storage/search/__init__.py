"""Full-text and fuzzy search of entries: SQLite FTS5, PostgreSQL tsvector and pg_trgm, or
MariaDB FULLTEXT.

Queries are folded like the indexed text and read as web-search syntax ("phrase", -not,
OR; the last bare word is also a prefix unless it is a whole indexed word): query.py.
Name hits come first, then matches by relevance; at most CANDIDATES matches are ranked, so
no search reads more than about a thousand rows, and a broader query says so with
`total_capped` (backend.py, with the SQL of each database in sqlite.py, postgres.py and
mariadb.py).
When the words find (almost) nothing, the names and partners sharing exact pieces with them
are the results, or correct the misspelt words (service.py, fuzzy.py). Indexes and
triggers: migrations/versions/0002_search.py.
"""

from storage.search.query import CANDIDATES, Query, SearchFilters, SearchPage, Term, clean, parse
from storage.search.service import autocomplete_names, search_entries, similar_entries

__all__ = [
    "CANDIDATES",
    "Query",
    "SearchFilters",
    "SearchPage",
    "Term",
    "autocomplete_names",
    "clean",
    "parse",
    "search_entries",
    "similar_entries",
]
