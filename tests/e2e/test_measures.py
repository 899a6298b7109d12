"""A partnership is defined by its measures: missing ones flagged; its reporting milestone
comes with the approval."""

from __future__ import annotations

import json

from storage.services import milestones
from tests.e2e.conftest import World, eventually
from tests.e2e.test_proposals import PROPOSAL, button, confirmation, recorded, stored


async def test_missing_funder_and_date_are_flagged_and_approval_still_works(
    world: World,
) -> None:
    values = {**PROPOSAL, "Success measures": "Two exhibitions"}
    preview, confirm = await confirmation(world, values, kind="partnership")
    shown = json.dumps(preview.embeds, ensure_ascii=False)
    assert "No funder" in shown and "No reporting date" in shown
    assert "No success measures" not in shown
    done = await world.double.click(world.volunteer, preview, confirm)
    await done.response()
    post = await world.double.wait_for_message(world.review)
    flagged = json.dumps(post.embeds, ensure_ascii=False)
    assert "To check before approving" in flagged  # the review channel: the guild's English
    # The queue shows the flags too, in the moderator's language.
    ix = await world.double.slash(world.moderator, "review queue", {}, channel=world.general)
    queued = json.dumps((await ix.response()).message.embeds, ensure_ascii=False)
    assert "Para revisar antes de aprobar" in queued and "Sin financiador" in queued
    await eventually(lambda: recorded(world))
    approve = await world.double.click(world.moderator, post, button(post, "rv:ap:"))
    await approve.response()
    assert (await stored(world, "Museo Abierto")).status == "active"


async def test_a_funder_on_an_alliance_is_flagged(world: World) -> None:
    preview, _ = await confirmation(world, funder="A foundation")
    assert "A funder is given for an alliance" in json.dumps(preview.embeds)


async def test_the_reporting_milestone_comes_with_the_approval(world: World) -> None:
    values = {**PROPOSAL, "Success measures": "Two exhibitions"}
    preview, confirm = await confirmation(
        world, values, kind="partnership", funder="A foundation", reporting_due="2099-03-01"
    )
    assert "To check before approving" not in json.dumps(preview.embeds)
    done = await world.double.click(world.volunteer, preview, confirm)
    await done.response()
    post = await world.double.wait_for_message(world.review)
    entry = await eventually(lambda: recorded(world))

    async def reporting() -> list:
        async with world.bot.database.sessions() as session:
            found, _ = await milestones.list_milestones(
                session=session, guild_id=world.guild.id, entry_id=entry.id
            )
        return found

    assert await reporting() == []
    approve = await world.double.click(world.moderator, post, button(post, "rv:ap:"))
    await approve.response()
    (milestone,) = await reporting()
    assert milestone.source == "reporting" and milestone.due_at.year == 2099


async def test_a_second_form_adds_funder_and_date_before_confirming(world: World) -> None:
    values = {**PROPOSAL, "Success measures": "Two exhibitions"}
    preview, confirm = await confirmation(world, values, kind="partnership")
    add = next(
        c["custom_id"]
        for c in preview.components[0]["components"]
        if c["label"] == "Add funder and report date"
    )
    opened = await world.double.click(world.volunteer, preview, add)
    assert (await opened.response()).type == 9
    filled = {"Funder": "A foundation", "Report due": "2099-03-01"}
    submitted = await world.double.submit_modal(world.volunteer, opened, filled)
    await submitted.response()
    shown = json.dumps(preview.embeds, ensure_ascii=False)  # the preview, updated in place
    assert "A foundation" in shown and "To check before approving" not in shown
    done = await world.double.click(world.volunteer, preview, confirm)
    await done.response()
    entry = await eventually(lambda: recorded(world))  # posted for review, and recorded
    assert entry.funder == "A foundation" and entry.reporting_due_at.year == 2099
