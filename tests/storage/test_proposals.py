"""Proposals whose review post never happened, found for the `reviews` dispatcher."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Entry, Status
from storage.services import entries, proposals, settings
from tests.support.factories import GUILD, MODERATOR, OTHER_GUILD, VOLUNTEER, entry_input

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
REVIEW_CHANNEL = 700_000_000_000_000_009


async def proposal(
    session: AsyncSession, name: str, *, age: timedelta, guild_id: int = GUILD
) -> Entry:
    return await entries.create_entry(
        entry_input(name=name, status="proposed"),
        session=session,
        guild_id=guild_id,
        actor_id=VOLUNTEER,
        now=NOW - age,
    )


async def test_unposted_proposals_are_those_the_dispatcher_should_post(
    session: AsyncSession,
) -> None:
    await settings.update_settings(
        session=session,
        guild_id=GUILD,
        actor_id=MODERATOR,
        review_channel_id=REVIEW_CHANNEL,
        now=NOW,
    )
    grace = proposals.POST_GRACE
    waiting = await proposal(session, "Waiting", age=grace + timedelta(seconds=1))
    # Its first try may still be under way: listed, for the dispatcher to come back to.
    confirmed = await proposal(session, "Just confirmed", age=grace - timedelta(seconds=1))
    await proposal(session, "Older than a day", age=proposals.POST_RECOVERY + timedelta(hours=1))
    posted = await proposal(session, "Posted", age=timedelta(minutes=5))
    posted.review_message_id = 1234
    decided = await proposal(session, "Decided", age=timedelta(minutes=4))
    decided.status = Status.ACTIVE  # decided before it could be posted: posted all the same
    imported = await proposal(session, "Imported", age=timedelta(minutes=5))
    imported.proposer_id = None
    session.add_all([posted, decided, imported])
    # A guild with no review channel has nowhere to post.
    await proposal(session, "Elsewhere", age=timedelta(minutes=5), guild_id=OTHER_GUILD)
    await session.commit()
    found = await proposals.unposted_proposals(session=session, now=NOW)
    assert [entry.id for entry in found] == [decided.id, waiting.id, confirmed.id]


async def test_untold_decisions_until_marked_told(session: AsyncSession) -> None:
    decided = await proposal(session, "Decided", age=timedelta(minutes=5))
    assert decided.id is not None
    await proposal(session, "Undecided", age=timedelta(minutes=5))
    old = await proposal(session, "Decided long ago", age=timedelta(days=3))
    for entry, when in ((decided, NOW - timedelta(minutes=1)), (old, NOW - timedelta(days=2))):
        entry.status, entry.decided_by, entry.decided_at = Status.ACTIVE, MODERATOR, when
        session.add(entry)
    await session.commit()
    found = await proposals.untold_decisions(session=session, now=NOW)
    assert [entry.id for entry in found] == [decided.id]
    await proposals.mark_decision_told(decided.id, session=session, guild_id=GUILD, now=NOW)
    await session.commit()
    assert await proposals.untold_decisions(session=session, now=NOW) == []
