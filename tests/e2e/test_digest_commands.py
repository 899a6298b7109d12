"""/digest through the real bot and the Discord double: set up, refuse, preview, post on time,
once a week, late after a restart, turn off when the channel is gone, in each language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.double import Channel, ClientRefused, Member, P
from bot.double.interactions import Response
from bot.render.limits import EMBEDS_PER_MESSAGE, EMBEDS_TOTAL, embed_size
from bot.render.text import timestamp
from storage.models import DigestSchedule
from storage.schemas import EntryInput
from storage.services import digest, entries, settings
from tests.e2e.conftest import World, start_bot, stop_bot
from tests.support.clocks import FixedClock

# A Monday, 08:00 in Madrid (CET, weeks before the March DST change), years ahead of the
# real clock: the waker's real-time wake-ups for it never fire during a test.
START = datetime(2031, 3, 3, 7, 0, tzinfo=UTC)
SLOT = datetime(2031, 3, 3, 8, 30, tzinfo=UTC)  # Monday 09:30 Europe/Madrid


@pytest.fixture
async def clock(world: World, e2e_db_url: str) -> FixedClock:
    """The world's bot restarted on the same database with a clock moved only by the test."""
    fixed = FixedClock(START)
    await stop_bot(world.bot, world.bot_task)
    world.bot, world.bot_task = await start_bot(world.double, e2e_db_url, clock=fixed)
    return fixed


async def run(
    world: World,
    command: str,
    options: dict[str, Any] | None = None,
    *,
    member: Member | None = None,
    locale: str = "en-US",
) -> Response:
    ix = await world.double.slash(
        member or world.moderator, command, options, channel=world.general, locale=locale
    )
    return await ix.response()


async def set_up(world: World, channel: Channel, **options: Any) -> Response:
    member, locale = options.pop("member", None), options.pop("locale", "en-US")
    values = {"channel": channel, "day": "monday", "time": "09:30", "timezone": "Europe/Madrid"}
    return await run(world, "digest setup", values | options, member=member, locale=locale)


async def schedule_of(world: World, channel: Channel) -> DigestSchedule | None:
    async with world.bot.database.sessions() as session:
        return await digest.get_digest(
            session=session, guild_id=world.guild.id, channel_id=channel.id
        )


def post_attempts(world: World, channel: Channel) -> int:
    """Every message the bot tried to post in the channel, accepted or not (a resend counts,
    even one the double would drop as a duplicate nonce)."""
    path = f"/channels/{channel.id}/messages"
    return sum(1 for r in world.double.requests if r.method == "POST" and r.path.endswith(path))


def open_to_everyone(world: World) -> None:
    """What a server admin does in Server Settings > Integrations: show /digest to all."""
    command = next(c for c in world.double.registered_commands() if c["name"] == "digest")
    world.double.commands.edit(None, int(command["id"]), {"default_member_permissions": None})


async def test_registered_hidden_and_localized(world: World) -> None:
    command = next(c for c in world.double.registered_commands() if c["name"] == "digest")
    assert command["default_member_permissions"] == str(P.MANAGE_GUILD)
    assert command["dm_permission"] is False
    assert command["name_localizations"]["es-ES"] == "resumen"
    subcommands = {o["name"]: o for o in command["options"]}
    assert set(subcommands) == {"setup", "list", "off", "preview"}
    assert subcommands["preview"]["name_localizations"]["es-ES"] == "vista-previa"
    day = next(o for o in subcommands["setup"]["options"] if o["name"] == "day")
    assert [c["value"] for c in day["choices"]][:2] == ["monday", "tuesday"]
    assert day["choices"][0]["name"] == "Monday"
    assert day["choices"][0]["name_localizations"]["es-ES"] == "lunes"


async def test_moderator_sets_up_and_sees_next_run(world: World, clock: FixedClock) -> None:
    response = await set_up(world, world.general)
    assert response.ephemeral
    text = response.message.text
    assert "every Monday at 09:30 (Europe/Madrid), in English" in text
    assert timestamp(SLOT, "F") in text and timestamp(SLOT, "R") in text
    schedule = await schedule_of(world, world.general)
    assert schedule is not None and schedule.enabled
    assert (schedule.weekday, schedule.time_of_day, schedule.locale) == (0, "09:30", "en")
    assert schedule.next_run_at == SLOT
    assert schedule.created_by == world.moderator.id


async def test_defaults_are_the_servers_and_replies_in_members_language(
    world: World, clock: FixedClock
) -> None:
    async with world.bot.database.transaction() as session:
        await settings.update_settings(
            session=session,
            guild_id=world.guild.id,
            actor_id=None,
            timezone="America/Bogota",
            locale="es",
            languages=["en", "es"],
            now=clock.now(),
        )
    response = await run(
        world,
        "digest setup",
        {"channel": world.general, "day": "friday", "time": "7:05"},
        locale="es-ES",
    )
    assert "Resumen semanal guardado" in response.message.text
    assert "cada viernes a las 07:05 (America/Bogota), en español" in response.message.text
    schedule = await schedule_of(world, world.general)
    assert schedule is not None
    assert (schedule.weekday, schedule.timezone, schedule.locale) == (4, "America/Bogota", "es")
    assert schedule.next_run_at == datetime(2031, 3, 7, 12, 5, tzinfo=UTC)  # 07:05 in Bogotá


