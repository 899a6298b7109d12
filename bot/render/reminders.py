"""Reminder messages: the ping, the embeds, and the Done / Snooze buttons.

Only the coordinator is pinged (or, when the milestone has none, the guild's
coordinator role): `allowed_mentions` names exactly them, and is the real guard.
User text (titles, entry names) is escaped and its mention syntax neutralised too.

One reminder in a channel: one message, with a row of buttons. Several at once
(e.g. after downtime): a numbered list packed into as few messages as Discord's
limits allow. A message has at most 5 rows of components, so up to 5 milestones
get a row of buttons each; a longer list gets select menus of 25 milestones
(`ms:pick:<n>`, n: the number of its first one) whose choice (the milestone id)
is answered with `render_actions`: that milestone's buttons, privately.

Custom ids: `ms:done:<milestone id>`, `ms:snooze:<milestone id>:<seconds>`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.i18n import t
from bot.render.limits import (
    BUTTON_LABEL,
    CHOICE_NAME,
    CONTENT,
    EMBED_TITLE,
    EMBEDS_PER_MESSAGE,
    EMBEDS_TOTAL,
    embed_size,
    pack_lines,
    truncate,
)
from bot.render.text import timestamp, user_text
from storage.services.reminders import ClaimedReminder

Payload = dict[str, Any]
SNOOZE_SECONDS = {
    3600: "reminder-snooze-hour",
    86400: "reminder-snooze-day",
    604800: "reminder-snooze-week",
}
# The snooze's length as its button names it, for the answer.
SNOOZE_DURATIONS = {3600: "duration-hour", 86400: "duration-day", 604800: "duration-week"}
ACTION_ROWS = 5
OPTIONS_PER_SELECT = 25
MENTIONS_MAX = 100  # users, and roles, named in allowed_mentions
MAX_PER_MESSAGE = ACTION_ROWS * OPTIONS_PER_SELECT
EPHEMERAL = 64
_BUTTON_SUCCESS = 3
_BUTTON_SECONDARY = 2
# In order of urgency: a list takes the colour of its most urgent reminder.
_COLORS = {"lead": 0x3366CC, "final": 0x72777D, "due": 0xEDAB00, "overdue": 0xD73333}
_URGENCY = list(_COLORS)
_HEADLINES = {
    "lead": "reminder-lead",
    "due": "reminder-due",
    "overdue": "reminder-overdue",
    "final": "reminder-final",
}


@dataclass(frozen=True)
class ReminderMessage:
    payload: Payload
    reminder_ids: tuple[int, ...]


def done_id(milestone_id: int) -> str:
    return f"ms:done:{milestone_id}"


def snooze_id(milestone_id: int, seconds: int) -> str:
    return f"ms:snooze:{milestone_id}:{seconds}"


def pick_id(first: int) -> str:
    """A list's menu, named by the number of its first milestone (unique in the message)."""
    return f"ms:pick:{first}"


def milestone_ids(payload: Payload) -> list[int]:
    """The milestones a reminder message acts on: its Done buttons, or its menus' options
    (what tests and benchmarks count to check each was delivered once)."""
    found = []
    for row in payload["components"]:
        for item in row["components"]:
            if item["type"] == 2 and item["custom_id"].startswith("ms:done:"):
                found.append(int(item["custom_id"].split(":")[2]))
            for option in item.get("options", []):
                found.append(int(option["value"]))
    return found


def display_title(title: str, locale: str) -> str:
    """A milestone's title; the reporting milestone's (stored empty) in the reader's language."""
    return title or t(locale, "milestone-reporting-title")


def _stage(claim: ClaimedReminder) -> str:
    return "final" if claim.final else claim.kind.value


def _who(claim: ClaimedReminder) -> tuple[str, int] | None:
    """The coordinator: ("users", id), else the coordinator role ("roles", id), else nobody."""
    if claim.coordinator_id is not None:
        return "users", claim.coordinator_id
    if claim.coordinator_role_id is not None:
        return "roles", claim.coordinator_role_id
    return None


def _ping(claim: ClaimedReminder) -> tuple[str, int] | None:
    """Whom this reminder pings: the coordinator, but nobody for the final notice."""
    return None if claim.final else _who(claim)


