"""search speed: a vocabulary of each guild's words, for typo corrections on PostgreSQL

PostgreSQL: search_word holds every lexeme of every guild's entries, kept by statement
triggers on entry (one insert per statement, however many rows it writes), with a
pg_trgm index: the words near a misspelt one are found in well under a millisecond,
where finding the entries with pieces of it in their names costs a pass over the trigram
indexes' longest posting lists. Words are never removed: a word that no entry holds any
more can only propose a correction that finds nothing, and then the search goes on as
without it.
SQLite: nothing; its trigram index reads the newest matches first, and is cheap.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Words are inserted in order, so that concurrent writers wait for each other, never
# deadlock; an update adds the words of the rows whose text changed (support counts,
# statuses... change nothing).
_ADD_WORDS = """
CREATE FUNCTION search_word_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        INSERT INTO search_word (guild_id, word)
        SELECT DISTINCT n.guild_id, w.word
        FROM new_rows AS n, unnest(tsvector_to_array(n.search_vector)) AS w(word)
        WHERE NOT EXISTS (SELECT 1 FROM old_rows AS o WHERE o.id = n.id
                          AND o.guild_id = n.guild_id AND o.search_vector = n.search_vector)
        ORDER BY 1, 2
        ON CONFLICT DO NOTHING;
    ELSE
        INSERT INTO search_word (guild_id, word)
        SELECT DISTINCT n.guild_id, w.word
        FROM new_rows AS n, unnest(tsvector_to_array(n.search_vector)) AS w(word)
        ORDER BY 1, 2
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$
"""
_TRIGGERS = {
    "search_word_ai": "INSERT ON entry REFERENCING NEW TABLE AS new_rows",
    "search_word_au": "UPDATE ON entry REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE TABLE search_word (guild_id BIGINT NOT NULL, word TEXT NOT NULL,"
        " CONSTRAINT pk_search_word PRIMARY KEY (guild_id, word))"
    )
    op.execute(
        "INSERT INTO search_word (guild_id, word) SELECT DISTINCT e.guild_id, w.word"
        " FROM entry AS e, unnest(tsvector_to_array(e.search_vector)) AS w(word)"
    )
    # The guild's own words, with btree_gin (0002): one index scan, not two ANDed.
    op.execute(
        "CREATE INDEX ix_search_word_trgm ON search_word USING gin (guild_id, word gin_trgm_ops)"
    )
    op.execute(_ADD_WORDS)
    for name, event in _TRIGGERS.items():
        op.execute(
            f"CREATE TRIGGER {name} AFTER {event}"
            " FOR EACH STATEMENT EXECUTE FUNCTION search_word_add()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in _TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON entry")
    op.execute("DROP FUNCTION IF EXISTS search_word_add()")
    op.execute("DROP TABLE IF EXISTS search_word")
