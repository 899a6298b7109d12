"""Small builders for test data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import languages
from storage.models import DigestSchedule
from storage.schemas import EntryInput
from storage.services import digest

GUILD = 111_111_111_111_111_111
OTHER_GUILD = 222_222_222_222_222_222
MODERATOR = 900_000_000_000_000_001
VOLUNTEER = 900_000_000_000_000_002


def entry_input(**overrides: Any) -> EntryInput:
    values: dict[str, Any] = {
        "kind": "alliance",
        "name": "Wikimedia–OpenStreetMap",
        "partners": "OpenStreetMap Foundation",
        "area": "content",
        "steward": "volunteers",
        "summary": "Ongoing collaboration between Wikimedia and OpenStreetMap.",
    }
    values.update(overrides)
    return EntryInput.parse(**values)


DIGEST_CHANNEL = 700_000_000_000_000_001


async def digest_schedule(
    session: AsyncSession, *, now: datetime, **overrides: Any
) -> DigestSchedule:
    """Mondays at 10:00 in Madrid, in English, to DIGEST_CHANNEL: set up by a moderator."""
    values: dict[str, Any] = {
        "guild_id": GUILD,
        "channel_id": DIGEST_CHANNEL,
        "weekday": 0,
        "time_of_day": "10:00",
        "timezone": "Europe/Madrid",
        "locale": "en",
        "languages": languages(),
        "actor_id": MODERATOR,
    }
    values.update(overrides)
    return await digest.setup_digest(session=session, now=now, **values)
