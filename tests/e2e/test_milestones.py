"""/milestone: adding in the member's words, listing, editing, removing, who may."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import World
from tests.e2e.milestone_steps import (
    DAY,
    ENTRY,
    FULL_DATE,
    add,
    run,
    stored,
)

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
