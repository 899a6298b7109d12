"""Proposals whose review post never happened, found for the `reviews` dispatcher."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.errors import DuplicateName, InvalidTransition
from storage.models import Entry, Status
from storage.schemas import EntryUpdate
from storage.services import audit, entries, milestones, proposals, settings
from storage.services import support as support_service
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


async def rejected(session: AsyncSession, name: str = "Museo Abierto") -> Entry:
    entry = await proposal(session, name, age=timedelta(days=3))
    await support_service.toggle_support(
        entry.id, session=session, guild_id=GUILD, user_id=MODERATOR
    )
    return await entries.decide(
        entry.id,
        approve=False,
        session=session,
        guild_id=GUILD,
        actor_id=MODERATOR,
        reason="Please add partners and links",
        now=NOW - timedelta(days=1),
    )


async def test_resubmit_puts_the_same_entry_back_in_review(session: AsyncSession) -> None:
    await settings.update_settings(
        session=session,
        guild_id=GUILD,
        actor_id=MODERATOR,
        review_channel_id=REVIEW_CHANNEL,
        now=datetime.now(UTC),
    )
    entry = await rejected(session)
    entry.review_channel_id, entry.review_message_id = REVIEW_CHANNEL, 42
    session.add(entry)
    assert await proposals.submission_number(entry.id, session=session, guild_id=GUILD) == 0
    revised = entry_input(name="Museo Abierto", partners="Museo Nacional", links=["https://a.org"])
    again = await proposals.resubmit(
        entry.id, revised, session=session, guild_id=GUILD, actor_id=VOLUNTEER, now=NOW
    )
    assert again.id == entry.id and again.status == Status.PROPOSED
    assert (again.partners, again.links) == ("Museo Nacional", ["https://a.org"])
    assert again.decided_at is None and again.rejection_reason is None
    assert again.review_message_id is None and again.support_count == 1
    assert await proposals.submission_number(entry.id, session=session, guild_id=GUILD) == 1
    events = await audit.history(session=session, guild_id=GUILD, entry_id=entry.id)
    assert [e.action for e in events] == ["resubmit", "reject", "create"]
    assert events[0].before["rejection_reason"] == "Please add partners and links"
    # Created three days ago, resubmitted now: the dispatcher posts it (once, as recorded).
    assert again in await proposals.unposted_proposals(session=session, now=NOW)
    assert proposals.submitted_at(again) == NOW
    await proposals.record_review_message(
        entry.id, session=session, guild_id=GUILD, channel_id=REVIEW_CHANNEL, message_id=43
    )
    assert again not in await proposals.unposted_proposals(session=session, now=NOW)


async def test_only_a_rejected_proposal_is_resubmitted(session: AsyncSession) -> None:
    entry = await rejected(session)
    data = entry_input(name="Museo Abierto")
    await proposals.resubmit(
        entry.id, data, session=session, guild_id=GUILD, actor_id=VOLUNTEER, now=NOW
    )
    with pytest.raises(InvalidTransition):  # twice: the second finds it proposed
        await proposals.resubmit(
            entry.id, data, session=session, guild_id=GUILD, actor_id=VOLUNTEER, now=NOW
        )
    other = await rejected(session, "Other")
    with pytest.raises(DuplicateName):
        await proposals.resubmit(
            other.id, data, session=session, guild_id=GUILD, actor_id=VOLUNTEER, now=NOW
        )


def test_the_proposer_may_revise_a_rejected_proposal() -> None:
    entry = Entry(
        guild_id=GUILD,
        kind="alliance",
        name="x",
        name_key="x",
        area="content",
        steward="volunteers",
        status=Status.REJECTED,
        proposer_id=VOLUNTEER,
    )
    assert proposals.can_edit(entry, user_id=VOLUNTEER, is_moderator=False)
    assert not proposals.can_edit(entry, user_id=MODERATOR, is_moderator=False)
    entry.status = Status.ACTIVE
    assert not proposals.can_edit(entry, user_id=VOLUNTEER, is_moderator=False)


async def test_the_reporting_milestone_comes_with_the_approval(session: AsyncSession) -> None:
    due = NOW + timedelta(days=90)
    entry = await entries.create_entry(
        entry_input(
            name="Museo", kind="partnership", success_measures="Two shows", reporting_due_at=due
        ),
        session=session,
        guild_id=GUILD,
        actor_id=VOLUNTEER,
        now=datetime.now(UTC),
    )
    assert await milestones.list_milestones(session=session, guild_id=GUILD) == ([], 0)
    await entries.update_entry(
        entry.id,
        EntryUpdate.parse(reporting_due_at=due + timedelta(days=1)),
        session=session,
        guild_id=GUILD,
        actor_id=VOLUNTEER,
        now=datetime.now(UTC),
    )
    assert await milestones.list_milestones(session=session, guild_id=GUILD) == ([], 0)
    await entries.decide(
        entry.id,
        approve=True,
        session=session,
        guild_id=GUILD,
        actor_id=MODERATOR,
        now=datetime.now(UTC),
    )
    listed, _ = await milestones.list_milestones(session=session, guild_id=GUILD)
    assert [(m.entry_id, m.due_at) for m in listed] == [(entry.id, due + timedelta(days=1))]


def test_measure_flags() -> None:
    due = NOW + timedelta(days=90)
    full = entry_input(kind="partnership", success_measures="m", funder="F", reporting_due_at=due)
    assert proposals.measure_flags(full) == []
    bare = entry_input(kind="partnership", success_measures="m")
    assert proposals.measure_flags(bare) == ["missing-funder", "missing-reporting_due_at"]
    assert proposals.measure_flags(entry_input(funder="F")) == ["funder-on-alliance"]
    assert proposals.measure_flags(entry_input()) == []
