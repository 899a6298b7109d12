"""What proposers and moderators see: modal fields, the confirmation, review posts, history."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import discord

from bot.i18n import t
from bot.render.entries import BRAND, about, entry_embed, entry_line, label
from bot.render.limits import EMBED_DESCRIPTION, FIELD_VALUE, TEXT_INPUT_LABEL, fit_total, truncate
from bot.render.text import one_line, timestamp, user_text
from storage.models import Entry, GuildSettings, Status
from storage.schemas import EntryInput

TEXT_INPUT_MAX = 4000

# The review post's buttons: `rv:<action>:<entry id>`, read back by commands' ReviewButton.
REVIEW_ACTIONS = {"ap": "review-approve", "rj": "review-reject", "ed": "review-edit"}
SUPPORT_ACTION = "sp"
REVIEW_BUTTON_STYLES = {
    "ap": discord.ButtonStyle.success,
    "rj": discord.ButtonStyle.danger,
    "ed": discord.ButtonStyle.secondary,
    SUPPORT_ACTION: discord.ButtonStyle.primary,
}
REVIEW_BUTTON_PATTERN = r"rv:(?P<action>ap|rj|ed|sp):(?P<id>\d{1,18})"


def review_button_id(action: str, entry_id: int) -> str:
    return f"rv:{action}:{entry_id}"


def text_input(
    locale: str,
    field: str,
    max_length: int,
    *,
    long: bool = False,
    required: bool = True,
    default: str | None = None,
) -> discord.ui.TextInput:
    return discord.ui.TextInput(
        label=truncate(t(locale, f"field-{field}"), TEXT_INPUT_LABEL),
        style=discord.TextStyle.paragraph if long else discord.TextStyle.short,
        max_length=min(max_length, TEXT_INPUT_MAX),
        required=required,
        default=(default or "")[:max_length] or None,
        placeholder=truncate(t(locale, f"placeholder-{field}"), 100),
    )


def guidelines_embed(settings: GuildSettings, locale: str) -> discord.Embed | None:
    if not settings.guidelines_text and not settings.guidelines_url:
        return None
    embed = discord.Embed(
        title=t(locale, "guidelines-title"),
        description=user_text(settings.guidelines_text, 3000) or None,
        colour=BRAND,
    )
    if settings.guidelines_url:
        embed.add_field(name=t(locale, "field-links"), value=f"<{settings.guidelines_url}>")
    return embed


FLAG_COLOUR = 0xE67E22
# The flags of `storage.services.proposals.measure_flags`, and their messages.
FLAG_KEYS = {
    "missing-success_measures": "flag-missing-success_measures",
    "missing-funder": "flag-missing-funder",
    "missing-reporting_due_at": "flag-missing-reporting_due_at",
    "funder-on-alliance": "flag-funder-on-alliance",
}


def flags_text(flags: Sequence[str], locale: str) -> str:
    """The flags, one per line."""
    return "\n".join(f"⚠️ {t(locale, FLAG_KEYS[flag])}" for flag in flags)


def confirmation(
    data: EntryInput,
    *,
    similar: Sequence[Entry],
    settings: GuildSettings,
    locale: str,
    flags: Sequence[str] = (),
) -> tuple[str, list[discord.Embed]]:
    """The proposal as understood, look-alike entries, and the guidelines to agree to."""
    preview = discord.Embed(
        title=one_line(data.name, 200),
        description=user_text(data.summary, 2000) or None,
        colour=BRAND,
    )
    facets = " · ".join(label(locale, v) for v in (data.kind, data.area, data.steward))
    preview.add_field(name=t(locale, "field-kind"), value=facets, inline=False)
    if data.partners:
        preview.add_field(
            name=t(locale, "field-partners"),
            value=user_text(data.partners, FIELD_VALUE),
            inline=False,
        )
    if data.success_measures:
        preview.add_field(
            name=t(locale, "field-success_measures"),
            value=user_text(data.success_measures, FIELD_VALUE),
            inline=False,
        )
    # Every field that will be stored, as it will be.
    for field, value in (("chapter_name", data.chapter_name), ("funder", data.funder)):
        if value:
            preview.add_field(name=t(locale, f"field-{field}"), value=one_line(value, 200))
    if data.reporting_due_at:
        preview.add_field(
            name=t(locale, "field-reporting_due_at"), value=timestamp(data.reporting_due_at, "D")
        )
    if data.links:
        links = "\n".join(f"<{link}>" for link in data.links)
        preview.add_field(
            name=t(locale, "field-links"), value=truncate(links, FIELD_VALUE), inline=False
        )
    embeds = [preview]
    if flags:
        embeds.append(
            discord.Embed(
                title=t(locale, "flags-title"),
                description=flags_text(flags, locale) + "\n" + t(locale, "flags-proposer"),
                colour=FLAG_COLOUR,
            )
        )
    if similar:
        lines = "\n\n".join(entry_line(entry, locale) for entry in similar)
        embeds.append(
            discord.Embed(
                title=t(locale, "propose-similar-title"),
                description=truncate(lines, EMBED_DESCRIPTION),
                colour=0xF1C40F,
            )
        )
    guidelines = guidelines_embed(settings, locale)
    if guidelines is not None:
        embeds.append(guidelines)
    key = "propose-confirm-guidelines" if guidelines is not None else "propose-confirm-question"
    return t(locale, key), embeds


def review_embed(
    entry: Entry, *, supporters: Sequence[int], locale: str, flags: Sequence[str] = ()
) -> discord.Embed:
    embed = entry_embed(entry, supporters=supporters, milestones=[], locale=locale)
    if entry.proposer_id:
        embed.add_field(name=t(locale, "review-proposed-by"), value=f"<@{entry.proposer_id}>")
    if flags:
        embed.add_field(
            name=t(locale, "flags-title"), value=flags_text(flags, locale), inline=False
        )
    if entry.decided_by and entry.decided_at:
        key = "review-approved-by" if entry.status != Status.REJECTED else "review-rejected-by"
        embed.add_field(
            name=t(locale, "review-decision"),
            value=t(locale, key, f"<@{entry.decided_by}>", timestamp(entry.decided_at, "F")),
            inline=False,
        )
    return discord.Embed.from_dict(fit_total(embed.to_dict()))


def review_components(entry: Entry, locale: str) -> list[dict[str, Any]]:
    """Approve, Reject, Edit (disabled once decided) and Support, as one action row."""
    assert entry.id is not None
    decided = entry.status != Status.PROPOSED
    labels = [(action, t(locale, key), decided) for action, key in REVIEW_ACTIONS.items()]
    labels.append((SUPPORT_ACTION, support_label(entry, locale), False))
    buttons = [
        {
            "type": discord.ComponentType.button.value,
            "style": REVIEW_BUTTON_STYLES[action].value,
            "label": label_text,
            "custom_id": review_button_id(action, entry.id),
            "disabled": disabled,
        }
        for action, label_text, disabled in labels
    ]
    return [{"type": discord.ComponentType.action_row.value, "components": buttons}]


def support_label(entry: Entry, locale: str, *, named: bool = False) -> str:
    """The Support button's label: with its count; `named`, with the entry's name too (for
    a list of several)."""
    if not named:
        return t(locale, "review-support", entry.support_count)
    return truncate(t(locale, "support-named", entry.name, entry.support_count), 80)


def review_post(
    entry: Entry, *, supporters: Sequence[int], locale: str, flags: Sequence[str] = ()
) -> dict[str, Any]:
    """The proposal's post in the review channel: its embed (with the flags a moderator
    should look at) and its buttons."""
    embed = review_embed(entry, supporters=supporters, locale=locale, flags=flags)
    return {
        "embeds": [embed.to_dict()],
        "components": review_components(entry, locale),
    }


def decision_notice(entry: Entry, locale: str) -> dict[str, Any]:
    """What a proposer is told of the decision (a DM, or a mention in the review channel)."""
    if entry.status == Status.REJECTED:
        reason = user_text(entry.rejection_reason, 1000)
        text = about(locale, "review-notice-rejected", entry, reason)
        # By its number: a name, escaped for display, would be copied with its backslashes.
        text += "\n" + t(locale, "review-notice-revise", entry.id)
    else:
        text = about(locale, "review-notice-approved", entry)
    return {"content": text}


def revision_offer(entry: Entry, locale: str) -> str:
    """A rejected proposal's reason, above the button that opens its revision form."""
    return about(locale, "revise-offer", entry, user_text(entry.rejection_reason, 1500) or "—")


