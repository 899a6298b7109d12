"""Doing a thing twice says so, and records no second audit event."""

from __future__ import annotations

from storage.services import audit
from tests.e2e.conftest import World
from tests.e2e.test_proposals import stored


async def answer(world: World, command: str, options: dict, locale: str) -> str:
    ix = await world.double.slash(world.moderator, command, options, locale=locale)
    message = (await ix.response()).message
    assert message.ephemeral
    return message.content


async def events(world: World) -> int:
    entry = await stored(world, "Wiki-to-print")
    async with world.bot.database.sessions() as session:
        found = await audit.history(session=session, guild_id=world.guild.id, entry_id=entry.id)
    return len(found)


async def test_pausing_or_marking_twice_says_already(world: World) -> None:
    pause = {"entry": "Wiki-to-print", "status": "paused"}
    assert "now paused" in await answer(world, "partnership status", pause, "en-US")
    count = await events(world)
    assert "already paused" in await answer(world, "partnership status", pause, "en-US")
    assert "ya está en pausa" in await answer(world, "partnership status", pause, "es-ES")
    model = {"entry": "Wiki-to-print", "model": True}
    await answer(world, "partnership model", model, "en-US")
    assert await events(world) == count + 1
    assert "already a model" in await answer(world, "partnership model", model, "en-US")
    assert "ya es un modelo" in await answer(world, "partnership model", model, "es-ES")
    assert await events(world) == count + 1
