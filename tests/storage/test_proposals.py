"""Proposals whose review post never happened, found for the `reviews` dispatcher."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Entry, Status
from storage.services import entries, proposals, settings
from tests.factories import GUILD, MODERATOR, OTHER_GUILD, VOLUNTEER, entry_input

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
REVIEW_CHANNEL = 700_000_000_000_000_009


async def proposal(
    session: AsyncSession, name: str, *, age: timedelta, guild_id: int = GUILD
) -> Entry:
    entry = await entries.create_entry(
        entry_input(name=name, status="proposed"),
        session=session,
        guild_id=guild_id,
        actor_id=VOLUNTEER,
    )
    entry.created_at = NOW - age
    session.add(entry)
    await session.flush()
    return entry


async def test_unposted_proposals_are_those_the_dispatcher_should_post(
    session: AsyncSession,
) -> None:
    await settings.update_settings(
        session=session, guild_id=GUILD, actor_id=MODERATOR, review_channel_id=REVIEW_CHANNEL
    )
    grace = proposals.POST_GRACE
    waiting = await proposal(session, "Waiting", age=grace + timedelta(seconds=1))
    await proposal(session, "Just confirmed", age=grace - timedelta(seconds=1))
    await proposal(session, "Older than a day", age=proposals.POST_RECOVERY + timedelta(hours=1))
    posted = await proposal(session, "Posted", age=timedelta(minutes=5))
    posted.review_message_id = 1234
    decided = await proposal(session, "Decided", age=timedelta(minutes=5))
    decided.status = Status.ACTIVE
    session.add_all([posted, decided])
    # A guild with no review channel has nowhere to post.
    await proposal(session, "Elsewhere", age=timedelta(minutes=5), guild_id=OTHER_GUILD)
    await session.commit()
    found = await proposals.unposted_proposals(session=session, now=NOW)
    assert [entry.id for entry in found] == [waiting.id]
