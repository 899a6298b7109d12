"""Volunteers and moderators use the directory through the real bot and the double."""

from __future__ import annotations

import json

import pytest

from bot import ui
from bot.double import ClientRefused, Member, Message
from bot.render.limits import embed_size
from storage.models import Status
from storage.schemas import EntryInput
from storage.services import entries
from storage.services.settings import get_settings
from tests.e2e.conftest import World


async def test_commands_synced_valid_and_localized(world: World) -> None:
    commands = {c["name"]: c for c in world.double.registered_commands()}
    assert {"partnership", "settings", "review", "help", "my-timezone"} <= set(commands)
    partnership = commands["partnership"]
    assert partnership["name_localizations"]["es-ES"] == "asociaciones"
    assert commands["settings"]["default_member_permissions"] == str(1 << 5)


async def test_search_finds_examples_and_typos(world: World) -> None:
    ix = await world.double.slash(
        world.volunteer, "partnership search", {"query": "opnstreetmap"}, channel=world.general
    )
    response = await ix.response()
    assert response.type == 4
    embed = response.message.embeds[0]
    assert "OpenStreetMap" in embed["description"]


async def test_search_no_result_is_helpful_and_ephemeral(world: World) -> None:
    ix = await world.double.slash(
        world.volunteer, "partnership search", {"query": "zzzqqq nothing"}, channel=world.general
    )
    response = await ix.response()
    assert response.ephemeral
    assert "Nothing in the directory matches" in response.message.content


async def test_spanish_user_gets_spanish(world: World) -> None:
    ix = await world.double.slash(
        world.moderator,
        "partnership search",
        {"query": "wiki"},
        channel=world.general,
        locale="es-ES",
    )
    response = await ix.response()
    assert "Búsqueda" in response.message.embeds[0]["title"]
    assert "Página 1 de" in response.message.embeds[0]["footer"]["text"]


async def test_show_with_autocomplete(world: World) -> None:
    choices = await world.double.autocomplete(
        world.volunteer,
        "partnership show",
        {"entry": "wiki"},
        focused="entry",
        channel=world.general,
    )
    assert 0 < len(choices) <= 25
    pick = next(c for c in choices if "OpenStreetMap" in c["name"])
    ix = await world.double.slash(
        world.volunteer, "partnership show", {"entry": pick["value"]}, channel=world.general
    )
    response = await ix.response()
    embed = response.message.embeds[0]
    assert "OpenStreetMap" in embed["title"]
    assert any(field["name"] == "Support" for field in embed["fields"])


async def _add_networks(world: World, kind_of_place: str, count: int) -> None:
    """`count` active alliances named "<kind_of_place> network NN"."""
    async with world.bot.database.transaction() as session:
        for number in range(count):
            await entries.create_entry(
                EntryInput.parse(
                    kind="alliance",
                    name=f"{kind_of_place} network {number:02}",
                    area="outreach",
                    steward="chapter",
                    summary=f"{kind_of_place}s sharing knowledge",
                    status="active",
                ),
                session=session,
                guild_id=world.guild.id,
                actor_id=None,
                now=world.bot.clock.now(),
            )


async def test_pagination_and_stranger(world: World) -> None:
    await _add_networks(world, "Library", 25)
    ix = await world.double.slash(
        world.volunteer, "partnership search", {"query": "library"}, channel=world.general
    )
    response = await ix.response()
    message = response.message
    assert "Page 1 of 3" in message.embeds[0]["footer"]["text"]
    next_id = message.components[0]["components"][1]["custom_id"]
    stranger_click = await world.double.click(world.stranger, message, next_id)
    refused = await stranger_click.response()
    assert refused.ephemeral
    assert "Page 1 of 3" in message.embeds[0]["footer"]["text"]
    click = await world.double.click(world.volunteer, message, next_id)
    moved = await click.response()
    assert moved.type == 7
    assert "Page 2 of 3" in message.embeds[0]["footer"]["text"]


async def test_pager_buttons_are_disabled_when_it_times_out(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ui, "PAGER_TIMEOUT", 0.2)
    await _add_networks(world, "Museum", 12)
    ix = await world.double.slash(
        world.volunteer, "partnership search", {"query": "museum"}, channel=world.general
    )
    await ix.response()

    def all_disabled(message: Message) -> bool:
        buttons = [b for row in message.components for b in row["components"]]
        return bool(buttons) and all(b.get("disabled") for b in buttons)

    message = await ix.original(all_disabled)
    assert "Page 1 of 2" in message.embeds[0]["footer"]["text"]


async def test_guilds_do_not_mix(world: World) -> None:
    ix = await world.double.slash(
        world.other_member,
        "partnership search",
        {"query": "openstreetmap"},
        channel=world.other_channel,
    )
    response = await ix.response()
    assert response.ephemeral and "Nothing" in response.message.content
    async with world.bot.database.sessions() as session:
        entry = await entries.find_by_name(
            session=session, guild_id=world.guild.id, name="Wikimedia–OpenStreetMap"
        )
    assert entry is not None
    ix = await world.double.slash(
        world.other_member,
        "partnership show",
        {"entry": str(entry.id)},
        channel=world.other_channel,
    )
    response = await ix.response()
    assert response.ephemeral and "No entry" in response.message.content


