"""Hostile input to the commands, through the real bot and the Discord double (hypothesis).

Each test starts one bot and one double (`world`); hypothesis runs its examples inside
the test, on the test's event loop (pytest-asyncio runs `@given` async tests). Every
example must hold, whatever the text: the bot answers within Discord's deadline, logs
no error, sends nothing Discord would refuse, pings nobody, and never reads or changes
another guild's data. A value a Discord client would not send (`ClientRefused`) ends
the example.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.double import ClientRefused, Interaction, Member, Response
from bot.i18n import t
from storage.models import Area, EntryKind, Status, Steward
from storage.services import entries
from tests.e2e.conftest import World
from tests.e2e.fuzz.hostile import (
    CASED_ZONES,
    DATES,
    FUZZ,
    ODD_ZONES,
    TIMES,
    URLS,
    ZONES,
    Data,
    Watch,
    answer,
    choice,
    draw_options,
    hostile,
    limits,
    mostly,
    registered,
)


def text_inputs(modal: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for component in modal.get("components") or []:
        yield from component.get("components") or [component.get("component") or {}]


def modal_texts(world: World, data: Data) -> dict[str, str]:
    """A text for every field a proposal or edit modal may have, drawn before the command
    runs: the bot's answers must not change what hypothesis draws (it replays to shrink)."""
    url = st.sampled_from(URLS) | hostile(world, 80).map(lambda s: "https://example.org/" + s)
    links = st.lists(url, max_size=6).map("\n".join)
    optional = st.just("") | hostile(world, 4000)
    return {
        "name": data.draw(hostile(world, 100), label="name"),
        "partners": data.draw(optional, label="partners"),
        "summary": data.draw(hostile(world, 4000), label="summary"),
        "success_measures": data.draw(optional, label="measures"),
        "links": data.draw(mostly(links, hostile(world, 1500)), label="links"),
    }


async def fill(
    world: World, user: Member, ix: Interaction, texts: dict[str, str]
) -> Response | None:
    """Submit the modal the bot opened, each field its text cut to the field's max length."""
    assert ix.modal is not None
    fields = {t(locale, f"field-{name}"): name for name in texts for locale in ("en", "es")}
    values = {
        item["custom_id"]: texts[fields[item["label"]]][: item.get("max_length") or 4000]
        for item in text_inputs(ix.modal)
    }
    try:
        submitted = await world.double.submit_modal(user, ix, values)
    except ClientRefused:
        return None
    return await submitted.response()


def entry_reference(world: World, watch: Watch, data: Data) -> str:
    """A seed entry's id or name (as first stored), or any text."""
    return data.draw(mostly(st.sampled_from(watch.references), hostile(world, 100)), label="entry")


@FUZZ
@given(data=st.data())
async def test_search_show_and_autocomplete(world: World, watch: Watch, data: Data) -> None:
    watch.begin()
    sizes = limits(world, "partnership search")
    options = {"query": data.draw(hostile(world, sizes["query"]), label="query")}
    options |= draw_options(
        data,
        kind=choice(EntryKind),
        area=choice(Area),
        status=choice(Status),
        steward=choice(Steward),
        models=st.booleans(),
    )
    await answer(world, world.volunteer, "partnership search", options)
    reference = entry_reference(world, watch, data)
    await answer(world, world.volunteer, "partnership show", {"entry": reference})
    await world.double.autocomplete(
        world.volunteer, "partnership show", {"entry": reference}, focused="entry"
    )
    watch.check()


@FUZZ
@given(data=st.data())
async def test_propose(world: World, watch: Watch, data: Data) -> None:
    watch.begin()
    sizes = limits(world, "partnership propose")
    options = {"kind": data.draw(choice(EntryKind)), "area": data.draw(choice(Area))}
    options["steward"] = data.draw(choice(Steward))
    options |= draw_options(
        data,
        chapter=hostile(world, sizes["chapter"]),
        funder=hostile(world, sizes["funder"]),
        reporting_due=mostly(st.sampled_from(DATES), hostile(world, sizes["reporting_due"])),
    )
    texts = modal_texts(world, data)
    answered = await answer(world, world.volunteer, "partnership propose", options)
    if answered is None or answered[1].modal is None:
        watch.check()
        return
    confirmation = await fill(world, world.volunteer, answered[0], texts)
    if confirmation is not None and confirmation.message and confirmation.message.components:
        message = confirmation.message
        confirm = message.components[0]["components"][0]["custom_id"]
        done = await world.double.click(world.volunteer, message, confirm)
        if (await done.response()).type == 7:  # saved: the review post follows
            await world.double.wait_for_message(world.review)
    watch.check()


