"""Reminder lateness: from a reminder's due time to the moment it was handed to Discord.

The real Waker (APScheduler) and ReminderDispatcher run on the system clock against
a temporary SQLite database; the sender records when each message left. Prints the
median, p99 and worst lateness, and how many messages carried the reminders. A share
of the milestones recur every day (`--recurring`): their next occurrence must be
planned exactly once when their due time comes, which the run checks.
Usage: `.venv/bin/python bench/reminders.py [--milestones 300] [--spread 5]
[--recurring 0.2] [--quick]`.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dateutil import rrule

from bot.jobs.reminders import ReminderDispatcher
from bot.jobs.sender import SentMessage
from bot.jobs.waker import Waker
from storage.clock import SystemClock
from storage.db import Database, upgrade
from storage.models import Milestone, Reminder, ReminderState
from storage.schemas import EntryInput
from storage.services import entries, milestones
from storage.services.recurrence import Recurrence
from storage.services.settings import update_settings

GUILD, CHANNEL, COORDINATOR = 10**17, 2 * 10**17, 3 * 10**17
DAILY_RULE = Recurrence(rrule.DAILY)


class TimingSender:
    """Records the wall-clock time each message left, standing in for Discord."""

    def __init__(self) -> None:
        self.sent: list[tuple[datetime, dict[str, Any]]] = []

    async def send(self, channel_id: int, payload: dict[str, Any], *, nonce: str) -> SentMessage:
        self.sent.append((datetime.now(UTC), payload))
        return SentMessage(channel_id, len(self.sent))

    async def send_dm(self, user_id: int, payload: dict[str, Any], *, nonce: str) -> SentMessage:
        return await self.send(user_id, payload, nonce=nonce)

    async def edit(self, channel_id: int, message_id: int, payload: dict[str, Any]) -> None:
        return None


async def seed_guild(
    session: AsyncSession,
    *,
    guild_id: int,
    channel_id: int,
    dues: Sequence[datetime],
    coordinators: Sequence[int],
    now: datetime,
    every: int = 0,
) -> None:
    """A guild posting reminders in `channel_id`, with a milestone due at each of `dues`
    (coordinators taking turns; every `every`-th one daily, if `every`), added at `now`."""
    await update_settings(
        session=session, guild_id=guild_id, actor_id=None, now=now, reminder_channel_id=channel_id
    )
    entry = await entries.create_entry(
        EntryInput.parse(
            kind="alliance", name=f"Bench {guild_id}", area="content", steward="volunteers"
        ),
        session=session,
        guild_id=guild_id,
        actor_id=None,
        now=now,
    )
    for number, due in enumerate(dues):
        await milestones.add_milestone(
            session=session,
            guild_id=guild_id,
            entry_id=entry.id,
            title=f"Milestone {number}",
            due_at=due,
            coordinator_id=coordinators[number % len(coordinators)],
            actor_id=None,
            now=now,
            repeat=DAILY_RULE if every and number % every == 0 else None,
        )


async def seed(database: Database, count: int, spread: float, recurring: float) -> datetime:
    """`count` milestones falling due over the next `spread` seconds, every
    1/`recurring`-th of them daily; returns the last due time."""
    now = datetime.now(UTC)
    start = now + timedelta(seconds=1.5)
    async with database.transaction() as session:
        await seed_guild(
            session,
            guild_id=GUILD,
            channel_id=CHANNEL,
            dues=[start + timedelta(seconds=spread * n / max(1, count - 1)) for n in range(count)],
            coordinators=[COORDINATOR],
            now=now,
            every=round(1 / recurring) if recurring > 0 else 0,
        )
    return start + timedelta(seconds=spread)


async def measure(count: int, spread: float, recurring: float) -> int:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        await asyncio.to_thread(upgrade, url)
        database = Database(url)
        last_due = await seed(database, count, spread, recurring)
        sender = TimingSender()
        waker = Waker(SystemClock(), [ReminderDispatcher(database, sender)])
        waker.start()
        await waker.run_all()  # as at start-up: schedules the first wake-up
        deadline = time.monotonic() + spread + 30
        async with database.sessions() as session:
            # Only what fell due in the window: overdue stages wait for tomorrow.
            due = select(Reminder).where(Reminder.fire_at <= last_due)
            while time.monotonic() < deadline:
                rows = (await session.exec(due)).all()
                if rows and all(r.state == ReminderState.SENT for r in rows):
                    break
                session.expire_all()
                await asyncio.sleep(0.05)
            rows = (await session.exec(due)).all()
            recurring_rows = select(Milestone).where(col(Milestone.recurrence).is_not(None))
            series = (await session.exec(recurring_rows)).all()
        waker.shutdown()
        await database.dispose()
    sent = [r for r in rows if r.state == ReminderState.SENT and r.sent_at is not None]
    # sent_at is the dispatcher's clock when it woke: lateness of the wake-up itself.
    lateness = sorted((r.sent_at - r.fire_at).total_seconds() * 1000 for r in sent)
    print(f"reminders due: {len(rows)} over {spread:g} s; delivered: {len(sent)}")
    print(f"messages sent: {len(sender.sent)} (several reminders due together share one)")
    if lateness:
        p99 = lateness[min(len(lateness) - 1, int(len(lateness) * 0.99))]
        print(
            f"lateness ms: median {statistics.median(lateness):.1f}, p99 {p99:.1f}, "
            f"worst {lateness[-1]:.1f}"
        )
    print(f"last due at {last_due:%H:%M:%S.%f}"[:-3])
    firsts = [m for m in series if m.occurrence == 0]
    nexts = [m for m in series if m.occurrence == 1]
    once = len({m.series_id for m in nexts}) == len(nexts) == len(firsts)
    print(
        f"recurring: {len(firsts)} series; next occurrences planned: {len(nexts)} "
        f"({'exactly once each' if once else 'NOT once each'})"
    )
    return 0 if len(sent) == len(rows) and once else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--milestones", type=int, default=300)
    parser.add_argument(
        "--spread", type=float, default=5.0, help="seconds over which they fall due"
    )
    parser.add_argument(
        "--recurring", type=float, default=0.2, help="share of milestones that recur daily"
    )
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.milestones, args.spread = 30, 2.0
    return asyncio.run(measure(args.milestones, args.spread, args.recurring))


if __name__ == "__main__":
    raise SystemExit(main())
