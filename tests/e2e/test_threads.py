"""A discussion thread per proposal: opened with its review post, given the decision and
locked; without the permissions, moderators are told and the proposal still queued."""

from __future__ import annotations

import json

from bot.double import Channel
from bot.double.state import P
from tests.e2e.conftest import World, eventually
from tests.e2e.test_proposals import button, propose, recorded, stored


async def set_proposals_channel(world: World) -> Channel:
    channel = world.guild.add_text_channel("proposals")
    ix = await world.double.slash(
        world.moderator, "settings proposals-channel", {"channel": channel}
    )
    await ix.response()
    return channel


async def test_a_proposal_gets_a_thread_closed_with_its_decision(world: World) -> None:
    proposals_channel = await set_proposals_channel(world)
    post = await propose(world)
    entry = await eventually(lambda: _threaded(world))
    (thread,) = world.double.threads(proposals_channel)
    assert entry.thread_id == thread.id and thread.name == "Museo Abierto"
    (opening,) = world.double.messages(proposals_channel)
    assert "Museo Abierto" in opening.embeds[0]["title"] and button(opening, "rv:sp:")
    shown = await world.double.slash(
        world.volunteer, "partnership show", {"entry": "Museo Abierto"}, locale="en-US"
    )
    assert f"<#{thread.id}>" in json.dumps((await shown.response()).message.embeds)

    reject = await world.double.click(world.moderator, post, button(post, "rv:rj:"), locale="en-US")
    await reject.response()
    submitted = await world.double.submit_modal(
        world.moderator, reject, {"Reason for rejection": "Out of scope"}, locale="en-US"
    )
    await submitted.response()
    decision = await world.double.wait_for_message(thread, lambda m: "Out of scope" in m.content)
    assert "was not approved" in decision.content
    assert await eventually(lambda: _async(thread.locked and thread.archived))


async def test_without_permissions_moderators_are_told_and_it_is_queued(world: World) -> None:
    proposals_channel = await set_proposals_channel(world)
    language = await world.double.slash(world.moderator, "settings language", {"language": "es"})
    await language.response()
    world.double.deny_bot(proposals_channel, P.CREATE_PUBLIC_THREADS)
    await propose(world)
    notice = await world.double.wait_for_message(
        world.review, lambda m: "No pude abrir un hilo" in m.content
    )
    assert f"<#{proposals_channel.id}>" in notice.content
    entry = await eventually(lambda: recorded(world))
    assert entry.status == "proposed" and entry.thread_id is None
    assert world.double.threads(proposals_channel) == []
    # The refused thread, as the test arranged it, and nothing else.
    assert {v.message for v in world.double.violations} <= {"Missing Permissions"}
    world.double.violations.clear()


async def _threaded(world: World) -> object:
    entry = await stored(world, "Museo Abierto")
    return entry if entry is not None and entry.thread_id else None


async def _async(value: bool) -> bool:
    return value
