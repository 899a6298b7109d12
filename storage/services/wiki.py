"""Publishing the directory to a wiki page: which page, what the bot last wrote there, the
rows people changed there (review items) and when an automatic publish is due.

An automatic publish is due for a guild that turned it on, when an audit event newer
than the last published one exists (a change set) and its interval has passed. It is
claimed with a conditional UPDATE (`storage.sql.update_returning_ids`), committed before
the wiki is written: one process publishes it; a claim left by a crash is taken again
after CLAIM_LEASE, and the publish that follows makes no edit if the first got through
(the page already says what it would write).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.errors import InvalidInput, NotFound
from storage.models import AuditEvent, WikiChange, WikiPage
from storage.services import audit
from storage.sql import update_returning_ids
from storage.wiki_text import Row, RowChange

TITLE_MAX = 255
INTERVAL_MINUTES = (5, 7 * 24 * 60)  # the automatic publishing interval's bounds
CLAIM_LEASE = timedelta(minutes=10)
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=6)

OPEN = "open"
KEEP_WIKI = "wiki"  # the page keeps the row as people left it
KEEP_DIRECTORY = "directory"  # the next publish writes the directory's row
DECISIONS = (KEEP_WIKI, KEEP_DIRECTORY)


def clean_title(title: str) -> str:
    """A page title as MediaWiki would take it: no characters it forbids."""
    cleaned = " ".join(title.replace("_", " ").split())
    if not cleaned or len(cleaned) > TITLE_MAX or any(ch in cleaned for ch in "<>[]{}|#"):
        raise InvalidInput("page", "error-wiki-title")
    return cleaned


async def get_page(*, session: AsyncSession, guild_id: int) -> WikiPage | None:
    return await session.get(WikiPage, guild_id)


async def set_page(
    *, session: AsyncSession, guild_id: int, title: str, actor_id: int | None, now: datetime
) -> WikiPage:
    """Choose the guild's page; another page starts afresh (nothing written there yet)."""
    title = clean_title(title)
    page = await get_page(session=session, guild_id=guild_id)
    before = page.title if page else None
    if page is None:
        page = WikiPage(guild_id=guild_id, title=title)
    elif page.title != title:
        page.title, page.last_revid, page.last_written_text = title, None, None
    session.add(page)
    await audit.record(
        session=session,
        guild_id=guild_id,
        action="wiki-page",
        actor_id=actor_id,
        before={"title": before},
        after={"title": title},
        now=now,
    )
    return page


async def set_auto_interval(
    *, session: AsyncSession, guild_id: int, minutes: int | None, now: datetime
) -> WikiPage:
    page = await get_page(session=session, guild_id=guild_id)
    if page is None:
        raise NotFound("page", "error-wiki-no-page")
    low, high = INTERVAL_MINUTES
    if minutes is not None and not low <= minutes <= high:
        raise InvalidInput("interval", "error-wiki-interval", low, high)
    page.auto_interval_minutes = minutes
    page.next_auto_at = now if minutes is not None else None
    session.add(page)
    return page


async def latest_audit_id(*, session: AsyncSession, guild_id: int) -> int:
    """The guild's newest audit event: the change set a publish covers."""
    query = select(func.max(AuditEvent.id)).where(col(AuditEvent.guild_id) == guild_id)
    return int((await session.exec(query)).one() or 0)


async def record_published(
    *,
    session: AsyncSession,
    guild_id: int,
    title: str,
    revid: int | None,
    block: str,
    audit_id: int,
    now: datetime,
) -> None:
    """What the bot wrote (or found already there) and the change set it covers."""
    page = await get_page(session=session, guild_id=guild_id) or WikiPage(
        guild_id=guild_id, title=title
    )
    if page.title != title:  # the command line's --page: another page, not the guild's
        return
    page.last_revid, page.last_written_text, page.last_published_at = revid, block, now
    page.published_audit_id = max(page.published_audit_id, audit_id)
    page.claimed_at, page.failures = None, 0
    if page.auto_interval_minutes is not None:
        page.next_auto_at = now + timedelta(minutes=page.auto_interval_minutes)
    session.add(page)


async def held_keys(*, session: AsyncSession, guild_id: int, bot_rows: dict[str, Row]) -> set[str]:
    """Rows whose wiki version stays: a review item open, or decided for the wiki's row
    while the directory's row is still the one decided against."""
    query = select(WikiChange).where(
        col(WikiChange.guild_id) == guild_id, col(WikiChange.status).in_((OPEN, KEEP_WIKI))
    )
    held = set()
    for item in (await session.exec(query)).all():
        bot_row = tuple(item.bot_row) if item.bot_row is not None else None
        if item.status == OPEN or bot_rows.get(item.row_key) == bot_row:
            held.add(item.row_key)
    return held