def discussion_post(entry: Entry, *, supporters: Sequence[int], locale: str) -> dict[str, Any]:
    """The proposal in the proposals channel, whose thread is its discussion: its embed and
    its Support button (the review post's, working from here too)."""
    assert entry.id is not None
    embed = entry_embed(entry, supporters=supporters, milestones=[], locale=locale)
    button = {
        "type": discord.ComponentType.button.value,
        "style": REVIEW_BUTTON_STYLES[SUPPORT_ACTION].value,
        "label": support_label(entry, locale),
        "custom_id": review_button_id(SUPPORT_ACTION, entry.id),
    }
    return {
        "content": about(locale, "thread-intro", entry),
        "embeds": [discord.Embed.from_dict(fit_total(embed.to_dict())).to_dict()],
        "components": [{"type": discord.ComponentType.action_row.value, "components": [button]}],
    }


def thread_decision(entry: Entry, locale: str) -> dict[str, Any]:
    """The decision, posted in the proposal's discussion thread before it is locked."""
    if entry.status == Status.REJECTED:
        reason = user_text(entry.rejection_reason, 1500)
        return {"content": about(locale, "thread-decision-rejected", entry, reason)}
    return {"content": about(locale, "thread-decision-approved", entry)}


def thread_refused(entry: Entry, channel_id: int, locale: str) -> dict[str, Any]:
    """To the moderators, in the review channel: no thread could be opened."""
    return {"content": about(locale, "thread-refused", entry, f"<#{channel_id}>")}
