"""What the reminders dispatcher tests share: a fixed clock, a sender that dedupes nonces
as Discord does, a dispatcher over the test database, and milestones to remind of."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
from sqlmodel import select

from bot.jobs.reminders import ReminderDispatcher
from bot.jobs.sender import SentMessage
from storage.db import Database
from storage.models import Reminder
from tests.support.clocks import FixedClock
from tests.support.fakes import RecordingSender
from tests.support.milestone_factories import (
    COORDINATOR,
    START,
    configure,
    new_entry,
    new_milestone,
)

Payload = dict[str, Any]


@dataclass
class DedupingSender(RecordingSender):
    """Like Discord with `enforce_nonce`: a resend with a known nonce returns the first message."""

    first: dict[tuple[int, str], SentMessage] = field(default_factory=dict)
    attempts: list[str] = field(default_factory=list)  # every nonce asked for, kept or dropped

    async def send(self, channel_id: int, payload: Payload, *, nonce: str) -> SentMessage:
        self.attempts.append(nonce)
        if (channel_id, nonce) in self.first:
            return self.first[(channel_id, nonce)]
        sent = await super().send(channel_id, payload, nonce=nonce)
        self.first[(channel_id, nonce)] = sent
        return sent


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def sender() -> DedupingSender:
    return DedupingSender()


@pytest.fixture
def dispatcher(database: Database, sender: DedupingSender) -> ReminderDispatcher:
    return ReminderDispatcher(database, sender)


async def setup(database: Database, *dues: datetime, coordinator: int | None = COORDINATOR):
    async with database.transaction() as session:
        await configure(session)
        entry = await new_entry(session, name="Wikimedia–OpenStreetMap")
        made = [
            await new_milestone(
                session, entry, due=due, title=f"Milestone {n}", coordinator=coordinator
            )
            for n, due in enumerate(dues, start=1)
        ]
    return made


async def run(dispatcher: ReminderDispatcher, clock: FixedClock, at: datetime) -> datetime | None:
    clock.set(at)
    return await dispatcher.run_due(clock.now())


async def states(database: Database) -> dict[str, int]:
    async with database.sessions() as session:
        rows = (await session.exec(select(Reminder.state))).all()
    return {state: rows.count(state) for state in set(rows)}
