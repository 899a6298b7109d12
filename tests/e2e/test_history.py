"""/partnership history says what changed, in the reader's language."""

from __future__ import annotations

import json

from tests.e2e.conftest import World
from tests.e2e.test_proposals import PROPOSAL, propose


async def history(world: World, name: str, locale: str) -> str:
    ix = await world.double.slash(
        world.volunteer, "partnership history", {"entry": name}, locale=locale
    )
    return (await ix.response()).message.embeds[0]["description"]


async def test_history_says_what_changed(world: World) -> None:
    pause = await world.double.slash(
        world.moderator, "partnership status", {"entry": "Wiki-to-print", "status": "paused"}
    )
    await pause.response()
    added = await world.double.slash(
        world.volunteer,
        "milestone add",
        {"entry": "Wiki-to-print", "title": "Print run", "due": "2099-05-01"},
        channel=world.general,
    )
    await added.response()
    (choice,) = await world.double.autocomplete(
        world.moderator, "milestone done", {"milestone": "print run"}, focused="milestone"
    )
    done = await world.double.slash(
        world.moderator, "milestone done", {"milestone": choice["value"]}, channel=world.general
    )
    await done.response()

    english = await history(world, "Wiki-to-print", "en-US")
    assert "Status: active → paused" in english
    assert english.count("“Print run”") == 2  # added, and marked done: both name it
    spanish = await history(world, "Wiki-to-print", "es-ES")
    assert "Estado: activa → en pausa" in spanish


async def test_creation_lists_the_filled_fields_and_an_edit_its_changes(world: World) -> None:
    await propose(world)
    edit = await world.double.slash(
        world.volunteer, "partnership edit", {"entry": "Museo Abierto", "area": "outreach"}
    )
    await edit.response()
    saved = await world.double.submit_modal(
        world.volunteer, edit, {"Summary": "A new summary, longer than before."}
    )
    await saved.response()
    text = await history(world, "Museo Abierto", "en-US")
    edited, created = text.split("\n")
    assert "Area: content → outreach" in edited
    assert "Summary: changed (34 characters)" in edited
    assert "Name: “Museo Abierto”" in created and "Kind: alliance" in created
    assert "Funder" not in created and "Success measures" not in created
    assert "Links: one link" in created
    assert json.dumps(PROPOSAL["Summary"]) not in text  # long texts are not repeated
