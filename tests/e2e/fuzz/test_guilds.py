"""Guild B aims at guild A's ids and texts, through every way in (hypothesis): commands,
forged buttons and menus, autocomplete. Nothing of A's is found, shown or changed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import SQLModel, select

from bot.double import Member, Message, Response
from storage.services import entries, milestones
from storage.types import utcnow
from tests.e2e.conftest import World
from tests.e2e.fuzz.hostile import FUZZ, Data, Watch, answer, registered
from tests.support.factories import entry_input


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
            now=world.bot.clock.now(),
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
