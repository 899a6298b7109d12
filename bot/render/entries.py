"""Embeds for the directory: search pages, an entry, lists, settings, help."""

from __future__ import annotations

from collections.abc import Sequence
from math import ceil

import discord

from bot.i18n import t
from bot.render.limits import (
    EMBED_DESCRIPTION,
    EMBED_TITLE,
    FIELD_VALUE,
    fit_total,
    pack_lines,
    truncate,
)
from bot.render.reminders import display_title
from bot.render.text import one_line, timestamp, user_text, when
from storage.models import Entry, GuildSettings, Milestone, Status

STATUS_COLOURS = {
    Status.PROPOSED: 0xF1C40F,
    Status.ACTIVE: 0x2ECC71,
    Status.COMPLETED: 0x3498DB,
    Status.PAUSED: 0x95A5A6,
    Status.ARCHIVED: 0x7F8C8D,
    Status.REJECTED: 0xE74C3C,
}
BRAND = 0x3366CC
SUMMARY_LINE = 120


# /partnership list's title per status: the statuses of several entries (plural in Spanish).
LIST_TITLES = {
    Status.PROPOSED: "list-title-proposed",
    Status.ACTIVE: "list-title-active",
    Status.COMPLETED: "list-title-completed",
    Status.PAUSED: "list-title-paused",
    Status.ARCHIVED: "list-title-archived",
    Status.REJECTED: "list-title-rejected",
}


def list_title(locale: str, status: Status | None) -> str:
    """The title of /partnership list: the living directory, or the entries of a status."""
    return t(locale, LIST_TITLES[status] if status else "list-title-living")


def label(locale: str, value: str) -> str:
    """A choice's name in the reader's language (kinds, areas, statuses, stewards)."""
    return t(locale, f"choice-{value}")


def about(locale: str, key: str, entry: Entry, *values: object) -> str:
    """A message about an entry, its name shown as written (markdown and mentions escaped)."""
    return t(locale, key, one_line(entry.name, 100), *values)


def entry_line(entry: Entry, locale: str) -> str:
    """One result: the name, its facets and a one-line summary."""
    model = " ⭐" if entry.is_model else ""
    facets = " · ".join(label(locale, v) for v in (entry.kind, entry.area, entry.status))
    line = f"**{one_line(entry.name, 100)}**{model} (#{entry.id}) — {facets}"
    summary = one_line(entry.summary, SUMMARY_LINE)
    return f"{line}\n{summary}" if summary else line


def search_page(
    entries: Sequence[Entry],
    *,
    total: int,
    offset: int,
    per_page: int,
    title: str,
    locale: str,
    capped: bool = False,
) -> discord.Embed:
    """A page of results; `capped`: there are more than `total` matches, only these were ranked."""
    page = offset // per_page + 1
    pages = max(1, ceil(total / per_page))
    body = "\n\n".join(entry_line(entry, locale) for entry in entries)
    embed = discord.Embed(
        title=truncate(title, EMBED_TITLE),
        description=truncate(body, EMBED_DESCRIPTION),
        colour=BRAND,
    )
    footer = "search-footer-capped" if capped else "search-footer"
    embed.set_footer(text=t(locale, footer, page, pages, total))
    return embed


def no_search_words(query: str, *, locale: str) -> str:
    """A query with text but no word to look for ("🌍🤝", "%", "OR")."""
    return t(locale, "search-no-words", one_line(query, 100))


def no_results(query: str, suggestion: str | None, *, filtered: bool, locale: str) -> str:
    """A helpful answer to an empty search: a near name, or a reminder of the filters."""
    lines = [t(locale, "search-none", one_line(query, 100))]
    if suggestion:
        lines.append(t(locale, "search-suggestion", one_line(suggestion, 100)))
    if filtered:
        lines.append(t(locale, "search-none-filtered"))
    lines.append(t(locale, "search-tips"))
    return "\n".join(lines)


def _field(embed: discord.Embed, locale: str, key: str, value: str, inline: bool = True) -> None:
    if value:
        embed.add_field(name=t(locale, key), value=truncate(value, FIELD_VALUE), inline=inline)


