"""An entry's history: who did what, when, and what changed, from its audit events."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import discord

from bot.i18n import t
from bot.render.entries import BRAND, label
from bot.render.limits import EMBED_DESCRIPTION, truncate
from bot.render.text import one_line, timestamp
from storage.models import AuditEvent

# How a changed field is told: statuses, kinds, areas and stewards by their labels; short
# texts with their values; a date as a date; long texts as changed, with their new length.
LABELLED = ("kind", "area", "steward", "status")
SHORT = ("name", "chapter_name", "funder")
DATES = ("reporting_due_at",)
FLAGS = ("is_model",)
DETAIL_MAX = 600


def _value(field: str, value: Any, locale: str) -> str:
    if value is None or value == "":
        return "—"
    if field in LABELLED:
        return label(locale, str(value))
    if field in DATES:
        return timestamp(datetime.fromisoformat(str(value)), "D")
    if field in FLAGS:
        return t(locale, "history-yes" if value else "history-no")
    return t(locale, "quoted", one_line(str(value), 80))


def _long(field: str, value: Any, locale: str, *, created: bool) -> str:
    name = t(locale, f"field-{field}")
    if not value:
        return t(locale, "history-removed", name)
    size = t(locale, "history-links", len(value)) if isinstance(value, list) else None
    size = size or t(locale, "history-characters", len(str(value)))
    return t(locale, "history-set" if created else "history-long-changed", name, size)


def change_detail(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None, locale: str
) -> str:
    """What an entry event changed: "Status: active → paused", "Summary: changed (312
    characters)"; a creation lists only the fields that were filled."""
    parts = []
    for field, new in (after or {}).items():
        if field not in LABELLED + SHORT + DATES + FLAGS:
            if before is not None or new:
                parts.append(_long(field, new, locale, created=before is None))
            continue
        name = t(locale, f"field-{field}")
        if before is None:
            if new not in (None, "", False):
                parts.append(t(locale, "history-set", name, _value(field, new, locale)))
            continue
        old = _value(field, before.get(field), locale)
        parts.append(t(locale, "history-change", name, old, _value(field, new, locale)))
    return truncate("; ".join(parts), DETAIL_MAX)


def _milestone_title(changes: Mapping[str, Any], titles: Mapping[int, str], locale: str) -> str:
    title = changes.get("title") or titles.get(changes.get("id") or 0) or ""
    return t(locale, "quoted", one_line(str(title), 80)) if title else ""


def history_line(event: AuditEvent, locale: str, titles: Mapping[int, str]) -> str:
    who = f"<@{event.actor_id}>" if event.actor_id else t(locale, "history-system")
    if event.action.startswith("milestone-"):
        # Milestone events are labelled by their action key, and name the milestone.
        action = t(locale, event.action)
        detail = _milestone_title(event.after or event.before or {}, titles, locale)
    else:
        action = t(locale, f"history-action-{event.action}")
        detail = change_detail(event.before, event.after, locale)
    line = t(locale, "history-line", timestamp(event.at, "f"), who, action)
    return line + (f" — {detail}" if detail else "")


def history_embed(
    name: str, events: Sequence[AuditEvent], locale: str, titles: Mapping[int, str] | None = None
) -> discord.Embed:
    """`titles`: milestones' titles by id, for events that changed only other fields."""
    lines = [history_line(event, locale, titles or {}) for event in events]
    return discord.Embed(
        title=t(locale, "history-title", one_line(name, 200)),
        description=truncate("\n".join(lines) or t(locale, "history-empty"), EMBED_DESCRIPTION),
        colour=BRAND,
    )
