"""Builders of milestones and their stages, for the storage and dispatcher tests."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Entry, GuildSettings, Milestone, Reminder, ReminderState
from storage.schemas import EntryUpdate
from storage.services import entries, milestones
from tests.support.factories import GUILD, MODERATOR, VOLUNTEER, entry_input

# A year ahead of the real clock: the tests' "now", passed to every rule that needs one.
START = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=365)
CHANNEL = 700_000_000_000_000_001
OTHER_CHANNEL = 700_000_000_000_000_002
ROLE = 800_000_000_000_000_001
COORDINATOR = 900_000_000_000_000_010
DAY = timedelta(days=1)
AS_MODERATOR = milestones.Actor(MODERATOR, is_moderator=True)
AS_COORDINATOR = milestones.Actor(COORDINATOR)
_names = itertools.count(1)


async def configure(
    session: AsyncSession,
    guild_id: int = GUILD,
    *,
    channel: int | None = CHANNEL,
    role: int | None = ROLE,
    **values: object,
) -> GuildSettings:
    """Guild settings written directly (no audit, no replan of planned stages)."""
    guild = await session.get(GuildSettings, guild_id) or GuildSettings(guild_id=guild_id)
    guild.reminder_channel_id = channel
    guild.coordinator_role_id = role
    for key, value in values.items():
        setattr(guild, key, value)
    session.add(guild)
    await session.flush()
    return guild


async def new_entry(
    session: AsyncSession, guild_id: int = GUILD, *, now: datetime = START, **overrides: object
) -> Entry:
    overrides.setdefault("name", f"Entry {next(_names)}")
    return await entries.create_entry(
        entry_input(**overrides), session=session, guild_id=guild_id, actor_id=VOLUNTEER, now=now
    )


async def reporting_partnership(session: AsyncSession, reporting: datetime) -> Entry:
    """Wiki-to-print: a partnership whose reporting date becomes a milestone by itself
    (active: a proposal gets its reporting milestone when it is approved)."""
    entry = await new_entry(
        session,
        kind="partnership",
        name="Wiki-to-print",
        success_measures="3 books",
        reporting_due_at=reporting,
        status="active",
    )
    assert entry.id is not None
    return entry


async def move_reporting(
    session: AsyncSession, entry: Entry, reporting: datetime, *, now: datetime = START
) -> None:
    """A moderator moves the partnership's reporting date."""
    assert entry.id is not None
    await entries.update_entry(
        entry.id,
        EntryUpdate.parse(name=entry.name, reporting_due_at=reporting),
        session=session,
        guild_id=entry.guild_id,
        actor_id=MODERATOR,
        now=now,
    )


async def new_milestone(
    session: AsyncSession,
    entry: Entry,
    *,
    due: datetime,
    title: str = "Deliver the first report",
    coordinator: int | None = COORDINATOR,
    now: datetime = START,
    added_by: int | None = None,
) -> Milestone:
    """A milestone added by `added_by` (None: by no one, as an import: then with no
    coordinator it is the coordinator role's)."""
    assert entry.id is not None
    return await milestones.add_milestone(
        session=session,
        guild_id=entry.guild_id,
        entry_id=entry.id,
        title=title,
        due_at=due,
        coordinator_id=coordinator,
        actor_id=added_by,
        now=now,
    )


async def stages(session: AsyncSession, milestone_id: int | None) -> list[tuple[str, int, str]]:
    """(kind, seq, state) of a milestone's stages, in firing order."""
    rows = await session.exec(
        select(Reminder)
        .where(Reminder.milestone_id == milestone_id)
        .execution_options(populate_existing=True)
    )
    ordered = sorted(rows.all(), key=lambda r: (r.fire_at, r.id))
    return [(r.kind, r.seq, r.state) for r in ordered]


async def fire_times(
    session: AsyncSession, milestone_id: int | None
) -> dict[tuple[str, int], datetime]:
    rows = await session.exec(
        select(Reminder).where(
            Reminder.milestone_id == milestone_id, Reminder.state == ReminderState.PENDING
        )
    )
    return {(r.kind, r.seq): r.fire_at for r in rows.all()}
