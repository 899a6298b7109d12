"""/partnership status on a proposal takes the decision's one path, or points to it."""

from __future__ import annotations

import json

from storage.models import Status
from storage.services import audit
from tests.e2e.conftest import World, eventually
from tests.e2e.test_proposals import propose, stored, told


async def test_status_active_on_a_proposal_approves_it_as_the_buttons_do(world: World) -> None:
    post = await propose(world)
    ix = await world.double.slash(
        world.moderator,
        "partnership status",
        {"entry": "Museo Abierto", "status": "active"},
        locale="en-US",
    )
    assert "You approved" in (await ix.response()).message.content
    dm = await world.double.wait_for_dm(world.volunteer)
    assert "approved" in dm.content
    assert await eventually(lambda: told(world))
    assert all(c.get("disabled") for c in post.components[0]["components"][:3])
    assert "Approved by" in json.dumps(post.embeds)
    entry = await stored(world, "Museo Abierto")
    assert entry.status == Status.ACTIVE and entry.decided_by == world.moderator.id
    async with world.bot.database.sessions() as session:
        events = await audit.history(session=session, guild_id=world.guild.id, entry_id=entry.id)
    assert events[0].action == "approve"


async def test_other_moves_of_a_proposal_point_to_the_review_queue(world: World) -> None:
    post = await propose(world)
    ix = await world.double.slash(
        world.moderator,
        "partnership status",
        {"entry": "Museo Abierto", "status": "archived"},
        locale="en-US",
    )
    answer = (await ix.response()).message
    assert answer.ephemeral and "/review queue" in answer.content
    spanish = await world.double.slash(
        world.moderator, "partnership status", {"entry": "Museo Abierto", "status": "paused"}
    )
    assert "/revisión cola" in (await spanish.response()).message.content
    assert (await stored(world, "Museo Abierto")).status == Status.PROPOSED
    assert not any(c.get("disabled") for c in post.components[0]["components"])
    assert world.double.dm_messages(world.volunteer) == []


async def test_a_refused_move_names_the_statuses_in_the_readers_language(world: World) -> None:
    ix = await world.double.slash(
        world.moderator, "partnership status", {"entry": "Wiki-to-print", "status": "proposed"}
    )
    answer = (await ix.response()).message.content
    assert "activa" in answer and "propuesta" in answer and "proposed" not in answer
