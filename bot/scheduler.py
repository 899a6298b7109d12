"""The scheduler only wakes the bot up; the database holds what is due.

Each `Dispatcher` (reminders, digests) looks in its tables for work due at
`now`, does it exactly once (claims rows in the same transaction), and says
when it next has something due. The `Waker` keeps one APScheduler job per
dispatcher at that time, plus a slow safety poll. APScheduler 3 drops one-off
jobs that run later than `misfire_grace_time` (default 1 s): we set it to
None (run however late) and coalesce, so a late wake-up still runs, once.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from storage.clock import Clock

log = logging.getLogger(__name__)

SAFETY_POLL = timedelta(minutes=5)


class Dispatcher(Protocol):
    name: str

    async def run_due(self, now: datetime) -> datetime | None:
        """Do everything due at `now`; return when something is next due (None: nothing)."""
        ...


class Scheduler(Protocol):
    """What features need from the scheduler: a way to say "look again at T"."""

    def wake_at(self, dispatcher_name: str, when: datetime | None) -> None: ...


class Waker:
    """Wires dispatchers to APScheduler's AsyncIOScheduler (in-memory job store, UTC)."""

    def __init__(self, clock: Clock, dispatchers: list[Dispatcher]) -> None:
        self.clock = clock
        self.dispatchers = {d.name: d for d in dispatchers}
        self._locks = {d.name: asyncio.Lock() for d in dispatchers}
        self.scheduler = AsyncIOScheduler(
            timezone="UTC",
            job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
        )

    def start(self) -> None:
        self.scheduler.start()
        self.scheduler.add_job(
            self.run_all, IntervalTrigger(seconds=SAFETY_POLL.total_seconds()), id="safety-poll"
        )

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    async def run_all(self) -> None:
        """Run every dispatcher now: on start-up, after each (re)connect, and on the safety poll."""
        for name in self.dispatchers:
            await self.run(name)

    async def run(self, name: str) -> None:
        async with self._locks[name]:
            try:
                next_due = await self.dispatchers[name].run_due(self.clock.now())
            except Exception:
                # Logged, not swallowed: the safety poll tries again.
                log.exception("dispatcher %s failed; retrying on the next poll", name)
                return
        self.wake_at(name, next_due)

    def wake_at(self, dispatcher_name: str, when: datetime | None) -> None:
        job_id = f"wake-{dispatcher_name}"
        if when is None:
            if self.scheduler.get_job(job_id):
                self.scheduler.remove_job(job_id)
            return
        job = self.scheduler.get_job(job_id)
        if job is not None and job.next_run_time is not None and job.next_run_time <= when:
            return  # an earlier wake-up is already set; it will reschedule
        self.scheduler.add_job(
            self.run,
            DateTrigger(run_date=max(when, self.clock.now())),
            args=[dispatcher_name],
            id=job_id,
            replace_existing=True,
        )