def entry_embed(
    entry: Entry,
    *,
    supporters: Sequence[int],
    milestones: Sequence[Milestone],
    locale: str,
) -> discord.Embed:
    embed = discord.Embed(
        title=truncate(("⭐ " if entry.is_model else "") + one_line(entry.name, 200), EMBED_TITLE),
        description=user_text(entry.summary, 2000) or t(locale, "entry-no-summary"),
        colour=STATUS_COLOURS.get(Status(entry.status), BRAND),
    )
    _field(embed, locale, "field-kind", label(locale, entry.kind))
    _field(embed, locale, "field-area", label(locale, entry.area))
    _field(embed, locale, "field-status", label(locale, entry.status))
    steward = label(locale, entry.steward)
    if entry.chapter_name:
        steward += f" ({one_line(entry.chapter_name, 100)})"
    _field(embed, locale, "field-steward", steward)
    _field(embed, locale, "field-partners", user_text(entry.partners, FIELD_VALUE), inline=False)
    _field(
        embed,
        locale,
        "field-success_measures",
        user_text(entry.success_measures, FIELD_VALUE),
        False,
    )
    _field(embed, locale, "field-funder", one_line(entry.funder, 200))
    if entry.reporting_due_at:
        _field(embed, locale, "field-reporting_due_at", when(entry.reporting_due_at))
    if entry.status == Status.REJECTED and entry.rejection_reason:
        _field(
            embed,
            locale,
            "field-rejection_reason",
            user_text(entry.rejection_reason, FIELD_VALUE),
            False,
        )
    _field(embed, locale, "field-outcomes", user_text(entry.outcomes, FIELD_VALUE), inline=False)
    _field(embed, locale, "field-lessons", user_text(entry.lessons, FIELD_VALUE), inline=False)
    _field(embed, locale, "field-links", "\n".join(f"<{link}>" for link in entry.links), False)
    if entry.thread_id:
        _field(embed, locale, "field-discussion", f"<#{entry.thread_id}>")
    support = t(locale, "entry-support-count", entry.support_count)
    if supporters:
        shown = " ".join(f"<@{user_id}>" for user_id in supporters[:20])
        more = len(supporters) - 20
        support += "\n" + shown + (" " + t(locale, "entry-and-more", more) if more > 0 else "")
    _field(embed, locale, "field-support", support, inline=False)
    if milestones:
        lines = [milestone_line(m, locale) for m in milestones[:10]]
        if len(milestones) > 10:
            lines.append(t(locale, "entry-and-more", len(milestones) - 10))
        _field(embed, locale, "field-milestones", "\n".join(lines), inline=False)
    embed.set_footer(text=t(locale, "entry-footer", entry.id))
    embed.timestamp = entry.updated_at
    # Every field may be near its own limit; together they must fit in 6,000.
    return discord.Embed.from_dict(fit_total(embed.to_dict()))


def milestone_line(milestone: Milestone, locale: str) -> str:
    mark = "✅" if milestone.done_at else "🗓️"
    who = f" — <@{milestone.coordinator_id}>" if milestone.coordinator_id else ""
    title = one_line(display_title(milestone.title, locale), 120)
    return f"{mark} {title} · {timestamp(milestone.due_at, 'D')}{who}"


def settings_embed(
    settings: GuildSettings, *, locale: str, wiki_page: str | None = None
) -> discord.Embed:
    """`wiki_page`: the wiki page setting, as bot.render.wiki.page_setting says it."""
    unset = t(locale, "settings-unset")

    def role(role_id: int | None) -> str:
        return f"<@&{role_id}>" if role_id else unset

    def channel(channel_id: int | None) -> str:
        return f"<#{channel_id}>" if channel_id else unset

    embed = discord.Embed(title=t(locale, "settings-title"), colour=BRAND)
    _field(embed, locale, "field-moderator_role", role(settings.moderator_role_id))
    _field(embed, locale, "field-coordinator_role", role(settings.coordinator_role_id))
    _field(embed, locale, "field-review_channel", channel(settings.review_channel_id))
    _field(embed, locale, "field-proposals_channel", channel(settings.proposals_channel_id))
    _field(embed, locale, "field-reminder_channel", channel(settings.reminder_channel_id))
    _field(
        embed, locale, "field-timezone", settings.timezone or t(locale, "settings-default-timezone")
    )
    _field(
        embed,
        locale,
        "field-language",
        label(locale, settings.locale) if settings.locale else unset,
    )
    _field(embed, locale, "field-followthrough_days", str(settings.followthrough_days))
    _field(
        embed,
        locale,
        "field-reminder_lead_minutes",
        lead_times(settings.reminder_lead_minutes, locale=locale),
    )
    _field(embed, locale, "field-overdue_interval_hours", str(settings.overdue_interval_hours))
    _field(embed, locale, "field-overdue_max", str(settings.overdue_max))
    _field(embed, locale, "field-wiki_page", wiki_page or unset)
    return embed


# Each lead time in the largest unit it is a whole number of: 10080 is "7 days", 90 "90 minutes".
_LEAD_UNITS = (
    (24 * 60, "settings-lead-days"),
    (60, "settings-lead-hours"),
    (1, "settings-lead-minutes"),
)


def lead_times(minutes: Sequence[int], *, locale: str) -> str:
    """The reminders before the due time, as a moderator set them: "7 days, 1 day, 2 hours"."""
    if not minutes:
        return t(locale, "settings-lead-none")
    return ", ".join(
        next(t(locale, key, m // size) for size, key in _LEAD_UNITS if m % size == 0)
        for m in minutes
    )


def help_embeds(commands: Sequence[tuple[str, str]], *, locale: str) -> list[discord.Embed]:
    """The bot's purpose and the commands this member may use: (mention-able name, description)."""
    lines = [f"**/{name}** — {description}" for name, description in commands]
    embeds = pack_lines(t(locale, "help-title"), [t(locale, "help-intro"), "", *lines])
    return [discord.Embed.from_dict({**embed, "color": BRAND}) for embed in embeds]
