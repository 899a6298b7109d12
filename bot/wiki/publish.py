"""Publishing a guild's directory to its wiki page, never overwriting a person.

Read the page; create it if missing; else find the markers (none: the block goes at the
end, the rest of the page untouched) and compare each row with what the bot last wrote:
rows people changed, added or removed since become review items, with the revision and
its user, and stay as people left them (`storage.wiki_text.plan_block`). Nothing to
change: no edit. Else edit against the revision read; an edit conflict reads again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.i18n import channel_locale, t
from bot.render.export import table_head, table_row
from bot.wiki.client import Page, WikiClient, WikiConflict
from storage import transfer, wiki_text
from storage.db import Database
from storage.errors import NotFound
from storage.models import WikiChange
from storage.services import settings, wiki
from storage.wiki_text import Row

ATTEMPTS = 3  # reads and edits in a row before an edit conflict is reported
CREATED, EDITED, UNCHANGED = "created", "edited", "unchanged"


class StillConflicting(WikiConflict):
    key = "wiki-error-busy"


@dataclass(frozen=True)
class Published:
    """What a publish did: `outcome` CREATED, EDITED or UNCHANGED, the revisions, and
    the review items it opened."""

    outcome: str
    title: str
    locale: str
    revid: int | None
    old_revid: int | None
    diff_url: str | None
    changes: list[WikiChange] = field(default_factory=list)


@dataclass(frozen=True)
class _Directory:
    title: str
    locale: str
    head: str
    rows: list[wiki_text.DirectoryRow]
    held: set[str]
    last_revid: int | None
    last_written: str | None
    audit_id: int


async def _directory(
    database: Database, guild_id: int, title: str | None, default_locale: str
) -> _Directory:
    async with database.sessions() as session:
        page = await wiki.get_page(session=session, guild_id=guild_id)
        title = wiki.clean_title(title) if title else page.title if page else None
        if title is None:
            raise NotFound("page", key="error-wiki-no-page")
        own = page is not None and page.title == title
        guild = await settings.get_settings(session=session, guild_id=guild_id)
        locale = channel_locale(guild.locale, default_locale)
        audit_id = await wiki.latest_audit_id(session=session, guild_id=guild_id)
        exported = await transfer.export_rows(session=session, guild_id=guild_id)
        lines = [table_row(row, locale) for row in exported]
        head = table_head(locale)
        rows = wiki_text.directory_rows(head, lines)
        bot_rows = {row.key: row.cells for row in rows}
        held = await wiki.held_keys(session=session, guild_id=guild_id, bot_rows=bot_rows)
    return _Directory(
        title,
        locale,
        head,
        rows,
        held,
        page.last_revid if own and page else None,
        page.last_written_text if own and page else None,
        audit_id,
    )


async def _attributed(
    client: WikiClient,
    directory: _Directory,
    page: Page,
    since: int | None,
    last: str | None,
    *,
    merged: bool,
) -> tuple[dict[str, Row], list[tuple[int, str, dict[str, Row]]]]:
    """The rows the bot last wrote and, for telling who changed what, the revisions
    since its edit. A newer edit of the bot's own (a publish cut short after its edit)
    is what it last wrote, unless the wiki merged it with someone's (`merged`)."""
    if since is None or page.revid == since:
        return wiki_text.read_rows(last), []
    history = await client.history(directory.title, after=since)
    ours = [r for r in history if r.user == client.username]
    if ours and not merged:
        last = wiki_text.split_page(ours[-1].text).block
        history = history[history.index(ours[-1]) + 1 :]
    revisions = [
        (r.revid, r.user, wiki_text.read_rows(wiki_text.split_page(r.text).block)) for r in history
    ]
    return wiki_text.read_rows(last), revisions


async def publish(
    database: Database,
    client: WikiClient,
    *,
    guild_id: int,
    now: datetime,
    default_locale: str,
    title: str | None = None,
) -> Published:
    """Publish the guild's directory to its page (or `title`)."""
    directory = await _directory(database, guild_id, title, default_locale)
    since, last_text = directory.last_revid, directory.last_written
    merged = False
    for _ in range(ATTEMPTS):
        page = await client.read(directory.title)
        parts = wiki_text.split_page(page.text)
        wiki_rows = wiki_text.read_rows(parts.block)
        if not page.exists or (last_text is None and since is None):
            # Never written here (or the page was deleted): take the block as it is.
            last_rows, revisions = wiki_rows, []
        else:
            last_rows, revisions = await _attributed(
                client, directory, page, since, last_text, merged=merged
            )
        block, changes = wiki_text.plan_block(
            head=directory.head,
            directory=directory.rows,
            wiki=wiki_rows,
            last=last_rows,
            held=directory.held,
        )
        attributed = [
            (change, *wiki_text.changed_in(change.key, change.wiki_row, revisions))
            for change in changes
        ]
        if page.exists and parts.block == block:
            items = await _record(database, guild_id, directory, page.revid, block, attributed, now)
            return Published(
                UNCHANGED, directory.title, directory.locale, page.revid, page.revid, None, items
            )
        summary = t(directory.locale, "wiki-summary", len(directory.rows))
        try:
            revid = await client.edit(
                directory.title,
                parts.with_block(block),
                baserevid=page.revid,
                summary=summary,
            )
        except WikiConflict as conflict:
            if conflict.saved_as is not None:
                # Saved, merged with someone's edit elsewhere on the page: what we wrote is
                # the baseline, and their change is read as theirs.
                last_text, merged = block, True
            continue
        items = await _record(database, guild_id, directory, revid, block, attributed, now)
        return Published(
            EDITED if page.exists else CREATED,
            directory.title,
            directory.locale,
            revid,
            page.revid,
            client.diff_url(revid, page.revid),
            items,
        )
    raise StillConflicting("conflict")


async def _record(
    database: Database,
    guild_id: int,
    directory: _Directory,
    revid: int | None,
    block: str,
    changes: Sequence[tuple[wiki_text.RowChange, int | None, str | None]],
    now: datetime,
) -> list[WikiChange]:
    async with database.transaction() as session:
        await wiki.record_published(
            session=session,
            guild_id=guild_id,
            title=directory.title,
            revid=revid,
            block=block,
            audit_id=directory.audit_id,
            now=now,
        )
        return await wiki.add_changes(session=session, guild_id=guild_id, changes=changes, now=now)
