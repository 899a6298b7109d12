"""The audit trail's reading side: milestone events named by their milestones' titles."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Milestone
from storage.services import audit, entries
from tests.support.factories import GUILD, MODERATOR, OTHER_GUILD, entry_input

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


async def test_milestone_titles_from_the_events_or_the_milestones(session: AsyncSession) -> None:
    entry = await entries.create_entry(
        entry_input(), session=session, guild_id=GUILD, actor_id=1, now=datetime.now(UTC)
    )
    kept = Milestone(guild_id=GUILD, entry_id=entry.id, title="Print run", due_at=NOW)
    session.add(kept)
    await session.flush()

    async def event(action: str, **sides: dict) -> None:
        await audit.record(
            session=session,
            guild_id=GUILD,
            action=action,
            actor_id=MODERATOR,
            entry_id=entry.id,
            now=NOW,
            **sides,
        )

    # Marked done: only done_at changed, so the title comes from the milestone itself.
    await event("milestone-done", before={"id": kept.id, "done_at": None}, after={"id": kept.id})
    # Removed: its last event holds its title.
    await event("milestone-remove", before={"id": 999_999, "title": "Launch"})
    await event("edit", before={"id": 5, "name": "x"}, after={"id": 5, "name": "y"})
    await session.flush()
    events = await audit.history(session=session, guild_id=GUILD, entry_id=entry.id)
    titles = await audit.milestone_titles(events, session=session, guild_id=GUILD)
    assert titles == {kept.id: "Print run", 999_999: "Launch"}
    # Another guild's milestones are not read.
    assert await audit.milestone_titles(events, session=session, guild_id=OTHER_GUILD) == {
        999_999: "Launch"
    }
