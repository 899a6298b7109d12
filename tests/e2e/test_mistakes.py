"""Mistakes cost nothing: a refused form keeps what was typed and says what is wrong."""

from __future__ import annotations

import json

from bot.double import Interaction, Message
from tests.e2e.conftest import World
from tests.e2e.test_proposals import PROPOSAL, set_review_channel

BAD_LINKS = "https://meta.wikimedia.org/wiki/Museo_Abierto\nnot a link at all"


async def submit_proposal(
    world: World, values: dict[str, str], locale: str = "en-US", **options: str
) -> Message:
    ix = await world.double.slash(
        world.volunteer,
        "partnership propose",
        {"kind": "alliance", "area": "content", "steward": "volunteers", **options},
        locale=locale,
    )
    await ix.response()
    submitted = await world.double.submit_modal(world.volunteer, ix, values, locale=locale)
    return (await submitted.response()).message


async def press(world: World, message: Message, index: int) -> Interaction:
    custom_id = message.components[0]["components"][index]["custom_id"]
    return await world.double.click(world.volunteer, message, custom_id, locale="en-US")


async def test_a_refused_link_names_its_line_and_the_form_comes_back_filled(
    world: World,
) -> None:
    await set_review_channel(world)
    answer = await submit_proposal(world, {**PROPOSAL, "Links": BAD_LINKS})
    assert answer.ephemeral
    assert "Line 2 of Links is not an http(s) link: “not a link at all”" in answer.content
    again = await press(world, answer, 0)
    modal = (await again.response()).modal
    assert modal is not None and "not a link at all" in json.dumps(modal)
    assert "Museo Abierto" in json.dumps(modal) and "Museo Nacional" in json.dumps(modal)
    fixed = await world.double.submit_modal(
        world.volunteer, again, {"Links": "https://meta.wikimedia.org/wiki/Museo_Abierto"}
    )
    preview = (await fixed.response()).message
    assert "Please check your proposal" in preview.content
    spanish = await submit_proposal(
        world,
        {"Nombre": "Otro", "Resumen": "Algo", "Enlaces": "https://a.org\nesto no"},
        "es-ES",
    )
    assert "La línea 2 de Enlaces no es un enlace http(s): «esto no»" in spanish.content


async def test_an_existing_name_offers_that_entry_or_a_rename(world: World) -> None:
    answer = await submit_proposal(world, {**PROPOSAL, "Name": "WIKI-TO-PRINT"})
    assert "already exists" in answer.content and "What you typed is kept" in answer.content
    labels = [c["label"] for c in answer.components[0]["components"]]
    assert labels == ["Rename mine", "Open “Wiki-to-print”"]
    opened = await press(world, answer, 1)
    shown = (await opened.response()).message
    assert shown.ephemeral and "Wiki-to-print" in shown.embeds[0]["title"]
    rename = await press(world, answer, 0)
    modal = json.dumps((await rename.response()).modal)
    assert "WIKI-TO-PRINT" in modal and "national" in modal  # the text is kept


async def test_the_preview_shows_every_field_stored(world: World) -> None:
    answer = await submit_proposal(
        world,
        {**PROPOSAL, "Success measures": "Two exhibitions"},
        kind="partnership",
        steward="chapter",
        chapter="Wikimedia España",
        funder="A foundation",
        reporting_due="2099-03-01",
    )
    shown = json.dumps(answer.embeds, ensure_ascii=False)
    for text in (
        "Wikimedia España",
        "A foundation",
        "Report due",
        "<t:",
        "https://meta.wikimedia.org/wiki/Museo_Abierto",
        "Two exhibitions",
    ):
        assert text in shown, text


async def test_editing_cannot_empty_the_summary(world: World) -> None:
    ix = await world.double.slash(
        world.moderator, "partnership edit", {"entry": "Wiki-to-print"}, locale="en-US"
    )
    modal = (await ix.response()).modal
    fields = {c["components"][0]["label"]: c["components"][0] for c in modal["components"]}
    assert fields["Summary"]["required"] and fields["Success measures"]["required"]
    assert fields["Partner organisations"].get("required", True) is not True
