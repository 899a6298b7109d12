"""The bot's own pacing of channel posts: `limit` per `window` in a channel, one at a time;
other channels not held up by it, all of them within a rate together."""

from __future__ import annotations

import asyncio

from bot.jobs.pacing import ChannelPacer


async def test_a_channel_waits_for_room_in_its_window_and_others_do_not() -> None:
    pacer = ChannelPacer(limit=2, window=0.3, per_second=50)
    loop = asyncio.get_running_loop()
    started: dict[int, list[float]] = {1: [], 2: []}
    in_flight = 0

    async def post(channel_id: int) -> None:
        nonlocal in_flight
        async with pacer.slot(channel_id):
            in_flight += 1
            assert in_flight <= 2  # one at a time per channel, two channels
            started[channel_id].append(loop.time())
            await asyncio.sleep(0.01)  # Discord's answer
            in_flight -= 1

    await asyncio.gather(*(post(1) for _ in range(5)), post(2))
    busy = started[1]
    # The third starts a window after the first was answered, the fifth after the third.
    assert busy[2] - busy[0] >= 0.3 and busy[4] - busy[2] >= 0.3
    assert started[2][0] - busy[0] < 0.3  # the other channel did not wait for that
    everyone = sorted(busy + started[2])
    assert everyone[-1] - everyone[0] >= 5 * 0.02  # six posts, at most 50 a second
