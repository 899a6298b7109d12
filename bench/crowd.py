"""The volunteers of bench/load.py: members of the guild that holds the entries, each
doing one thing after another as a person would, only faster; and what they counted.

bench/ is not a package: load.py imports this module by its name.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from common import Request, Scene, search_requests
from corpus import GUILD, generate, typoed_fragment

from bot.double import Channel, Interaction, Member, NoResponse, Response
from bot.double.interactions import AUTOCOMPLETE
from bot.i18n import t

DEADLINE_S = 3.0
ACTIONS, WEIGHTS = ["search", "show", "propose"], [60, 25, 15]
KINDS = [
    "search",
    "autocomplete",
    "show",
    "propose: command",
    "propose: modal submit",
    "propose: confirm",
]
LOCALES = ["en-US", "en-US", "en-US", "es-ES"]
# The bot's answers when something failed on its side: counted as errors.
ERROR_ANSWERS = {
    t(locale, key): key for locale in LOCALES for key in ("error-generic", "error-try-again")
}
SEARCHES, WARM_UP = 1_000, 10
# Before submitting the modal and pressing Confirm: far quicker than any person, yet not
# before the bot has read Discord's answer to its callback, which is when discord.py starts
# listening for that modal or button (sooner, the bot would never see the click).
FILL_IN_S, READ_S = 0.5, 0.3


class Unexpected(Exception):
    """The bot answered, but not as the step expects."""


@dataclass
class Tally:
    latencies: defaultdict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    proposals: list[float] = field(default_factory=list)  # a flow's 3 round trips, ms
    unanswered: Counter[str] = field(default_factory=Counter)  # nothing Discord took within 3 s
    errors: Counter[str] = field(default_factory=Counter)


class Volunteer:
    """One member, doing one thing after another as a person would, only faster."""

    def __init__(
        self,
        scene: Scene,
        member: Member,
        number: int,
        sample: list[dict[str, Any]],
        searches: list[Request],
        tally: Tally,
    ) -> None:
        self.double, self.channel = scene.double, scene.channel
        self.member, self.number, self.sample, self.searches = member, number, sample, searches
        self.rng, self.tally = random.Random(number), tally
        self.proposed = 0

    async def run(
        self,
        until: float,
        think: float,
        actions: Sequence[str] = ACTIONS,
        weights: Sequence[int] = WEIGHTS,
    ) -> None:
        loop = asyncio.get_running_loop()
        while loop.time() < until:
            action = self.rng.choices(actions, weights)[0]
            try:
                await getattr(self, action)()
            except NoResponse:
                pass  # counted in `unanswered` where it happened
            except Unexpected as error:
                self.tally.errors[str(error)] += 1
            except Exception as error:
                self.tally.errors[f"{action}: {type(error).__name__}: {error}"[:160]] += 1
            if think:
                await asyncio.sleep(self.rng.expovariate(1 / think))

    async def answer(self, kind: str, ix: Interaction, callback: int) -> Response:
        """The first callback, timed; it must be of type `callback` and no error answer."""
        try:
            response = await ix.response()
        except NoResponse:
            self.tally.unanswered[kind] += 1
            raise
        assert ix.latency is not None
        self.tally.latencies[kind].append(ix.latency * 1000)
        error = ERROR_ANSWERS.get(response.message.content) if response.message else None
        if error:
            raise Unexpected(f"{kind}: the bot's {error} answer")
        if response.type != callback:
            raise Unexpected(f"{kind}: callback type {response.type}, expected {callback}")
        return response

    async def ping(self) -> None:
        """The bare bot's one command (bench/_child.py)."""
        ix = await self.double.slash(self.member, "ping", {}, channel=self.channel)
        await self.answer("ping", ix, 4)

    async def search(self) -> None:
        _, options = self.rng.choice(self.searches)
        ix = await self.double.slash(
            self.member, "partnership search", options, channel=self.channel
        )
        await self.answer("search", ix, 4)

    async def autocomplete(self, typed: str) -> list[dict[str, Any]]:
        try:
            choices = await self.double.autocomplete(
                self.member,
                "partnership show",
                {"entry": typed},
                focused="entry",
                channel=self.channel,
            )
        except NoResponse:
            self.tally.unanswered["autocomplete"] += 1
            raise
        # The double hands back the choices only: its record of this member's latest one.
        ix = next(
            ix
            for ix in reversed(self.double.interactions.values())
            if ix.type == AUTOCOMPLETE and ix.user.id == self.member.id
        )
        assert ix.latency is not None
        self.tally.latencies["autocomplete"].append(ix.latency * 1000)
        return choices

    async def show(self) -> None:
        name = self.rng.choice(self.sample)["name"]
        typed = [name[: self.rng.randint(2, 4)]]
        if self.rng.random() < 0.7:
            typed.append(name[: self.rng.randint(6, 14)])
        else:
            typed.append(typoed_fragment(self.rng, name, self.rng.randint(1, 2)))
        for text in typed:
            choices = await self.autocomplete(text)
        picked = next((c for c in choices if c["name"] == name), choices[0] if choices else None)
        entry = picked["value"] if picked else name  # nothing offered: the name typed in full
        ix = await self.double.slash(
            self.member, "partnership show", {"entry": entry}, channel=self.channel
        )
        await self.answer("show", ix, 4)

    async def propose(self) -> None:
        row = next(generate(self.rng, GUILD, 1))
        self.proposed += 1
        suffix = f" {self.number}-{self.proposed}"
        options = {"kind": row["kind"], "area": row["area"], "steward": row["steward"]}
        if row["chapter_name"]:
            options["chapter"] = row["chapter_name"]
        command = await self.double.slash(
            self.member, "partnership propose", options, channel=self.channel
        )
        await self.answer("propose: command", command, 9)
        locale = self.member.user.locale
        values = {
            t(locale, "field-name"): row["name"][: 100 - len(suffix)].rstrip() + suffix,
            t(locale, "field-partners"): row["partners"],
            t(locale, "field-summary"): row["summary"],
        }
        if row["success_measures"]:
            values[t(locale, "field-success_measures")] = row["success_measures"]
        await asyncio.sleep(FILL_IN_S)
        submitted = await self.double.submit_modal(self.member, command, values)
        confirmation = (await self.answer("propose: modal submit", submitted, 4)).message
        if confirmation is None or not confirmation.components:
            raise Unexpected("no confirm button after the modal")
        confirm_id = confirmation.components[0]["components"][0]["custom_id"]
        await asyncio.sleep(READ_S)
        done = await self.double.click(self.member, confirmation, confirm_id)
        await self.answer("propose: confirm", done, 7)
        steps = (command, submitted, done)
        self.tally.proposals.append(sum(ix.latency or 0.0 for ix in steps) * 1000)


