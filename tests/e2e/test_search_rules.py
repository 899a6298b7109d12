"""Search and list: exclusions, queries without words, the living directory."""

from __future__ import annotations

import json

from storage.models import Status
from storage.services import entries
from tests.e2e.conftest import World
from tests.e2e.test_proposals import stored


async def search(world: World, options: dict, locale: str = "en-US") -> str:
    ix = await world.double.slash(world.volunteer, "partnership search", options, locale=locale)
    message = (await ix.response()).message
    return message.content + json.dumps(message.embeds, ensure_ascii=False)


async def test_minus_excludes_and_wordless_queries_say_so(world: World) -> None:
    assert "Wiki-to-print" not in await search(world, {"query": "wiki -print"})
    assert "Wiki-to-print" in await search(world, {"query": "print"})
    for query in ("🌍🤝", "%", "OR"):
        answer = await search(world, {"query": query})
        assert f"“{query}” has no word to search for" in answer
    spanish = await search(world, {"query": "%"}, "es-ES")
    assert "«%» no tiene ninguna palabra que buscar" in spanish


async def test_rejected_and_archived_are_shown_only_by_status(world: World) -> None:
    wiki = await stored(world, "Wiki-to-print")
    async with world.bot.database.transaction() as session:
        await entries.change_status(
            wiki.id,
            Status.ARCHIVED,
            session=session,
            guild_id=world.guild.id,
            actor_id=1,
            now=world.bot.clock.now(),
        )
    assert "Wiki-to-print" not in await search(world, {"query": "print"})
    assert "Wiki-to-print" in await search(world, {"query": "print", "status": "archived"})
    listing = await world.double.slash(world.volunteer, "partnership list", locale="en-US")
    message = (await listing.response()).message
    shown = json.dumps(message.embeds, ensure_ascii=False)
    assert "Wikimedia–OpenStreetMap" in shown and "Wiki-to-print" not in shown
    assert "proposed, active, paused and completed" in shown
    archived = await world.double.slash(
        world.volunteer, "partnership list", {"status": "archived"}, locale="en-US"
    )
    assert "Wiki-to-print" in json.dumps((await archived.response()).message.embeds)
