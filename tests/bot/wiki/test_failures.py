"""The wiki down, a wrong password, a protected page, a blocked account: each a typed
error naming the moderators' message, and nothing recorded as published."""

from __future__ import annotations

import pytest

from bot.i18n import t
from bot.wiki.client import (
    WikiAuthFailed,
    WikiBlocked,
    WikiError,
    WikiLagged,
    WikiProtected,
    WikiUnreachable,
)
from bot.wiki.local import MediaWiki, free_port
from bot.wiki.mediawiki import user_agent
from bot.wiki.publish import EDITED, publish
from storage.db import Database
from storage.services import wiki
from tests.bot.wiki.conftest import wiki_client
from tests.bot.wiki.test_publish import choose_page, rename_summary, run
from tests.support.clocks import FixedClock
from tests.support.factories import GUILD


async def nothing_published(database: Database) -> bool:
    async with database.sessions() as session:
        page = await wiki.get_page(session=session, guild_id=GUILD)
    return page is not None and page.last_revid is None and page.published_audit_id == 0


async def failure(database: Database, client: object, clock: FixedClock) -> WikiError:
    with pytest.raises(WikiError) as caught:
        await publish(database, client, guild_id=GUILD, now=clock.now(), default_locale="en")  # type: ignore[arg-type]
    return caught.value


async def test_an_unreachable_wiki(
    directory: Database, mediawiki: MediaWiki, title: str, clock: FixedClock
) -> None:
    await choose_page(directory, title, clock)
    down = wiki_client(mediawiki, clock, api_url=f"http://127.0.0.1:{free_port()}/api.php")
    error = await failure(directory, down, clock)
    assert isinstance(error, WikiUnreachable) and error.retry
    assert "Nothing was lost" in t("en", error.key)
    assert await nothing_published(directory)


async def test_a_wrong_password(
    directory: Database, mediawiki: MediaWiki, title: str, clock: FixedClock
) -> None:
    await choose_page(directory, title, clock)
    error = await failure(directory, wiki_client(mediawiki, clock, password="wrong"), clock)
    assert isinstance(error, WikiAuthFailed) and not error.retry
    assert "WIKI_PASSWORD" in t("en", error.key)
    assert await nothing_published(directory)


async def test_a_protected_page_then_unprotected(
    directory: Database, mediawiki: MediaWiki, title: str, clock: FixedClock
) -> None:
    mediawiki.edit_as_person(title, "A page only administrators may edit.")
    mediawiki.protect(title)
    await choose_page(directory, title, clock)
    client = wiki_client(mediawiki, clock)
    error = await failure(directory, client, clock)
    assert isinstance(error, WikiProtected)
    assert "protegida" in t("es", error.key)
    assert await nothing_published(directory)

    mediawiki.protect(title, on=False)
    published = await publish(
        directory, client, guild_id=GUILD, now=clock.now(), default_locale="en"
    )
    assert published.outcome == EDITED
    assert mediawiki.text(title).startswith("A page only administrators may edit.")


async def test_a_blocked_account(
    directory: Database, mediawiki: MediaWiki, title: str, clock: FixedClock
) -> None:
    await choose_page(directory, title, clock)
    mediawiki.block_bot()
    try:
        error = await failure(directory, wiki_client(mediawiki, clock), clock)
    finally:
        mediawiki.block_bot(on=False)
    assert isinstance(error, WikiBlocked)
    assert await nothing_published(directory)


async def test_edits_are_throttled_by_the_injected_sleeper(
    directory: Database, mediawiki: MediaWiki, title: str, clock: FixedClock
) -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    client = wiki_client(mediawiki, clock, edit_interval=10, sleep=sleep)
    await choose_page(directory, title, clock)
    await run(directory, client, clock)
    await rename_summary(directory, "Wiki-to-print", "Another summary.", clock)
    await run(directory, client, clock)
    assert slept == [10]


def test_the_user_agent_names_the_bot_and_a_contact() -> None:
    assert user_agent("ops@example.org").startswith("partnerbot/")
    assert user_agent("ops@example.org").endswith("(ops@example.org)")


async def test_a_lagged_wiki_asks_to_wait(
    directory: Database,
    mediawiki: MediaWiki,
    title: str,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A negative maxlag makes MediaWiki answer as a lagged wiki does (its lag is -1 with
    # no replicas: Manual:Maxlag_parameter).
    monkeypatch.setattr("bot.wiki.mediawiki.MAXLAG", -2)
    await choose_page(directory, title, clock)
    error = await failure(directory, wiki_client(mediawiki, clock), clock)
    assert isinstance(error, WikiLagged) and error.retry
    assert "asked bots to wait" in t("en", error.key)
    assert await nothing_published(directory)
