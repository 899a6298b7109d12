"""/help lists only what the member can use."""

from __future__ import annotations

import json

from tests.e2e.conftest import World


async def help_text(world: World, member: object, locale: str) -> str:
    ix = await world.double.slash(member, "help", channel=world.general, locale=locale)
    return json.dumps((await ix.response()).message.embeds, ensure_ascii=False)


async def test_volunteers_are_not_offered_moderators_commands(world: World) -> None:
    volunteer = await help_text(world, world.volunteer, "en-US")
    assert "partnership propose" in volunteer and "partnership search" in volunteer
    for command in ("review queue", "partnership status", "partnership model", "export"):
        assert command not in volunteer, command
    moderator = await help_text(world, world.moderator, "es-ES")
    for command in ("revisión cola", "asociaciones estado", "asociaciones proponer"):
        assert command in moderator, command
