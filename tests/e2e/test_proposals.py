"""Proposing, supporting, reviewing and editing, through the real bot and the double."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.double import Message
from storage.models import Entry, Status
from storage.services import audit, entries, proposals
from tests.e2e.conftest import World, eventually, start_bot, stop_bot

PROPOSAL = {
    "Name": "Museo Abierto",
    "Partner organisations": "Museo Nacional, @everyone",
    "Summary": "Open images of the **national** museum <@&1>.",
    "Links": "https://meta.wikimedia.org/wiki/Museo_Abierto",
}


async def set_review_channel(world: World) -> None:
    ix = await world.double.slash(
        world.moderator, "settings review-channel", {"channel": world.review}
    )
    await ix.response()


async def propose(world: World, values: dict[str, str] | None = None, **options: str) -> Message:
    """Run the whole propose flow as the volunteer; returns the review-channel post."""
    await confirm_proposal(world, values, **options)
    return await world.double.wait_for_message(world.review)


async def confirmation(
    world: World, values: dict[str, str] | None = None, **options: str
) -> tuple[Message, str]:
    """Propose as the volunteer up to the confirmation: its message and Confirm's id."""
    await set_review_channel(world)
    ix = await world.double.slash(
        world.volunteer,
        "partnership propose",
        {"kind": "alliance", "area": "content", "steward": "volunteers", **options},
        channel=world.general,
    )
    opened = await ix.response()
    assert opened.type == 9  # a modal
    submitted = await world.double.submit_modal(world.volunteer, ix, values or PROPOSAL)
    message = (await submitted.response()).message
    assert message is not None and message.ephemeral
    return message, message.components[0]["components"][0]["custom_id"]


async def confirm_proposal(
    world: World, values: dict[str, str] | None = None, **options: str
) -> None:
    """Propose as the volunteer, up to the answer to Confirm."""
    message, confirm_id = await confirmation(world, values, **options)
    done = await world.double.click(world.volunteer, message, confirm_id)
    await done.response()
    assert "waits for review" in message.content


async def _async(value: bool) -> bool:
    return value


def button(message: Message, prefix: str) -> str:
    for row in message.components:
        for component in row["components"]:
            if component.get("custom_id", "").startswith(prefix):
                return component["custom_id"]
    raise AssertionError(f"no {prefix} button on the message")


async def recorded(world: World) -> Entry | None:
    entry = await stored(world, "Museo Abierto")
    return entry if entry is not None and entry.review_message_id else None


async def stored(world: World, name: str) -> Entry | None:
    async with world.bot.database.sessions() as session:
        return await entries.find_by_name(session=session, guild_id=world.guild.id, name=name)


async def test_propose_shows_lookalikes_and_queues(world: World) -> None:
    await set_review_channel(world)
    ix = await world.double.slash(
        world.volunteer,
        "partnership propose",
        {"kind": "alliance", "area": "technology", "steward": "volunteers"},
    )
    await ix.response()
    values = {
        **PROPOSAL,
        "Name": "OpenStreetMap mapping alliance",
        "Partner organisations": "OpenStreetMap",
    }
    submitted = await world.double.submit_modal(world.volunteer, ix, values)
    confirmation = (await submitted.response()).message
    assert "look similar" in json.dumps(confirmation.embeds)
    assert "Wikimedia–OpenStreetMap" in json.dumps(confirmation.embeds, ensure_ascii=False)
    post = await propose(world)
    assert "Museo Abierto" in post.embeds[0]["title"]
    assert not world.double.pings(post)
    # The bot records the post's id just after posting it.
    entry = await eventually(lambda: recorded(world))
    assert entry.status == Status.PROPOSED
    assert entry.review_message_id == post.id


async def test_a_review_post_that_failed_is_made_later_once(world: World) -> None:
    world.double.revoke_send(world.review)  # the post after Confirm fails
    await confirm_proposal(world)
    entry = await stored(world, "Museo Abierto")
    assert entry is not None and entry.review_message_id is None
    reviews = world.bot.reviews

    async def first_try_over() -> bool:
        return not reviews.posting

    await eventually(first_try_over)
    world.double.restore_send(world.review)
    now = datetime.now(UTC)
    await reviews.run_due(now)  # the first try may still be under way: not yet
    assert world.double.messages(world.review) == []
    later = now + proposals.POST_GRACE + timedelta(seconds=1)
    await reviews.run_due(later)
    await reviews.run_due(later)  # recorded: not posted again
    (post,) = world.double.messages(world.review)
    assert "Museo Abierto" in post.embeds[0]["title"]
    posted = await recorded(world)
    assert posted is not None and posted.review_message_id == post.id


