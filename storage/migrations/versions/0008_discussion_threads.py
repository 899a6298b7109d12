"""discussion threads: the channel where each proposal gets a public thread, and its thread

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("guild_settings") as table:
        table.add_column(sa.Column("proposals_channel_id", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("entry") as table:
        table.add_column(sa.Column("thread_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("entry") as table:
        table.drop_column("thread_id")
    with op.batch_alter_table("guild_settings") as table:
        table.drop_column("proposals_channel_id")
