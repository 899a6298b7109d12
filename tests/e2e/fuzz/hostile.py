"""What the fuzz tests share: hypothesis settings, hostile text, and the properties
every example must keep (`Watch`)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from bot.double import ClientRefused, Interaction, Member, Response
from tests.e2e.conftest import World

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


def mostly(usual: st.SearchStrategy[str], rare: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """`usual` three times in four (hypothesis's one_of does not weight its branches)."""
    return st.sampled_from((usual, usual, usual, rare)).flatmap(lambda chosen: chosen)


def registered(world: World, name: str) -> bool:
    return any(c["name"] == name for c in world.double.registered_commands())


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


async def answer(
    world: World, user: Member, command: str, options: Mapping[str, Any], **kwargs: Any
) -> tuple[Interaction, Response] | None:
    """Run the command and wait for its first answer (NoResponse past the deadline)."""
    try:
        ix = await world.double.slash(user, command, options, **kwargs)
    except ClientRefused:
        return None
    return ix, await ix.response()
