"""The wiki as the publisher sees it: the narrow `WikiClient` protocol (read a page, its
recent history, and edit it), what it returns, and how the wiki refuses. The client on
mwclient is in bot.wiki.mediawiki, imported only where a wiki is configured.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

HISTORY_LIMIT = 50  # revisions read to tell who changed a row


class WikiError(Exception):
    """The wiki refused or could not be reached; `key` names the moderators' message."""

    key = "wiki-error-unreachable"
    retry = True  # whether trying again later may help


class WikiConflict(WikiError):
    """Someone edited the page after we read it (or created or deleted it). `saved_as`:
    the wiki merged both edits into this revision (their change was elsewhere)."""

    def __init__(self, message: str, saved_as: int | None = None) -> None:
        super().__init__(message)
        self.saved_as = saved_as


class WikiAuthFailed(WikiError):
    key = "wiki-error-auth"
    retry = False


class WikiProtected(WikiError):
    key = "wiki-error-protected"
    retry = False


class WikiBlocked(WikiError):
    key = "wiki-error-blocked"
    retry = False


class WikiUnreachable(WikiError):
    key = "wiki-error-unreachable"


class WikiLagged(WikiError):
    key = "wiki-error-lagged"


@dataclass(frozen=True)
class Page:
    text: str
    revid: int | None
    exists: bool


@dataclass(frozen=True)
class Revision:
    revid: int
    user: str
    text: str


class WikiClient(Protocol):
    username: str

    async def read(self, title: str) -> Page: ...

    async def history(self, title: str, *, after: int) -> Sequence[Revision]:
        """The page's revisions newer than `after`, oldest first (at most HISTORY_LIMIT)."""
        ...

    async def edit(self, title: str, text: str, *, baserevid: int | None, summary: str) -> int:
        """Save `text` against `baserevid` (None: create the page); the new revision id."""
        ...

    def diff_url(self, new: int, old: int | None) -> str: ...