async def add_changes(
    *,
    session: AsyncSession,
    guild_id: int,
    changes: Sequence[tuple[RowChange, int | None, str | None]],
    now: datetime,
) -> list[WikiChange]:
    """Review items for rows people changed (each with the revision and its user)."""
    items = [
        WikiChange(
            guild_id=guild_id,
            kind=change.kind,
            row_key=change.key[:TITLE_MAX],
            row_name=change.name[:TITLE_MAX],
            revid=revid,
            wiki_user=user,
            wiki_row=list(change.wiki_row) if change.wiki_row is not None else None,
            bot_row=list(change.bot_row) if change.bot_row is not None else None,
            created_at=now,
        )
        for change, revid, user in changes
    ]
    session.add_all(items)
    await session.flush()
    return items


async def open_changes(
    *, session: AsyncSession, guild_id: int, limit: int, offset: int = 0
) -> tuple[list[WikiChange], int]:
    where = (col(WikiChange.guild_id) == guild_id, col(WikiChange.status) == OPEN)
    total = (await session.exec(select(func.count()).select_from(WikiChange).where(*where))).one()
    query = select(WikiChange).where(*where).order_by(col(WikiChange.id))
    return list((await session.exec(query.offset(offset).limit(limit))).all()), int(total)


async def decide(
    *,
    session: AsyncSession,
    guild_id: int,
    change_id: int,
    decision: str,
    actor_id: int,
    now: datetime,
) -> WikiChange:
    """A moderator's decision on one item, audited; refused if already decided."""
    if decision not in DECISIONS:
        raise InvalidInput("decision", "error-wiki-decision")
    won = await update_returning_ids(
        session,
        WikiChange,
        col(WikiChange.id),
        col(WikiChange.id) == change_id,
        col(WikiChange.guild_id) == guild_id,
        col(WikiChange.status) == OPEN,
        status=decision,
        decided_by=actor_id,
        decided_at=now,
    )
    item = await session.get(WikiChange, change_id)
    if item is None or item.guild_id != guild_id:
        raise NotFound("item", "error-wiki-item-gone")
    if not won:
        raise InvalidInput("item", "error-wiki-item-decided")
    await session.refresh(item)
    await audit.record(
        session=session,
        guild_id=guild_id,
        action="wiki-decision",
        actor_id=actor_id,
        before={"row": item.row_name, "kind": item.kind, "revid": item.revid},
        after={"decision": decision},
        now=now,
    )
    return item


def _due(now: datetime) -> tuple[sa.ColumnElement[bool], ...]:
    changed = sa.exists().where(
        col(AuditEvent.guild_id) == col(WikiPage.guild_id),
        col(AuditEvent.id) > col(WikiPage.published_audit_id),
    )
    free = sa.or_(col(WikiPage.claimed_at).is_(None), col(WikiPage.claimed_at) < now - CLAIM_LEASE)
    return (
        col(WikiPage.auto_interval_minutes).is_not(None),
        col(WikiPage.next_auto_at) <= now,
        free,
        changed,
    )


async def claim_due(*, session: AsyncSession, now: datetime) -> list[int]:
    """The guilds whose automatic publish this process takes now (commit before publishing)."""
    candidates = (await session.exec(select(WikiPage.guild_id).where(*_due(now)))).all()
    if not candidates:
        return []
    guild_id = col(WikiPage.guild_id)
    return await update_returning_ids(
        session, WikiPage, guild_id, guild_id.in_(candidates), *_due(now), claimed_at=now
    )


async def release_failed(*, session: AsyncSession, guild_id: int, now: datetime) -> datetime:
    """A publish that failed: tried again later, each time later (nothing is lost: the
    change set stays unpublished). When."""
    page = await get_page(session=session, guild_id=guild_id)
    assert page is not None
    page.failures += 1
    delay = min(FIRST_RETRY * 2 ** min(page.failures - 1, 12), LONGEST_RETRY)
    page.claimed_at, page.next_auto_at = None, now + delay
    session.add(page)
    return page.next_auto_at


async def next_due_at(*, session: AsyncSession) -> datetime | None:
    """When an automatic publish is next due (pages with unpublished changes)."""
    changed = sa.exists().where(
        col(AuditEvent.guild_id) == col(WikiPage.guild_id),
        col(AuditEvent.id) > col(WikiPage.published_audit_id),
    )
    query = (
        select(WikiPage.next_auto_at)
        .where(col(WikiPage.auto_interval_minutes).is_not(None), changed)
        .where(col(WikiPage.next_auto_at).is_not(None))
        .order_by(col(WikiPage.next_auto_at))
        .limit(1)
    )
    return (await session.exec(query)).first()