async def test_exact_duplicate_refused(world: World) -> None:
    ix = await world.double.slash(
        world.volunteer,
        "partnership propose",
        {"kind": "alliance", "area": "content", "steward": "volunteers"},
    )
    await ix.response()
    submitted = await world.double.submit_modal(
        world.volunteer, ix, {**PROPOSAL, "Name": "WIKI-TO-PRINT"}
    )
    answer = (await submitted.response()).message
    assert answer.ephemeral and "already exists" in answer.content


async def test_partnership_needs_measures_and_parses_due_date(world: World) -> None:
    ix = await world.double.slash(
        world.volunteer,
        "partnership propose",
        {
            "kind": "partnership",
            "area": "content",
            "steward": "chapter",
            "chapter": "Wikimedia España",
            "funder": "A foundation",
            "reporting_due": "el 1 de marzo de 2099",
        },
    )
    modal = (await ix.response()).modal
    labels = json.dumps(modal)
    assert "Success measures" in labels
    bad = await world.double.slash(
        world.volunteer,
        "partnership propose",
        {
            "kind": "partnership",
            "area": "content",
            "steward": "chapter",
            "reporting_due": "someday maybe",
        },
    )
    answer = (await bad.response()).message
    assert answer.ephemeral and "could not understand" in answer.content.lower()


async def test_volunteer_cannot_approve_moderator_can_and_proposer_is_told(world: World) -> None:
    await set_review_channel(world)
    post = await propose(world)
    refused = await world.double.click(world.stranger, post, button(post, "rv:ap:"))
    answer = (await refused.response()).message
    assert answer.ephemeral and "Only moderators" in answer.content
    assert (await stored(world, "Museo Abierto")).status == Status.PROPOSED

    approve = await world.double.click(world.moderator, post, button(post, "rv:ap:"))
    await approve.response()
    dm = await world.double.wait_for_dm(world.volunteer)
    assert "approved" in dm.content
    assert (await stored(world, "Museo Abierto")).status == Status.ACTIVE
    assert "Aprobada por" in json.dumps(
        post.embeds, ensure_ascii=False
    ) or "Approved by" in json.dumps(post.embeds)
    assert all(c.get("disabled") for c in post.components[0]["components"][:3])
    assert await eventually(lambda: told(world)), "the decision was not recorded as told"


async def told(world: World) -> bool:
    entry = await stored(world, "Museo Abierto")
    return entry is not None and entry.decision_told_at is not None


async def test_a_decision_left_untold_by_a_crash_is_told_later_once(world: World) -> None:
    post = await propose(world)
    entry = await eventually(lambda: recorded(world))
    assert entry.id is not None
    # The moderator's approval is stored, and the process died before it did anything more.
    async with world.bot.database.transaction() as session:
        await entries.decide(
            entry.id,
            approve=True,
            session=session,
            guild_id=world.guild.id,
            actor_id=world.moderator.id,
            now=world.bot.clock.now(),
        )
    reviews = world.bot.reviews
    later = datetime.now(UTC) + proposals.POST_GRACE + timedelta(seconds=1)
    await reviews.run_due(later)
    await reviews.run_due(later)  # told: not again
    (dm,) = world.double.dm_messages(world.volunteer)
    assert "approved" in dm.content
    assert all(c.get("disabled") for c in post.components[0]["components"][:3])
    assert await told(world)


async def test_reject_needs_reason_and_closed_dms_fall_back_to_mention(world: World) -> None:
    await set_review_channel(world)
    post = await propose(world)
    world.double.close_dms(world.volunteer)
    reject = await world.double.click(world.moderator, post, button(post, "rv:rj:"), locale="en-US")
    assert (await reject.response()).type == 9
    submitted = await world.double.submit_modal(
        world.moderator, reject, {"Reason for rejection": "Out of scope"}, locale="en-US"
    )
    await submitted.response()
    notice = await world.double.wait_for_message(
        world.review, lambda m: "Out of scope" in m.content
    )
    assert world.double.pings(notice) == {world.volunteer.id}
    entry = await stored(world, "Museo Abierto")
    assert entry.status == Status.REJECTED and entry.rejection_reason == "Out of scope"


async def test_support_toggles_and_shows_count(world: World) -> None:
    await set_review_channel(world)
    post = await propose(world)
    first = await world.double.click(world.stranger, post, button(post, "rv:sp:"))
    assert "You support" in (await first.response()).message.content
    assert (await stored(world, "Museo Abierto")).support_count == 1
    assert await eventually(lambda: _async("(1)" in json.dumps(post.components)))
    again = await world.double.click(world.stranger, post, button(post, "rv:sp:"))
    assert "withdrew" in (await again.response()).message.content
    assert (await stored(world, "Museo Abierto")).support_count == 0


