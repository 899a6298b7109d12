"""The weekly digest as Discord message payloads, split within Discord's limits.

Each section is a list of whole lines packed into embeds (`pack_lines`), and the
embeds into messages (`pack_messages`): an item is never cut in two. Mentions of
coordinators are text only: every payload says `allowed_mentions: {parse: []}`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.i18n import t
from bot.render.limits import Embed, pack_lines, pack_messages
from bot.render.reminders import display_title
from bot.render.text import one_line, timestamp
from storage.models import DigestSchedule, EntryKind, Status
from storage.services import digest
from storage.services.digest import (
    REASON_CHANNEL_GONE,
    DigestContent,
    DigestNotice,
    EntryRef,
    MilestoneItem,
    Section,
)

Payload = dict[str, Any]
COLOR_HEADER = 0x3366CC
COLOR_NEWS = 0x14866D
COLOR_WAITING = 0xEDAB00
COLOR_LATE = 0xD73333
COLOR_QUIET = 0x72777D
# User text is escaped and cut to this, so a line always fits a description whole.
TEXT_MAX = 400  # twice the longest stored title: fits it whole, every character escaped
# Keys spelled out (not built from values) so that every key in use can be found.
_NOTICE_KEYS = {REASON_CHANNEL_GONE: "digest-notice-channel-gone"}
_KIND_KEYS = {
    EntryKind.ALLIANCE: "digest-kind-alliance",
    EntryKind.PARTNERSHIP: "digest-kind-partnership",
}
_ENDED_KEYS = {Status.COMPLETED: "digest-item-completed", Status.PAUSED: "digest-item-paused"}


def _payload(embeds: list[Embed]) -> Payload:
    return {"embeds": embeds, "allowed_mentions": {"parse": []}}


class _Lines:
    """Digest lines in one language."""

    def __init__(self, locale: str) -> None:
        self.locale = locale

    def t(self, key: str, *params: object) -> str:
        return t(self.locale, key, *params)

    def entry(self, ref: EntryRef) -> str:
        kind = self.t(_KIND_KEYS[EntryKind(ref.kind)])
        return self.t("digest-entry", one_line(ref.name, TEXT_MAX), kind, ref.id)

    def milestone(self, key: str, item: MilestoneItem, *times: str) -> str:
        title = one_line(display_title(item.title, self.locale), TEXT_MAX)
        line = self.t(key, title, self.entry(item.entry), *times)
        if item.coordinator_id is None:
            return line
        return self.t("digest-with-coordinator", line, f"<@{item.coordinator_id}>")

    def section(
        self,
        title_key: str,
        section: Section[Any],
        line: Callable[[Any], str],
        color: int,
        *title_params: object,
    ) -> list[Embed]:
        if not section.total:
            return []
        lines = [line(item) for item in section.items]
        if section.more:
            lines.append(self.t("digest-more", section.more))
        title = self.t(title_key, section.total, *title_params)
        continued = self.t("digest-continued", title)
        return pack_lines(title, lines, color=color, continued=continued)


def _header(content: DigestContent, lines: _Lines, now: datetime, late: datetime | None) -> Embed:
    summary = content.summary
    parts = [
        lines.t("digest-intro", timestamp(now, "F")),
        lines.t(
            "digest-summary",
            lines.t("digest-summary-active", summary.active),
            lines.t("digest-summary-proposals", summary.proposals),
            lines.t("digest-summary-due", summary.due_soon),
            lines.t("digest-summary-overdue", summary.overdue),
        ),
    ]
    if late is not None:
        parts.insert(0, lines.t("digest-late", timestamp(late, "F"), timestamp(late, "R")))
    return {
        "title": lines.t("digest-title"),
        "description": "\n".join(parts),
        "color": COLOR_LATE if late is not None else COLOR_HEADER,
    }


def render_digest(
    content: DigestContent, *, locale: str, now: datetime, late_since: datetime | None
) -> list[Payload]:
    """The digest as one or more messages, in `locale`; `late_since`: its missed slot."""
    lines = _Lines(locale)
    if content.quiet:
        text = lines.t("digest-quiet", content.summary.active)
        if late_since is not None:
            text = (
                lines.t("digest-late", timestamp(late_since, "F"), timestamp(late_since, "R"))
                + "\n"
                + text
            )
        return [_payload([{"description": text, "color": COLOR_QUIET}])]
    embeds = [_header(content, lines, now, late_since)]
    embeds += lines.section(
        "digest-section-activated",
        content.activated,
        lambda i: lines.t(
            "digest-item-approved" if i.approved else "digest-item-activated",
            lines.entry(i.entry),
            timestamp(i.at, "R"),
        ),
        COLOR_NEWS,
    )
    embeds += lines.section(
        "digest-section-proposals",
        content.proposals,
        lambda i: lines.t(
            "digest-item-proposal",
            lines.entry(i.entry),
            lines.t("digest-supporters", i.support_count),
            timestamp(i.created_at, "R"),
        ),
        COLOR_WAITING,
    )
    embeds += lines.section(
        "digest-section-due",
        content.due_soon,
        lambda i: lines.milestone(
            "digest-item-due", i, timestamp(i.due_at, "F"), timestamp(i.due_at, "R")
        ),
        COLOR_WAITING,
    )
    embeds += lines.section(
        "digest-section-overdue",
        content.overdue,
        lambda i: lines.milestone(
            "digest-item-overdue", i, timestamp(i.due_at, "D"), timestamp(i.due_at, "R")
        ),
        COLOR_LATE,
    )
    embeds += lines.section(
        "digest-section-done",
        content.milestones_done,
        lambda i: lines.milestone("digest-item-done", i, timestamp(i.done_at, "R")),
        COLOR_NEWS,
    )
    embeds += lines.section(
        "digest-section-ended",
        content.ended,
        lambda i: lines.t(
            _ENDED_KEYS[Status(i.status)], lines.entry(i.entry), timestamp(i.at, "R")
        ),
        COLOR_NEWS,
    )
    embeds += lines.section(
        "digest-section-followthrough",
        content.followthrough,
        lambda i: lines.t(
            "digest-item-quiet",
            lines.entry(i.entry),
            timestamp(i.last_activity, "D"),
            timestamp(i.last_activity, "R"),
        ),
        COLOR_WAITING,
        content.followthrough_days,
    )
    return [_payload(message) for message in pack_messages(embeds)]


def notice_text(notice: DigestNotice, *, locale: str) -> str:
    """What moderators are told about a digest the bot turned off (also for /digest list)."""
    key = _NOTICE_KEYS.get(notice.reason, "digest-notice-channel-gone")
    return t(locale, key, notice.channel_id)


def render_notice(notice: DigestNotice, *, locale: str) -> Payload:
    return _payload([{"description": notice_text(notice, locale=locale), "color": COLOR_LATE}])


# /digest list and setup: one line per schedule.
# Index = datetime.weekday(); keys spelled out so that every key in use can be found.
DAY_KEYS = (
    "digest-day-monday",
    "digest-day-tuesday",
    "digest-day-wednesday",
    "digest-day-thursday",
    "digest-day-friday",
    "digest-day-saturday",
    "digest-day-sunday",
)
DAYS = tuple(key.removeprefix("digest-day-") for key in DAY_KEYS)
_OFF_KEYS = {
    digest.REASON_TURNED_OFF: "digest-list-turned-off",
    digest.REASON_CHANNEL_GONE: "digest-list-channel-gone",
}


def schedule_line(schedule: DigestSchedule, locale: str) -> str:
    if not schedule.enabled or schedule.next_run_at is None:
        key = _OFF_KEYS.get(schedule.disabled_reason or "", "digest-list-turned-off")
        return t(locale, key, schedule.channel_id)
    return t(
        locale,
        "digest-list-on",
        schedule.channel_id,
        t(locale, DAY_KEYS[schedule.weekday]),
        schedule.time_of_day,
        schedule.timezone,
        t(locale, f"choice-{schedule.locale}"),
        timestamp(schedule.next_run_at, "F"),
        timestamp(schedule.next_run_at, "R"),
    )
