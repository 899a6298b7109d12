"""Automatic publishing through the `wiki` dispatcher, against the real MediaWiki: once
per change set, across a restart and across a crash between the edit and its record."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

import bot.wiki.publish
from bot.i18n import languages
from bot.jobs.wiki import WikiDispatcher
from bot.wiki.local import MediaWiki, free_port
from storage.db import Database
from storage.models import WikiChange
from storage.services import settings, wiki
from tests.bot.wiki.conftest import wiki_client
from tests.bot.wiki.test_publish import rename_summary
from tests.support.clocks import FixedClock
from tests.support.factories import GUILD, MODERATOR
from tests.support.fakes import RecordingSender

REVIEW_CHANNEL = 700_000_000_000_000_009
EVERY = 30


class Crash(BaseException):
    """The process dies: nothing after it runs (not an error the dispatcher handles)."""


async def automatic(database: Database, title: str, clock: FixedClock) -> None:
    async with database.transaction() as session:
        await wiki.set_page(
            session=session, guild_id=GUILD, title=title, actor_id=MODERATOR, now=clock.now()
        )
        await wiki.set_auto_interval(
            session=session, guild_id=GUILD, minutes=EVERY, now=clock.now()
        )
        await settings.update_settings(
            session=session,
            guild_id=GUILD,
            actor_id=MODERATOR,
            now=clock.now(),
            languages=languages(),
            review_channel_id=REVIEW_CHANNEL,
        )


def restarted(database_path: Path, mediawiki: MediaWiki, clock: FixedClock, **client: object):
    """A new process: its own database engine, wiki session and dispatcher."""
    database = Database(f"sqlite+aiosqlite:///{database_path}")
    sender = RecordingSender()
    return (
        database,
        sender,
        WikiDispatcher(database, sender, wiki_client(mediawiki, clock, **client)),
    )


async def test_once_per_change_set_across_a_restart(
    directory: Database, mediawiki: MediaWiki, title: str, clock: FixedClock, tmp_path: Path
) -> None:
    await automatic(directory, title, clock)
    database, _, dispatcher = restarted(tmp_path / "bot.db", mediawiki, clock)
    next_due = await dispatcher.run_due(clock.now())
    assert len(mediawiki.revisions(title)) == 1 and next_due is None
    assert await dispatcher.run_due(clock.now()) is None
    await database.dispose()

    clock.advance(timedelta(minutes=EVERY + 1))
    database, _, dispatcher = restarted(tmp_path / "bot.db", mediawiki, clock)
    await dispatcher.run_due(clock.now())
    assert len(mediawiki.revisions(title)) == 1  # nothing changed: nothing to publish
    await rename_summary(database, "Wiki-to-print", "Changed once.", clock)
    await rename_summary(database, "Wiki-to-print", "Changed twice.", clock)
    await dispatcher.run_due(clock.now())
    await dispatcher.run_due(clock.now())
    assert len(mediawiki.revisions(title)) == 2 and "Changed twice." in mediawiki.text(title)

    await rename_summary(database, "Wiki-to-print", "Changed again.", clock)
    next_due = await dispatcher.run_due(clock.now())  # within the interval: waits
    assert len(mediawiki.revisions(title)) == 2 and next_due == clock.now() + timedelta(
        minutes=EVERY
    )
    await database.dispose()


async def test_a_crash_between_the_edit_and_its_record_makes_no_second_edit(
    directory: Database,
    mediawiki: MediaWiki,
    title: str,
    clock: FixedClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await automatic(directory, title, clock)
    await bot.wiki.publish.publish(
        directory,
        wiki_client(mediawiki, clock),
        guild_id=GUILD,
        now=clock.now(),
        default_locale="en",
    )
    clock.advance(timedelta(minutes=EVERY + 1))
    await rename_summary(directory, "Wiki-to-print", "Written, then the process died.", clock)

    async def crash(*args: object) -> None:
        raise Crash

    with monkeypatch.context() as patch:
        patch.setattr(bot.wiki.publish, "_record", crash)
        database, _, dispatcher = restarted(tmp_path / "bot.db", mediawiki, clock)
        with pytest.raises(Crash):
            await dispatcher.run_due(clock.now())
        await database.dispose()
    assert len(mediawiki.revisions(title)) == 2  # the edit got through

    clock.advance(wiki.CLAIM_LEASE + timedelta(minutes=1))
    database, _, dispatcher = restarted(tmp_path / "bot.db", mediawiki, clock)
    await dispatcher.run_due(clock.now())
    assert len(mediawiki.revisions(title)) == 2  # found as written: no second edit
    async with database.sessions() as session:
        page = await wiki.get_page(session=session, guild_id=GUILD)
        assert (await session.exec(select(WikiChange))).all() == []  # its own edit, not a person's
    assert page is not None and page.last_revid == mediawiki.revisions(title)[0]["revid"]
    assert await dispatcher.run_due(clock.now()) is None
    await database.dispose()


async def test_a_failure_is_told_once_and_retried_later_with_nothing_lost(
    directory: Database, mediawiki: MediaWiki, title: str, clock: FixedClock, tmp_path: Path
) -> None:
    await automatic(directory, title, clock)
    down = f"http://127.0.0.1:{free_port()}/api.php"
    database, sender, dispatcher = restarted(tmp_path / "bot.db", mediawiki, clock, api_url=down)
    retry_at = await dispatcher.run_due(clock.now())
    assert retry_at == clock.now() + wiki.FIRST_RETRY
    [(channel, payload, _)] = sender.sent
    assert channel == REVIEW_CHANNEL and "could not be reached" in payload["content"]
    clock.set(retry_at)
    assert await dispatcher.run_due(clock.now()) == clock.now() + 2 * wiki.FIRST_RETRY
    assert len(sender.sent) == 1  # told once for the run of failures
    await database.dispose()

    clock.advance(2 * wiki.FIRST_RETRY)
    database, _, dispatcher = restarted(tmp_path / "bot.db", mediawiki, clock)
    assert await dispatcher.run_due(clock.now()) is None
    assert "Wiki-to-print" in mediawiki.text(title)
    await database.dispose()
