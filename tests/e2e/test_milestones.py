"""/milestone and the reminder buttons, through the real bot and the double.

Reminder tests run the bot on a FixedClock: the test moves time and runs the
dispatchers itself (`bot.waker.run_all()`), so nothing sleeps.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest

from bot.double import Channel, Member, Message
from storage.models import Milestone
from storage.services import entries, milestones
from tests.e2e.conftest import World, start_bot, stop_bot
from tests.support.clocks import FixedClock
from tests.support.milestone_factories import stages

ENTRY = "Wiki-to-print"
DAY = timedelta(days=1)
FULL_DATE = re.compile(r"<t:(\d+):F>")


@pytest.fixture
async def clock(world: World, e2e_db_url: str) -> FixedClock:
    """The world's bot, restarted on a clock that moves only when the test says."""
    fixed = FixedClock(datetime.now(UTC))
    await stop_bot(world.bot, world.bot_task)
    world.bot, world.bot_task = await start_bot(world.double, e2e_db_url, clock=fixed)
    return fixed


async def add(
    world: World, user: Member, *, locale: str | None = None, **options: object
) -> Message:
    """/milestone add on ENTRY as `user`; returns the answer."""
    ix = await world.double.slash(
        user, "milestone add", {"entry": ENTRY, **options}, channel=world.general, locale=locale
    )
    return (await ix.response()).message


async def stored(world: World, title: str) -> Milestone | None:
    async with world.bot.database.sessions() as session:
        found, _ = await milestones.list_milestones(
            session=session, guild_id=world.guild.id, include_done=True, limit=500
        )
    return next((m for m in found if m.title == title), None)


async def run(
    world: World,
    command: str,
    user: Member,
    options: dict[str, object],
    channel: Channel | None = None,
) -> Message:
    ix = await world.double.slash(user, command, options, channel=channel or world.general)
    return (await ix.response()).message


async def set_reminder_channel(world: World, channel: Channel | None = None) -> None:
    await run(
        world, "settings reminder-channel", world.moderator, {"channel": channel or world.reminders}
    )


def ids(message: Message) -> list[str]:
    return [c["custom_id"] for c in message.walk_components() if c.get("custom_id")]


def unseen(world: World) -> list[Message]:
    """Reminder-channel posts no wait has returned yet."""
    return [m for m in world.double.messages(world.reminders) if m.kind == "post" and not m.awaited]


async def click(world: World, user: Member, message: Message, custom_id: str) -> Message:
    ix = await world.double.click(user, message, custom_id)
    return (await ix.response()).message


async def past_first_reminder(
    world: World, clock: FixedClock, title: str, coordinator: Member | None = None
) -> Milestone:
    """A milestone due in 2 days, coordinated by `coordinator` (None: added by no one, as
    an import, so the coordinator role's); then the clock passes its 1-day reminder and
    it is sent."""
    await set_reminder_channel(world)
    if coordinator is not None:
        await add(world, world.moderator, title=title, due="in 2 days", coordinator=coordinator)
    else:
        async with world.bot.database.transaction() as session:
            entry = await entries.resolve_entry(ENTRY, session=session, guild_id=world.guild.id)
            await milestones.add_milestone(
                session=session,
                guild_id=world.guild.id,
                entry_id=entry.id,
                title=title,
                due_at=clock.now() + 2 * DAY,
                coordinator_id=None,
                actor_id=None,
                now=clock.now(),
            )
    milestone = await stored(world, title)
    assert milestone is not None
    clock.advance(DAY + timedelta(minutes=1))
    await world.bot.waker.run_all()
    return milestone


async def first_reminder(
    world: World, clock: FixedClock, title: str, coordinator: Member
) -> tuple[Milestone, Message]:
    milestone = await past_first_reminder(world, clock, title, coordinator)
    return milestone, await world.double.wait_for_message(world.reminders)


# --- adding: dates in the member's words -----------------------------------------------------


async def test_add_reads_english_and_echoes_the_time(world: World) -> None:
    registered = {c["name"]: c for c in world.double.registered_commands()}
    assert registered["milestone"]["name_localizations"]["es-ES"] == "hito"
    choices = await world.double.autocomplete(
        world.volunteer, "milestone add", {"entry": "wiki-to"}, focused="entry"
    )
    entry = next(c for c in choices if c["name"] == ENTRY)
    answer = await add(
        world, world.volunteer, entry=entry["value"], title="Print run", due="in 2 weeks at 5pm"
    )
    assert not answer.ephemeral and "Print run" in answer.content
    assert "<t:" in answer.content and ":R>" in answer.content
    milestone = await stored(world, "Print run")
    assert milestone is not None and milestone.created_by == world.volunteer.id
    assert int(FULL_DATE.search(answer.content)[1]) == int(milestone.due_at.timestamp())
    assert (milestone.due_at.hour, milestone.due_at.minute) == (17, 0)  # the default zone: UTC
    assert 13 <= (milestone.due_at - datetime.now(UTC)).days <= 14
    assert "reminder channel" in answer.content  # none set yet: the member is told
    assert not world.double.pings(answer)


