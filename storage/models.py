"""The data model. Every row carries its guild; no query may mix guilds.

Table models do not validate (SQLModel), so input goes through the `*Input`
models in `storage.schemas` before it reaches these.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


class EntryKind(StrEnum):
    ALLIANCE = "alliance"
    PARTNERSHIP = "partnership"


class Area(StrEnum):
    CONTENT = "content"
    TECHNOLOGY = "technology"
    REVENUE = "revenue"
    OUTREACH = "outreach"
    INNOVATION = "innovation"
    CONTRIBUTORS = "contributors"


class Steward(StrEnum):
    VOLUNTEERS = "volunteers"
    CHAPTER = "chapter"
    FOUNDATION = "foundation"


class Status(StrEnum):
    PROPOSED = "proposed"
    ACTIVE = "active"
    COMPLETED = "completed"
    PAUSED = "paused"
    ARCHIVED = "archived"
    REJECTED = "rejected"


class ReminderKind(StrEnum):
    LEAD = "lead"
    DUE = "due"
    OVERDUE = "overdue"


class ReminderState(StrEnum):
    PENDING = "pending"
    # Claimed and committed before the send; retried with the same nonce if left here.
    SENDING = "sending"
    SENT = "sent"
    CANCELLED = "cancelled"
    # The channel was gone or forbidden: kept (not lost) until the channel is fixed.
    FAILED = "failed"


def _utc_column(nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


def _snowflake(nullable: bool = True, index: bool = False) -> Any:
    # Discord ids exceed 2**31: BIGINT on PostgreSQL.
    return Field(default=None, sa_type=sa.BigInteger, nullable=nullable, index=index)


class GuildSettings(SQLModel, table=True):
    __tablename__ = "guild_settings"

    guild_id: int = Field(
        sa_type=sa.BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    moderator_role_id: int | None = _snowflake()
    coordinator_role_id: int | None = _snowflake()
    review_channel_id: int | None = _snowflake()
    reminder_channel_id: int | None = _snowflake()
    # Where each proposal gets a public discussion thread (none: no threads).
    proposals_channel_id: int | None = _snowflake()
    timezone: str | None = Field(default=None, max_length=64)
    locale: str | None = Field(default=None, max_length=8)
    guidelines_text: str | None = Field(default=None, sa_type=sa.Text)
    guidelines_url: str | None = Field(default=None, max_length=300)
    followthrough_days: int = 90
    # Minutes before the due time at which coordinators are reminded.
    reminder_lead_minutes: list[int] = Field(
        default_factory=lambda: [7 * 24 * 60, 24 * 60], sa_type=sa.JSON
    )
    overdue_interval_hours: int = 24
    overdue_max: int = 3
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class UserSettings(SQLModel, table=True):
    """A member's own preferences, across guilds: the time zone for their dates, and
    their language as Discord last told the bot (for messages outside an interaction)."""

    __tablename__ = "user_settings"

    user_id: int = Field(
        sa_type=sa.BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    timezone: str | None = Field(default=None, max_length=64)
    locale: str | None = Field(default=None, max_length=8)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


# The rows the `reviews` dispatcher looks for (partial indexes, migration 0005).
_UNPOSTED = sa.text("review_message_id IS NULL AND proposer_id IS NOT NULL")
_UNTOLD = sa.text("decision_told_at IS NULL")


class Entry(SQLModel, table=True):
    __tablename__ = "entry"
    __table_args__ = (
        sa.UniqueConstraint("guild_id", "name_key", name="uq_entry_guild_name"),
        # The `reviews` dispatcher's two questions, each on the few rows it looks for.
        sa.Index(
            "ix_entry_unposted",
            "created_at",
            sqlite_where=_UNPOSTED,
            postgresql_where=_UNPOSTED,
        ),
        sa.Index(
            "ix_entry_untold",
            "decided_at",
            sqlite_where=_UNTOLD,
            postgresql_where=_UNTOLD,
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = Field(sa_type=sa.BigInteger, index=True)
    kind: str = Field(max_length=16)
    name: str = Field(max_length=100)
    # fold(name): the case- and accent-insensitive key that makes names unique per guild.
    name_key: str = Field(max_length=100)
    partners: str = Field(default="", sa_type=sa.Text)
    area: str = Field(max_length=16)
    steward: str = Field(max_length=16)
    chapter_name: str | None = Field(default=None, max_length=100)
    status: str = Field(default=Status.PROPOSED, max_length=16, index=True)
    rejection_reason: str | None = Field(default=None, sa_type=sa.Text)
    summary: str = Field(default="", sa_type=sa.Text)
    # fold() of name, partners, summary and success measures: what full-text search indexes.
    search_text: str = Field(default="", sa_type=sa.Text)
    links: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    success_measures: str | None = Field(default=None, sa_type=sa.Text)
    funder: str | None = Field(default=None, max_length=200)
    reporting_due_at: datetime | None = _utc_column()
    outcomes: str | None = Field(default=None, sa_type=sa.Text)
    lessons: str | None = Field(default=None, sa_type=sa.Text)
    is_model: bool = False
    proposer_id: int | None = _snowflake()
    decided_by: int | None = _snowflake()
    decided_at: datetime | None = _utc_column()
    # When the review post showed the decision and the proposer was told of it: a
    # decision still untold after a crash is told by the `reviews` dispatcher.
    decision_told_at: datetime | None = _utc_column()
    review_channel_id: int | None = _snowflake()
    review_message_id: int | None = _snowflake()
    # The proposal's public discussion thread (in the guild's proposals channel).
    thread_id: int | None = _snowflake()
    support_count: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Support(SQLModel, table=True):
    __tablename__ = "support"

    entry_id: int = Field(foreign_key="entry.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(
        sa_type=sa.BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    guild_id: int = Field(sa_type=sa.BigInteger, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Milestone(SQLModel, table=True):
    __tablename__ = "milestone"
    # A recurring milestone's next occurrence is created once (storage.services.recurrence).
    __table_args__ = (
        sa.UniqueConstraint("series_id", "occurrence", name="uq_milestone_series_occurrence"),
    )

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = Field(sa_type=sa.BigInteger, index=True)
    entry_id: int = Field(foreign_key="entry.id", index=True, ondelete="CASCADE")
    title: str = Field(max_length=200)
    due_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    coordinator_id: int | None = _snowflake()
    # "reporting" marks the milestone kept in step with a partnership's reporting due date.
    source: str = Field(default="manual", max_length=16)
    done_at: datetime | None = _utc_column()
    acknowledged_at: datetime | None = _utc_column()
    snoozed_until: datetime | None = _utc_column()
    created_by: int | None = _snowflake()
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    # Recurring: an RRULE read in `recurrence_zone`, from the series' first occurrence.
    recurrence: str | None = Field(default=None, max_length=120)
    recurrence_zone: str | None = Field(default=None, max_length=64)
    series_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    occurrence: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # Ended without being done: its entry left the pipeline ("rejected", "archived").
    closed_reason: str | None = Field(default=None, max_length=16)


class Reminder(SQLModel, table=True):
    """One reminder stage of a milestone: the unit that is claimed and sent exactly once."""

    __tablename__ = "reminder"
    __table_args__ = (sa.UniqueConstraint("milestone_id", "kind", "seq", name="uq_reminder_stage"),)

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = Field(sa_type=sa.BigInteger, index=True)
    milestone_id: int = Field(foreign_key="milestone.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=16)
    # Lead reminders: minutes before due; overdue reminders: 1, 2, 3...
    seq: int = 0
    fire_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    state: str = Field(default=ReminderState.PENDING, max_length=16, index=True)
    sent_at: datetime | None = _utc_column()
    channel_id: int | None = _snowflake()
    message_id: int | None = _snowflake()


class DigestSchedule(SQLModel, table=True):
    __tablename__ = "digest_schedule"
    __table_args__ = (sa.UniqueConstraint("guild_id", "channel_id", name="uq_digest_channel"),)

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = Field(sa_type=sa.BigInteger, index=True)
    channel_id: int = Field(sa_type=sa.BigInteger)
    weekday: int  # 0 = Monday, as datetime.weekday()
    time_of_day: str = Field(max_length=5)  # "HH:MM", local to `timezone`
    timezone: str = Field(max_length=64)
    locale: str = Field(max_length=8)
    enabled: bool = True
    disabled_reason: str | None = Field(default=None, max_length=200)
    # The moderators have not yet been told that this digest was disabled.
    notice_pending: bool = False
    next_run_at: datetime | None = _utc_column(index=True)
    created_by: int | None = _snowflake()
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class DigestPost(SQLModel, table=True):
    """A digest claimed for one channel and ISO week: the row makes it exactly once."""

    __tablename__ = "digest_post"
    __table_args__ = (sa.UniqueConstraint("schedule_id", "iso_week", name="uq_digest_week"),)

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = Field(sa_type=sa.BigInteger, index=True)
    schedule_id: int = Field(foreign_key="digest_schedule.id", ondelete="CASCADE")
    iso_week: str = Field(max_length=10)  # "2026-W48"
    state: str = Field(default="claimed", max_length=16)  # claimed | posted | skipped
    claimed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    posted_at: datetime | None = _utc_column()
    # Messages of a long digest already sent: a retry after a crash goes on from there,
    # whether or not Discord still remembers the nonces of those sent.
    parts_sent: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = Field(sa_type=sa.BigInteger, index=True)
    entry_id: int | None = Field(default=None, index=True)
    actor_id: int | None = _snowflake()
    action: str = Field(max_length=32)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    before: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    after: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)


class AppState(SQLModel, table=True):
    """Small process-wide facts, such as the hash of the last synced command tree."""

    __tablename__ = "app_state"

    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(sa_type=sa.Text)


class WikiPage(SQLModel, table=True):
    """The wiki page a guild publishes its directory to, and what the bot last wrote there."""

    __tablename__ = "wiki_page"

    guild_id: int = Field(
        sa_type=sa.BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    title: str = Field(max_length=255)
    # The revision of the bot's last edit, and its text between the markers: a row that
    # differs from it on the wiki was changed by a person.
    last_revid: int | None = Field(default=None, sa_type=sa.BigInteger)
    last_written_text: str | None = Field(default=None, sa_type=sa.Text)
    last_published_at: datetime | None = _utc_column()
    # Automatic publishing every this many minutes at most (None: off).
    auto_interval_minutes: int | None = None
    # The guild's newest audit event already published: a newer one is a change to publish.
    published_audit_id: int = Field(default=0, sa_type=sa.BigInteger)
    # When an automatic publish may next run (the interval after the last one, or a failed
    # one's retry), and one in progress (a lease: taken again once stale).
    next_auto_at: datetime | None = _utc_column()
    claimed_at: datetime | None = _utc_column()
    failures: int = 0


class WikiChange(SQLModel, table=True):
    """A row people changed, added or removed on the wiki: a review item for moderators."""

    __tablename__ = "wiki_change"

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = Field(sa_type=sa.BigInteger, index=True)
    kind: str = Field(max_length=16)  # changed | added | removed
    # fold() of the row's first cell (the entry's name): the row's key.
    row_key: str = Field(max_length=255)
    row_name: str = Field(max_length=255)
    revid: int | None = Field(default=None, sa_type=sa.BigInteger)
    wiki_user: str | None = Field(default=None, max_length=255)
    # The row's cells as people left them (None: removed) and as the directory has it then.
    wiki_row: list[str] | None = Field(default=None, sa_type=sa.JSON)
    bot_row: list[str] | None = Field(default=None, sa_type=sa.JSON)
    status: str = Field(default="open", max_length=16)  # open | wiki | directory
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    decided_by: int | None = _snowflake()
    decided_at: datetime | None = _utc_column()
