"""The Waker's retries after a failed dispatcher run, on fixed clocks: nothing sleeps.

The scheduler is started paused, so jobs get their run times but never fire; a
test "fires" a retry by calling the job's function itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.job import Job
from sqlalchemy.exc import OperationalError

from bot.jobs.waker import Waker, retry_delay
from storage.clock import SystemClock
from tests.support.clocks import FixedClock

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
WALL = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)  # APScheduler's real time, apart from NOW
SECONDS = [5, 10, 20, 40, 60, 60]


class FlakyDispatcher:
    """Fails while `failing` holds an error; otherwise says it is next due in a day."""

    name = "reminders"

    def __init__(self) -> None:
        self.failing: Exception | None = None
        self.runs: list[datetime] = []

    async def run_due(self, now: datetime) -> datetime | None:
        self.runs.append(now)
        if self.failing is not None:
            raise self.failing
        return now + timedelta(days=1)


@pytest.fixture
def dispatcher() -> FlakyDispatcher:
    return FlakyDispatcher()


@pytest.fixture
async def waker(dispatcher: FlakyDispatcher) -> AsyncIterator[Waker]:
    waker = Waker(FixedClock(NOW), [dispatcher], wall_clock=FixedClock(WALL))
    waker.scheduler.start(paused=True)
    yield waker
    waker.shutdown()


def retry_job(waker: Waker) -> Job | None:
    return waker.scheduler.get_job("retry-reminders")


async def fire(job: Job) -> None:
    await job.func(*job.args)


def unreachable() -> OperationalError:
    return OperationalError("SELECT 1", {}, ConnectionRefusedError(111, "Connection refused"))


def test_delay_doubles_from_five_seconds_up_to_a_minute() -> None:
    assert [retry_delay(n).total_seconds() for n in range(1, 8)] == [*SECONDS, 60]
    assert retry_delay(1_000) == timedelta(seconds=60)


async def test_each_failure_schedules_a_retry_further_off(
    waker: Waker, dispatcher: FlakyDispatcher
) -> None:
    dispatcher.failing = unreachable()
    await waker.run("reminders")
    waits = []
    for _ in SECONDS:
        job = retry_job(waker)
        assert job is not None and job.args == ("reminders",)
        waits.append((job.next_run_time - WALL).total_seconds())
        await fire(job)  # the retry runs, and fails again
    assert waits == SECONDS
    assert waker.failures["reminders"] == len(SECONDS) + 1
    assert dispatcher.runs == [NOW] * (len(SECONDS) + 1)  # the work is asked for at `clock` time


async def test_success_resets_the_backoff_and_wakes_as_usual(
    waker: Waker, dispatcher: FlakyDispatcher
) -> None:
    dispatcher.failing = unreachable()
    await waker.run("reminders")
    first = retry_job(waker)
    assert first is not None
    await fire(first)
    dispatcher.failing = None
    await waker.run("reminders")  # e.g. the safety poll, before the retry was due
    assert retry_job(waker) is None and waker.failures["reminders"] == 0
    wake = waker.scheduler.get_job("wake-reminders")
    assert wake is not None and wake.next_run_time == NOW + timedelta(days=1)

    dispatcher.failing = unreachable()
    await waker.run("reminders")
    job = retry_job(waker)
    assert job is not None and job.next_run_time == WALL + timedelta(seconds=5)


async def test_outage_is_a_warning_and_a_bug_keeps_its_traceback(
    waker: Waker, dispatcher: FlakyDispatcher, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.jobs.waker"):
        dispatcher.failing = unreachable()
        await waker.run("reminders")
        dispatcher.failing = KeyError("a bug")
        await waker.run("reminders")
    outage, bug = caplog.records
    assert outage.levelno == logging.WARNING and outage.exc_info is None
    assert "database unreachable" in outage.getMessage()
    assert "retrying in 0:00:05" in outage.getMessage()
    assert bug.levelno == logging.ERROR and bug.exc_info is not None
    assert "retrying in 0:00:10" in bug.getMessage()  # a bug is retried too, on the same backoff


class CommandDuringRun:
    """Finds nothing due, while a command (running meanwhile) asks for a wake-up."""

    name = "reminders"

    def __init__(self) -> None:
        self.waker: Waker | None = None

    async def run_due(self, now: datetime) -> datetime | None:
        assert self.waker is not None
        self.waker.wake_at(self.name, now + timedelta(hours=1))  # a milestone just added
        return None


async def test_a_run_that_finds_nothing_keeps_a_wake_up_set_meanwhile() -> None:
    dispatcher = CommandDuringRun()
    waker = Waker(FixedClock(NOW), [dispatcher], wall_clock=FixedClock(WALL))
    dispatcher.waker = waker
    waker.scheduler.start(paused=True)
    try:
        await waker.run("reminders")
        wake = waker.scheduler.get_job("wake-reminders")
        assert wake is not None and wake.next_run_time == NOW + timedelta(hours=1)
    finally:
        waker.shutdown()


class MoreDueAtOnce:
    """Its first run leaves work due at once (a batch limit); the second records itself."""

    name = "reminders"

    def __init__(self) -> None:
        self.runs = 0
        self.second = asyncio.Event()

    async def run_due(self, now: datetime) -> datetime | None:
        self.runs += 1
        if self.runs == 1:
            return now  # asked from inside the running job: must not be dropped
        self.second.set()
        return None


async def test_a_run_that_asks_to_run_again_at_once_is_woken() -> None:
    dispatcher = MoreDueAtOnce()
    clock = SystemClock()
    waker = Waker(clock, [dispatcher])
    waker.scheduler.start()
    try:
        waker.wake_at("reminders", clock.now())
        await asyncio.wait_for(dispatcher.second.wait(), timeout=5)
    finally:
        waker.shutdown()
