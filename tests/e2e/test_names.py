"""Entries named by number or name: several matches to pick from, or none."""

from __future__ import annotations

from tests.e2e.conftest import World
from tests.e2e.test_proposals import stored


async def show(world: World, entry: str, locale: str = "en-US") -> str:
    ix = await world.double.slash(
        world.volunteer, "partnership show", {"entry": entry}, locale=locale
    )
    message = (await ix.response()).message
    return message.content or message.embeds[0]["title"]


async def test_numbers_names_and_several_matches(world: World) -> None:
    wiki = await stored(world, "Wiki-to-print")
    assert "Wiki-to-print" in await show(world, f"#{wiki.id}")
    assert "Wiki-to-print" in await show(world, str(wiki.id))
    several = await show(world, "wiki")
    assert several.startswith("Several entries match “wiki”:")
    assert f"`#{wiki.id}` Wiki-to-print" in several
    assert "Varias entradas coinciden con «wiki»" in await show(world, "wiki", "es-ES")
    assert await show(world, "nope") == "No entry named “nope”. Try /partnership search nope."
    spanish = await show(world, "nope", "es-ES")
    assert spanish == "No hay ninguna entrada llamada «nope». Prueba /asociaciones buscar nope."
