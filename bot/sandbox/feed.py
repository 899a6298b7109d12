"""What the bot did on the double, shown once: new posts, responses, DMs, and later edits.

Every bot message anywhere is followed (by how many bodies it was sent with), so
review posts, reminders, digests, DMs and edited replies all show as they come,
each headed by where it appeared.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TextIO

from bot.double import DiscordDouble, Interaction, Message
from bot.sandbox.render import Names, Target, render_message

QUIET = 0.2  # the bot is done once nothing changed on the double for this long
SETTLE_CAP = 15.0  # never wait longer than this for an action's effects
POLL = 0.03
WATCH_EVERY = 0.5  # interactive: how often to look for posts that came meanwhile


class Feed:
    def __init__(self, double: DiscordDouble, output: TextIO) -> None:
        self.double = double
        self.output = output
        self.names = Names(double.world)
        self.seen: dict[int, tuple[int, bool]] = {}
        # The last shown message with buttons or menus: what `press N` acts on.
        self.current: tuple[Message, list[Target]] | None = None

    def say(self, text: str) -> None:
        self.output.write(text + "\n")
        self.output.flush()

    @staticmethod
    def _version(message: Message) -> tuple[int, bool]:
        return len(message.bodies), message.deleted

    def mark_seen(self) -> None:
        """Everything so far counts as shown (the sandbox's own set-up)."""
        for message in self.double.store.by_id.values():
            self.seen[message.id] = self._version(message)

    def unseen(self) -> list[tuple[Message, bool]]:
        """Bot messages created or changed since last shown: (message, edited)."""
        found = []
        for message in sorted(self.double.store.by_id.values(), key=lambda m: m.id):
            if message.kind == "user" or message.loading:
                continue
            before = self.seen.get(message.id)
            if before is None and message.deleted:
                continue
            if before != self._version(message):
                found.append((message, before is not None))
        return found

    def flush(self, viewer_id: int) -> bool:
        """Show what the bot posted or changed anywhere; whether anything was shown."""
        shown = self.unseen()
        for message, edited in shown:
            self.seen[message.id] = self._version(message)
            text, targets = render_message(message, self.names, viewer_id=viewer_id, edited=edited)
            self.say(text)
            if targets:
                self.current = (message, targets)
        return bool(shown)

    def _fingerprint(self) -> tuple[int, int]:
        messages = self.double.store.by_id.values()
        return len(self.double.requests), sum(len(m.bodies) + m.deleted for m in messages)

    async def settle(self, ix: Interaction | None) -> None:
        """Until the bot has finished what an action set off: no request and no message
        change for QUIET seconds, and `ix`'s answer no longer "thinking"."""
        loop = asyncio.get_running_loop()
        start = last_change = loop.time()
        last = self._fingerprint()
        while loop.time() - start < SETTLE_CAP:
            await asyncio.sleep(POLL)
            now, current = loop.time(), self._fingerprint()
            if current != last:
                last, last_change = current, now
            original = ix.original_message if ix is not None else None
            if not (original is not None and original.loading) and now - last_change >= QUIET:
                return

    async def watch(self, idle: Callable[[], int | None], reprompt: Callable[[], None]) -> None:
        """Interactive: show posts that arrive while a person types (reminders, digests).
        `idle` gives the viewer's id while no line is running, else None."""
        while True:
            await asyncio.sleep(WATCH_EVERY)
            viewer = idle()
            if viewer is not None and self.unseen():
                self.say("")
                self.flush(viewer)
                reprompt()
