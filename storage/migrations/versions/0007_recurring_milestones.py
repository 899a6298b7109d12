"""recurring milestones: a series of occurrences, each a milestone row of its own

`recurrence` is an RFC 5545 RRULE ("FREQ=MONTHLY;INTERVAL=3;COUNT=4") read in
`recurrence_zone`; `series_id` is the first occurrence's id and `occurrence` the
row's place in the series. Unique per series and place: the next occurrence is
created once, whichever process plans it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("milestone") as table:
        table.add_column(sa.Column("recurrence", sa.String(length=120), nullable=True))
        table.add_column(sa.Column("recurrence_zone", sa.String(length=64), nullable=True))
        table.add_column(sa.Column("series_id", sa.BigInteger(), nullable=True))
        table.add_column(sa.Column("occurrence", sa.Integer(), nullable=False, server_default="0"))
        table.create_unique_constraint(
            "uq_milestone_series_occurrence", ["series_id", "occurrence"]
        )


def downgrade() -> None:
    with op.batch_alter_table("milestone") as table:
        table.drop_constraint("uq_milestone_series_occurrence", type_="unique")
        table.drop_column("occurrence")
        table.drop_column("series_id")
        table.drop_column("recurrence_zone")
        table.drop_column("recurrence")
