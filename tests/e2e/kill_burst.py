"""The people of the kill test: in each guild a volunteer proposing, a moderator deciding
and a coordinator answering reminders and adding milestones, all at once, through the
double, each keeping a record of what they did and what the bot answered."""

from __future__ import annotations

import asyncio
import itertools
import random
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.double import (
    Channel,
    DiscordDouble,
    Guild,
    Interaction,
    Member,
    Message,
    NoResponse,
    Response,
)

ENTRY = "Wiki-to-print"  # one of the source's examples, imported in every guild
PROPOSAL = {
    "Partner organisations": "A museum",
    "Summary": "Open images of a museum's collection.",
    "Links": "https://meta.wikimedia.org/wiki/Museum",
}
# What the bot says when an action succeeded (English: every member's locale is en-US).
SUCCESS = {
    "propose": "waits for review",
    "approve": "You approved",
    "reject": "You rejected",
    "add": "added to",
    "done": "marked done by",
    "snooze": "Snoozed for",
}
# Refusals that are right answers here: the action was already taken (its earlier
# attempt committed, though its answer was lost with the process).
EXPECTED_REFUSALS = ("was already decided", "is already done", "has no reminder left to snooze")
REVIEW_BUTTON = re.compile(r"rv:ap:(\d+)")
DONE_BUTTON = re.compile(r"ms:done:(\d+)")


@dataclass
class Cast:
    """One guild and the people acting in it."""

    number: int
    guild: Guild
    general: Channel
    review: Channel
    reminders: Channel
    digest: Channel
    moderator: Member
    volunteer: Member
    coordinator: Member

    @classmethod
    def create(cls, double: DiscordDouble, number: int) -> Cast:
        guild = double.add_guild(f"Community {number}")
        return cls(
            number,
            guild,
            guild.add_text_channel("general"),
            guild.add_text_channel("review"),
            guild.add_text_channel("reminders"),
            guild.add_text_channel("digest"),
            guild.add_moderator(f"Moderator {number}"),
            guild.add_member(f"Volunteer {number}"),
            guild.add_member(f"Coordinator {number}"),
        )


@dataclass
class Action:
    """One thing a member did: `subject` is an entry name or id, or a milestone title or id."""

    kind: str
    guild_id: int
    subject: str | int
    interaction: Interaction
    answer: str | None  # the text of the bot's first answer; None: no answer

    @property
    def acknowledged(self) -> bool:
        return self.answer is not None

    @property
    def succeeded(self) -> bool:
        return self.answer is not None and SUCCESS[self.kind] in self.answer


@dataclass
class Burst:
    double: DiscordDouble
    rng: random.Random
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    actions: list[Action] = field(default_factory=list)
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def run(self, casts: list[Cast], until: Awaitable[object]) -> None:
        """Every member of every guild acts until `until` is done."""
        members = [
            self._loop(act, cast)
            for cast in casts
            for act in (self.volunteer, self.moderator, self.coordinator)
        ]
        actors = [asyncio.create_task(member) for member in members]
        try:
            await until
        finally:
            self.stop.set()
            await asyncio.gather(*actors)

    async def _loop(self, act: Callable[[Cast], Awaitable[None]], cast: Cast) -> None:
        while not self.stop.is_set():
            await act(cast)
            await asyncio.sleep(self.rng.uniform(0.05, 0.3))

    async def _answer(self, interaction: Interaction) -> Response | None:
        try:
            return await interaction.response()
        except NoResponse:  # sent to a process that was just killed
            return None

    async def _record(self, kind: str, cast: Cast, subject: str | int, ix: Interaction) -> None:
        response = await self._answer(ix)
        text = None
        if response is not None:
            text = response.message.content if response.message is not None else ""
        self.actions.append(Action(kind, cast.guild.id, subject, ix, text))

    # --- the members --------------------------------------------------------------------

    async def volunteer(self, cast: Cast) -> None:
        """Propose a new alliance: the command, its modal, then the confirm button."""
        name = f"Kill test {next(self._numbers)}"
        options = {"kind": "alliance", "area": "content", "steward": "volunteers"}
        ix = await self.double.slash(
            cast.volunteer, "partnership propose", options, channel=cast.general
        )
        opened = await self._answer(ix)
        if opened is None or opened.modal is None:
            return
        values = {"Name": name, **PROPOSAL}
        submitted = await self.double.submit_modal(cast.volunteer, ix, values)
        checked = await self._answer(submitted)
        if checked is None or checked.message is None or not checked.message.components:
            return
        confirmation = checked.message
        confirm_id = confirmation.components[0]["components"][0]["custom_id"]
        click = await self.double.click(cast.volunteer, confirmation, confirm_id)
        await self._record("propose", cast, name, click)

    async def moderator(self, cast: Cast) -> None:
        """Approve (mostly) or reject (with a reason) the oldest undecided review post."""
        post, entry_id = self._undecided(cast)
        if post is None:
            return
        if self.rng.random() < 0.7:
            click = await self.double.click(cast.moderator, post, f"rv:ap:{entry_id}")
            await self._record("approve", cast, entry_id, click)
            return
        click = await self.double.click(cast.moderator, post, f"rv:rj:{entry_id}")
        opened = await self._answer(click)
        if opened is None or opened.modal is None:
            return
        reason = {"Reason for rejection": "Out of scope"}
        submitted = await self.double.submit_modal(cast.moderator, click, reason)
        await self._record("reject", cast, entry_id, submitted)

    def _undecided(self, cast: Cast) -> tuple[Message | None, int]:
        answered = {
            a.subject
            for a in self.actions
            if a.guild_id == cast.guild.id and a.kind in ("approve", "reject") and a.acknowledged
        }
        for post in self.double.messages(cast.review):
            button = next(
                (b for b in post.buttons() if REVIEW_BUTTON.fullmatch(b.get("custom_id", ""))),
                None,
            )
            if button is None or button.get("disabled"):
                continue
            entry_id = int(REVIEW_BUTTON.fullmatch(button["custom_id"])[1])
            if entry_id not in answered:
                return post, entry_id
        return None, 0

    async def coordinator(self, cast: Cast) -> None:
        """Mark done or snooze a reminder that came; otherwise add a milestone."""
        handled = {
            a.subject
            for a in self.actions
            if a.guild_id == cast.guild.id and a.kind in ("done", "snooze") and a.acknowledged
        }
        for message in self.double.messages(cast.reminders):
            for button in message.buttons():
                found = DONE_BUTTON.fullmatch(button.get("custom_id", ""))
                if found is None or int(found[1]) in handled:
                    continue
                milestone_id = int(found[1])
                if self.rng.random() < 0.6:
                    custom_id, kind = f"ms:done:{milestone_id}", "done"
                else:
                    custom_id, kind = f"ms:snooze:{milestone_id}:3600", "snooze"
                click = await self.double.click(cast.coordinator, message, custom_id)
                await self._record(kind, cast, milestone_id, click)
                return
        if self.rng.random() < 0.3:
            title = f"Added milestone {next(self._numbers)}"
            options = {"entry": ENTRY, "title": title, "due": "in 2 weeks"}
            ix = await self.double.slash(
                cast.coordinator, "milestone add", options, channel=cast.general
            )
            await self._record("add", cast, title, ix)