def _mention(target: tuple[str, int]) -> str:
    kind, target_id = target
    return f"<@{target_id}>" if kind == "users" else f"<@&{target_id}>"


def _allowed_mentions(targets: Sequence[tuple[str, int]]) -> dict[str, list[Any]]:
    allowed: dict[str, list[Any]] = {"parse": []}
    for kind, target_id in targets:
        allowed.setdefault(kind, []).append(target_id)
    return allowed


def _pings(claims: Sequence[ClaimedReminder]) -> list[tuple[str, int]]:
    return list(dict.fromkeys(p for c in claims if (p := _ping(c)) is not None))


def _headline(claim: ClaimedReminder, locale: str) -> str:
    count = claim.seq - 1 if claim.final else claim.overdue_max
    return t(
        locale,
        _HEADLINES[_stage(claim)],
        user_text(display_title(claim.title, locale)),
        user_text(claim.entry_name),
        timestamp(claim.due_at, "F"),
        timestamp(claim.due_at, "R"),
        claim.seq,
        count,
    )


def _buttons(
    milestone_id: int, locale: str, *, final: bool = False, listed: tuple[int, str] | None = None
) -> Payload:
    """A row: Done and the snoozes; in a list, Done names its `listed` (number, title)."""
    label = (
        t(locale, "reminder-button-done-titled", *listed)
        if listed
        else t(locale, "reminder-button-done")
    )
    buttons = [
        {
            "type": 2,
            "style": _BUTTON_SUCCESS,
            "label": truncate(label, BUTTON_LABEL),
            "custom_id": done_id(milestone_id),
        }
    ]
    if not final:  # the final notice: nothing left to snooze
        buttons += [
            {
                "type": 2,
                "style": _BUTTON_SECONDARY,
                "label": t(locale, key),
                "custom_id": snooze_id(milestone_id, seconds),
            }
            for seconds, key in SNOOZE_SECONDS.items()
        ]
    return {"type": 1, "components": buttons}


def render_single(claim: ClaimedReminder, locale: str) -> Payload:
    """One reminder: the ping and the headline as text, details in an embed, buttons."""
    ping = _ping(claim)
    who = _who(claim)
    lines = [
        t(locale, "reminder-entry", user_text(claim.entry_name)),
        t(locale, "reminder-due-at", timestamp(claim.due_at, "F"), timestamp(claim.due_at, "R")),
        t(locale, "reminder-coordinator", _mention(who))
        if who
        else t(locale, "reminder-no-coordinator"),
    ]
    if claim.late:
        lines.append(t(locale, "reminder-late", timestamp(claim.fire_at, "F")))
    headline = _headline(claim, locale)
    embed = {
        "title": truncate(user_text(display_title(claim.title, locale)), EMBED_TITLE),
        "description": "\n".join(lines),
        "color": _COLORS[_stage(claim)],
    }
    return {
        "content": truncate(f"{_mention(ping)} {headline}" if ping else headline, CONTENT),
        "embeds": [embed],
        "components": [_buttons(claim.milestone_id, locale, final=claim.final)],
        "allowed_mentions": _allowed_mentions([ping] if ping else []),
    }


def _line(number: int, claim: ClaimedReminder, locale: str) -> str:
    parts = [f"**{number}.**", _headline(claim, locale)]
    if claim.late:
        parts.append(t(locale, "reminder-late-short", timestamp(claim.fire_at, "F")))
    who = _who(claim)
    if who:
        parts.append(f"— {_mention(who)}")
    return " ".join(parts)


def _batch(
    claims: Sequence[ClaimedReminder], lines: Sequence[str], first: int, locale: str
) -> Payload:
    pings = _pings(claims)
    content = " ".join([*map(_mention, pings), t(locale, "reminder-batch", len(claims))])
    embeds = pack_lines(
        t(locale, "reminder-batch-title"),
        list(lines),
        color=_COLORS[max((_stage(c) for c in claims), key=_URGENCY.index)],
        continued=t(locale, "reminder-batch-title-continued"),
    )
    if len(claims) <= ACTION_ROWS:
        rows = [
            _buttons(
                c.milestone_id,
                locale,
                final=c.final,
                listed=(first + i, display_title(c.title, locale)),
            )
            for i, c in enumerate(claims)
        ]
    else:
        rows = [
            _select(claims[start : start + OPTIONS_PER_SELECT], first + start, locale)
            for start in range(0, len(claims), OPTIONS_PER_SELECT)
        ]
    return {
        "content": content,
        "embeds": embeds,
        "components": rows,
        "allowed_mentions": _allowed_mentions(pings),
    }


