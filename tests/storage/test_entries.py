"""Entry rules on SQLite, PostgreSQL and MariaDB: uniqueness, guild isolation, audit,
decisions."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import Database
from storage.errors import (
    AlreadyDecided,
    DuplicateName,
    InvalidInput,
    InvalidTransition,
    NotFound,
)
from storage.models import Status
from storage.schemas import EntryInput, EntryUpdate
from storage.services import audit, entries
from storage.services import support as support_service
from tests.support.factories import GUILD, MODERATOR, OTHER_GUILD, VOLUNTEER, entry_input


async def test_create_and_read_back_utc(session: AsyncSession) -> None:
    due = datetime(2027, 3, 1, 17, 0, tzinfo=timezone(timedelta(hours=1)))
    entry = await entries.create_entry(
        entry_input(
            kind="partnership",
            name="Wiki-to-print",
            success_measures="3 books",
            reporting_due_at=due,
        ),
        session=session,
        guild_id=GUILD,
        actor_id=VOLUNTEER,
        now=datetime.now(UTC),
    )
    await session.commit()
    session.expunge_all()
    loaded = await entries.get_entry(entry.id, session=session, guild_id=GUILD)
    assert loaded.reporting_due_at == due
    assert loaded.reporting_due_at.tzinfo is not None
    assert loaded.reporting_due_at.utcoffset() == timedelta(0)
    assert loaded.created_at.tzinfo is not None
    assert loaded.status == Status.PROPOSED


async def test_names_unique_per_guild_case_and_accent_insensitive(session: AsyncSession) -> None:
    await entries.create_entry(
        entry_input(name="Educación Abierta"),
        session=session,
        guild_id=GUILD,
        actor_id=1,
        now=datetime.now(UTC),
    )
    with pytest.raises(DuplicateName):
        await entries.create_entry(
            entry_input(name="  EDUCACION   abierta "),
            session=session,
            guild_id=GUILD,
            actor_id=1,
            now=datetime.now(UTC),
        )
    # The same name in another guild is fine.
    other = await entries.create_entry(
        entry_input(name="Educación Abierta"),
        session=session,
        guild_id=OTHER_GUILD,
        actor_id=1,
        now=datetime.now(UTC),
    )
    assert other.id is not None


async def test_names_with_emoji_and_microseconds_read_back(session: AsyncSession) -> None:
    """utf8mb4 on MariaDB (its utf8 holds no emoji), and times to the microsecond."""
    entry = await entries.create_entry(
        entry_input(name="Wiki Loves Earth 🌍 Ñandú"),
        session=session,
        guild_id=GUILD,
        actor_id=1,
        now=datetime(2026, 12, 7, 9, 30, 15, 123456, tzinfo=UTC),
    )
    await session.commit()
    session.expunge_all()
    loaded = await entries.get_entry(entry.id, session=session, guild_id=GUILD)
    assert loaded.name == "Wiki Loves Earth 🌍 Ñandú"
    assert loaded.created_at == entry.created_at  # microseconds kept
    with pytest.raises(DuplicateName):
        await entries.create_entry(
            entry_input(name="wiki loves earth 🌍 ñandu"),
            session=session,
            guild_id=GUILD,
            actor_id=1,
            now=datetime.now(UTC),
        )


async def test_other_guild_cannot_read_or_write(session: AsyncSession) -> None:
    entry = await entries.create_entry(
        entry_input(), session=session, guild_id=GUILD, actor_id=1, now=datetime.now(UTC)
    )
    with pytest.raises(NotFound):
        await entries.get_entry(entry.id, session=session, guild_id=OTHER_GUILD)
    with pytest.raises(NotFound):
        await entries.update_entry(
            entry.id,
            EntryUpdate.parse(summary="x"),
            session=session,
            guild_id=OTHER_GUILD,
            actor_id=1,
            now=datetime.now(UTC),
        )
    with pytest.raises(NotFound):
        await entries.decide(
            entry.id,
            approve=True,
            session=session,
            guild_id=OTHER_GUILD,
            actor_id=1,
            now=datetime.now(UTC),
        )


@pytest.mark.parametrize(
    ("overrides", "field", "key"),
    [
        ({"name": "x" * 101}, "name", "error-too-long"),
        ({"name": "   "}, "name", "error-required"),
        ({"name": "two\nlines"}, "name", "error-one-line"),
        (
            {"kind": "partnership", "success_measures": None},
            "success_measures",
            "error-measures-required",
        ),
        ({"area": "gardening"}, "area", "error-bad-choice"),
        ({"links": "javascript:alert(1)"}, "links", "error-bad-link"),
        ({"summary": "y" * 5000}, "summary", "error-too-long"),
    ],
)
def test_input_validation(overrides: dict, field: str, key: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        entry_input(**overrides)
    assert caught.value.field == field
    assert caught.value.key == key


def test_control_characters_are_dropped() -> None:
    data = entry_input(name="Bad\x00Name\x1b", summary="ok\x07")
    assert data.name == "BadName"
    assert data.summary == "ok"


async def test_update_is_audited_with_before_and_after(session: AsyncSession) -> None:
    entry = await entries.create_entry(
        entry_input(), session=session, guild_id=GUILD, actor_id=1, now=datetime.now(UTC)
    )
    await entries.update_entry(
        entry.id,
        EntryUpdate.parse(summary="New summary", area="outreach"),
        session=session,
        guild_id=GUILD,
        actor_id=MODERATOR,
        now=datetime.now(UTC),
    )
    events = await audit.history(session=session, guild_id=GUILD, entry_id=entry.id)
    assert [e.action for e in events] == ["edit", "create"]
    assert events[0].actor_id == MODERATOR
    assert events[0].before == {"summary": entry_input().summary, "area": "content"}
    assert events[0].after == {"summary": "New summary", "area": "outreach"}
    # A change that changes nothing writes no event.
    await entries.update_entry(
        entry.id,
        EntryUpdate.parse(summary="New summary"),
        session=session,
        guild_id=GUILD,
        actor_id=1,
        now=datetime.now(UTC),
    )
    assert len(await audit.history(session=session, guild_id=GUILD, entry_id=entry.id)) == 2


async def test_reject_needs_reason_and_decides_once(session: AsyncSession) -> None:
    entry = await entries.create_entry(
        entry_input(), session=session, guild_id=GUILD, actor_id=1, now=datetime.now(UTC)
    )
    with pytest.raises(InvalidInput):
        await entries.decide(
            entry.id,
            approve=False,
            session=session,
            guild_id=GUILD,
            actor_id=MODERATOR,
            reason=" ",
            now=datetime.now(UTC),
        )
    decided = await entries.decide(
        entry.id,
        approve=False,
        session=session,
        guild_id=GUILD,
        actor_id=MODERATOR,
        reason="Out of scope",
        now=datetime.now(UTC),
    )
    assert decided.status == Status.REJECTED
    assert decided.rejection_reason == "Out of scope"
    with pytest.raises(AlreadyDecided):
        await entries.decide(
            entry.id,
            approve=True,
            session=session,
            guild_id=GUILD,
            actor_id=2,
            now=datetime.now(UTC),
        )


async def test_two_moderators_at_once_exactly_one_wins(database: Database) -> None:
    async with database.transaction() as session:
        entry = await entries.create_entry(
            entry_input(), session=session, guild_id=GUILD, actor_id=1, now=datetime.now(UTC)
        )

    async def decide(actor: int) -> str:
        try:
            async with database.transaction() as session:
                await entries.decide(
                    entry.id,
                    approve=True,
                    session=session,
                    guild_id=GUILD,
                    actor_id=actor,
                    now=datetime.now(UTC),
                )
            return "won"
        except AlreadyDecided:
            return "lost"

    results = await asyncio.gather(*(decide(actor) for actor in range(1, 6)))
    assert sorted(results) == ["lost"] * 4 + ["won"]


async def test_status_transitions(session: AsyncSession) -> None:
    entry = await entries.create_entry(
        entry_input(), session=session, guild_id=GUILD, actor_id=1, now=datetime.now(UTC)
    )
    with pytest.raises(InvalidTransition):
        await entries.change_status(
            entry.id,
            Status.COMPLETED,
            session=session,
            guild_id=GUILD,
            actor_id=1,
            now=datetime.now(UTC),
        )
    await entries.decide(
        entry.id,
        approve=True,
        session=session,
        guild_id=GUILD,
        actor_id=MODERATOR,
        now=datetime.now(UTC),
    )
    done = await entries.change_status(
        entry.id,
        Status.COMPLETED,
        session=session,
        guild_id=GUILD,
        actor_id=MODERATOR,
        outcomes="Met",
        lessons="Start early",
        now=datetime.now(UTC),
    )
    assert (done.status, done.outcomes, done.lessons) == (Status.COMPLETED, "Met", "Start early")


async def test_support_toggles(session: AsyncSession) -> None:
    entry = await entries.create_entry(
        entry_input(), session=session, guild_id=GUILD, actor_id=1, now=datetime.now(UTC)
    )
    entry, supporting = await support_service.toggle_support(
        entry.id, session=session, guild_id=GUILD, user_id=5
    )
    assert supporting and entry.support_count == 1
    entry, _ = await support_service.toggle_support(
        entry.id, session=session, guild_id=GUILD, user_id=6
    )
    assert entry.support_count == 2
    assert await support_service.supporters(session=session, guild_id=GUILD, entry_id=entry.id) == [
        5,
        6,
    ]
    entry, supporting = await support_service.toggle_support(
        entry.id, session=session, guild_id=GUILD, user_id=5
    )
    assert not supporting and entry.support_count == 1


def test_naive_datetime_refused() -> None:
    with pytest.raises(InvalidInput):
        EntryInput.parse(
            kind="partnership",
            name="n",
            area="content",
            steward="chapter",
            success_measures="m",
            reporting_due_at=datetime(2027, 1, 1),  # noqa: DTZ001
        )
    assert datetime.now(UTC).tzinfo is UTC
