"""Discord's per-channel message limit, kept by the bot itself: at most 5 messages per
5 s in a channel, one at a time, so that a burst (a catch-up after downtime) never
leans on 429s.

Discord's window opens when a message reaches it; the pacer counts from when Discord's
answer came back, which is later, so that the sixth message of a channel reaches
Discord after the first one's window has closed, whatever the network did. Channels
are paced apart: different channels go out in parallel, together at most
POSTS_PER_SECOND, under Discord's global 50 requests a second (the bot's other
requests, edits and reads, take the rest).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

MESSAGES_PER_WINDOW = 5
WINDOW_S = 5.0
POSTS_PER_SECOND = 40


@dataclass
class _Channel:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    answered: deque[float] = field(default_factory=deque)  # the last `limit` answers' times


class ChannelPacer:
    def __init__(
        self,
        limit: int = MESSAGES_PER_WINDOW,
        window: float = WINDOW_S,
        per_second: float = POSTS_PER_SECOND,
    ) -> None:
        self.limit = limit
        self.window = window
        self.spacing = 1 / per_second
        self._channels: dict[int, _Channel] = {}
        self._next_post = 0.0  # the loop time before which no post of any channel starts

    @asynccontextmanager
    async def slot(self, channel_id: int) -> AsyncIterator[None]:
        """Wait for the channel's turn, and for room in its window; send inside."""
        loop = asyncio.get_running_loop()
        channel = self._channels.setdefault(channel_id, _Channel())
        async with channel.lock:
            if len(channel.answered) == self.limit:
                await asyncio.sleep(max(0.0, channel.answered[0] + self.window - loop.time()))
            start = max(self._next_post, loop.time())
            self._next_post = start + self.spacing
            await asyncio.sleep(start - loop.time())
            try:
                yield
            finally:
                channel.answered.append(loop.time())
                if len(channel.answered) > self.limit:
                    channel.answered.popleft()
        self._forget_idle(loop.time())

    def _forget_idle(self, now: float) -> None:
        # Bounded memory: a channel quiet for a whole window has nothing left to pace.
        if len(self._channels) > 1000:
            for channel_id, channel in list(self._channels.items()):
                idle = not channel.answered or channel.answered[-1] + self.window < now
                if idle and not channel.lock.locked():
                    del self._channels[channel_id]
