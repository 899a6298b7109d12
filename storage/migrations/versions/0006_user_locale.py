"""user locale: a member's language as Discord last told the bot, for messages to them

A DM (the decision on a proposal) is written in the proposer's language, which only
an interaction tells; it is kept from their last proposal.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user_settings") as table:
        table.add_column(sa.Column("locale", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("user_settings") as table:
        table.drop_column("locale")