async def test_add_reads_spanish_in_the_members_zone(world: World) -> None:
    zone = await run(world, "my-timezone", world.moderator, {"name": "Europe/Madrid"})
    assert zone.ephemeral
    answer = await add(
        world,
        world.moderator,
        locale="es-ES",
        title="Informe",
        due="el próximo viernes a las 17:00",
    )
    assert "Hito «Informe» añadido" in answer.content and FULL_DATE.search(answer.content)
    milestone = await stored(world, "Informe")
    assert milestone is not None
    local = milestone.due_at.astimezone(ZoneInfo("Europe/Madrid"))
    assert (local.weekday(), local.hour, local.minute) == (4, 17, 0)


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        ("2020-01-01", "already passed: <t:1577865600:F>"),  # 09:00 in Madrid: the default hour
        ("someday maybe", "could not understand “someday maybe”"),
        ("next friday " * 10, "too long for a date: at most 100 characters"),
        ("2027-03-28 02:30", "does not exist in your time zone"),  # Madrid skips 02:00-03:00
    ],
)
async def test_bad_dates_refused_politely(world: World, due: str, expected: str) -> None:
    await run(world, "my-timezone", world.volunteer, {"name": "Europe/Madrid"})
    answer = await add(world, world.volunteer, title="Never stored", due=due)
    assert answer.ephemeral and expected in answer.content, answer.content
    assert await stored(world, "Never stored") is None


async def test_milestone_autocomplete_lists_title_entry_and_date(world: World) -> None:
    await add(world, world.volunteer, title="Launch party", due="2099-05-01 10:00")
    choices = await world.double.autocomplete(
        world.volunteer, "milestone done", {"milestone": "launch"}, focused="milestone"
    )
    assert [c["name"] for c in choices] == [f"Launch party — {ENTRY} · 2099-05-01 10:00"]
    by_entry = await world.double.autocomplete(
        world.volunteer, "milestone edit", {"milestone": "wiki-to"}, focused="milestone"
    )
    assert choices[0] in by_entry
    done = await run(world, "milestone done", world.moderator, {"milestone": choices[0]["value"]})
    assert "«Launch party» está hecho" in done.content  # the moderator reads Spanish
    milestone = await stored(world, "Launch party")
    assert milestone is not None and milestone.done_at is not None
    typed = await run(world, "milestone done", world.moderator, {"milestone": "Launch party"})
    assert typed.ephemeral and "Elige el hito de la lista" in typed.content


# --- list, edit, remove: who may ----------------------------------------------------------


async def test_list_mine_edit_and_remove_permissions(world: World) -> None:
    await add(
        world, world.volunteer, title="Ben's task", due="in 3 days", coordinator=world.volunteer
    )
    await add(
        world, world.volunteer, title="Cleo's task", due="in 4 days", coordinator=world.stranger
    )
    mine = await run(world, "milestone list", world.volunteer, {"mine": True})
    text = mine.embeds[0]["description"]
    assert "Ben's task" in text and "Cleo's task" in text  # coordinated, or added
    assert mine.embeds[0]["title"] == "Milestones you coordinate or added"
    cleos = await run(world, "milestone list", world.stranger, {"mine": True})
    assert "Cleo's task" in cleos.embeds[0]["description"]
    assert "Ben's task" not in cleos.embeds[0]["description"]
    everything = await run(world, "milestone list", world.volunteer, {"entry": ENTRY})
    assert "Cleo's task" in everything.embeds[0]["description"]
    assert not world.double.pings(everything)

    bens = await stored(world, "Ben's task")
    assert bens is not None
    refused = await run(
        world, "milestone edit", world.stranger, {"milestone": str(bens.id), "title": "Mine now"}
    )
    assert refused.ephemeral and "Only this milestone's coordinator" in refused.content
    edited = await run(
        world,
        "milestone edit",
        world.volunteer,
        {"milestone": str(bens.id), "title": "Ben's report", "due": "in 5 days"},
    )
    assert "Ben's report" in edited.content and FULL_DATE.search(edited.content)
    after = await stored(world, "Ben's report")
    assert after is not None and after.due_at > bens.due_at + DAY
    nothing = await run(world, "milestone edit", world.volunteer, {"milestone": str(bens.id)})
    assert nothing.ephemeral and "Nothing to change" in nothing.content

    refused = await run(world, "milestone remove", world.stranger, {"milestone": str(bens.id)})
    assert refused.ephemeral and await stored(world, "Ben's report") is not None
    removed = await run(world, "milestone remove", world.moderator, {"milestone": str(bens.id)})
    assert "Se quitó el hito «Ben's report»" in removed.content  # the moderator reads Spanish
    assert await stored(world, "Ben's report") is None
    other_guild = await run(world, "milestone list", world.other_member, {}, world.other_channel)
    assert other_guild.ephemeral and "No open milestones" in other_guild.content


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
