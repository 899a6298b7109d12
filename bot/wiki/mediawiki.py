"""The wiki's Action API through mwclient (small, pure Python, maintained).

mwclient is synchronous: each call runs in a thread (`asyncio.to_thread`), one at a
time, behind bot.wiki.client's `WikiClient` protocol. A good citizen of the wiki
(https://meta.wikimedia.org/wiki/API:Etiquette): a User-Agent naming the bot and a
contact, `maxlag` on every request (mwclient waits as the wiki's Retry-After says, a few
times), at most one edit every `edit_interval` seconds, `assert=user` on edits, and every
edit made against the revision it read. Imported only where a wiki is configured:
mwclient and requests weigh about 8 MB.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from importlib.metadata import version
from typing import Any
from urllib.parse import urlsplit

import mwclient
import mwclient.errors
import requests

from bot.wiki.client import (
    HISTORY_LIMIT,
    Page,
    Revision,
    WikiAuthFailed,
    WikiBlocked,
    WikiConflict,
    WikiError,
    WikiLagged,
    WikiProtected,
    WikiUnreachable,
)
from storage.clock import Clock

MAXLAG = 5  # seconds: what Wikimedia asks of bots (Manual:Maxlag_parameter)


def user_agent(contact: str) -> str:
    """Wikimedia's User-Agent policy: the tool, its version and a contact (mwclient adds
    itself after)."""
    return f"partnerbot/{version('partnerbot')} ({contact})"


_CONFLICTS = {"editconflict", "articleexists", "missingtitle", "pagedeleted"}
_PROTECTED = {"protectedpage", "cascadeprotected", "protectedtitle", "permissiondenied"}
_BLOCKED = {"blocked", "autoblocked", "globalblocking-blockedtext", "globalblocked"}
_AUTH = {"assertuserfailed", "assertnameduserfailed", "mwoauth-invalid-authorization"}


def _api_error(error: mwclient.errors.APIError) -> WikiError:
    code = error.code or ""
    for codes, kind in (
        (_CONFLICTS, WikiConflict),
        (_PROTECTED, WikiProtected),
        (_BLOCKED, WikiBlocked),
        (_AUTH, WikiAuthFailed),
    ):
        if code in codes:
            return kind(code)
    if code == "maxlag":
        return WikiLagged(code)
    return WikiUnreachable(f"{code}: {error.info}")


class MwClient:
    """`WikiClient` on mwclient, logged in with a bot password (`User@app`)."""

    def __init__(
        self,
        api_url: str,
        username: str,
        password: str,
        *,
        contact: str,
        clock: Clock,
        edit_interval: float = 10.0,
        max_retries: int = 3,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        parts = urlsplit(api_url)
        self.scheme, self.host = parts.scheme, parts.netloc
        self.path = parts.path.rsplit("/", 1)[0] + "/"  # mwclient appends "api.php"
        self.username = username.split("@", 1)[0]
        self._credentials = (username, password)
        self._contact = contact
        self._max_retries = max_retries
        self._site: mwclient.Site | None = None
        self._lock = asyncio.Lock()  # one call at a time: mwclient's session is not shared
        self._clock = clock
        self._sleep = sleep
        self._edit_interval = edit_interval
        self._last_edit: datetime | None = None

    def diff_url(self, new: int, old: int | None) -> str:
        query = f"diff={new}&oldid={old}" if old else f"diff={new}"  # with the one before
        return f"{self.scheme}://{self.host}{self.path}index.php?{query}"

    async def _call(self, work: Callable[[mwclient.Site], Any]) -> Any:
        async with self._lock:
            return await asyncio.to_thread(self._run, work)

    def _run(self, work: Callable[[mwclient.Site], Any]) -> Any:
        try:
            site = self._login()
            try:
                return work(site)
            except mwclient.errors.APIError as error:
                if error.code not in _AUTH:
                    raise
                self._site = None  # the session expired: log in again, once
                return work(self._login())
        except mwclient.errors.LoginError as error:
            self._site = None
            raise WikiAuthFailed(error.code) from error
        except mwclient.errors.APIError as error:
            raise _api_error(error) from error
        except mwclient.errors.MaximumRetriesExceeded as error:
            raise WikiLagged(str(error)) from error  # retried as long as the wiki asked
        except (requests.RequestException, mwclient.errors.MwClientError) as error:
            self._site = None
            raise WikiUnreachable(str(error)) from error

    def _login(self) -> mwclient.Site:
        if self._site is None:
            site = mwclient.Site(
                self.host,
                path=self.path,
                scheme=self.scheme,
                clients_useragent=user_agent(self._contact),
                max_lag=MAXLAG,
                max_retries=self._max_retries,
                retry_timeout=5,
                connection_options={"timeout": 30},
            )
            site.login(*self._credentials)
            self._site = site
        return self._site

    async def read(self, title: str) -> Page:
        def read(site: mwclient.Site) -> Page:
            result = site.api(
                "query",
                "GET",
                titles=title,
                prop="revisions",
                rvprop="ids|content",
                rvslots="main",
                maxlag=MAXLAG,
                formatversion=2,
            )
            page = result["query"]["pages"][0]
            if page.get("missing") or not page.get("revisions"):
                return Page("", None, False)
            revision = page["revisions"][0]
            return Page(revision["slots"]["main"]["content"], revision["revid"], True)

        page: Page = await self._call(read)
        return page

    async def history(self, title: str, *, after: int) -> Sequence[Revision]:
        def history(site: mwclient.Site) -> list[Revision]:
            result = site.api(
                "query",
                "GET",
                titles=title,
                prop="revisions",
                rvprop="ids|user|content",
                rvslots="main",
                rvendid=after,
                rvlimit=HISTORY_LIMIT,
                maxlag=MAXLAG,
                formatversion=2,
            )
            revisions = result["query"]["pages"][0].get("revisions", [])
            return [
                Revision(r["revid"], r.get("user", ""), r["slots"]["main"].get("content", ""))
                for r in reversed(revisions)  # newest first from the API
                if r["revid"] != after
            ]

        revisions: list[Revision] = await self._call(history)
        return revisions

    async def edit(self, title: str, text: str, *, baserevid: int | None, summary: str) -> int:
        await self._throttle()

        def edit(site: mwclient.Site) -> int:
            guard = {"baserevid": baserevid, "nocreate": 1} if baserevid else {"createonly": 1}
            result = site.api(
                "edit",
                title=title,
                text=text,
                summary=summary,
                bot=1,
                maxlag=MAXLAG,
                token=site.get_token("csrf"),
                **guard,
                **{"assert": "user"},
            )
            answer = result["edit"]
            if answer.get("result") != "Success":
                raise WikiProtected(str(answer))  # e.g. an abuse filter or a captcha
            if baserevid and answer.get("oldrevid") not in (None, baserevid):
                # Merged with an edit made since we read: read again and decide then.
                raise WikiConflict("merged", saved_as=int(answer["newrevid"]))
            return int(answer.get("newrevid") or baserevid or 0)

        try:
            revid: int = await self._call(edit)
        finally:
            self._last_edit = self._clock.now()
        return revid

    async def _throttle(self) -> None:
        if self._last_edit is None or self._edit_interval <= 0:
            return
        waited = (self._clock.now() - self._last_edit).total_seconds()
        if waited < self._edit_interval:
            await self._sleep(self._edit_interval - waited)
