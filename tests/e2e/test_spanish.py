"""Spanish text: commands by their Spanish names, statuses by their labels, plurals."""

from __future__ import annotations

import json

from storage.services import entries
from tests.e2e.conftest import World, eventually
from tests.e2e.test_proposals import button, propose, recorded, stored


async def answer(world: World, command: str, options: dict | None = None) -> str:
    ix = await world.double.slash(world.moderator, command, options or {}, locale="es-ES")
    message = (await ix.response()).message
    return message.content + json.dumps(message.embeds, ensure_ascii=False)


async def test_spanish_lists_statuses_and_tips(world: World) -> None:
    wiki = await stored(world, "Wiki-to-print")
    async with world.bot.database.transaction() as session:
        await entries.change_status(
            wiki.id,
            "paused",
            session=session,
            guild_id=world.guild.id,
            actor_id=1,
            now=world.bot.clock.now(),
        )
    assert "Directorio: en pausa" in await answer(world, "partnership list", {"status": "paused"})
    living = await answer(world, "partnership list")
    assert "Directorio: propuestas, activas, en pausa y completadas" in living
    assert "Directorio: rechazadas" not in living
    none = await answer(world, "partnership search", {"query": "«zzz qqq»"})
    assert "«frases entre comillas»" in none and '"' not in none.split("Consejo")[-1][:40]
    moved = await answer(
        world, "partnership status", {"entry": "Wiki-to-print", "status": "paused"}
    )
    assert "ya está en pausa" in moved


async def test_an_already_decided_proposal_names_its_status_in_spanish(world: World) -> None:
    post = await propose(world)
    entry = await eventually(lambda: recorded(world))
    # Approved elsewhere (another moderator, a moment ago): the post still shows its buttons.
    async with world.bot.database.transaction() as session:
        await entries.decide(
            entry.id,
            approve=True,
            session=session,
            guild_id=world.guild.id,
            actor_id=1,
            now=world.bot.clock.now(),
        )
    again = await world.double.click(world.moderator, post, button(post, "rv:rj:"), locale="es-ES")
    text = (await again.response()).message.content
    assert "ya fue decidida (ahora: activa)" in text
