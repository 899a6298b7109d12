"""Reminders and their buttons, through the real bot and the double, on a fixed clock."""

from __future__ import annotations

import json
from datetime import timedelta

from storage.services import entries, milestones
from tests.e2e.conftest import World, start_bot, stop_bot
from tests.e2e.milestone_steps import (
    DAY,
    ENTRY,
    add,
    click,
    first_reminder,
    ids,
    past_first_reminder,
    run,
    set_reminder_channel,
    stored,
    unseen,
)
from tests.support.clocks import FixedClock
from tests.support.milestone_factories import stages

# --- reminders and their buttons -------------------------------------------------------------


async def test_reminder_pings_the_coordinator_and_done_stops_it(
    world: World, clock: FixedClock
) -> None:
    milestone, reminder = await first_reminder(world, clock, "Final report", world.volunteer)
    assert world.double.pings(reminder) == {world.volunteer.id}
    assert "Final report" in reminder.content
    assert ids(reminder) == [
        f"ms:done:{milestone.id}",
        *(f"ms:snooze:{milestone.id}:{s}" for s in (3600, 86400, 604800)),
    ]
    refused = await click(world, world.stranger, reminder, f"ms:done:{milestone.id}")
    assert refused.ephemeral and "Only this milestone's coordinator" in refused.content
    assert (await stored(world, "Final report")).done_at is None

    done = await click(world, world.volunteer, reminder, f"ms:done:{milestone.id}")
    # The reminder itself says who marked it done, and its buttons are disabled.
    assert done.id == reminder.id
    edited = world.double.store.by_id[reminder.id]
    assert f"“Final report” marked done by <@{world.volunteer.id}>" in edited.content
    assert all(c.get("disabled") for c in edited.walk_components() if c.get("custom_id"))
    assert (await stored(world, "Final report")).done_at is not None
    # Done again (a disabled button cannot be pressed; the command can be typed): said so.
    again = await run(world, "milestone done", world.volunteer, {"milestone": str(milestone.id)})
    assert again.ephemeral and "“Final report” is already done." in again.content
    clock.advance(2 * DAY)  # past the due time
    await world.bot.waker.run_all()
    assert unseen(world) == []


async def test_snooze_moves_the_next_reminder(world: World, clock: FixedClock) -> None:
    milestone, reminder = await first_reminder(world, clock, "Grant report", world.volunteer)
    snoozed = await click(world, world.volunteer, reminder, f"ms:snooze:{milestone.id}:86400")
    assert "Snoozed for 1 day" in snoozed.content
    clock.advance(DAY - timedelta(minutes=5))  # past the due time, not yet the snooze's end
    await world.bot.waker.run_all()
    assert unseen(world) == []
    clock.advance(timedelta(minutes=6))
    await world.bot.waker.run_all()
    again = await world.double.wait_for_message(world.reminders)
    assert "Grant report" in again.content and world.double.pings(again) == {world.volunteer.id}


async def test_buttons_work_after_a_restart(
    world: World, clock: FixedClock, e2e_db_url: str
) -> None:
    milestone, reminder = await first_reminder(world, clock, "Survives", world.volunteer)
    await stop_bot(world.bot, world.bot_task)
    world.bot, world.bot_task = await start_bot(world.double, e2e_db_url, clock=clock)
    done = await click(world, world.volunteer, reminder, f"ms:done:{milestone.id}")
    assert "marked done by" in done.content
    assert (await stored(world, "Survives")).done_at is not None