async def test_only_moderators(world: World) -> None:
    with pytest.raises(ClientRefused):
        await set_up(world, world.general, member=world.volunteer)
    open_to_everyone(world)
    helper = world.guild.add_member("Dee", permissions=P.USE_APPLICATION_COMMANDS)
    for command, options in (
        ("digest setup", None),
        ("digest list", {}),
        ("digest off", {"channel": world.general}),
        ("digest preview", {}),
    ):
        if options is None:
            response = await set_up(world, world.general, member=helper)
        else:
            response = await run(world, command, options, member=helper)
        assert response.ephemeral
        assert "Only moderators can do that" in response.message.text, command
    assert await schedule_of(world, world.general) is None
    # The guild's moderator role is enough, without Manage Server.
    role = world.guild.add_role("Partnership team")
    async with world.bot.database.transaction() as session:
        await settings.update_settings(
            session=session,
            guild_id=world.guild.id,
            actor_id=None,
            moderator_role_id=role.id,
            now=world.bot.clock.now(),
        )
    team_member = world.guild.add_member("Eli", roles=[role])
    response = await set_up(world, world.general, member=team_member)
    assert "Weekly digest saved" in response.message.text
    assert await schedule_of(world, world.general) is not None


async def test_bad_input_is_refused_politely(world: World) -> None:
    response = await set_up(world, world.general, time="25:99")
    assert response.ephemeral
    assert "“25:99” is not a time of day I can read. Try 18:00" in response.message.text
    response = await set_up(world, world.general, timezone="Mars/Olympus")
    assert response.ephemeral
    assert "“Mars/Olympus” is not a time zone I know" in response.message.text
    world.double.revoke_send(world.review)
    response = await set_up(world, world.review)
    assert response.ephemeral
    assert f"I cannot post in <#{world.review.id}>" in response.message.text
    response = await run(world, "digest off", {"channel": world.general})
    assert f"<#{world.general.id}> has no weekly digest" in response.message.text
    async with world.bot.database.sessions() as session:
        assert await digest.list_digests(session=session, guild_id=world.guild.id) == []
    response = await run(world, "digest list", {})
    assert "No weekly digest is set up in this server" in response.message.text


async def test_timezone_autocomplete(world: World) -> None:
    options = {"channel": world.general, "day": "monday", "time": "09:30", "timezone": "madr"}
    choices = await world.double.autocomplete(
        world.moderator, "digest setup", options, focused="timezone", channel=world.general
    )
    assert "Europe/Madrid" in [c["value"] for c in choices]


