"""decision told: when a decision was shown on the review post and told to the proposer

With partial indexes on what the `reviews` dispatcher looks for: proposals not posted
for review, decisions not told (a handful of rows among all entries).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("entry") as table:
        table.add_column(sa.Column("decision_told_at", sa.DateTime(timezone=True), nullable=True))
    # Decisions made before this revision were told then: the dispatcher must not again.
    op.execute("UPDATE entry SET decision_told_at = decided_at WHERE decided_at IS NOT NULL")
    unposted = sa.text("review_message_id IS NULL AND proposer_id IS NOT NULL")
    op.create_index(
        "ix_entry_unposted",
        "entry",
        ["created_at"],
        sqlite_where=unposted,
        postgresql_where=unposted,
    )
    untold = sa.text("decision_told_at IS NULL")
    op.create_index(
        "ix_entry_untold", "entry", ["decided_at"], sqlite_where=untold, postgresql_where=untold
    )


def downgrade() -> None:
    op.drop_index("ix_entry_untold", "entry")
    op.drop_index("ix_entry_unposted", "entry")
    with op.batch_alter_table("entry") as table:
        table.drop_column("decision_told_at")
