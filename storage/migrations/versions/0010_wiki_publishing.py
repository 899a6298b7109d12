"""wiki publishing: each guild's wiki page, what the bot last wrote there, and the rows
people changed there (review items)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "wiki_page",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("last_revid", sa.BigInteger(), nullable=True),
        sa.Column("last_written_text", sa.Text(), nullable=True),
        sa.Column("last_published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("auto_interval_minutes", sa.Integer(), nullable=True),
        sa.Column("published_audit_id", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("next_auto_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("guild_id"),
    )
    op.create_table(
        "wiki_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("row_key", sa.String(length=255), nullable=False),
        sa.Column("row_name", sa.String(length=255), nullable=False),
        sa.Column("revid", sa.BigInteger(), nullable=True),
        sa.Column("wiki_user", sa.String(length=255), nullable=True),
        sa.Column("wiki_row", sa.JSON(), nullable=True),
        sa.Column("bot_row", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.BigInteger(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("wiki_change") as table:
        table.create_index("ix_wiki_change_guild_id", ["guild_id"], unique=False)


def downgrade() -> None:
    op.drop_table("wiki_change")
    op.drop_table("wiki_page")
