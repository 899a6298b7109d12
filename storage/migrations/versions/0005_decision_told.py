"""decision told: when a decision was shown on the review post and told to the proposer

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


def downgrade() -> None:
    with op.batch_alter_table("entry") as table:
        table.drop_column("decision_told_at")