async def review_channel(scene: Scene) -> Channel:
    """The review channel, which a moderator sets."""
    guild = scene.channel.guild
    assert guild is not None
    review = guild.add_text_channel("review")
    moderator = guild.add_moderator("Moderator")
    ix = await scene.double.slash(moderator, "settings review-channel", {"channel": review})
    answer = (await ix.response()).message
    if answer is None or answer.content in ERROR_ANSWERS:
        raise RuntimeError("the moderator could not set the review channel")
    return review


def volunteers(scene: Scene, sample: list[dict[str, Any]], count: int) -> list[Volunteer]:
    """`count` volunteers in the guild, counting into one tally (each step may set its own)."""
    guild = scene.channel.guild
    assert guild is not None
    searches = search_requests(random.Random(7), sample, SEARCHES) if sample else []
    tally = Tally()
    return [
        Volunteer(
            scene,
            guild.add_member(f"Volunteer {n:02d}", locale=LOCALES[n % len(LOCALES)]),
            n,
            sample,
            searches,
            tally,
        )
        for n in range(count)
    ]


async def settle(scene: Scene, review: Channel, proposals: int) -> int:
    """Let the bot finish what follows its answers (review posts, the pager's read of
    @original) before it is stopped; returns how many proposals it posted for review."""
    double = scene.double
    with contextlib.suppress(TimeoutError):
        await double.world.changed.wait_for(
            lambda: len(double.messages(review)) >= proposals or None, 10, "the review posts"
        )
    seen = -1
    while seen != len(double.requests):  # until a quiet moment: no request for 0.2 s
        seen = len(double.requests)
        await asyncio.sleep(0.2)
    return len(double.messages(review))
