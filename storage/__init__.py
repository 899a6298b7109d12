"""Everything the bot keeps and the rules about it, with no knowledge of Discord.

- `models`: the tables (SQLModel); `schemas`: checked input; `types`, `text`: UTC
  datetimes and name folding; `db`: engines, sessions, migrations (`migrations/`);
- `services/`: the rules (entries, proposals, milestones, reminders, digests,
  settings, audit), each a function taking `*, session`, raising `errors`;
- `search/`: the directory's search on each backend (FTS5, tsvector + pg_trgm);
- `dates`: due dates as people write them; `transfer`, `transfer_formats`: import
  and export (CSV, JSON, MediaWiki).

Nothing here imports `discord`, `bot` or `commands` (tests/test_architecture.py).
"""
