"""Rendering the digest: languages, Discord's limits on a huge week, no pings, quiet weeks."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.i18n import t
from bot.render import limits
from bot.render.digest import render_digest, render_notice
from storage.services.digest import (
    ActivatedItem,
    DigestContent,
    DigestNotice,
    EntryRef,
    MilestoneItem,
    ProposalItem,
    QuietItem,
    Section,
    StatusItem,
    Summary,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
COORDINATOR = 900_000_000_000_000_077
OSM = EntryRef(12, "Wikimedia*OSM_maps", "alliance")
PRINT = EntryRef(13, "Wiki-to-print", "partnership")


def section(items: list[Any], total: int | None = None) -> Section[Any]:
    return Section(tuple(items), len(items) if total is None else total)


def milestone(n: int, entry: EntryRef, due: datetime, **extra: Any) -> MilestoneItem:
    values: dict[str, Any] = {"coordinator_id": None, "done_at": None}
    values.update(extra)
    return MilestoneItem(n, f"Milestone {n:05}", entry, due, **values)


def sample() -> DigestContent:
    return DigestContent(
        guild_id=1,
        now=NOW,
        followthrough_days=90,
        summary=Summary(active=7, proposals=12, due_soon=1, overdue=1),
        activated=section([ActivatedItem(OSM, NOW - 2 * DAY, approved=True)]),
        proposals=section([ProposalItem(PRINT, 1, NOW - 40 * DAY)], total=12),
        due_soon=section([milestone(1, PRINT, NOW + 3 * DAY, coordinator_id=COORDINATOR)]),
        overdue=section([milestone(2, PRINT, NOW - 2 * DAY)]),
        milestones_done=section([milestone(3, OSM, NOW - DAY, done_at=NOW - DAY)]),
        ended=section([StatusItem(PRINT, "paused", NOW - DAY)]),
        followthrough=section([QuietItem(OSM, NOW - 120 * DAY)]),
    )


def stamp(moment: datetime, style: str) -> str:
    return f"<t:{int(moment.timestamp())}:{style}>"


def lines_of(payloads: list[dict[str, Any]]) -> list[str]:
    return [
        line
        for payload in payloads
        for embed in payload["embeds"]
        for line in embed.get("description", "").split("\n")
    ]


def titles_of(payloads: list[dict[str, Any]]) -> list[str]:
    return [embed.get("title", "") for payload in payloads for embed in payload["embeds"]]


def assert_within_limits(payload: dict[str, Any]) -> None:
    embeds = payload["embeds"]
    assert 1 <= len(embeds) <= limits.EMBEDS_PER_MESSAGE
    assert len(payload.get("content", "")) <= limits.CONTENT
    total = 0
    for embed in embeds:
        assert len(embed.get("title", "")) <= limits.EMBED_TITLE
        assert len(embed.get("description", "")) <= limits.EMBED_DESCRIPTION
        assert len(embed.get("footer", {}).get("text", "")) <= limits.FOOTER
        assert len(embed.get("author", {}).get("name", "")) <= limits.AUTHOR_NAME
        fields = embed.get("fields", [])
        assert len(fields) <= limits.EMBED_FIELDS
        for item in fields:
            assert len(item["name"]) <= limits.FIELD_NAME
            assert len(item["value"]) <= limits.FIELD_VALUE
        total += limits.embed_size(embed)
    assert total <= limits.EMBEDS_TOTAL
    assert payload["allowed_mentions"] == {"parse": []}


def test_english_digest() -> None:
    payloads = render_digest(sample(), locale="en", now=NOW, late_since=None)
    assert len(payloads) == 1
    assert_within_limits(payloads[0])
    lines = lines_of(payloads)
    assert lines[0] == f"The past week and the next, as of {stamp(NOW, 'F')}."
    assert lines[1] == (
        "7 active alliances and partnerships · 12 proposals waiting · "
        "1 milestone due this week · 1 overdue"
    )
    # User text is escaped: the name's * and _ are not markdown.
    assert (
        f"✅ **Wikimedia\\*OSM\\_maps** (alliance #12) — approved {stamp(NOW - 2 * DAY, 'R')}"
        in lines
    )
    proposed = stamp(NOW - 40 * DAY, "R")
    assert f"🗳️ **Wiki-to-print** (partnership #13) — 1 supporter, proposed {proposed}" in lines
    due = NOW + 3 * DAY
    assert (
        f"📅 **Milestone 00001** · **Wiki-to-print** (partnership #13) — due {stamp(due, 'F')} "
        f"({stamp(due, 'R')}) · coordinator: <@{COORDINATOR}>"
    ) in lines
    assert "…and 11 more" in lines
    assert titles_of(payloads) == [
        "Weekly partnerships digest",
        "One entry approved or active again",
        "12 proposals waiting for review",
        "One milestone due in the next 7 days",
        "One overdue milestone",
        "One milestone completed this week",
        "One entry completed or paused",
        "Follow-through: one relationship with no news for 90 days",
    ]


def test_spanish_digest() -> None:
    payloads = render_digest(sample(), locale="es", now=NOW, late_since=None)
    lines = lines_of(payloads)
    assert lines[1].startswith("7 alianzas y asociaciones activas · 12 propuestas pendientes")
    assert f"⏸️ **Wiki-to-print** (asociación n.º 13) — en pausa {stamp(NOW - DAY, 'R')}" in lines
    assert "…y 11 más" in lines
    assert titles_of(payloads)[2] == "12 propuestas pendientes de revisión"
    assert titles_of(payloads)[-1] == "Seguimiento: una relación sin novedades desde hace 90 días"


def test_late_digest_says_so_first() -> None:
    due = NOW - timedelta(hours=5)
    payloads = render_digest(sample(), locale="en", now=NOW, late_since=due)
    first = lines_of(payloads)[0]
    assert first == t("en", "digest-late", stamp(due, "F"), stamp(due, "R"))
    assert "late" in first


def test_quiet_week_is_one_friendly_line() -> None:
    quiet = DigestContent(guild_id=1, now=NOW, followthrough_days=90, summary=Summary(3, 0, 0, 0))
    for locale, text in (("en", "A quiet week"), ("es", "Una semana tranquila")):
        payloads = render_digest(quiet, locale=locale, now=NOW, late_since=None)
        assert len(payloads) == 1 and len(payloads[0]["embeds"]) == 1
        description = payloads[0]["embeds"][0]["description"]
        assert text in description and "\n" not in description
        assert "title" not in payloads[0]["embeds"][0]
        assert payloads[0]["allowed_mentions"] == {"parse": []}


def test_huge_week_splits_within_every_limit_without_cutting_items() -> None:
    # 1,000 entries and 5,000 milestones, every item kept (as build_digest(limit=None) gives).
    entries = [
        EntryRef(n, f"Entry {n:04} " + "_*~|`" * 10 + "x" * 40, "partnership") for n in range(1000)
    ]
    milestones = [
        milestone(n, entries[n % 1000], NOW + (n % 7) * DAY, coordinator_id=COORDINATOR + n)
        for n in range(5000)
    ]
    content = DigestContent(
        guild_id=1,
        now=NOW,
        followthrough_days=90,
        summary=Summary(1000, 250, 2000, 1500),
        activated=section([ActivatedItem(e, NOW - DAY, approved=True) for e in entries[:250]]),
        proposals=section([ProposalItem(e, 3, NOW - 9 * DAY) for e in entries[250:500]]),
        due_soon=section(milestones[:2000]),
        overdue=section(milestones[2000:3500]),
        milestones_done=section([replace(m, done_at=NOW - DAY) for m in milestones[3500:]]),
        ended=section([StatusItem(e, "completed", NOW - DAY) for e in entries[500:750]]),
        followthrough=section([QuietItem(e, NOW - 200 * DAY) for e in entries[750:]]),
    )
    payloads = render_digest(content, locale="en", now=NOW, late_since=NOW - DAY)
    assert len(payloads) > 10
    for payload in payloads:
        assert_within_limits(payload)
    lines = lines_of(payloads)
    assert not any(line.endswith(limits.ELLIPSIS) for line in lines)  # nothing truncated
    # Every milestone and entry item is on exactly one line, whole, in order.
    shown = [int(m[1]) for line in lines if (m := re.search(r"\*\*Milestone (\d{5})\*\*", line))]
    assert shown == list(range(5000))
    entry_ids = [
        int(m[1])
        for line in lines
        if "Milestone" not in line and (m := re.search(r"\(partnership #(\d+)\)", line))
    ]
    assert entry_ids == list(range(1000))
    assert sum(f"<@{COORDINATOR + n}>" in line for line in lines for n in (0, 4999)) == 2
    assert titles_of(payloads)[1:3] == [
        "250 entries approved or active again",
        "250 entries approved or active again (continued)",
    ]


def test_notice_names_the_channel() -> None:
    notice = DigestNotice(5, 700, "channel-gone")
    payload = render_notice(notice, locale="es")
    assert "<#700>" in payload["embeds"][0]["description"]
    assert payload["allowed_mentions"] == {"parse": []}


def test_catalogue_has_every_key_in_every_language() -> None:
    folder = Path(__file__).parents[3] / "bot" / "i18n" / "messages" / "digest"
    texts = {
        lang: json.loads((folder / f"{lang}.json").read_text(encoding="utf-8"))
        for lang in ("en", "es", "qqq")
    }
    assert texts["en"].keys() == texts["es"].keys() == texts["qqq"].keys()
    keys = set(texts["en"]) - {"@metadata"}
    assert all(key.startswith("digest-") for key in keys)
    # Translated, and with the same parameters, except the language-neutral layout line.
    for key in keys - {"digest-summary"}:
        assert texts["es"][key] != texts["en"][key], key
        assert set(re.findall(r"\$\d", texts["es"][key])) == set(
            re.findall(r"\$\d", texts["en"][key])
        ), key