async def test_buttons_survive_a_restart(world: World, e2e_db_url: str) -> None:
    await set_review_channel(world)
    post = await propose(world)
    await stop_bot(world.bot, world.bot_task)
    world.bot, world.bot_task = await start_bot(world.double, e2e_db_url)
    approve = await world.double.click(world.moderator, post, button(post, "rv:ap:"))
    await approve.response()
    assert (await stored(world, "Museo Abierto")).status == Status.ACTIVE


async def test_queue_oldest_first_with_buttons(world: World) -> None:
    await propose(world)
    refused = await world.double.slash(world.volunteer, "review queue")
    assert "Only moderators" in (await refused.response()).message.content
    ix = await world.double.slash(world.moderator, "review queue", locale="en-US")
    message = (await ix.response()).message
    assert message.ephemeral and "Museo Abierto" in message.embeds[0]["title"]
    approve = next(c for c in message.components[-1]["components"] if c.get("label") == "Approve")
    click = await world.double.click(world.moderator, message, approve["custom_id"])
    await click.response()
    assert (await stored(world, "Museo Abierto")).status == Status.ACTIVE


async def test_proposer_edits_while_proposed_and_history_records_it(world: World) -> None:
    await propose(world)
    ix = await world.double.slash(
        world.volunteer, "partnership edit", {"entry": "Museo Abierto", "area": "outreach"}
    )
    assert (await ix.response()).type == 9
    saved = await world.double.submit_modal(world.volunteer, ix, {"Summary": "A new summary"})
    assert "Saved" in (await saved.response()).message.content
    entry = await stored(world, "Museo Abierto")
    assert (entry.summary, entry.area) == ("A new summary", "outreach")
    async with world.bot.database.sessions() as session:
        events = await audit.history(session=session, guild_id=world.guild.id, entry_id=entry.id)
    assert events[0].actor_id == world.volunteer.id and events[0].after["area"] == "outreach"
    history = await world.double.slash(
        world.volunteer, "partnership history", {"entry": "Museo Abierto"}
    )
    assert "edited" in json.dumps((await history.response()).message.embeds)
    stranger = await world.double.slash(
        world.stranger, "partnership edit", {"entry": "Museo Abierto"}
    )
    assert "permission" in (await stranger.response()).message.content


async def test_complete_asks_for_outcomes_and_model_filter(world: World) -> None:
    ix = await world.double.slash(
        world.moderator,
        "partnership status",
        {"entry": "Wiki-to-print", "status": "completed"},
        locale="en-US",
    )
    assert (await ix.response()).type == 9
    done = await world.double.submit_modal(
        world.moderator,
        ix,
        {"Outcomes": "3 books printed", "Lessons learned": "Start early"},
        locale="en-US",
    )
    assert "completed" in (await done.response()).message.content
    mark = await world.double.slash(
        world.moderator,
        "partnership model",
        {"entry": "Wiki-to-print", "model": True},
        locale="en-US",
    )
    await mark.response()
    search = await world.double.slash(
        world.volunteer, "partnership search", {"query": "print", "models": True}
    )
    assert "Wiki-to-print" in (await search.response()).message.embeds[0]["description"]


async def test_guidelines_shown_and_confirmed(world: World) -> None:
    ix = await world.double.slash(
        world.moderator,
        "settings guidelines",
        {"text": "Open licences only.", "link": "https://meta.wikimedia.org/wiki/Guidelines"},
    )
    await ix.response()
    shown = await world.double.slash(world.volunteer, "partnership guidelines")
    assert "Open licences only." in json.dumps((await shown.response()).message.embeds)
    ix = await world.double.slash(
        world.volunteer,
        "partnership propose",
        {"kind": "alliance", "area": "content", "steward": "volunteers"},
    )
    await ix.response()
    submitted = await world.double.submit_modal(world.volunteer, ix, PROPOSAL)
    confirmation = (await submitted.response()).message
    assert "follows the guidelines" in confirmation.content
    assert "Open licences only." in json.dumps(confirmation.embeds)


async def test_answers_about_an_entry_show_its_name_as_written(world: World) -> None:
    """Its markdown and mentions escaped, as in embeds: the name formats nothing."""
    values = PROPOSAL | {"Name": "**Museo** _Abierto_ @everyone"}
    message, confirm_id = await confirmation(world, values)
    done = await world.double.click(world.volunteer, message, confirm_id)
    await done.response()
    assert "“\\*\\*Museo\\*\\* \\_Abierto\\_ @\u200beveryone” is proposed" in message.content
