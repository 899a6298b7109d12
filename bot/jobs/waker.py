"""The scheduler only wakes the bot up; the database holds what is due.

Each `Dispatcher` (reminders, digests) looks in its tables for work due at
`now`, does it exactly once (claims rows in the same transaction), and says
when it next has something due. The `Waker` keeps one APScheduler job per
dispatcher at that time, plus a slow safety poll. APScheduler 3 drops one-off
jobs that run later than `misfire_grace_time` (default 1 s): we set it to
None (run however late) and coalesce, so a late wake-up still runs, once.

A dispatcher run that fails (the database is down) is retried after 5 s, then
10, 20, 40 and every 60 s until one succeeds: what fell due during an outage
goes out within seconds of the database coming back, not at the next poll.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.errors import database_unreachable
from bot.ops import metrics
from storage.clock import Clock, SystemClock

log = logging.getLogger(__name__)

SAFETY_POLL = timedelta(minutes=5)
FIRST_RETRY = timedelta(seconds=5)
LONGEST_RETRY = timedelta(seconds=60)


def retry_delay(failures: int) -> timedelta:
    """How long to wait after `failures` failed runs in a row: 5 s, doubling, at most 60 s."""
    doublings = min(failures - 1, 8)  # bounded: the delay stops at LONGEST_RETRY anyway
    return min(FIRST_RETRY * 2**doublings, LONGEST_RETRY)


class Dispatcher(Protocol):
    name: str

    async def run_due(self, now: datetime) -> datetime | None:
        """Do everything due at `now`; return when something is next due (None: nothing)."""
        ...


class Waker:
    """Wires dispatchers to APScheduler's AsyncIOScheduler (in-memory job store, UTC).

    `clock` is the time dispatchers work at; `wall_clock` times retries, since
    APScheduler waits in real time even when tests move `clock` by hand.
    """

    def __init__(
        self, clock: Clock, dispatchers: list[Dispatcher], *, wall_clock: Clock | None = None
    ) -> None:
        self.clock = clock
        self.wall_clock = wall_clock or SystemClock()
        self.dispatchers = {d.name: d for d in dispatchers}
        self._locks = {d.name: asyncio.Lock() for d in dispatchers}
        self.failures = {d.name: 0 for d in dispatchers}  # failed runs in a row
        self._closing = False
        self._planned: dict[str, datetime] = {}  # when each wake-up was set to run
        self.scheduler = AsyncIOScheduler(
            timezone="UTC",
            # Two at once: a run that asks to be woken at once (more was due) is then still
            # running, and APScheduler would drop the wake-up as a second instance. Runs of
            # one dispatcher take turns on its lock.
            job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 2},
        )

    def start(self) -> None:
        self.scheduler.start()
        self.scheduler.add_job(
            self.run_all,
            IntervalTrigger(seconds=SAFETY_POLL.total_seconds()),
            id="safety-poll",
            max_instances=1,
        )

    def shutdown(self) -> None:
        """No new runs from now on; see `drain` for those under way."""
        self._closing = True
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    async def drain(self) -> None:
        """Wait for the runs under way, so that none is cut off holding a connection."""
        for lock in self._locks.values():
            async with lock:
                pass

    async def run_all(self) -> None:
        """Run every dispatcher now: on start-up, after each (re)connect, and on the safety poll."""
        for name in self.dispatchers:
            await self.run(name)

    async def run(self, name: str) -> None:
        if self._closing:
            return
        planned = self._planned.get(name)
        if planned is not None and planned <= self.clock.now():  # this is that wake-up
            del self._planned[name]
            metrics.SCHEDULER_LAG.observe((self.clock.now() - planned).total_seconds())
        async with self._locks[name]:
            try:
                next_due = await self.dispatchers[name].run_due(self.clock.now())
            except Exception as error:
                self._retry_later(name, error)
                return
        if self.failures[name]:
            log.info("dispatcher %s ran again after %d failures", name, self.failures[name])
            self.failures[name] = 0
            if self.scheduler.get_job(f"retry-{name}"):
                self.scheduler.remove_job(f"retry-{name}")
        self.wake_at(name, next_due)

    def _retry_later(self, name: str, error: Exception) -> None:
        self.failures[name] += 1
        delay = retry_delay(self.failures[name])
        if database_unreachable(error):  # expected while the database is down: no traceback
            metrics.DATABASE_ERRORS.inc()
            log.warning(
                "dispatcher %s: database unreachable (%s); retrying in %s", name, error, delay
            )
        else:
            log.error("dispatcher %s failed; retrying in %s", name, delay, exc_info=error)
        self.scheduler.add_job(
            self.run,
            DateTrigger(run_date=self.wall_clock.now() + delay),
            args=[name],
            id=f"retry-{name}",
            replace_existing=True,
        )

    def wake_at(self, dispatcher_name: str, when: datetime | None) -> None:
        """Make sure the dispatcher runs at `when`. None (nothing due) removes nothing: a
        wake-up already set may be a command's, set while the dispatcher was running and
        for work it did not see; at worst it finds nothing to do."""
        if when is None:
            return
        job_id = f"wake-{dispatcher_name}"
        job = self.scheduler.get_job(job_id)
        if job is not None and job.next_run_time is not None and job.next_run_time <= when:
            return  # an earlier wake-up is already set; it will reschedule
        run_date = max(when, self.clock.now())
        self._planned[dispatcher_name] = run_date
        self.scheduler.add_job(
            self.run,
            DateTrigger(run_date=run_date),
            args=[dispatcher_name],
            id=job_id,
            replace_existing=True,
        )