def _select(claims: Sequence[ClaimedReminder], first: int, locale: str) -> Payload:
    options = [
        {
            "label": truncate(f"{first + i}. {display_title(c.title, locale)}", CHOICE_NAME),
            "description": truncate(c.entry_name, CHOICE_NAME),
            "value": str(c.milestone_id),
        }
        for i, c in enumerate(claims)
    ]
    menu = {
        "type": 3,
        "custom_id": pick_id(first),
        "placeholder": t(locale, "reminder-pick", first, first + len(claims) - 1),
        "options": options,
        "min_values": 1,
        "max_values": 1,
    }
    return {"type": 1, "components": [menu]}


def _fits(payload: Payload) -> bool:
    """Within the limits that depend on how many reminders a message holds."""
    embeds = payload["embeds"]
    mentions = payload["allowed_mentions"]
    return (
        len(payload["content"]) <= CONTENT
        and len(embeds) <= EMBEDS_PER_MESSAGE
        and sum(embed_size(e) for e in embeds) <= EMBEDS_TOTAL
        and len(payload["components"]) <= ACTION_ROWS
        and all(len(mentions.get(kind, [])) <= MENTIONS_MAX for kind in ("users", "roles"))
    )


def render_reminders(claims: Sequence[ClaimedReminder], locale: str) -> list[ReminderMessage]:
    """The messages for reminders due together in one channel: as few as the limits allow.

    Greedy, in order: each message takes reminders while its payload still fits.
    """
    if len(claims) == 1:
        return [ReminderMessage(render_single(claims[0], locale), (claims[0].reminder_id,))]
    lines = [_line(number, c, locale) for number, c in enumerate(claims, start=1)]
    messages: list[ReminderMessage] = []
    start = 0
    while start < len(claims):
        end = start + 1
        payload = _batch(claims[start:end], lines[start:end], start + 1, locale)
        while end < len(claims) and end - start < MAX_PER_MESSAGE:
            bigger = _batch(claims[start : end + 1], lines[start : end + 1], start + 1, locale)
            if not _fits(bigger):
                break
            payload, end = bigger, end + 1
        ids = tuple(c.reminder_id for c in claims[start:end])
        messages.append(ReminderMessage(payload, ids))
        start = end
    return messages


def render_actions(milestone_id: int, title: str, locale: str) -> Payload:
    """The private answer to a pick in a list's menu: that milestone's buttons."""
    shown = display_title(title, locale)
    return {
        "content": t(locale, "reminder-actions", user_text(shown)),
        "components": [_buttons(milestone_id, locale)],
        "allowed_mentions": {"parse": []},
        "flags": EPHEMERAL,
    }


def render_done(title: str, locale: str, next_due: datetime | None = None) -> str:
    """Done; for a recurring milestone, when the next occurrence is due."""
    shown = user_text(display_title(title, locale))
    if next_due is None:
        return t(locale, "milestone-done-notice", shown)
    return t(
        locale, "milestone-done-next", shown, timestamp(next_due, "F"), timestamp(next_due, "R")
    )


def render_snoozed(title: str, until: datetime, seconds: int, locale: str) -> str:
    return t(
        locale,
        "milestone-snoozed-notice",
        user_text(display_title(title, locale)),
        timestamp(until, "R"),
        t(locale, SNOOZE_DURATIONS[seconds]),
    )


def render_already_done(title: str, locale: str) -> str:
    return t(locale, "milestone-already-done", user_text(display_title(title, locale)))


def milestone_button_ids(milestone_id: int) -> set[str]:
    """The custom ids of one milestone's Done and Snooze buttons."""
    return {done_id(milestone_id)} | {snooze_id(milestone_id, s) for s in SNOOZE_SECONDS}


def render_marked_done(content: str, title: str, user_id: int, locale: str) -> str:
    """A reminder message's text once someone pressed Done: who did, added at the end."""
    line = t(locale, "reminder-done-by", user_text(display_title(title, locale)), f"<@{user_id}>")
    return truncate(f"{content}\n{line}" if content else line, CONTENT)
