"""GIN pending lists kept small (PostgreSQL): searches keep their plans as entries come in

A GIN index queues new rows in a pending list (fastupdate), merged into the index only
when the list outgrows gin_pending_list_limit (4 MB by default) or at a vacuum, which
autovacuum runs on this table only after a fifth of its rows were inserted. Every search
reads the whole list, and the planner prices the index by it: after 1,300 proposals on
100,000 entries, checks such as "does any entry hold this word?" turned to sequential
scans, and a search for a misspelt word took 134 ms instead of 1.4 (and up to 600 ms
under bench/load.py). With a 64 kB list each insert costs about as much as before (1,300
proposals, one transaction each: 2.1 -> 2.4 s), the lists are merged a few pages at a
time, and searches see at most a few pages. Turning the lists off (fastupdate = off)
kept searches as fast, but doubled the cost of each insert and made imports far slower.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

GIN_INDEXES = (
    "ix_entry_search_vector",
    "ix_entry_name_vector",
    "ix_entry_name_trgm",
    "ix_entry_partners_trgm",
    "ix_search_word_trgm",
)
PENDING_LIST_KB = 64  # PostgreSQL's smallest


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for index in GIN_INDEXES:
        op.execute(f"ALTER INDEX {index} SET (gin_pending_list_limit = {PENDING_LIST_KB})")
        # What is pending now is merged at once, not at the next insert.
        op.execute(f"SELECT gin_clean_pending_list('{index}'::regclass)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for index in GIN_INDEXES:
        op.execute(f"ALTER INDEX {index} RESET (gin_pending_list_limit)")
