"""Hostile input through the real bot and the Discord double, property-based (hypothesis).

Each test starts one bot and one double (`world`); hypothesis runs its examples inside
the test, on the test's event loop (pytest-asyncio runs `@given` async tests). Every
example must hold, whatever the text: the bot answers within Discord's deadline, logs
no error, sends nothing Discord would refuse, pings nobody, and never reads or changes
another guild's data. A value a Discord client would not send (`ClientRefused`) ends
the example.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import SQLModel, select

from bot.double import ClientRefused, Interaction, Member, Message, Response
from bot.i18n import t
from storage.models import Area, EntryKind, Status, Steward
from storage.services import entries, milestones
from storage.services import settings as guild_settings
from storage.types import utcnow
from tests.e2e.conftest import World
from tests.factories import entry_input

FUZZ = settings(
    max_examples=200,
    deadline=None,
    database=None,  # nothing written into the repository
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
Data = st.DataObject

# Pieces of hostile text: markdown, SQL, FTS syntax, direction marks, joiners, controls.
MARKDOWN = ("**bold**", "__u__", "||spoiler||", "`code`", "```\nblock\n```", "> quote", "# h")
MORE_MARKDOWN = ("-# small", "[link](https://example.org)", "<t:0:R>", "@everyone", "@here")
QUERIES = ("'; DROP TABLE entry; --", '" OR 1=1 --', "%_\\", '"', "*", "NEAR(", "NEAR(a b, 3)")
OPERATORS = (" OR ", "-", "^", "col:", "(", "AND NOT", "javascript:alert(1)")
UNICODE = ("\u202e", "\u200f", "\u200d", "\u200b", "\ufeff", "\u0301", "👩‍👩‍👧‍👦", "🇪🇸", "Ñandú")
CONTROLS = ("\x00", "\x1b[31m", "\r\n", "\t", "https://example.org/a?b=c")
SPECIMENS = MARKDOWN + MORE_MARKDOWN + QUERIES + OPERATORS + UNICODE + CONTROLS
URLS = (
    "https://meta.wikimedia.org/wiki/A?a=b&c=%20",
    "http://xn--caf-dma.es/ñ",
    "https://x.org/<@&1>",
)
DATES = ("tomorrow 5pm", "next friday", "en dos semanas", "2030-03-01 14:00", "in 3 days")
ZONES = ("Europe/Madrid", "America/Bogota", "UTC", "America", "Europe", "Etc", "posixrules")
ODD_ZONES = ("../../etc/passwd", "Europe/Madrid\x00", "Factory", "iso3166.tab", "tzdata.zi")
CASED_ZONES = ("europe/madrid", " Europe/Madrid ", "Europe//Madrid")
TIMES = ("09:30", "9:05", "23:59", "24:00", "٠٩:٣٠", "𝟗:𝟑𝟎", "7:5", "-1:00")


def hostile(world: World, max_size: int) -> st.SearchStrategy[str]:
    """Any Unicode text mixed with hostile pieces and real mentions, or the longest allowed."""
    partners = world.guild.role("Partners")
    assert partners is not None
    mentions = (
        f"<@&{partners.id}>",
        f"<@{world.volunteer.id}>",
        f"<@!{world.moderator.id}>",
        f"<#{world.general.id}>",
    )
    specimens = st.sampled_from(SPECIMENS + mentions)
    piece = st.one_of(
        specimens, st.text(max_size=12), st.characters(categories=["Cc", "Cf", "Mn", "So", "Zs"])
    )
    mixed = st.lists(piece, min_size=1, max_size=8).map("".join)
    longest = st.one_of(specimens, st.sampled_from(("x", "ñ", "👩‍👩‍👧"))).map(
        lambda s: (s * max_size)[:max_size]
    )
    return st.one_of(mixed, longest).map(lambda s: s[:max_size])


def limits(world: World, path: str) -> dict[str, int]:
    """Each string option's max length as registered (Discord's default: 6,000)."""
    words = path.split()
    command = next(c for c in world.double.registered_commands() if c["name"] == words[0])
    options = command["options"]
    for word in words[1:]:
        options = next(o for o in options if o["name"] == word)["options"]
    return {o["name"]: o.get("max_length", 6000) for o in options if o["type"] == 3}


def draw_options(data: Data, **strategies: st.SearchStrategy[Any]) -> dict[str, Any]:
    """Each option drawn, or left out."""
    drawn = {
        name: data.draw(st.none() | strategy, label=name) for name, strategy in strategies.items()
    }
    return {name: value for name, value in drawn.items() if value is not None}


def choice(enum: type) -> st.SearchStrategy[str]:
    return st.sampled_from([member.value for member in enum])


class Recorder(logging.Handler):
    """ERRORs logged anywhere (the bot's "unhandled error" too), and the error path's
    warnings: "database unreachable" in these tests means an error was misread."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR or record.name == "bot.errors":
            self.records.append(record)


@pytest.fixture
def errors() -> Iterator[list[logging.LogRecord]]:
    recorder = Recorder()
    logging.getLogger().addHandler(recorder)
    yield recorder.records
    logging.getLogger().removeHandler(recorder)


@dataclass
class Watch:
    """The properties every example must keep."""

    world: World
    errors: list[logging.LogRecord]
    references: list[str]  # the seed entries' ids and names, fixed for the whole test

    def __post_init__(self) -> None:
        self.begin()

    def begin(self) -> None:
        self.errors.clear()
        self.known = set(self.world.double.store.by_id)
        self.violations = len(self.world.double.violations)

    def check(self) -> None:
        logged = [f"{r.name}: {r.getMessage()}" for r in self.errors]
        assert not logged, logged
        assert self.world.double.violations[self.violations :] == []
        bot = self.world.double.bot_user.id
        for message_id, message in self.world.double.store.by_id.items():
            if message_id not in self.known and message.author.id == bot:
                assert not self.world.double.pings(message), message.content


@pytest.fixture
async def watch(world: World, errors: list[logging.LogRecord]) -> Watch:
    world.guild.add_role("Partners", mentionable=True)
    async with world.bot.database.transaction() as session:
        await guild_settings.update_settings(
            session=session,
            guild_id=world.guild.id,
            actor_id=None,
            review_channel_id=world.review.id,
        )
        seeds = await entries.all_entries(session=session, guild_id=world.guild.id)
    return Watch(world, errors, [str(e.id) for e in seeds] + [e.name for e in seeds])


async def answer(
    world: World, user: Member, command: str, options: Mapping[str, Any], **kwargs: Any
) -> tuple[Interaction, Response] | None:
    """Run the command and wait for its first answer (NoResponse past the deadline)."""
    try:
        ix = await world.double.slash(user, command, options, **kwargs)
    except ClientRefused:
        return None
    return ix, await ix.response()


def text_inputs(modal: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for component in modal.get("components") or []:
        yield from component.get("components") or [component.get("component") or {}]


def mostly(usual: st.SearchStrategy[str], rare: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """`usual` three times in four (hypothesis's one_of does not weight its branches)."""
    return st.sampled_from((usual, usual, usual, rare)).flatmap(lambda chosen: chosen)


def modal_texts(world: World, data: Data) -> dict[str, str]:
    """A text for every field a proposal or edit modal may have, drawn before the command
    runs: the bot's answers must not change what hypothesis draws (it replays to shrink)."""
    url = st.sampled_from(URLS) | hostile(world, 80).map(lambda s: "https://example.org/" + s)
    links = st.lists(url, max_size=6).map("\n".join)
    optional = st.just("") | hostile(world, 4000)
    return {
        "name": data.draw(hostile(world, 100), label="name"),
        "partners": data.draw(optional, label="partners"),
        "summary": data.draw(hostile(world, 4000), label="summary"),
        "success_measures": data.draw(optional, label="measures"),
        "links": data.draw(mostly(links, hostile(world, 1500)), label="links"),
    }


async def fill(
    world: World, user: Member, ix: Interaction, texts: dict[str, str]
) -> Response | None:
    """Submit the modal the bot opened, each field its text cut to the field's max length."""
    assert ix.modal is not None
    fields = {t(locale, f"field-{name}"): name for name in texts for locale in ("en", "es")}
    values = {
        item["custom_id"]: texts[fields[item["label"]]][: item.get("max_length") or 4000]
        for item in text_inputs(ix.modal)
    }
    try:
        submitted = await world.double.submit_modal(user, ix, values)
    except ClientRefused:
        return None
    return await submitted.response()


def entry_reference(world: World, watch: Watch, data: Data) -> str:
    """A seed entry's id or name (as first stored), or any text."""
    return data.draw(mostly(st.sampled_from(watch.references), hostile(world, 100)), label="entry")


@FUZZ
@given(data=st.data())
async def test_search_show_and_autocomplete(world: World, watch: Watch, data: Data) -> None:
    watch.begin()
    sizes = limits(world, "partnership search")
    options = {"query": data.draw(hostile(world, sizes["query"]), label="query")}
    options |= draw_options(
        data,
        kind=choice(EntryKind),
        area=choice(Area),
        status=choice(Status),
        steward=choice(Steward),
        models=st.booleans(),
    )
    await answer(world, world.volunteer, "partnership search", options)
    reference = entry_reference(world, watch, data)
    await answer(world, world.volunteer, "partnership show", {"entry": reference})
    await world.double.autocomplete(
        world.volunteer, "partnership show", {"entry": reference}, focused="entry"
    )
    watch.check()


@FUZZ
@given(data=st.data())
async def test_propose(world: World, watch: Watch, data: Data) -> None:
    watch.begin()
    sizes = limits(world, "partnership propose")
    options = {"kind": data.draw(choice(EntryKind)), "area": data.draw(choice(Area))}
    options["steward"] = data.draw(choice(Steward))
    options |= draw_options(
        data,
        chapter=hostile(world, sizes["chapter"]),
        funder=hostile(world, sizes["funder"]),
        reporting_due=mostly(st.sampled_from(DATES), hostile(world, sizes["reporting_due"])),
    )
    texts = modal_texts(world, data)
    answered = await answer(world, world.volunteer, "partnership propose", options)
    if answered is None or answered[1].modal is None:
        watch.check()
        return
    confirmation = await fill(world, world.volunteer, answered[0], texts)
    if confirmation is not None and confirmation.message and confirmation.message.components:
        message = confirmation.message
        confirm = message.components[0]["components"][0]["custom_id"]
        done = await world.double.click(world.volunteer, message, confirm)
        if (await done.response()).type == 7:  # saved: the review post follows
            await world.double.wait_for_message(world.review)
    watch.check()


@FUZZ
@given(data=st.data())
async def test_edit(world: World, watch: Watch, data: Data) -> None:
    watch.begin()
    sizes = limits(world, "partnership edit")
    options = {"entry": entry_reference(world, watch, data)}
    options |= draw_options(
        data,
        kind=choice(EntryKind),
        area=choice(Area),
        steward=choice(Steward),
        chapter=hostile(world, sizes["chapter"]),
        funder=hostile(world, sizes["funder"]),
        reporting_due=mostly(st.sampled_from(DATES), hostile(world, sizes["reporting_due"])),
    )
    texts = modal_texts(world, data)
    answered = await answer(world, world.moderator, "partnership edit", options)
    if answered is not None and answered[1].modal is not None:
        await fill(world, world.moderator, answered[0], texts)
    watch.check()


@FUZZ
@given(data=st.data())
async def test_time_zones_and_digest_times(world: World, watch: Watch, data: Data) -> None:
    watch.begin()
    zones = st.sampled_from(ZONES + ODD_ZONES + CASED_ZONES)
    zone = zones | hostile(world, limits(world, "my-timezone")["name"])
    command = data.draw(st.sampled_from(["settings timezone", "my-timezone", "digest setup"]))
    if command == "settings timezone":
        await answer(world, world.moderator, command, {"name": data.draw(zone)})
    elif command == "my-timezone":
        await answer(world, world.volunteer, command, draw_options(data, name=zone))
    else:
        setup = {"channel": world.general, "day": data.draw(st.sampled_from(["monday", "friday"]))}
        setup["time"] = data.draw(st.sampled_from(TIMES) | hostile(world, 16), label="time")
        setup |= draw_options(data, timezone=zone)
        await answer(world, world.moderator, command, setup)
    watch.check()


def registered(world: World, name: str) -> bool:
    return any(c["name"] == name for c in world.double.registered_commands())


@FUZZ
@given(data=st.data())
async def test_milestone_add(world: World, watch: Watch, data: Data) -> None:
    if not registered(world, "milestone"):
        pytest.skip("no /milestone command yet")
    watch.begin()
    sizes = limits(world, "milestone add")
    options = {
        "entry": entry_reference(world, watch, data),
        "title": data.draw(hostile(world, sizes["title"]), label="title"),
        "due": data.draw(mostly(st.sampled_from(DATES), hostile(world, sizes["due"])), label="due"),
    }
    await answer(world, world.moderator, "milestone add", options)
    watch.check()


@dataclass
class Crossing:
    """Guild B's people, and guild A's ids and private texts for them to aim at."""

    moderator: Member
    entry_ids: list[int]
    milestone_id: int
    secrets: list[str]  # A's names and texts: none may show in B's answers but as typed
    buttons: Message
    picker: Message
    before: list[list[str]]


async def snapshot(world: World, guild_id: int) -> list[list[str]]:
    """Every row of the guild, table by table."""
    tables = [t for t in SQLModel.metadata.sorted_tables if "guild_id" in t.c]
    async with world.bot.database.sessions() as session:
        return [
            sorted(map(repr, (await session.exec(select(t).where(t.c.guild_id == guild_id))).all()))
            for t in tables
        ]


def crafted(world: World, components: list[dict[str, Any]]) -> Message:
    """A message in guild B carrying components a modified client could forge."""
    rows = [{"type": 1, "components": components[i : i + 5]} for i in range(0, len(components), 5)]
    body = {"content": "forged", "components": rows}
    return world.double.store.create(
        world.other_channel, world.double.bot_user, body, {}, kind="post"
    )


@pytest.fixture
async def crossing(world: World, watch: Watch) -> Crossing:
    async with world.bot.database.transaction() as session:
        found = await entries.all_entries(session=session, guild_id=world.guild.id)
        milestone = await milestones.add_milestone(
            session=session,
            guild_id=world.guild.id,
            entry_id=found[0].id,
            title="Secret milestone of guild A",
            due_at=utcnow() + timedelta(days=30),
            coordinator_id=world.volunteer.id,
            actor_id=None,
            now=utcnow(),
        )
        await entries.create_entry(
            entry_input(name="Guild B's own project"),
            session=session,
            guild_id=world.other_guild.id,
            actor_id=None,
        )
    ids = [e.id for e in found if e.id is not None]
    assert milestone.id is not None
    button = {"type": 2, "style": 1, "label": "go"}
    review = [{**button, "custom_id": f"rv:{a}:{i}"} for a in ("ap", "rj", "ed", "sp") for i in ids]
    snoozes = [f"ms:snooze:{milestone.id}:{seconds}" for seconds in (3600, 86400, 604800)]
    reminder = [{**button, "custom_id": c} for c in (f"ms:done:{milestone.id}", *snoozes)]
    option = {"label": "pick", "value": str(milestone.id)}
    pick = {"type": 3, "custom_id": "ms:pick:0", "options": [option]}
    return Crossing(
        moderator=world.other_guild.add_moderator("Eve"),
        entry_ids=ids,
        milestone_id=milestone.id,
        secrets=[milestone.title] + [e.name for e in found] + [e.summary[:40] for e in found],
        buttons=crafted(world, review + reminder),
        picker=crafted(world, [pick]),
        before=await snapshot(world, world.guild.id),
    )


def aimed_at(number: int) -> st.SearchStrategy[str]:
    """Ways to type another guild's id: plain, padded, "#", leading zero, other digits."""
    arabic = "".join(chr(0x660 + int(d)) for d in str(number))
    return st.sampled_from([str(number), f" {number} ", f"#{number}", f"0{number}", arabic])


def visible(response: Response | list[dict[str, Any]]) -> str:
    if isinstance(response, list):
        return json.dumps(response, ensure_ascii=False)
    message = response.message
    return json.dumps([message.text if message else "", response.modal], ensure_ascii=False)


@FUZZ
@given(data=st.data())
async def test_another_guilds_ids_are_not_found(
    world: World, watch: Watch, crossing: Crossing, data: Data
) -> None:
    watch.begin()
    user = data.draw(st.sampled_from([crossing.moderator, world.other_member]), label="user")
    entry = data.draw(st.sampled_from(crossing.entry_ids).flatmap(aimed_at), label="entry")
    milestone = data.draw(aimed_at(crossing.milestone_id), label="milestone")
    typed = data.draw(st.sampled_from(crossing.secrets), label="typed")
    commands = [
        ("partnership show", {"entry": entry}),
        ("partnership history", {"entry": entry}),
        ("partnership edit", {"entry": entry, "area": "outreach"}),
        ("partnership status", {"entry": entry, "status": "paused"}),
        ("partnership model", {"entry": entry, "model": True}),
        ("partnership search", {"query": typed}),
    ]
    if registered(world, "milestone"):
        commands += [
            ("milestone add", {"entry": entry, "title": "x", "due": "tomorrow 5pm"}),
            ("milestone list", {"entry": entry}),
            ("milestone done", {"milestone": milestone}),
            ("milestone edit", {"milestone": milestone, "title": "taken"}),
            ("milestone remove", {"milestone": milestone}),
        ]
    how = data.draw(st.sampled_from(["command", "button", "pick", "autocomplete"]), label="how")
    options: dict[str, Any] = {}
    if how == "command":
        command, options = data.draw(st.sampled_from(commands), label="command")
        answered = await answer(world, user, command, options, channel=world.other_channel)
        assert answered is not None
        response = answered[1]
    elif how == "button":
        custom_id = data.draw(st.sampled_from([c["custom_id"] for c in crossing.buttons.buttons()]))
        response = await (await world.double.click(user, crossing.buttons, custom_id)).response()
    elif how == "pick":
        picked = [str(crossing.milestone_id)]
        response = await (
            await world.double.select(user, crossing.picker, "ms:pick:0", picked)
        ).response()
    else:
        choices = await world.double.autocomplete(
            user, "partnership show", {"entry": typed}, focused="entry", channel=world.other_channel
        )
        assert not {c["value"] for c in choices} & {str(i) for i in crossing.entry_ids}
        response = choices
    shown = visible(response)
    # The answer may echo what B typed (a search's title), nothing else of A's.
    assert not [s for s in crossing.secrets if s in shown and s not in typed], shown
    if isinstance(response, Response) and "query" not in options:  # B's own results may show
        assert response.modal is None and response.ephemeral, shown
    assert await snapshot(world, world.guild.id) == crossing.before
    watch.check()


async def test_clearing_texts_in_the_edit_modal_saves_them_empty(world: World) -> None:
    """Found by fuzzing: a cleared Partners field was written as NULL (a NOT NULL column)
    and the failure then reported as a duplicate name, crashing on the expired entry."""
    ix = await world.double.slash(
        world.moderator, "partnership edit", {"entry": "Wiki-to-print"}, locale="en-US"
    )
    assert (await ix.response()).modal is not None
    cleared = {"Partner organisations": "", "Summary": ""}
    saved = await world.double.submit_modal(world.moderator, ix, cleared, locale="en-US")
    assert "Saved" in (await saved.response()).message.content
    async with world.bot.database.sessions() as session:
        entry = await entries.find_by_name(
            session=session, guild_id=world.guild.id, name="Wiki-to-print"
        )
    assert entry is not None and (entry.partners, entry.summary) == ("", "")


@pytest.mark.parametrize("name", ["America", "Europe", "Etc"])
async def test_a_folder_of_the_zone_database_is_no_time_zone(world: World, name: str) -> None:
    """Found by fuzzing: ZoneInfo("America") raises IsADirectoryError, an OSError, which the
    error path took for an unreachable database ("try again later")."""
    ix = await world.double.slash(
        world.moderator, "settings timezone", {"name": name}, locale="en-US"
    )
    text = (await ix.response()).message.content
    assert f"“{name}” is not a time zone I know" in text
