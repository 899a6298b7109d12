"""The digest dispatcher on both backends: on time, once per week, late, skipped, channel gone."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.i18n import t
from bot.jobs.digests import DigestDispatcher, nonce, preview
from bot.jobs.sender import SentMessage
from storage.db import Database
from storage.models import DigestSchedule, Entry
from storage.services import digest, settings
from storage.text import fold
from tests.support.clocks import FixedClock
from tests.support.factories import DIGEST_CHANNEL as CHANNEL
from tests.support.factories import GUILD, MODERATOR, digest_schedule
from tests.support.fakes import RecordingSender

REVIEW = 700_000_000_000_000_009
# Monday 23 November 2026, 10:00 in Madrid (CET) is 09:00 UTC.
SLOT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
WEEK = timedelta(days=7)


async def schedule(database: Database, **overrides: Any) -> DigestSchedule:
    async with database.transaction() as session:
        return await digest_schedule(session, **({"now": SLOT - timedelta(days=1)} | overrides))


async def propose(database: Database, name: str) -> None:
    """A proposal waiting for review, so that the digest is not a quiet one."""
    async with database.transaction() as session:
        session.add(
            Entry(
                guild_id=GUILD,
                kind="alliance",
                name=name,
                name_key=fold(name),
                area="content",
                steward="volunteers",
                status="proposed",
                created_at=SLOT - timedelta(days=3),
                updated_at=SLOT - timedelta(days=3),
            )
        )


async def reload(database: Database, schedule_id: int | None) -> DigestSchedule:
    async with database.sessions() as session:
        found = await session.get(DigestSchedule, schedule_id)
    assert found is not None
    return found


async def state(database: Database, schedule_id: int | None, week: str) -> str | None:
    assert schedule_id is not None
    async with database.sessions() as session:
        return await digest.week_state(session=session, schedule_id=schedule_id, iso_week=week)


def descriptions(payload: dict[str, Any]) -> str:
    return "\n".join(embed.get("description", "") for embed in payload["embeds"])


async def test_posts_at_its_time_then_waits_a_week(database: Database) -> None:
    clock = FixedClock(SLOT - timedelta(minutes=1))
    made = await schedule(database)
    await propose(database, "Wikimedia–OSM")
    sender = RecordingSender()
    dispatcher = DigestDispatcher(database, sender)
    assert await dispatcher.run_due(clock.now()) == SLOT
    assert sender.sent == []
    clock.set(SLOT)
    assert await dispatcher.run_due(clock.now()) == SLOT + WEEK
    assert [(channel, sent_nonce) for channel, _, sent_nonce in sender.sent] == [
        (CHANNEL, f"dg-{made.id}-2026W48-1")
    ]
    payload = sender.sent[0][1]
    assert payload["allowed_mentions"] == {"parse": []}
    assert "One proposal waiting for review" in [e.get("title") for e in payload["embeds"]]
    assert "late" not in descriptions(payload)
    assert await state(database, made.id, "2026-W48") == digest.POSTED
    assert (await reload(database, made.id)).next_run_at == SLOT + WEEK
    assert await preview(database=database, guild_id=GUILD, channel_id=CHANNEL, now=SLOT) == [
        payload
    ]


async def test_once_per_week_across_runs_and_dispatchers(
    database: Database, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    await schedule(database)
    await schedule(database, channel_id=CHANNEL + 1, locale="es")
    await propose(database, "Educación Abierta")
    other = Database(db_url)
    try:
        sender = RecordingSender()
        first, second = DigestDispatcher(database, sender), DigestDispatcher(other, sender)
        await asyncio.gather(first.run_due(SLOT), second.run_due(SLOT))
        await first.run_due(SLOT + timedelta(minutes=5))
        await second.run_due(SLOT + timedelta(hours=2))
        channels = sorted(channel for channel, _, _ in sender.sent)
        assert channels == [CHANNEL, CHANNEL + 1]
        spanish = next(p for c, p, _ in sender.sent if c == CHANNEL + 1)
        assert spanish["embeds"][0]["title"] == t("es", "digest-title")
        await first.run_due(SLOT + WEEK)
        assert len(sender.sent) == 4
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    finally:
        await other.dispose()


@dataclass
class CrashingSender(RecordingSender):
    """Posts, then 'crashes' before the bot can record it; drops resent nonces like Discord."""

    crash: bool = True
    delivered: list[str] = field(default_factory=list)

    async def send(self, channel_id: int, payload: dict[str, Any], *, nonce: str) -> SentMessage:
        sent = await super().send(channel_id, payload, nonce=nonce)
        if nonce not in self.delivered:
            self.delivered.append(nonce)
        if self.crash:
            self.crash = False
            raise RuntimeError("process killed after posting")
        return sent


async def test_crash_after_posting_is_resent_with_the_same_nonce(database: Database) -> None:
    made = await schedule(database)
    sender = CrashingSender()
    dispatcher = DigestDispatcher(database, sender)
    # The claim stays 'claimed': the dispatcher asks to look again once it is stale.
    assert await dispatcher.run_due(SLOT) == SLOT + digest.STALE_CLAIM
    assert await dispatcher.run_due(SLOT + timedelta(minutes=1)) is not None
    assert len(sender.sent) == 1
    await dispatcher.run_due(SLOT + digest.STALE_CLAIM + timedelta(minutes=1))
    assert [n for _, _, n in sender.sent] == [nonce(made.id or 0, "2026-W48", 1)] * 2
    assert sender.delivered == [nonce(made.id or 0, "2026-W48", 1)]
    assert await state(database, made.id, "2026-W48") == digest.POSTED


async def test_late_within_a_day_posts_with_a_note(database: Database) -> None:
    await schedule(database)
    sender = RecordingSender()
    assert await DigestDispatcher(database, sender).run_due(SLOT + timedelta(hours=23)) == (
        SLOT + WEEK
    )
    assert len(sender.sent) == 1
    note = t(
        "en", "digest-late", f"<t:{int(SLOT.timestamp())}:F>", f"<t:{int(SLOT.timestamp())}:R>"
    )
    assert descriptions(sender.sent[0][1]).startswith(note)


async def test_later_than_a_day_is_skipped_and_logged(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    made = await schedule(database)
    sender = RecordingSender()
    dispatcher = DigestDispatcher(database, sender)
    with caplog.at_level(logging.WARNING, logger="bot.jobs.digests"):
        assert await dispatcher.run_due(SLOT + timedelta(hours=30)) == SLOT + WEEK
    assert sender.sent == []
    assert await state(database, made.id, "2026-W48") == digest.SKIPPED
    assert "2026-W48 skipped" in caplog.text
    # Back three weeks later, 2 h after that week's slot: older weeks skipped, this one late.
    back = SLOT + 3 * WEEK + timedelta(hours=2)
    await dispatcher.run_due(SLOT + WEEK - timedelta(minutes=1))
    assert await dispatcher.run_due(back) == SLOT + 4 * WEEK
    assert await state(database, made.id, "2026-W49") == digest.SKIPPED
    assert await state(database, made.id, "2026-W50") is None
    assert await state(database, made.id, "2026-W51") == digest.POSTED
    assert [n for _, _, n in sender.sent] == [f"dg-{made.id}-2026W51-1"]


async def test_autumn_repeated_hour_posts_once(database: Database) -> None:
    made = await schedule(
        database, weekday=6, time_of_day="02:30", now=datetime(2026, 10, 20, tzinfo=UTC)
    )
    sender = RecordingSender()
    dispatcher = DigestDispatcher(database, sender)
    first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST; 01:30 UTC is 02:30 CET
    assert (await reload(database, made.id)).next_run_at == first
    for moment in (first, first + timedelta(hours=1), first + timedelta(hours=1, minutes=5)):
        await dispatcher.run_due(moment)
    assert len(sender.sent) == 1


async def test_channel_gone_disables_and_tells_moderators_once(database: Database) -> None:
    made = await schedule(database)
    async with database.transaction() as session:
        await settings.update_settings(
            session=session, guild_id=GUILD, actor_id=MODERATOR, review_channel_id=REVIEW, now=SLOT
        )
    sender = RecordingSender(gone={CHANNEL})
    dispatcher = DigestDispatcher(database, sender)
    assert await dispatcher.run_due(SLOT) is None
    await dispatcher.run_due(SLOT + timedelta(hours=1))
    await dispatcher.run_due(SLOT + WEEK)
    assert [channel for channel, _, _ in sender.sent] == [REVIEW]
    assert f"<#{CHANNEL}>" in descriptions(sender.sent[0][1])
    gone = await reload(database, made.id)
    assert (gone.enabled, gone.disabled_reason, gone.notice_pending) == (
        False,
        digest.REASON_CHANNEL_GONE,
        False,
    )
    async with database.transaction() as session:
        assert await digest.pending_notices(session=session, guild_id=GUILD) == []


async def test_channel_gone_without_review_channel_waits_for_digest_list(
    database: Database,
) -> None:
    made = await schedule(database)
    sender = RecordingSender(gone={CHANNEL})
    await DigestDispatcher(database, sender).run_due(SLOT)
    assert sender.sent == []
    for expected in ([digest.DigestNotice(made.id or 0, CHANNEL, "channel-gone")], []):
        async with database.transaction() as session:
            assert await digest.pending_notices(session=session, guild_id=GUILD) == expected
    # Set up again once fixed: the week was given back, so today's later slot still posts.
    await schedule(database, time_of_day="18:00", now=SLOT + timedelta(hours=1))
    sender.gone.clear()
    await DigestDispatcher(database, sender).run_due(SLOT + timedelta(hours=8))
    assert [n for _, _, n in sender.sent] == [f"dg-{made.id}-2026W48-1"]


def test_nonces_fit_discord() -> None:
    assert nonce(9_999_999_999, "2026-W53", 99) == "dg-9999999999-2026W53-99"
    assert len(nonce(9_999_999_999, "2026-W53", 99)) <= 25


async def test_crash_mid_digest_goes_on_from_the_first_part_not_recorded(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parts recorded as sent are never sent again, even after Discord forgot their nonces."""
    made = await schedule(database)
    parts = [
        {"content": f"part {number}", "allowed_mentions": {"parse": []}} for number in (1, 2, 3)
    ]

    async def three_parts(*_: object, **__: object) -> list[dict[str, Any]]:
        return parts

    monkeypatch.setattr("bot.jobs.digests._render", three_parts)
    sender = RecordingSender()
    original_send = sender.send

    async def dies_after_posting_part_two(
        channel_id: int, payload: dict[str, Any], *, nonce: str
    ) -> SentMessage:
        sent = await original_send(channel_id, payload, nonce=nonce)
        if payload is parts[1] and len(sender.sent) == 2:
            raise RuntimeError("process killed after posting part 2")
        return sent

    monkeypatch.setattr(sender, "send", dies_after_posting_part_two)
    dispatcher = DigestDispatcher(database, sender)
    await dispatcher.run_due(SLOT)
    assert [p["content"] for _, p, _ in sender.sent] == ["part 1", "part 2"]
    # Retried long after Discord's nonce window: part 1 is known sent, part 2 is resent
    # with its nonce (sent, but not recorded before the crash), part 3 goes out.
    await dispatcher.run_due(SLOT + timedelta(hours=1))
    assert [p["content"] for _, p, _ in sender.sent] == ["part 1", "part 2", "part 2", "part 3"]
    week_nonces = [nonce(made.id or 0, "2026-W48", part) for part in (1, 2, 3)]
    assert [n for _, _, n in sender.sent][2:] == week_nonces[1:]
    assert await state(database, made.id, "2026-W48") == digest.POSTED
