"""The `reminders` dispatcher the Waker runs: claim what is due, send it once, mark it sent.

Per run: first resend messages whose send was interrupted (same nonce, so Discord
drops them if they got through), then, channel by channel (CHANNELS_AT_ONCE in
parallel), claim due stages in bounded batches and, in the same transaction, decide
how they are grouped into messages; commit; send each message with its deterministic
nonce; mark its reminders sent. Claiming per channel packs what is due together there
(after downtime, a day's worth) into as few messages as possible; the sender paces
each channel within Discord's 5 messages per 5 s, and the channels in parallel are few,
so that interactions keep their share of the event loop, the database and its pool.
A channel that is gone marks its reminders failed (kept, with a warning:
`requeue_failed` puts them back). Any other send error leaves them `sending`: they
are retried once the lease ends.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.i18n import FALLBACK, channel_locale
from bot.jobs import REMINDERS
from bot.jobs.sender import ChannelGone, Sender, SentMessage
from bot.ops import metrics
from bot.render.reminders import render_reminders
from storage.db import Database
from storage.services import reminder_claims, reminders
from storage.services.reminders import ClaimedReminder

log = logging.getLogger(__name__)

# Still due after a run: another process holds those milestones; look again shortly.
RETRY_SOON = timedelta(seconds=10)
# Channels worked on at once: each holds a database connection only while it claims (one
# at a time) or marks a message sent, and sends one message at a time. A channel waiting
# for its window holds its worker: enough workers that the others keep going.
CHANNELS_AT_ONCE = 8


@dataclass(frozen=True)
class _Outgoing:
    """One logical message: normally one payload; a resend re-rendered longer may need more."""

    channel_id: int
    leader_id: int
    payloads: list[dict[str, Any]]
    reminder_ids: tuple[int, ...]
    late: int  # how many of its reminders are late (for the metrics)


class ReminderDispatcher:
    name = REMINDERS

    def __init__(
        self,
        database: Database,
        sender: Sender,
        *,
        default_locale: str = FALLBACK,
        claim_limit: int = reminder_claims.CLAIM_LIMIT,
    ) -> None:
        self.database = database
        self.sender = sender
        self.default_locale = default_locale
        self.claim_limit = claim_limit
        # The first run's time: what fell due before it fell due while the bot was not
        # running, and says it is late however short the gap.
        self.started_at: datetime | None = None
        self._claiming = asyncio.Lock()

    def _locale(self, claim: ClaimedReminder) -> str:
        # A channel post: the guild's language, else the bot's default.
        return channel_locale(claim.locale, self.default_locale)

    async def run_due(self, now: datetime) -> datetime | None:
        if self.started_at is None:
            self.started_at = now
        # One read for what the run has to do; a write transaction for interrupted sends
        # only when there are some.
        async with self.database.sessions() as session:
            stale = await reminder_claims.any_stale(session=session, now=now)
            waiting = deque(await reminder_claims.due_channels(session=session, now=now))
        if stale:
            await self._resend_stale(now)

        async def work_through() -> None:
            while waiting:
                await self._run_channel(waiting.popleft(), now)

        workers = [
            asyncio.create_task(work_through()) for _ in range(min(CHANNELS_AT_ONCE, len(waiting)))
        ]
        try:  # the first failure (or cancellation) is the run's: the Waker retries it
            await asyncio.gather(*workers)
        finally:  # the other workers stop too, before the Waker's lock is let go
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
        async with self.database.sessions() as session:
            next_due = await reminders.next_due_at(session=session)
        return now + RETRY_SOON if next_due is not None and next_due <= now else next_due

    async def _run_channel(self, channel_id: int, now: datetime) -> None:
        """Claim, group, send and mark one channel's due reminders, a batch at a time."""
        while True:
            # One claim at a time: on SQLite two transactions that read before they write
            # fail at once ("database is locked"), busy timeout or not; sends overlap.
            async with self._claiming, self.database.transaction() as session:
                claims = await reminder_claims.claim_due(
                    session=session,
                    now=now,
                    limit=self.claim_limit,
                    running_since=self.started_at,
                    channel_id=channel_id,
                )
                grouped = self._group(claims)
                leaders = await reminder_claims.assign_messages(
                    [ids for _, _, ids in grouped], session=session
                )
            late = {claim.reminder_id for claim in claims if claim.late}
            await self._deliver(
                [
                    _Outgoing(channel, leader, [payload], ids, len(late.intersection(ids)))
                    for (channel, payload, ids), leader in zip(grouped, leaders, strict=True)
                ],
                now,
            )
            if len(claims) < self.claim_limit:
                return

    def _group(
        self, claims: Sequence[ClaimedReminder]
    ) -> list[tuple[int, dict[str, Any], tuple[int, ...]]]:
        """Per channel, the claims rendered into as few messages as the limits allow."""
        by_channel: dict[int, list[ClaimedReminder]] = defaultdict(list)
        for claim in claims:
            by_channel[claim.channel_id].append(claim)
        return [
            (channel, message.payload, message.reminder_ids)
            for channel, group in by_channel.items()
            for message in render_reminders(group, self._locale(group[0]))
        ]

    async def _resend_stale(self, now: datetime) -> None:
        async with self.database.transaction() as session:
            stale = await reminder_claims.reclaim_stale(session=session, now=now)
        outgoing = []
        for message in stale:
            if not message.reminders:
                continue
            first = message.reminders[0]
            rendered = render_reminders(message.reminders, self._locale(first))
            log.warning(
                "resending reminder message %s (%d reminders) after an interrupted send",
                reminders.message_nonce(message.leader_id),
                len(message.reminders),
            )
            outgoing.append(
                _Outgoing(
                    first.channel_id,
                    message.leader_id,
                    [r.payload for r in rendered],
                    tuple(c.reminder_id for c in message.reminders),
                    sum(1 for c in message.reminders if c.late),
                )
            )
        await self._deliver(outgoing, now)

    async def _deliver(self, outgoing: Sequence[_Outgoing], now: datetime) -> None:
        gone: set[int] = set()
        for message in outgoing:
            if message.channel_id in gone:
                await self._failed(message, now)
                continue
            try:
                sent = await self._send(message)
            except ChannelGone:
                gone.add(message.channel_id)
                await self._failed(message, now)
                continue
            except Exception:
                # Left `sending`: retried with the same nonce once the lease ends.
                log.exception(
                    "sending reminder message %s to channel %s failed; it will be retried",
                    reminders.message_nonce(message.leader_id),
                    message.channel_id,
                )
                continue
            async with self.database.transaction() as session:
                await reminders.mark_sent(
                    message.reminder_ids, session=session, message_id=sent.message_id, now=now
                )
            metrics.REMINDERS.labels(result="sent").inc(len(message.reminder_ids))
            metrics.REMINDERS.labels(result="late").inc(message.late)

    async def _send(self, message: _Outgoing) -> SentMessage:
        # All parts first, then one mark: an interrupted message is resent whole.
        sent = [
            await self.sender.send(
                message.channel_id,
                payload,
                nonce=reminders.message_nonce(message.leader_id, part),
            )
            for part, payload in enumerate(message.payloads)
        ]
        return sent[0]

    async def _failed(self, message: _Outgoing, now: datetime) -> None:
        async with self.database.transaction() as session:
            count = await reminders.mark_failed(message.reminder_ids, session=session, now=now)
        metrics.REMINDERS.labels(result="failed").inc(count)
        log.warning(
            "reminder channel %s is gone or forbidden: %d reminders marked failed "
            "(they are sent once the guild's reminder channel is fixed and requeued)",
            message.channel_id,
            count,
        )
