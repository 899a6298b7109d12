"""SQLite locked by a second writer, through the real bot and the Discord double.

Another program (plain sqlite3) holds the write lock with `BEGIN IMMEDIATE` while a
moderator changes a setting, a volunteer confirms a proposal, and a reminder and a
digest fall due. Within the busy timeout they all wait and succeed, the commands
answering within Discord's 3 s deadline; past it, the commands answer "try again
shortly", nothing is half-written, and the dispatchers deliver once the lock is gone.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy.engine import make_url

from bot.double import Message
from storage.db import SQLITE_BUSY_TIMEOUT_MS
from tests.e2e import test_digest_commands
from tests.e2e.conftest import World
from tests.e2e.test_db_faults import (
    asked,
    audit_rows,
    followthrough_days,
    told_to_try_again,
)
from tests.e2e.test_digest_commands import SLOT
from tests.e2e.test_faults import posted, reminder_due, weekly_digest
from tests.e2e.test_proposals import confirmation, stored
from tests.support.clocks import FixedClock

clock = test_digest_commands.clock  # the fixture: the bot on a FixedClock
BUSY_TIMEOUT = SQLITE_BUSY_TIMEOUT_MS / 1000


@contextmanager
def second_writer(database_url: str, seconds: float) -> Iterator[list[float]]:
    """Another program holds the write lock for `seconds`; yields [when it let go]."""
    other = sqlite3.connect(make_url(database_url).database or "", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO app_state (key, value) VALUES ('other-writer', 'busy')")
    released: list[float] = []

    def release() -> None:
        other.execute("COMMIT")
        released.append(time.monotonic())

    handle = asyncio.get_running_loop().call_later(seconds, release)
    try:
        yield released
    finally:
        if not released:
            handle.cancel()
            release()
        other.close()


async def everything_due(world: World, clock: FixedClock) -> None:
    await reminder_due(world, clock)
    await weekly_digest(world, world.general)
    clock.set(SLOT + timedelta(minutes=1))  # the reminder and the digest are both due


async def everything_waiting(
    world: World, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> tuple[Message, str]:
    """A reminder and a digest due, a proposal to confirm (its message and Confirm's id),
    and the warnings logged from now on."""
    caplog.set_level(logging.WARNING)
    await everything_due(world, clock)
    return await confirmation(world)


async def test_writers_wait_for_the_lock_and_succeed(
    world: World, clock: FixedClock, e2e_db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    confirm, confirm_id = await everything_waiting(world, clock, caplog)
    assert world.bot.waker is not None
    with second_writer(e2e_db_url, seconds=1.0) as released:
        (settings_ix, saved), (confirm_ix, confirmed), _ = await asyncio.gather(
            asked(world.double.slash(world.moderator, "settings follow-through", {"days": 30})),
            asked(world.double.click(world.volunteer, confirm, confirm_id)),
            world.bot.waker.run_all(),
        )
    for ix, response in ((settings_ix, saved), (confirm_ix, confirmed)):
        assert not told_to_try_again(ix, response)
        assert ix.responded_at is not None and ix.responded_at >= released[0]  # it waited
    assert await followthrough_days(world) == 30
    assert await stored(world, "Museo Abierto") is not None
    assert "Museo Abierto" in (await world.double.wait_for_message(world.review)).text
    assert not any(world.bot.waker.failures.values())
    await world.bot.waker.run_all()
    assert len(posted(world, world.reminders)) == 1 and len(posted(world, world.general)) == 1
    ours = [r for r in caplog.records if r.name.startswith(("bot.", "commands", "storage"))]
    assert not [r for r in ours if r.levelno >= logging.WARNING]  # nothing failed


async def test_lock_held_past_the_busy_timeout_answers_try_again(
    world: World, clock: FixedClock, e2e_db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    confirm, confirm_id = await everything_waiting(world, clock, caplog)
    assert world.bot.waker is not None
    days, audited = await followthrough_days(world), await audit_rows(world)
    with second_writer(e2e_db_url, seconds=BUSY_TIMEOUT + 1):
        answers = await asyncio.gather(
            asked(world.double.slash(world.moderator, "settings follow-through", {"days": 30})),
            asked(world.double.click(world.volunteer, confirm, confirm_id)),
            world.bot.waker.run("reminders"),
            world.bot.waker.run("digests"),
        )
        for ix, response in answers[:2]:
            assert told_to_try_again(ix, response), response
        failures = world.bot.waker.failures
        assert failures["reminders"] == failures["digests"] == 1  # retries are set
    assert await followthrough_days(world) == days and await audit_rows(world) == audited
    assert await stored(world, "Museo Abierto") is None
    assert posted(world, world.reminders) == [] and posted(world, world.general) == []

    await world.bot.waker.run_all()  # as the retry would, a few seconds later
    await world.bot.waker.run_all()
    assert len(posted(world, world.reminders)) == 1 and len(posted(world, world.general)) == 1
    await asked(world.double.click(world.volunteer, confirm, confirm_id))
    assert "Museo Abierto" in (await world.double.wait_for_message(world.review)).text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
