"""New overdue settings (/settings reminders overdue-every: overdue-times:) on SQLite and
PostgreSQL: overdue stages are planned one at a time, so a change applies from the next one."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.jobs.reminders import ReminderDispatcher
from storage.db import Database
from storage.errors import InvalidInput
from storage.services import settings
from tests.bot.jobs.reminders.conftest import DedupingSender, run, setup
from tests.support.clocks import FixedClock
from tests.support.factories import GUILD, MODERATOR
from tests.support.milestone_factories import DAY, START

HOUR = timedelta(hours=1)


async def set_overdue(database: Database, *, now: datetime, **changes: int) -> None:
    async with database.transaction() as session:
        await settings.update_settings(
            session=session, guild_id=GUILD, actor_id=MODERATOR, now=now, **changes
        )


async def test_new_overdue_settings_apply_from_the_next_stage(
    database: Database, dispatcher: ReminderDispatcher, sender: DedupingSender, clock: FixedClock
) -> None:
    due = START + 10 * DAY
    await setup(database, due)
    for at in (due - 7 * DAY, due - DAY):
        await run(dispatcher, clock, at)
    # The due reminder plans overdue 1 a day later, with the settings of then.
    assert await run(dispatcher, clock, due) == due + DAY
    await set_overdue(database, now=clock.now(), overdue_interval_hours=6, overdue_max=1)

    assert await run(dispatcher, clock, due + DAY) == due + DAY + 6 * HOUR
    assert "(reminder 1 of 1)" in sender.sent[-1][1]["content"]
    assert await run(dispatcher, clock, due + DAY + 6 * HOUR) is None
    final = sender.sent[-1][1]
    assert "unacknowledged" in final["content"] and "after one reminder" in final["content"]
    assert final["allowed_mentions"] == {"parse": []}


async def test_more_overdue_reminders_turn_a_planned_final_notice_into_one(
    database: Database, dispatcher: ReminderDispatcher, sender: DedupingSender, clock: FixedClock
) -> None:
    due = START + 10 * DAY
    await setup(database, due)
    await set_overdue(database, now=clock.now(), overdue_max=0)
    at = due - 7 * DAY
    while at < due + DAY:  # leads, due; then the final notice is planned
        at = await run(dispatcher, clock, at)
    await set_overdue(database, now=clock.now(), overdue_max=2)

    assert await run(dispatcher, clock, due + DAY) == due + 2 * DAY
    assert "(reminder 1 of 2)" in sender.sent[-1][1]["content"]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("overdue_interval_hours", 0),
        ("overdue_interval_hours", 169),
        ("overdue_max", -1),
        ("overdue_max", 11),
        ("overdue_max", "3"),
        ("followthrough_days", 6),
    ],
)
async def test_out_of_bounds_settings_are_refused(
    session: AsyncSession, key: str, value: object
) -> None:
    with pytest.raises(InvalidInput) as refused:
        await settings.update_settings(
            session=session, guild_id=GUILD, actor_id=MODERATOR, now=START, **{key: value}
        )
    assert (refused.value.field, refused.value.key) == (key, "error-bad-value")
