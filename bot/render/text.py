"""Showing text users wrote, and times: the one escaping policy and the one timestamp."""

from __future__ import annotations

import re
from datetime import datetime

import discord

from bot.render.limits import truncate

_LINE_STARTS = ("#", ">", "-#")
# What any of the three escapes below looks for: markdown's characters, a link's "[",
# a list's "-" at a line's start, a heading or quote, a mention's "@". Text without them
# is shown as it is (most names and summaries): found in one scan, not three passes.
_ESCAPED = re.compile(r"[_\\~|*`>\[#@]|^\s*-", re.MULTILINE)


def _escape_line(line: str) -> str:
    # escape_markdown leaves headings and quotes, which Discord renders at a line's start.
    stripped = line.lstrip()
    return "\\" + line if stripped.startswith(_LINE_STARTS) else line


def user_text(text: str | None, limit: int | None = None) -> str:
    """Text a user wrote, shown as written: markdown, line-start formatting and mention
    syntax escaped (it cannot break a message or look like a ping), then fitted."""
    if not text:
        return ""
    shown = _escaped(text) if _ESCAPED.search(text) else text
    return shown if limit is None else truncate(shown, limit)


def _escaped(text: str) -> str:
    """Markdown, line-start formatting and mentions escaped: three passes over the text."""
    escaped = discord.utils.escape_markdown(text, as_needed=False)
    escaped = "\n".join(_escape_line(line) for line in escaped.split("\n"))
    return discord.utils.escape_mentions(escaped)


def one_line(text: str | None, limit: int) -> str:
    return user_text(" ".join((text or "").split()), limit)


def timestamp(moment: datetime, style: str = "F") -> str:
    """A Discord timestamp: each reader sees it in their own zone and language."""
    return f"<t:{int(moment.timestamp())}:{style}>"


def when(moment: datetime) -> str:
    return f"{timestamp(moment, 'F')} ({timestamp(moment, 'R')})"
