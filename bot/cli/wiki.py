"""`partnerbot wiki publish`: publish a guild's directory to its wiki page from the shell."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime

from bot.config import Settings
from bot.i18n import t
from bot.wiki import client_from
from bot.wiki.client import WikiError
from bot.wiki.publish import CREATED, EDITED, Published, publish
from storage.clock import SystemClock
from storage.db import CLI_BUSY_TIMEOUT_MS, Database
from storage.errors import DomainError

CLI_LOCALE = "en"


async def _publish(settings: Settings, args: argparse.Namespace) -> Published:
    client = client_from(settings, SystemClock())
    assert client is not None
    database = Database(settings.database_url, sqlite_busy_timeout_ms=CLI_BUSY_TIMEOUT_MS)
    try:
        await database.upgrade()
        return await publish(
            database,
            client,
            guild_id=args.guild,
            # The real clock, at the edge: the command line has no bot.
            now=datetime.now(UTC),
            default_locale=settings.default_locale,
            title=args.page,
        )
    finally:
        await database.dispose()


def cmd_publish(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.wiki_configured:
        print(f"partnerbot: {t(CLI_LOCALE, 'wiki-not-configured')}", file=sys.stderr)
        return 2
    try:
        published = asyncio.run(_publish(settings, args))
    except (WikiError, DomainError) as error:
        params = error.params if isinstance(error, DomainError) else ()
        print(f"partnerbot: {t(CLI_LOCALE, error.key, *params)}", file=sys.stderr)
        return 1
    if published.outcome in (CREATED, EDITED):
        print(f"Published to {published.title} ({published.outcome}): {published.diff_url}")
    else:
        print(t(CLI_LOCALE, "wiki-published-unchanged", published.title))
    if published.changes:
        print(t(CLI_LOCALE, "wiki-published-changes", len(published.changes)))
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    wiki = commands.add_parser("wiki", help="publish the directory to a wiki page")
    actions = wiki.add_subparsers(dest="wiki_command", metavar="ACTION", required=True)
    publisher = actions.add_parser(
        "publish",
        help="write a guild's directory between the markers on its wiki page",
        description="Publish the guild's directory to its wiki page (set with /settings wiki), "
        "or to PAGE. Rows people changed there are kept and reported for review.",
    )
    publisher.add_argument(
        "--guild", type=int, required=True, metavar="ID", help="Discord guild id"
    )
    publisher.add_argument("--page", metavar="TITLE", help="another page than the guild's")
    publisher.set_defaults(handler=cmd_publish)
