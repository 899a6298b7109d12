"""The rules of an entry's life that a community meets: a proposal leaves review only by
a decision, doing a thing twice changes nothing, names resolve or ask, forms say what is
wrong and keep required fields."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.errors import (
    Ambiguous,
    InvalidInput,
    InvalidTransition,
    NotFound,
    Unchanged,
)
from storage.models import Status
from storage.schemas import EntryUpdate
from storage.services import audit, entries
from tests.support.factories import GUILD, MODERATOR, OTHER_GUILD, entry_input


async def test_a_proposal_leaves_proposed_only_by_a_decision(session: AsyncSession) -> None:
    entry = await entries.create_entry(
        entry_input(), session=session, guild_id=GUILD, actor_id=1, now=datetime.now(UTC)
    )
    for status in (Status.ACTIVE, Status.ARCHIVED, Status.PAUSED):
        with pytest.raises(InvalidTransition) as refused:
            await entries.change_status(
                entry.id,
                status,
                session=session,
                guild_id=GUILD,
                actor_id=MODERATOR,
                now=datetime.now(UTC),
            )
        assert refused.value.key == "error-decide-in-review"
    await entries.decide(
        entry.id,
        approve=False,
        session=session,
        guild_id=GUILD,
        actor_id=MODERATOR,
        reason="No",
        now=datetime.now(UTC),
    )
    with pytest.raises(InvalidTransition) as refused:
        await entries.change_status(
            entry.id,
            Status.PROPOSED,
            session=session,
            guild_id=GUILD,
            actor_id=MODERATOR,
            now=datetime.now(UTC),
        )
    assert refused.value.key == "error-resubmit-by-edit"
    archived = await entries.change_status(
        entry.id,
        Status.ARCHIVED,
        session=session,
        guild_id=GUILD,
        actor_id=MODERATOR,
        now=datetime.now(UTC),
    )
    assert archived.status == Status.ARCHIVED


async def test_doing_a_thing_twice_says_so_and_records_nothing(session: AsyncSession) -> None:
    entry = await entries.create_entry(
        entry_input(status="active"),
        session=session,
        guild_id=GUILD,
        actor_id=1,
        now=datetime.now(UTC),
    )
    await entries.change_status(
        entry.id,
        Status.PAUSED,
        session=session,
        guild_id=GUILD,
        actor_id=MODERATOR,
        now=datetime.now(UTC),
    )
    await entries.set_model(
        entry.id, True, session=session, guild_id=GUILD, actor_id=MODERATOR, now=datetime.now(UTC)
    )
    before = await audit.history(session=session, guild_id=GUILD, entry_id=entry.id)
    with pytest.raises(Unchanged) as again:
        await entries.change_status(
            entry.id,
            Status.PAUSED,
            session=session,
            guild_id=GUILD,
            actor_id=MODERATOR,
            now=datetime.now(UTC),
        )
    assert (again.value.key, again.value.params[1]) == ("status-already", Status.PAUSED)
    with pytest.raises(Unchanged) as again:
        await entries.set_model(
            entry.id, True, session=session, guild_id=GUILD, actor_id=1, now=datetime.now(UTC)
        )
    assert again.value.key == "model-already"
    await entries.set_model(
        entry.id, False, session=session, guild_id=GUILD, actor_id=1, now=datetime.now(UTC)
    )
    with pytest.raises(Unchanged) as again:
        await entries.set_model(
            entry.id, False, session=session, guild_id=GUILD, actor_id=1, now=datetime.now(UTC)
        )
    assert again.value.key == "model-already-not"
    after = await audit.history(session=session, guild_id=GUILD, entry_id=entry.id)
    assert len(after) == len(before) + 1  # only the unmarking


async def test_resolve_by_number_name_or_the_matches_to_pick(session: AsyncSession) -> None:
    names = ("Library of Alexandria", "Library Week", "Museum nights")
    made = [
        await entries.create_entry(
            entry_input(name=name),
            session=session,
            guild_id=GUILD,
            actor_id=1,
            now=datetime.now(UTC),
        )
        for name in names
    ]
    first = made[0].id
    for reference in (str(first), f"#{first}", f" # {first} ", "library of ALEXANDRIA"):
        found = await entries.resolve_entry(reference, session=session, guild_id=GUILD)
        assert found.id == first
    with pytest.raises(Ambiguous) as several:
        await entries.resolve_entry("library", session=session, guild_id=GUILD)
    assert several.value.key == "error-ambiguous"
    assert {id_ for id_, _ in several.value.params[1]} == {made[0].id, made[1].id}
    with pytest.raises(Ambiguous) as one:
        await entries.resolve_entry("museum", session=session, guild_id=GUILD)
    assert one.value.key == "error-did-you-mean"
    assert one.value.params[1] == [(made[2].id, "Museum nights")]
    with pytest.raises(NotFound) as none:
        await entries.resolve_entry("nope", session=session, guild_id=GUILD)
    assert (none.value.key, none.value.params) == ("error-no-entry-named", ("nope",))
    with pytest.raises(NotFound):  # another guild's number
        await entries.resolve_entry(f"#{first}", session=session, guild_id=OTHER_GUILD)


def test_a_refused_link_is_named_by_its_line_and_shown_whole() -> None:
    typed = "https://meta.wikimedia.org/wiki/A\nnot a link at all\nhttps://b.org"
    with pytest.raises(InvalidInput) as caught:
        entry_input(links=typed)
    assert (caught.value.key, caught.value.params) == (
        "error-bad-link-line",
        ("links", 2, "not a link at all"),
    )
    with pytest.raises(InvalidInput) as caught:
        entry_input(links="not a link")
    assert caught.value.params == ("links", "not a link")
    both = entry_input(links="https://a.org https://b.org\n\nhttps://c.org")
    assert both.links == ["https://a.org", "https://b.org", "https://c.org"]


async def test_editing_cannot_empty_the_summary(session: AsyncSession) -> None:
    entry = await entries.create_entry(
        entry_input(), session=session, guild_id=GUILD, actor_id=1, now=datetime.now(UTC)
    )
    with pytest.raises(InvalidInput) as caught:
        await entries.update_entry(
            entry.id,
            EntryUpdate.parse(summary=""),
            session=session,
            guild_id=GUILD,
            actor_id=1,
            now=datetime.now(UTC),
        )
    assert (caught.value.field, caught.value.key) == ("summary", "error-required")