@FUZZ
@given(data=st.data())
async def test_edit(world: World, watch: Watch, data: Data) -> None:
    watch.begin()
    sizes = limits(world, "partnership edit")
    options = {"entry": entry_reference(world, watch, data)}
    options |= draw_options(
        data,
        kind=choice(EntryKind),
        area=choice(Area),
        steward=choice(Steward),
        chapter=hostile(world, sizes["chapter"]),
        funder=hostile(world, sizes["funder"]),
        reporting_due=mostly(st.sampled_from(DATES), hostile(world, sizes["reporting_due"])),
    )
    texts = modal_texts(world, data)
    answered = await answer(world, world.moderator, "partnership edit", options)
    if answered is not None and answered[1].modal is not None:
        await fill(world, world.moderator, answered[0], texts)
    watch.check()


@FUZZ
@given(data=st.data())
async def test_time_zones_and_digest_times(world: World, watch: Watch, data: Data) -> None:
    watch.begin()
    zones = st.sampled_from(ZONES + ODD_ZONES + CASED_ZONES)
    zone = zones | hostile(world, limits(world, "my-timezone")["name"])
    command = data.draw(st.sampled_from(["settings timezone", "my-timezone", "digest setup"]))
    if command == "settings timezone":
        await answer(world, world.moderator, command, {"name": data.draw(zone)})
    elif command == "my-timezone":
        await answer(world, world.volunteer, command, draw_options(data, name=zone))
    else:
        setup = {"channel": world.general, "day": data.draw(st.sampled_from(["monday", "friday"]))}
        setup["time"] = data.draw(st.sampled_from(TIMES) | hostile(world, 16), label="time")
        setup |= draw_options(data, timezone=zone)
        await answer(world, world.moderator, command, setup)
    watch.check()


@FUZZ
@given(data=st.data())
async def test_milestone_add(world: World, watch: Watch, data: Data) -> None:
    if not registered(world, "milestone"):
        pytest.skip("no /milestone command yet")
    watch.begin()
    sizes = limits(world, "milestone add")
    options = {
        "entry": entry_reference(world, watch, data),
        "title": data.draw(hostile(world, sizes["title"]), label="title"),
        "due": data.draw(mostly(st.sampled_from(DATES), hostile(world, sizes["due"])), label="due"),
    }
    await answer(world, world.moderator, "milestone add", options)
    watch.check()


async def test_clearing_texts_in_the_edit_modal_saves_them_empty(world: World) -> None:
    """Found by fuzzing: a cleared Partners field was written as NULL (a NOT NULL column)
    and the failure then reported as a duplicate name, crashing on the expired entry."""
    ix = await world.double.slash(
        world.moderator, "partnership edit", {"entry": "Wiki-to-print"}, locale="en-US"
    )
    assert (await ix.response()).modal is not None
    # The summary is required (issue 13: editing cannot empty a required field); the
    # partners are not, and a cleared Partners field is saved empty.
    cleared = {"Partner organisations": ""}
    saved = await world.double.submit_modal(world.moderator, ix, cleared, locale="en-US")
    assert "Saved" in (await saved.response()).message.content
    async with world.bot.database.sessions() as session:
        entry = await entries.find_by_name(
            session=session, guild_id=world.guild.id, name="Wiki-to-print"
        )
    assert entry is not None and entry.partners == "" and entry.summary


@pytest.mark.parametrize("name", ["America", "Europe", "Etc"])
async def test_a_folder_of_the_zone_database_is_no_time_zone(world: World, name: str) -> None:
    """Found by fuzzing: ZoneInfo("America") raises IsADirectoryError, an OSError, which the
    error path took for an unreachable database ("try again later")."""
    ix = await world.double.slash(
        world.moderator, "settings timezone", {"name": name}, locale="en-US"
    )
    text = (await ix.response()).message.content
    assert f"“{name}” is not a time zone I know" in text
