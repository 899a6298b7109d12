"""What moderators see of publishing to the wiki: a publish's answer, the page setting,
a review item (a row people changed on the wiki) and an automatic publish's failure."""

from __future__ import annotations

from datetime import datetime

import discord

from bot.i18n import t
from bot.render.limits import truncate
from bot.render.text import one_line, timestamp, user_text
from bot.wiki.publish import CREATED, EDITED, Published
from storage.models import WikiChange, WikiPage
from storage.services.wiki import KEEP_DIRECTORY, KEEP_WIKI
from storage.wiki_text import ADDED, CHANGED, REMOVED

TITLE_SHOWN = 120
ROW_SHOWN = 1000  # an embed field holds 1024 characters
PUBLISHED = {CREATED: "wiki-published-created", EDITED: "wiki-published-edited"}
WHAT_PEOPLE_DID = {
    CHANGED: "wiki-review-changed",
    ADDED: "wiki-review-added",
    REMOVED: "wiki-review-removed",
}
DECIDED = {KEEP_WIKI: "wiki-decided-wiki", KEEP_DIRECTORY: "wiki-decided-directory"}


def page_title(title: str) -> str:
    return one_line(title, TITLE_SHOWN)


def published_text(published: Published, locale: str) -> str:
    title = page_title(published.title)
    if published.outcome in PUBLISHED:
        text = t(locale, PUBLISHED[published.outcome], title, published.diff_url)
    else:
        text = t(locale, "wiki-published-unchanged", title)
    if published.changes:
        text += "\n" + t(locale, "wiki-published-changes", len(published.changes))
    return text


def _auto(page: WikiPage, locale: str) -> str:
    minutes = page.auto_interval_minutes
    return t(locale, "wiki-auto-every", minutes) if minutes else t(locale, "wiki-auto-off")


def settings_text(page: WikiPage, locale: str) -> str:
    return t(locale, "wiki-settings-saved", page_title(page.title), _auto(page, locale))


def page_setting(page: WikiPage, locale: str) -> str:
    """The wiki page, as /settings show lists it."""
    return t(locale, "wiki-page-setting", page_title(page.title), _auto(page, locale))


def _row(cells: list[str] | None, locale: str) -> str:
    if cells is None:
        return t(locale, "wiki-review-none")
    return truncate(user_text(" | ".join(" ".join(cell.split()) for cell in cells)), ROW_SHOWN)


def change_embed(
    item: WikiChange, *, position: int, total: int, revision_url: str | None, locale: str
) -> discord.Embed:
    """One review item: which row, who changed it in which revision, both versions."""
    user = one_line(item.wiki_user, 80) if item.wiki_user else t(locale, "wiki-review-someone")
    revision = (
        t(locale, "wiki-review-revision", item.revid, revision_url)
        if item.revid and revision_url
        else t(locale, "wiki-review-a-revision")
    )
    embed = discord.Embed(
        description=t(
            locale, f"wiki-review-{item.kind}", one_line(item.row_name, 100), user, revision
        )
    )
    embed.set_author(name=t(locale, "wiki-review-position", position, total))
    embed.add_field(
        name=t(locale, "wiki-review-on-wiki"), value=_row(item.wiki_row, locale), inline=False
    )
    embed.add_field(
        name=t(locale, "wiki-review-in-directory"), value=_row(item.bot_row, locale), inline=False
    )
    return embed


def failure_notice(title: str, error_key: str, retry_at: datetime, locale: str) -> str:
    return t(
        locale,
        "wiki-auto-failed",
        page_title(title),
        t(locale, error_key),
        timestamp(retry_at, "R"),
    )


def decided_text(item: WikiChange, locale: str) -> str:
    return t(locale, DECIDED[item.status], one_line(item.row_name, 100))