async def test_after_downtime_each_reminder_arrives_once_marked_late(
    world: World, clock: FixedClock, e2e_db_url: str
) -> None:
    await set_reminder_channel(world)
    async with world.bot.database.transaction() as session:
        entry = await entries.find_by_name(session=session, guild_id=world.guild.id, name=ENTRY)
        for number in range(1, 7):
            await milestones.add_milestone(
                session=session,
                guild_id=world.guild.id,
                entry_id=entry.id,
                title=f"Step {number}",
                due_at=clock.now() + number * DAY,
                coordinator_id=world.volunteer.id,
                actor_id=world.moderator.id,
                now=clock.now(),
            )
    await stop_bot(world.bot, world.bot_task)
    clock.advance(8 * DAY)
    world.bot, world.bot_task = await start_bot(world.double, e2e_db_url, clock=clock)
    await world.bot.waker.run_all()  # after the start-up run, whichever came first
    batch = await world.double.wait_for_message(world.reminders)
    await world.bot.waker.run_all()
    assert unseen(world) == []
    lines = batch.embeds[0]["description"].split("\n")
    for number in range(1, 7):
        mine = [line for line in lines if f"Step {number}" in line]
        assert len(mine) == 1 and "late" in mine[0]
    assert world.double.pings(batch) == {world.volunteer.id}

    # Six do not fit a row of buttons each: a menu gives the picked one its buttons, privately.
    step = await stored(world, "Step 3")
    picked = await world.double.select(world.volunteer, batch, "ms:pick:1", [str(step.id)])
    actions = (await picked.response()).message
    assert actions.ephemeral and "Step 3" in actions.content
    done = await click(world, world.volunteer, actions, f"ms:done:{step.id}")
    assert "marked done by" in done.content
    assert (await stored(world, "Step 3")).done_at is not None


async def test_without_coordinator_the_role_is_pinged_and_may_answer(
    world: World, clock: FixedClock
) -> None:
    role = world.guild.add_role("Coordinators")
    holder = world.guild.add_member("Eve", roles=[role])
    await run(world, "settings coordinator-role", world.moderator, {"role": role})
    milestone = await past_first_reminder(world, clock, "Shared task")
    reminder = await world.double.wait_for_message(world.reminders)
    assert world.double.pings(reminder) == {role.id}
    refused = await click(world, world.volunteer, reminder, f"ms:snooze:{milestone.id}:3600")
    assert refused.ephemeral and (await stored(world, "Shared task")).snoozed_until is None
    snoozed = await click(world, holder, reminder, f"ms:snooze:{milestone.id}:3600")
    assert "Snoozed" in snoozed.content


async def test_new_reminder_channel_gets_the_failed_reminders(
    world: World, clock: FixedClock
) -> None:
    world.double.revoke_send(world.reminders)
    milestone = await past_first_reminder(world, clock, "Moved channel", world.volunteer)
    assert unseen(world) == []  # refused: the reminder is kept as failed
    fixed = world.guild.add_text_channel("reminders-2")
    await set_reminder_channel(world, fixed)
    await world.bot.waker.run_all()
    late = await world.double.wait_for_message(fixed)
    assert "Moved channel" in late.content and world.double.pings(late) == {world.volunteer.id}
    assert f"ms:done:{milestone.id}" in ids(late)


async def test_new_lead_times_move_a_pending_reminder(world: World, clock: FixedClock) -> None:
    await set_reminder_channel(world)
    await add(world, world.moderator, title="Budget", due="in 3 days", coordinator=world.volunteer)
    saved = await run(world, "settings reminders", world.moderator, {"before": "2d, 1h"})
    assert "2 días, 1 hora" in json.dumps(saved.embeds, ensure_ascii=False)
    milestone = await stored(world, "Budget")
    assert milestone is not None
    async with world.bot.database.sessions() as session:
        planned = await stages(session, milestone.id)
    assert planned == [("lead", 2880, "pending"), ("lead", 60, "pending"), ("due", 0, "pending")]

    clock.advance(DAY + timedelta(minutes=1))  # the new 2-day reminder's time
    await world.bot.waker.run_all()
    reminder = await world.double.wait_for_message(world.reminders)
    assert "Budget" in reminder.content and world.double.pings(reminder) == {world.volunteer.id}
    clock.advance(DAY)  # the old 1-day reminder's time: it is planned no more
    await world.bot.waker.run_all()
    assert unseen(world) == []