async def test_settings_refused_for_volunteer_and_saved_for_moderator(world: World) -> None:
    with pytest.raises(ClientRefused):
        await world.double.slash(
            world.volunteer,
            "settings review-channel",
            {"channel": world.review},
            channel=world.general,
        )
    ix = await world.double.slash(
        world.moderator, "settings review-channel", {"channel": world.review}, channel=world.general
    )
    response = await ix.response()
    assert response.ephemeral
    assert f"<#{world.review.id}>" in json.dumps(response.message.embeds)


async def test_reminder_timing_for_moderators_only_and_checked(world: World) -> None:
    async def reminders(
        user: Member, options: dict[str, object], locale: str | None = None
    ) -> Message:
        ix = await world.double.slash(
            user, "settings reminders", options, channel=world.general, locale=locale
        )
        return (await ix.response()).message

    async def timing() -> tuple[list[int], int, int]:
        async with world.bot.database.sessions() as session:
            current = await get_settings(session=session, guild_id=world.guild.id)
        return current.reminder_lead_minutes, current.overdue_interval_hours, current.overdue_max

    with pytest.raises(ClientRefused):
        await reminders(world.volunteer, {"before": "1d"})
    with pytest.raises(ClientRefused):
        await reminders(world.moderator, {"overdue-every": 0})  # out of the option's range
    # An admin may open the command to everyone (Integrations settings): the bot still refuses.
    command = next(c for c in world.double.registered_commands() if c["name"] == "settings")
    command["default_member_permissions"] = None
    refused = await reminders(world.volunteer, {"before": "1d"})
    assert refused.ephemeral and "Only moderators can do that" in refused.content
    junk = await reminders(world.moderator, {"before": "pronto", "overdue-times": 1})
    assert junk.ephemeral and "No entendí «pronto»" in junk.content  # the moderator reads Spanish
    nothing = await reminders(world.moderator, {})
    assert nothing.ephemeral and "Nada que cambiar" in nothing.content
    assert await timing() == ([7 * 24 * 60, 24 * 60], 24, 3)

    saved = await reminders(
        world.moderator,
        {"before": "7 días, 1 día, 2 horas", "overdue-every": 12, "overdue-times": 0},
    )
    assert saved.ephemeral and "7 días, 1 día, 2 horas" in json.dumps(
        saved.embeds, ensure_ascii=False
    )
    assert await timing() == ([7 * 24 * 60, 24 * 60, 120], 12, 0)
    ix = await world.double.slash(
        world.moderator, "settings show", channel=world.general, locale="en-US"
    )
    shown = {f["name"]: f["value"] for f in (await ix.response()).message.embeds[0]["fields"]}
    assert shown["Reminders before the due time"] == "7 days, 1 day, 2 hours"
    assert shown["Overdue reminders every (hours)"] == "12"
    assert shown["Overdue reminders before the channel is told"] == "0"
    await reminders(world.moderator, {"before": "none"})
    assert await timing() == ([], 12, 0)


async def test_export_attachment_for_moderators(world: World) -> None:
    ix = await world.double.slash(
        world.moderator, "partnership export", {"format": "json"}, channel=world.general
    )
    await ix.response()
    followup = await ix.followup()
    data = json.loads(followup.attachments[0].data)
    assert len(data) == 5


async def test_mentions_in_names_ping_nobody(world: World) -> None:
    async with world.bot.database.transaction() as session:
        await entries.create_entry(
            EntryInput.parse(
                kind="alliance",
                name="@everyone <@&123> party",
                area="outreach",
                steward="volunteers",
                summary="@here hello <@1>",
                status="active",
            ),
            session=session,
            guild_id=world.guild.id,
            actor_id=None,
            now=world.bot.clock.now(),
        )
    ix = await world.double.slash(
        world.volunteer, "partnership search", {"query": "party"}, channel=world.general
    )
    response = await ix.response()
    assert not world.double.pings(response.message)


async def test_help_lists_what_member_may_use(world: World) -> None:
    ix = await world.double.slash(world.volunteer, "help", channel=world.general)
    text = json.dumps((await ix.response()).message.embeds)
    assert "partnership search" in text
    assert "settings" not in text
    ix = await world.double.slash(world.moderator, "help", channel=world.general, locale="es-ES")
    text = json.dumps((await ix.response()).message.embeds, ensure_ascii=False)
    assert "ajustes" in text


async def test_an_entry_at_every_limit_still_fits_one_embed(world: World) -> None:
    """Each field near its own limit adds up past 6,000: the reply must still be valid."""
    async with world.bot.database.transaction() as session:
        entry = await entries.create_entry(
            EntryInput.parse(
                kind="partnership",
                name="Ñ" * 100,
                area="content",
                steward="chapter",
                chapter_name="c" * 100,
                partners="p*" * 250,
                summary="s_" * 750,
                success_measures="m" * 1000,
                funder="f" * 200,
                status="active",
                links=[f"https://example.org/{n}/" + "x" * 250 for n in range(5)],
            ),
            session=session,
            guild_id=world.guild.id,
            actor_id=world.volunteer.id,
            now=world.bot.clock.now(),
        )
        await entries.change_status(
            entry.id,
            Status.COMPLETED,
            session=session,
            guild_id=world.guild.id,
            actor_id=world.moderator.id,
            outcomes="o" * 1000,
            lessons="l" * 1000,
            now=world.bot.clock.now(),
        )
    ix = await world.double.slash(world.volunteer, "partnership show", {"entry": str(entry.id)})
    embed = (await ix.response()).message.embeds[0]
    assert embed_size(embed) <= 6000
