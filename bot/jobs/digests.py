"""Posting the weekly digests: the `digests` dispatcher the Waker runs, and /digest preview.

Per due schedule: claim its ISO week (committed before anything is sent), build the
content in its own session, render it in the schedule's language, send each part
with a deterministic nonce, then mark the week posted and move to the next slot.
Each part sent is recorded; a crash leaves the claim `claimed`: once stale (minutes) it
is retried from the first part not recorded, with the same nonces, so that a part sent
just before the crash (not yet recorded) is dropped by Discord as a duplicate.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from bot.errors import database_unreachable
from bot.i18n import FALLBACK, channel_locale
from bot.jobs import DIGESTS
from bot.jobs.sender import ChannelGone, Sender
from bot.ops import metrics
from bot.render.digest import Payload, render_digest, render_notice
from storage import db
from storage.models import DigestSchedule
from storage.services import digest, settings
from storage.services.digest import DigestNotice

log = logging.getLogger(__name__)

LATE_LIMIT = timedelta(hours=24)  # later than this, the week is skipped
LATE_NOTE_AFTER = timedelta(minutes=10)  # later than this, the digest says it is late
CONCURRENCY = 8  # schedules handled at once (Discord sends overlap; each has its sessions)


def nonce(schedule_id: int, iso_week: str, part: int) -> str:
    """Deterministic per message, at most 25 characters: "dg-<id>-2026W48-<part>"."""
    return f"dg-{schedule_id}-{iso_week.replace('-', '')}-{part}"


async def _render(
    database: db.Database,
    *,
    guild_id: int,
    locale: str,
    now: datetime,
    late_since: datetime | None = None,
) -> list[Payload]:
    async with database.sessions() as session:
        guild = await settings.get_settings(session=session, guild_id=guild_id)
        content = await digest.build_digest(
            session=session, guild_id=guild_id, now=now, followthrough_days=guild.followthrough_days
        )
    return render_digest(content, locale=locale, now=now, late_since=late_since)


class DigestDispatcher:
    name = DIGESTS

    def __init__(
        self,
        database: db.Database,
        sender: Sender,
        *,
        default_locale: str = FALLBACK,
        concurrency: int = CONCURRENCY,
        stale_claim: timedelta = digest.STALE_CLAIM,
    ) -> None:
        self.database = database
        self.sender = sender
        self.default_locale = default_locale
        self.stale_claim = stale_claim
        self._slots = asyncio.Semaphore(concurrency)

    async def run_due(self, now: datetime) -> datetime | None:
        async with self.database.sessions() as session:
            due = await digest.due_schedules(session=session, now=now)
        outcomes = await asyncio.gather(*(self._guarded(schedule, now) for schedule in due))
        unreachable = [error for error in outcomes if error is not None]
        if unreachable:
            raise unreachable[0]  # the Waker retries within seconds, not at the next poll
        async with self.database.sessions() as session:
            next_due = await digest.next_due_at(session=session)
        # Still due: claimed elsewhere or failed; look again once such a claim goes stale.
        return now + self.stale_claim if next_due is not None and next_due <= now else next_due

    async def _guarded(self, schedule: DigestSchedule, now: datetime) -> Exception | None:
        """Run one schedule; the error if the database was unreachable (for all of them)."""
        async with self._slots:
            try:
                await self._run(schedule, now)
            except Exception as error:
                if database_unreachable(error):
                    return error
                # The claim stays; it is retried when stale. Other schedules go on.
                log.exception("digest %s (guild %s) failed", schedule.id, schedule.guild_id)
        return None

    async def _run(self, schedule: DigestSchedule, now: datetime) -> None:
        slot = schedule.next_run_at
        while slot is not None and slot <= now:
            slot = await self._run_slot(schedule, slot, now)

    async def _run_slot(
        self, schedule: DigestSchedule, slot: datetime, now: datetime
    ) -> datetime | None:
        """Handle one slot; the next slot if it is also due now, else None."""
        assert schedule.id is not None
        week = digest.iso_week(schedule, slot)
        async with self.database.sessions() as session:
            won = await digest.claim_week(
                session=session,
                schedule_id=schedule.id,
                iso_week=week,
                now=now,
                stale_after=self.stale_claim,
            )
        if not won:
            await self._settle_lost(schedule, slot, week)
            return None
        if now - slot > LATE_LIMIT:
            return await self._skip(schedule, slot, week, now)
        await self._post(schedule, slot, week, now)
        return None

    async def _skip(
        self, schedule: DigestSchedule, slot: datetime, week: str, now: datetime
    ) -> datetime:
        assert schedule.id is not None
        log.warning(
            "digest %s (guild %s, channel %s): week %s skipped, due %s but the bot was "
            "offline for more than %s",
            schedule.id,
            schedule.guild_id,
            schedule.channel_id,
            week,
            slot.isoformat(),
            LATE_LIMIT,
        )
        async with self.database.transaction() as session:
            await digest.mark_skipped(session=session, schedule_id=schedule.id, iso_week=week)
            # The latest slot within the late limit may still go out, late.
            return await digest.advance(
                session=session, schedule=schedule, slot=slot, after=now - LATE_LIMIT
            )

    async def _post(
        self, schedule: DigestSchedule, slot: datetime, week: str, now: datetime
    ) -> None:
        assert schedule.id is not None
        payloads = await _render(
            self.database,
            guild_id=schedule.guild_id,
            locale=schedule.locale,
            now=now,
            late_since=slot if now - slot > LATE_NOTE_AFTER else None,
        )
        async with self.database.sessions() as session:
            done = await digest.parts_sent(session=session, schedule_id=schedule.id, iso_week=week)
        try:
            for part, payload in enumerate(payloads, start=1):
                if part <= done:
                    continue  # sent before a crash
                await self.sender.send(
                    schedule.channel_id, payload, nonce=nonce(schedule.id, week, part)
                )
                async with self.database.transaction() as session:
                    await digest.mark_part_sent(
                        session=session, schedule_id=schedule.id, iso_week=week, part=part
                    )
        except ChannelGone:
            await self._channel_gone(schedule, week)
            return
        async with self.database.transaction() as session:
            await digest.mark_posted(
                session=session, schedule_id=schedule.id, iso_week=week, now=now
            )
            await digest.advance(session=session, schedule=schedule, slot=slot, after=slot)
        log.info("digest %s posted for %s in %d message(s)", schedule.id, week, len(payloads))
        metrics.DIGESTS_POSTED.inc()

    async def _settle_lost(self, schedule: DigestSchedule, slot: datetime, week: str) -> None:
        """The week was claimed by someone else: once it is settled, move past it."""
        assert schedule.id is not None
        async with self.database.sessions() as session:
            state = await digest.week_state(session=session, schedule_id=schedule.id, iso_week=week)
        if state not in (digest.POSTED, digest.SKIPPED):
            return  # being sent elsewhere (or abandoned there): looked at again when stale
        # Its own transaction, opened by the write: SQLite cannot upgrade a stale read.
        async with self.database.transaction() as session:
            await digest.advance(session=session, schedule=schedule, slot=slot, after=slot)

    async def _channel_gone(self, schedule: DigestSchedule, week: str) -> None:
        assert schedule.id is not None
        log.warning(
            "digest %s (guild %s): channel %s is gone or forbidden; digest disabled",
            schedule.id,
            schedule.guild_id,
            schedule.channel_id,
        )
        async with self.database.transaction() as session:
            first = await digest.disable_channel_gone(
                session=session, guild_id=schedule.guild_id, schedule_id=schedule.id
            )
            await digest.release_week(session=session, schedule_id=schedule.id, iso_week=week)
            guild = await settings.get_settings(session=session, guild_id=schedule.guild_id)
        if not first or guild.review_channel_id is None:
            return  # told already, or left pending for the next /digest list
        notice = DigestNotice(schedule.id, schedule.channel_id, digest.REASON_CHANNEL_GONE)
        # Told in the review channel: a channel post, in the guild's language.
        payload = render_notice(notice, locale=channel_locale(guild.locale, self.default_locale))
        try:
            await self.sender.send(
                guild.review_channel_id, payload, nonce=f"dn-{schedule.id}-{week.replace('-', '')}"
            )
        except ChannelGone:
            return  # the review channel is gone too: /digest list will tell
        async with self.database.transaction() as session:
            await digest.clear_notice(
                session=session, guild_id=schedule.guild_id, schedule_id=schedule.id
            )


async def preview(
    *,
    database: db.Database,
    guild_id: int,
    channel_id: int | None,
    now: datetime,
    default_locale: str = FALLBACK,
) -> list[Payload]:
    """Exactly what the channel's digest would post now (for /digest preview, ephemeral).

    Without a channel, or for a channel with no digest, the guild's first digest's
    language is used, else the channel-post language (the guild's, else the default).
    """
    async with database.sessions() as session:
        schedules = await digest.list_digests(session=session, guild_id=guild_id)
        guild = await settings.get_settings(session=session, guild_id=guild_id)
    chosen = next((s for s in schedules if s.channel_id == channel_id), None)
    if chosen is None and channel_id is None and schedules:
        chosen = schedules[0]
    locale = chosen.locale if chosen else channel_locale(guild.locale, default_locale)
    return await _render(database, guild_id=guild_id, locale=locale, now=now)
