"""A milestone's life beyond the basics: ambiguous dates, ownership, the member's zone,
the calendar file, recurrence, and entries that leave the pipeline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar

from storage.models import Milestone
from storage.services import milestones
from tests.e2e.conftest import World, start_bot, stop_bot
from tests.e2e.milestone_steps import (
    ENTRY,
    FULL_DATE,
    add,
    click,
    run,
    set_reminder_channel,
    stored,
)
from tests.support.clocks import FixedClock


async def test_an_ambiguous_time_offers_the_other_reading_by_a_button(world: World) -> None:
    """ "tomorrow at 3" is 15:00 (the likelier) or 03:00: saved at 15:00, 03:00 one press away."""
    answer = await add(world, world.volunteer, title="Call the museum", due="tomorrow at 3")
    milestone = await stored(world, "Call the museum")
    assert milestone is not None and milestone.due_at.hour == 15
    assert "Did you mean another time?" in answer.content
    stamps = [int(s) for s in FULL_DATE.findall(answer.content)]
    other = datetime.fromtimestamp(stamps[-1], UTC)
    assert (other.hour, other.date()) == (3, milestone.due_at.date())
    (use,) = [c for c in answer.walk_components() if c.get("label") == "Use date 1"]

    # Someone else may not choose for the volunteer; nothing changes.
    refused = await click(world, world.stranger, answer, use["custom_id"])
    assert refused.ephemeral
    assert (await stored(world, "Call the museum")).due_at.hour == 15

    chosen = await click(world, world.volunteer, answer, use["custom_id"])
    assert chosen.kind == "edit" or "saved" in chosen.content
    milestone = await stored(world, "Call the museum")
    assert milestone is not None and milestone.due_at == other
    edited = world.double.store.by_id[answer.id]
    assert f"<t:{int(other.timestamp())}:F>" in edited.content
    assert not list(edited.walk_components())  # the choice is made: no buttons left


async def test_a_volunteer_owns_the_milestone_they_add(world: World) -> None:
    answer = await add(world, world.volunteer, title="Scan the letters", due="in 3 days")
    assert f"<@{world.volunteer.id}>" in answer.content  # who is reminded: the adder
    assert not world.double.pings(answer)
    mine = await run(world, "milestone list", world.volunteer, {"mine": True})
    assert "Scan the letters" in mine.embeds[0]["description"]
    milestone = await stored(world, "Scan the letters")
    assert milestone is not None and milestone.coordinator_id == world.volunteer.id
    edited = await run(
        world,
        "milestone edit",
        world.volunteer,
        {"milestone": str(milestone.id), "due": "in 4 days"},
    )
    assert not edited.ephemeral and "saved" in edited.content
    done = await run(world, "milestone done", world.volunteer, {"milestone": str(milestone.id)})
    assert not done.ephemeral
    assert (await stored(world, "Scan the letters")).done_at is not None


async def test_my_timezone_shows_sets_and_resets(world: World) -> None:
    shown = await run(world, "my-timezone", world.volunteer, {})
    assert (
        shown.ephemeral and "no time zone of your own" in shown.content and "UTC" in shown.content
    )
    await run(world, "settings timezone", world.moderator, {"name": "Europe/Madrid"})
    shown = await run(world, "my-timezone", world.volunteer, {})  # showing changes nothing
    assert "the server's, Europe/Madrid" in shown.content
    set_ = await run(world, "my-timezone", world.volunteer, {"name": "America/Bogota"})
    assert "America/Bogota" in set_.content
    shown = await run(world, "my-timezone", world.volunteer, {})
    assert "your own time zone, America/Bogota (the server's is Europe/Madrid)" in shown.content
    both = await run(world, "my-timezone", world.volunteer, {"name": "UTC", "reset": True})
    assert both.ephemeral and "not both" in both.content
    reset = await run(world, "my-timezone", world.volunteer, {"reset": True})
    assert "removed" in reset.content and "Europe/Madrid" in reset.content
    ix = await world.double.slash(world.volunteer, "my-timezone", {}, locale="es-ES")
    spanish = (await ix.response()).message
    assert "No tienes zona horaria propia" in spanish.content


async def test_calendar_file_imports_cleanly(world: World) -> None:
    await add(world, world.volunteer, title="Print run", due="in 2 weeks at 5pm")
    await add(
        world, world.moderator, title="Grant report", due="in 3 weeks", coordinator=world.stranger
    )
    ix = await world.double.slash(world.volunteer, "milestone calendar", {}, channel=world.general)
    await ix.response()
    answer = await ix.followup()
    assert answer.ephemeral and "2 open milestones" in answer.content
    (attachment,) = answer.attachments
    assert attachment.filename.startswith("milestones-wikimedia-es-")
    assert attachment.filename.endswith(".ics")
    calendar = icalendar.Calendar.from_ical(attachment.data)
    events = calendar.walk("VEVENT")
    assert [str(e["summary"]) for e in events] == [
        f"Print run — {ENTRY}",
        f"Grant report — {ENTRY}",
    ]
    print_run = await stored(world, "Print run")
    assert events[0].decoded("dtstart") == print_run.due_at
    alarms = [a.decoded("trigger") for a in events[0].walk("VALARM")]
    assert alarms == [-timedelta(days=7), -timedelta(days=1)]  # the guild's lead times
    assert "Coordinator: Ben." in str(events[0]["description"])  # by name, not a mention
    assert "Coordinator: Cleo." in str(events[1]["description"])

    ix = await world.double.slash(world.volunteer, "milestone calendar", {"mine": True})
    await ix.response()
    mine = await ix.followup()
    (only,) = icalendar.Calendar.from_ical(mine.attachments[0].data).walk("VEVENT")
    assert str(only["summary"]).startswith("Print run")
    nothing = await run(world, "milestone calendar", world.other_member, {}, world.other_channel)
    assert nothing.ephemeral and "No open milestones" in nothing.content
    ix = await world.double.slash(world.volunteer, "milestone calendar", {}, locale="es-ES")
    await ix.response()
    spanish = await ix.followup()
    assert "Tu calendario: 2 hitos abiertos" in spanish.content


async def test_a_recurring_milestone_comes_back_once_per_occurrence(
    world: World, clock: FixedClock, e2e_db_url: str
) -> None:
    await set_reminder_channel(world)
    answer = await add(
        world,
        world.volunteer,
        title="Funder report",
        due="in 2 days at 10:00",
        repeat="every 3 months, 4 times",
    )
    assert "Repeats every 3 months, 4 times in all (this is number 1)" in answer.content
    spanish = await add(
        world, world.volunteer, locale="es-ES", title="Informe", due="in 3 days", repeat="cada mes"
    )
    assert "Se repite cada mes" in spanish.content
    refused = await add(world, world.volunteer, title="Never", due="in 3 days", repeat="sometimes")
    assert refused.ephemeral and "every 3 months" in refused.content
    assert await stored(world, "Never") is None

    first = await stored(world, "Funder report")
    assert first is not None
    clock.set(first.due_at + timedelta(minutes=1))  # its due time passes
    await world.bot.waker.run_all()
    # Restarted (as after a crash), the bot plans nothing twice.
    await stop_bot(world.bot, world.bot_task)
    world.bot, world.bot_task = await start_bot(world.double, e2e_db_url, clock=clock)
    await world.bot.waker.run_all()
    async with world.bot.database.sessions() as session:
        series, _ = await milestones.list_milestones(
            session=session, guild_id=world.guild.id, include_done=True, limit=50
        )
    reports = [m for m in series if m.title == "Funder report"]
    assert [m.occurrence for m in reports] == [0, 1]
    following = reports[1]
    assert following.due_at.astimezone(UTC).hour == first.due_at.astimezone(UTC).hour
    assert 89 <= (following.due_at - first.due_at).days <= 92

    ix = await world.double.slash(world.volunteer, "milestone calendar", {"mine": True})
    await ix.response()
    calendar = icalendar.Calendar.from_ical((await ix.followup()).attachments[0].data)
    rules = {str(e["summary"]): e.get("rrule") for e in calendar.walk("VEVENT")}
    report_rule = rules[f"Funder report — {ENTRY}"]
    assert report_rule["FREQ"] == ["MONTHLY"] and report_rule["INTERVAL"] == [3]
    assert report_rule["COUNT"] == [3]  # from the second occurrence: three left

    done = await run(world, "milestone done", world.volunteer, {"milestone": str(following.id)})
    assert "It repeats: the next one is due" in done.content
    third = await stored_occurrence(world, "Funder report", 2)
    assert third is not None and f"<t:{int(third.due_at.timestamp())}:F>" in done.content


async def stored_occurrence(world: World, title: str, occurrence: int) -> Milestone | None:
    async with world.bot.database.sessions() as session:
        found, _ = await milestones.list_milestones(
            session=session, guild_id=world.guild.id, include_done=True, limit=500
        )
    return next((m for m in found if m.title == title and m.occurrence == occurrence), None)


async def test_entries_that_leave_the_pipeline_stop_reminding(world: World) -> None:
    await add(world, world.volunteer, title="Print run", due="in 2 weeks")
    archived = await run(
        world, "partnership status", world.moderator, {"entry": ENTRY, "status": "archived"}
    )
    assert "Se cerró su hito abierto" in archived.content  # the moderator reads Spanish
    assert (await stored(world, "Print run")).done_at is not None
    history = await run(world, "partnership history", world.volunteer, {"entry": ENTRY})
    lines = history.embeds[0]["description"]
    assert "closed a milestone with the entry" in lines and "“Print run”" in lines
    refused = await add(world, world.volunteer, title="Second run", due="in 3 weeks")
    assert refused.ephemeral and "“Wiki-to-print” is archived: it takes no new milestones" in (
        refused.content
    )
    ix = await world.double.slash(
        world.moderator,
        "partnership status",
        {"entry": ENTRY, "status": "active"},
        locale="en-US",
    )
    back = (await ix.response()).message
    assert "The milestone closed when it left the pipeline stays closed" in back.content

    await add(world, world.volunteer, title="Final report", due="in 3 weeks")
    ix = await world.double.slash(
        world.moderator,
        "partnership status",
        {"entry": ENTRY, "status": "completed"},
        locale="en-US",
    )
    await ix.response()
    completed = await world.double.submit_modal(
        world.moderator, ix, {"Outcomes": "Three books printed"}, locale="en-US"
    )
    answer = (await completed.response()).message
    assert "One milestone is still open: “Final report”" in answer.content
    close = next(c for c in answer.walk_components() if c.get("label") == "Close it")
    closed = await click(world, world.moderator, answer, close["custom_id"])
    assert "The milestone was closed" in closed.content
    assert (await stored(world, "Final report")).done_at is not None