async def test_preview_is_exactly_what_is_posted(world: World, clock: FixedClock) -> None:
    await set_up(world, world.general)
    clock.set(SLOT)
    ix = await world.double.slash(
        world.moderator,
        "digest preview",
        {"channel": world.general},
        channel=world.general,
        locale="en-US",
    )
    assert (await ix.response()).deferred
    shown = await ix.followup()
    assert shown.ephemeral
    assert "Preview, only for you" in shown.content
    assert "Weekly partnerships digest" in shown.text
    assert post_attempts(world, world.general) == 0
    assert world.bot.waker is not None
    await world.bot.waker.run_all()
    posted = await world.double.wait_for_message(world.general)

    def visible(embeds: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        return [(e.get("title"), e.get("description"), e.get("color")) for e in embeds]

    assert visible(shown.embeds) == visible(posted.embeds)


async def test_long_digest_preview_shows_its_first_message(world: World, clock: FixedClock) -> None:
    async with world.bot.database.transaction() as session:
        for number in range(60):
            status = "active" if number % 2 else "proposed"
            name = f"{number:02} " + "Long_name_with_underscores " * 4  # escaped: longer still
            await entries.create_entry(
                EntryInput.parse(
                    kind="alliance",
                    name=name[:100],
                    area="outreach",
                    steward="chapter",
                    summary="Sharing knowledge",
                    status=status,
                ),
                session=session,
                guild_id=world.guild.id,
                actor_id=None,
                now=clock.now(),
            )
    await set_up(world, world.general)
    clock.set(SLOT)
    ix = await world.double.slash(world.moderator, "digest preview", {}, locale="en-US")
    await ix.response()
    shown = await ix.followup()
    assert "It continues in one more message." in shown.content
    assert len(shown.embeds) <= EMBEDS_PER_MESSAGE
    assert sum(embed_size(e) for e in shown.embeds) <= EMBEDS_TOTAL
    assert world.bot.waker is not None
    await world.bot.waker.run_all()
    assert post_attempts(world, world.general) == 2
    first = await world.double.wait_for_message(world.general)
    assert [e["description"] for e in shown.embeds] == [e["description"] for e in first.embeds]


async def test_posted_on_time_once_a_week_in_each_channels_language(
    world: World, clock: FixedClock
) -> None:
    spanish = world.guild.add_text_channel("resumen")
    await set_up(world, world.general)
    await set_up(world, spanish, language="es")
    clock.set(SLOT + timedelta(minutes=1))
    assert world.bot.waker is not None
    await world.bot.waker.run_all()
    english_post = await world.double.wait_for_message(world.general)
    assert "Weekly partnerships digest" in english_post.text
    assert "late" not in english_post.text
    assert not world.double.pings(english_post)
    spanish_post = await world.double.wait_for_message(spanish)
    assert "Resumen semanal de alianzas y asociaciones" in spanish_post.text
    await world.bot.waker.run_all()
    assert (post_attempts(world, world.general), post_attempts(world, spanish)) == (1, 1)
    schedule = await schedule_of(world, world.general)
    assert schedule is not None and schedule.next_run_at == SLOT + timedelta(days=7)
    clock.set(SLOT + timedelta(days=7, minutes=1))
    await world.bot.waker.run_all()
    await world.bot.waker.run_all()
    assert (post_attempts(world, world.general), post_attempts(world, spanish)) == (2, 2)


async def test_restart_across_digest_time_posts_late_once(
    world: World, clock: FixedClock, e2e_db_url: str
) -> None:
    await set_up(world, world.general)
    await stop_bot(world.bot, world.bot_task)
    clock.set(SLOT + timedelta(hours=2))
    world.bot, world.bot_task = await start_bot(world.double, e2e_db_url, clock=clock)
    # The new bot delivers what fell due while it was away as soon as it is ready.
    posted = await world.double.wait_for_message(world.general, timeout=15)
    assert "This digest is late" in posted.text
    assert timestamp(SLOT, "F") in posted.text
    assert world.bot.waker is not None
    await world.bot.waker.run_all()
    assert post_attempts(world, world.general) == 1


async def test_deleted_channel_turns_digest_off_and_list_tells_once(
    world: World, clock: FixedClock
) -> None:
    doomed = world.guild.add_text_channel("digest")
    await set_up(world, doomed)
    await set_up(world, world.general, day="tuesday")
    world.guild.remove_channel(doomed)
    clock.set(SLOT + timedelta(minutes=1))
    assert world.bot.waker is not None
    await world.bot.waker.run_all()
    schedule = await schedule_of(world, doomed)
    assert schedule is not None and not schedule.enabled
    assert schedule.disabled_reason == digest.REASON_CHANNEL_GONE
    notice = f"I turned off the weekly digest for <#{doomed.id}>"
    first = (await run(world, "digest list", {})).message
    assert first.ephemeral
    assert notice in first.text
    assert f"<#{doomed.id}> — off: the channel is gone" in first.text
    assert f"<#{world.general.id}> — every Tuesday at 09:30" in first.text
    second = (await run(world, "digest list", {})).message
    assert notice not in second.text
    assert f"<#{doomed.id}> — off: the channel is gone" in second.text


async def test_off_stops_the_digest(world: World, clock: FixedClock) -> None:
    await set_up(world, world.general)
    response = await run(world, "digest off", {"channel": world.general})
    assert response.ephemeral
    assert f"The weekly digest for <#{world.general.id}> is off" in response.message.text
    listed = (await run(world, "digest list", {})).message.text
    assert f"<#{world.general.id}> — off (turned off with /digest off)" in listed
    clock.set(SLOT + timedelta(minutes=1))
    assert world.bot.waker is not None
    await world.bot.waker.run_all()
    assert post_attempts(world, world.general) == 0
    # Setting it up again turns it back on.
    await set_up(world, world.general, time="10:00")
    schedule = await schedule_of(world, world.general)
    assert schedule is not None and schedule.enabled
    assert schedule.next_run_at == SLOT + timedelta(minutes=30)


@pytest.mark.parametrize(
    ("typed", "locale", "stored"),
    [("5pm", "en-US", "17:00"), ("a las 17", "es-ES", "17:00"), ("9", "en-US", "09:00")],
)
async def test_the_time_is_read_as_people_write_it(
    world: World, typed: str, locale: str, stored: str
) -> None:
    response = await set_up(world, world.general, time=typed, locale=locale)
    assert not response.message.text.startswith("“")
    schedule = await schedule_of(world, world.general)
    assert schedule is not None and schedule.time_of_day == stored


async def test_preview_names_its_channel_and_language_or_says_there_is_none(
    world: World, clock: FixedClock
) -> None:
    clock.set(SLOT)
    ix = await world.double.slash(world.moderator, "digest preview", {}, locale="en-US")
    await ix.response()
    unset = await ix.followup()
    assert "no weekly digest is set up yet" in unset.content and unset.embeds

    await set_up(world, world.general, language="es")
    ix = await world.double.slash(
        world.moderator, "digest preview", {"channel": world.general}, locale="en-US"
    )
    await ix.response()
    shown = await ix.followup()
    assert f"the digest of <#{world.general.id}> would post now, in Spanish" in shown.content
    assert "Resumen semanal" in shown.text  # the schedule's language, not the reader's

    ix = await world.double.slash(
        world.moderator, "digest preview", {"channel": world.review}, locale="es-ES"
    )
    none = (await ix.response()).message
    assert none.ephemeral and f"<#{world.review.id}> no tiene resumen semanal" in none.content
