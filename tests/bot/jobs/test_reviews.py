"""Review posts under a backlog: one post per proposal, however long it waits to go out."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from bot.jobs.reviews import ReviewJobs
from bot.jobs.sender import SentMessage
from storage.db import Database
from storage.services import proposals
from tests.bot.jobs.test_languages import REVIEW_CHANNEL, _guild, _proposal
from tests.support.fakes import RecordingSender
from tests.support.milestone_factories import START


class PacedSender(RecordingSender):
    """A review channel whose pace holds every post until `opened` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.opened = asyncio.Event()

    async def send(self, channel_id: int, payload: dict[str, Any], *, nonce: str) -> SentMessage:
        await self.opened.wait()
        return await super().send(channel_id, payload, nonce=nonce)


async def test_a_post_waiting_for_the_channels_pace_is_not_queued_again(
    database: Database,
) -> None:
    await _guild(database, locale=None)
    entry = await _proposal(database)
    sender = PacedSender()
    reviews = ReviewJobs(database, sender, default_locale="en")
    waiting = asyncio.create_task(reviews.post(entry))  # the command's own post
    await asyncio.sleep(0.05)
    # Past the grace, the dispatcher finds it unposted: this process is posting it already.
    late = START + proposals.POST_GRACE + timedelta(seconds=1)
    dispatcher = asyncio.create_task(reviews.run_due(late))
    await asyncio.sleep(0.05)
    sender.opened.set()
    await asyncio.gather(waiting, dispatcher)
    assert [channel for channel, _, _ in sender.sent] == [REVIEW_CHANNEL]
    # The guard holds only while the post is under way.
    await reviews.post(entry)
    assert len(sender.sent) == 2
