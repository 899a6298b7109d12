"""Revising and resubmitting a rejected proposal, through the real bot and the double."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.double import Interaction, Member, Message
from storage.models import Status
from storage.services import audit, proposals
from tests.e2e.conftest import World, eventually
from tests.e2e.test_proposals import PROPOSAL, button, propose, stored

REASON = "Please add partners and links"


async def reject(world: World, post: Message, reason: str = REASON) -> None:
    click = await world.double.click(world.moderator, post, button(post, "rv:rj:"), locale="en-US")
    await click.response()
    submitted = await world.double.submit_modal(
        world.moderator, click, {"Reason for rejection": reason}, locale="en-US"
    )
    await submitted.response()
    await world.double.wait_for_dm(world.volunteer, lambda m: reason in m.content)


async def open_revision(world: World, offer: Message, who: Member, locale: str) -> Interaction:
    """Press the offer's Revise button: the interaction answered with the form."""
    custom_id = offer.components[0]["components"][0]["custom_id"]
    click = await world.double.click(who, offer, custom_id, locale=locale)
    assert (await click.response()).type == 9
    return click


async def resubmit(world: World, form: Interaction, values: dict[str, str], locale: str) -> str:
    """Submit the revision form and confirm the preview; the answer's text."""
    submitted = await world.double.submit_modal(world.volunteer, form, values, locale=locale)
    preview = (await submitted.response()).message
    assert preview is not None and preview.ephemeral
    confirm = preview.components[0]["components"][0]["custom_id"]
    done = await world.double.click(world.volunteer, preview, confirm, locale=locale)
    await done.response()
    return preview.content


def review_posts(world: World) -> list[Message]:
    return [m for m in world.double.messages(world.review) if m.embeds]


async def posts_when(world: World, count: int) -> list[Message] | None:
    posts = review_posts(world)
    return posts if len(posts) == count else None


async def test_edit_on_a_rejected_proposal_revises_and_resubmits_it(world: World) -> None:
    post = await propose(world)
    support = await world.double.click(world.stranger, post, button(post, "rv:sp:"))
    await support.response()
    await reject(world, post)
    before = await stored(world, "Museo Abierto")
    assert before is not None and before.status == Status.REJECTED

    ix = await world.double.slash(
        world.volunteer, "partnership edit", {"entry": "Museo Abierto"}, locale="en-US"
    )
    offer = (await ix.response()).message
    assert offer.ephemeral and REASON in offer.content and "resubmit" in offer.content
    form = await open_revision(world, offer, world.volunteer, "en-US")
    assert "Museo Nacional" in json.dumps(form.modal)  # pre-filled with the entry
    await resubmit(
        world,
        form,
        {"Partner organisations": "Museo Nacional, Wikimedia España"},
        "en-US",
    )
    done = world.double.messages(offer.channel)[-1]
    assert "proposed again" in done.content

    entry = await stored(world, "Museo Abierto")
    assert entry is not None and entry.id == before.id
    assert entry.status == Status.PROPOSED and entry.partners.endswith("Wikimedia España")
    assert entry.support_count == 1 and entry.decided_at is None
    async with world.bot.database.sessions() as session:
        events = await audit.history(session=session, guild_id=world.guild.id, entry_id=entry.id)
    assert [e.action for e in events][:2] == ["resubmit", "reject"]
    assert events[0].before["status"] == "rejected" and events[0].after["status"] == "proposed"

    # A new review post, its buttons enabled; the old one still shows the rejection.
    old, new = await eventually(lambda: posts_when(world, 2))
    assert old.id == post.id and "Rejected by" in json.dumps(old.embeds)
    assert not any(c.get("disabled") for c in new.components[0]["components"])
    recorded = await stored(world, "Museo Abierto")
    assert recorded.review_message_id == new.id
    # The dispatcher finds nothing more to post, however late it runs.
    later = world.bot.clock.now() + proposals.POST_GRACE + timedelta(seconds=1)
    await world.bot.reviews.run_due(later)
    assert len(review_posts(world)) == 2

    # Rejected again: the proposer is told again (a new message, not the first one's nonce).
    await reject(world, new, "Still missing links")
    dms = world.double.dm_messages(world.volunteer)
    assert [REASON in dms[0].content, "Still missing links" in dms[1].content] == [True, True]


async def test_proposing_a_rejected_name_again_offers_its_revision_in_spanish(
    world: World,
) -> None:
    post = await propose(world)
    await reject(world, post)
    ix = await world.double.slash(
        world.volunteer,
        "partnership propose",
        {"kind": "alliance", "area": "content", "steward": "volunteers"},
        locale="es-ES",
    )
    await ix.response()
    typed = {
        "Nombre": PROPOSAL["Name"],
        "Resumen": PROPOSAL["Summary"],
        "Enlaces": "https://example.org/museo",
    }
    submitted = await world.double.submit_modal(world.volunteer, ix, typed, locale="es-ES")
    offer = (await submitted.response()).message
    assert "no fue aprobada" in offer.content and REASON in offer.content
    assert "ya existe" not in offer.content
    form = await open_revision(world, offer, world.volunteer, "es-ES")
    assert "https://example.org/museo" in json.dumps(form.modal)  # what was just typed
    await resubmit(world, form, {}, "es-ES")
    done = world.double.messages(offer.channel)[-1]
    assert "vuelve a estar propuesta" in done.content
    entry = await stored(world, "Museo Abierto")
    assert entry.status == Status.PROPOSED and entry.links == ["https://example.org/museo"]
    # The next decision is told in the language the proposer resubmitted in.
    await reject(
        world,
        await world.double.wait_for_message(
            world.review, lambda m: m.id != post.id and bool(m.embeds)
        ),
        "Falta el resumen",
    )
    dm = world.double.dm_messages(world.volunteer)[-1]
    assert "no fue aprobada" in dm.content
    # The entry by its number: a name, escaped for display, would be copied with backslashes.
    assert f"/asociaciones editar entrada:#{entry.id}." in dm.content
    again = await world.double.slash(
        world.volunteer, "partnership edit", {"entry": f"#{entry.id}"}, locale="es-ES"
    )
    assert "Falta el resumen" in (await again.response()).message.content


async def test_only_the_proposer_or_a_moderator_may_revise(world: World) -> None:
    post = await propose(world)
    await reject(world, post)
    stranger = await world.double.slash(
        world.stranger, "partnership edit", {"entry": "Museo Abierto"}
    )
    assert "permission" in (await stranger.response()).message.content
    moderator = await world.double.slash(
        world.moderator, "partnership edit", {"entry": "Museo Abierto"}
    )
    offer = (await moderator.response()).message
    assert REASON in offer.content
