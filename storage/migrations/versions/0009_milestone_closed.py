"""milestone closed: why a milestone ended without being done (its entry was rejected or
archived), so it is not shown as done

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("milestone") as table:
        table.add_column(sa.Column("closed_reason", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("milestone") as table:
        table.drop_column("closed_reason")
