"""Support from wherever a proposal is shown: /partnership show and search results."""

from __future__ import annotations

import json

from tests.e2e.conftest import World, eventually
from tests.e2e.test_proposals import button, propose, stored


async def test_support_from_show_toggles_and_show_says_who(world: World) -> None:
    post = await propose(world)
    ix = await world.double.slash(
        world.stranger, "partnership show", {"entry": "Museo Abierto"}, locale="en-US"
    )
    shown = (await ix.response()).message
    support = button(shown, "rv:sp:")
    first = await world.double.click(world.stranger, shown, support, locale="en-US")
    assert "You support" in (await first.response()).message.content
    assert (await stored(world, "Museo Abierto")).support_count == 1
    # The review post follows.
    assert await eventually(lambda: _has(post, "(1)"))
    again = await world.double.slash(
        world.volunteer, "partnership show", {"entry": "Museo Abierto"}, locale="es-ES"
    )
    message = (await again.response()).message
    embeds = json.dumps(message.embeds, ensure_ascii=False)
    assert "1 persona" in embeds and f"<@{world.stranger.id}>" in embeds
    assert "Apoyar (1)" in json.dumps(message.components, ensure_ascii=False)
    withdraw = await world.double.click(world.stranger, shown, support, locale="en-US")
    assert "withdrew" in (await withdraw.response()).message.content
    assert (await stored(world, "Museo Abierto")).support_count == 0


async def test_an_active_entry_shows_no_support_button(world: World) -> None:
    ix = await world.double.slash(world.volunteer, "partnership show", {"entry": "Wiki-to-print"})
    assert not (await ix.response()).message.components


async def test_support_a_listed_proposal_from_search(world: World) -> None:
    await propose(world)
    ix = await world.double.slash(
        world.stranger, "partnership search", {"query": "museo"}, locale="en-US"
    )
    results = (await ix.response()).message
    labels = json.dumps(results.components, ensure_ascii=False)
    assert "Support “Museo Abierto” (0)" in labels
    click = await world.double.click(world.moderator, results, button(results, "rv:sp:"))
    assert "Apoyas «Museo Abierto»" in (await click.response()).message.content
    assert (await stored(world, "Museo Abierto")).support_count == 1


async def _has(post: object, text: str) -> bool:
    return text in json.dumps(post.components)  # type: ignore[attr-defined]
