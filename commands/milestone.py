"""/milestone: add, list, edit, mark done and remove the milestones of entries.

Dates are read in the member's language and time zone (`parse_reporting_due`);
the reply echoes them as Discord timestamps so the member sees what was understood.
Changes are for the milestone's coordinator (the coordinator role when it has
none) or a moderator; after each, the reminders dispatcher is woken to look again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from math import ceil
from typing import TYPE_CHECKING, TypeVar
from zoneinfo import ZoneInfo

import discord
from discord import app_commands
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.context import guild_id_of, is_moderator, user_locale
from bot.errors import quiet_autocomplete
from bot.i18n import t
from bot.render.entries import BRAND
from bot.render.limits import (
    AUTOCOMPLETE_CHOICES,
    CHOICE_NAME,
    CONTENT,
    EMBED_DESCRIPTION,
    EMBED_TITLE,
    truncate,
)
from bot.render.reminders import display_title, render_done, safe, stamp
from bot.render.views import send_list
from commands.common import bot_of, entry_autocomplete
from commands.proposals import parse_reporting_due
from storage import search
from storage.errors import InvalidInput, NotAllowed
from storage.models import GuildSettings, Milestone
from storage.services import entries, milestones, reminders
from storage.services.milestones import KEEP, Actor
from storage.services.settings import effective_timezone, get_settings
from storage.text import fold

if TYPE_CHECKING:
    from bot.client import PartnerBot

PER_PAGE = 10
# Autocomplete looks among this many open milestones, soonest due first.
CHOICE_POOL = 100
NO_PINGS = discord.AllowedMentions.none()

T = TypeVar("T")
Change = Callable[[AsyncSession, int, Actor], Awaitable[T]]

milestone_group = app_commands.Group(
    name="milestone",
    description="Milestones of entries, and reminders to their coordinators",
    guild_only=True,
)


async def wake_reminders(bot: PartnerBot) -> None:
    """Make the scheduler look at the earliest pending reminder (now, if it is past).

    Nothing pending (or no reminder channel): nothing to look at; a wake-up already
    set for a reminder since cancelled just finds nothing.
    """
    async with bot.database.sessions() as session:
        due = await reminders.next_due_at(session=session)
    if due is not None:
        bot.wake("reminders", max(due, bot.clock.now()))


def actor_of(interaction: discord.Interaction, settings: GuildSettings) -> Actor:
    roles = {role.id for role in getattr(interaction.user, "roles", [])}
    return Actor(
        user_id=interaction.user.id,
        is_moderator=is_moderator(interaction, settings),
        has_coordinator_role=settings.coordinator_role_id in roles,
    )


async def change_milestone(interaction: discord.Interaction, change: Change[T]) -> T:
    """Run `change` in a transaction as the member; a refusal says who may do it."""
    guild_id = guild_id_of(interaction)
    try:
        async with bot_of(interaction).database.transaction() as session:
            settings = await get_settings(session=session, guild_id=guild_id)
            return await change(session, guild_id, actor_of(interaction, settings))
    except NotAllowed as refused:
        raise NotAllowed(key="milestone-not-allowed") from refused


def milestone_id(reference: str) -> int:
    """The id an autocomplete choice carries ("12", or "#12" typed by hand)."""
    text = reference.strip().removeprefix("#")
    if not (text.isdecimal() and len(text) < 19):
        raise InvalidInput("milestone", "milestone-pick")
    return int(text)


async def entry_names(
    ids: Iterable[int], *, session: AsyncSession, guild_id: int
) -> dict[int, str]:
    return {
        i: (await entries.get_entry(i, session=session, guild_id=guild_id)).name for i in set(ids)
    }


def _who(milestone: Milestone, settings: GuildSettings, locale: str) -> str:
    if milestone.coordinator_id is not None:
        return t(locale, "reminder-coordinator", f"<@{milestone.coordinator_id}>")
    if settings.coordinator_role_id is not None:
        return t(locale, "reminder-coordinator", f"<@&{settings.coordinator_role_id}>")
    return t(locale, "reminder-no-coordinator")


def summary(
    key: str, milestone: Milestone, entry_name: str, settings: GuildSettings, locale: str
) -> str:
    """What was saved, the due time as understood, who is reminded, and where."""
    lines = [
        t(
            locale,
            key,
            safe(display_title(milestone.title, locale)),
            safe(entry_name),
            stamp(milestone.due_at, "F"),
            stamp(milestone.due_at, "R"),
        ),
        _who(milestone, settings, locale),
    ]
    if settings.reminder_channel_id is None:
        lines.append(t(locale, "milestone-no-channel"))
    return truncate("\n".join(lines), CONTENT)


@quiet_autocomplete
async def milestone_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Open milestones, soonest first, whose title or id match the text, or whose entry's
    name does (as the entry autocomplete reads it): "Title — Entry · date"; value: the id."""
    guild_id = interaction.guild_id
    if guild_id is None:
        return []
    bot = bot_of(interaction)
    locale = user_locale(interaction)
    needle = fold(current[:100]).removeprefix("#")
    async with bot.database.sessions() as session:
        pool, _ = await milestones.list_milestones(
            session=session, guild_id=guild_id, limit=CHOICE_POOL
        )
        named = dict(
            await search.autocomplete_names(current[:100], session=session, guild_id=guild_id)
            if needle
            else []
        )
        shown = [
            m
            for m in pool
            if m.entry_id in named
            or needle in fold(display_title(m.title, locale))
            or needle == str(m.id)
        ][:AUTOCOMPLETE_CHOICES]
        # Names only for what is shown: one query per entry.
        names = named | await entry_names(
            (m.entry_id for m in shown if m.entry_id not in named),
            session=session,
            guild_id=guild_id,
        )
        zone = ZoneInfo(
            await effective_timezone(
                session=session,
                guild_id=guild_id,
                user_id=interaction.user.id,
                default=bot.settings.default_timezone,
            )
        )
    choices = []
    for milestone in shown:
        title = display_title(milestone.title, locale)
        local = milestone.due_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        label = f"{title} — {names[milestone.entry_id]} · {local}"
        choices.append(
            app_commands.Choice(name=truncate(label, CHOICE_NAME), value=str(milestone.id))
        )
    return choices


@milestone_group.command(name="add")
@app_commands.describe(
    entry="The entry it belongs to (pick from the list)",
    title="What is due, e.g. Report to the funder",
    due="When, in your words: next friday 5pm, in 2 weeks, 2027-03-01 14:00",
    coordinator="Who is reminded (default: the coordinator role)",
)
@app_commands.autocomplete(entry=entry_autocomplete)
async def add(
    interaction: discord.Interaction,
    entry: app_commands.Range[str, 1, 100],
    title: app_commands.Range[str, 1, milestones.TITLE_MAX],
    due: str,
    coordinator: discord.Member | None = None,
) -> None:
    """Add a milestone to an entry; its coordinator is reminded before it is due."""
    guild_id = guild_id_of(interaction)
    bot = bot_of(interaction)
    due_at = await parse_reporting_due(interaction, due)
    if due_at is None:
        raise InvalidInput("due", "error-required")
    async with bot.database.transaction() as session:
        found = await entries.resolve_entry(entry, session=session, guild_id=guild_id)
        milestone = await milestones.add_milestone(
            session=session,
            guild_id=guild_id,
            entry_id=found.id,
            title=title,
            due_at=due_at,
            coordinator_id=coordinator.id if coordinator else None,
            actor_id=interaction.user.id,
            now=bot.clock.now(),
        )
        settings = await get_settings(session=session, guild_id=guild_id)
    text = summary("milestone-added", milestone, found.name, settings, user_locale(interaction))
    await interaction.response.send_message(text, allowed_mentions=NO_PINGS)
    await wake_reminders(bot)


def _page(
    page: list[Milestone],
    names: dict[int, str],
    *,
    total: int,
    offset: int,
    title: str,
    locale: str,
) -> discord.Embed:
    lines = []
    for milestone in page:
        line = t(
            locale,
            "milestone-line",
            milestone.id,
            safe(display_title(milestone.title, locale)),
            safe(names[milestone.entry_id]),
            stamp(milestone.due_at, "F"),
            stamp(milestone.due_at, "R"),
        )
        who = f" · <@{milestone.coordinator_id}>" if milestone.coordinator_id else ""
        lines.append(line + who)
    embed = discord.Embed(
        title=truncate(title, EMBED_TITLE),
        description=truncate("\n".join(lines), EMBED_DESCRIPTION),
        colour=BRAND,
    )
    pages = max(1, ceil(total / PER_PAGE))
    embed.set_footer(text=t(locale, "milestone-list-footer", offset // PER_PAGE + 1, pages, total))
    return embed


@milestone_group.command(name="list")
@app_commands.describe(
    entry="Only this entry's milestones", mine="Only the milestones you coordinate"
)
@app_commands.autocomplete(entry=entry_autocomplete)
async def list_command(
    interaction: discord.Interaction,
    entry: app_commands.Range[str, 1, 100] | None = None,
    mine: bool = False,
) -> None:
    """List open milestones, soonest due first."""
    guild_id = guild_id_of(interaction)
    locale = user_locale(interaction)
    database = bot_of(interaction).database
    title = t(locale, "milestone-list-title-mine" if mine else "milestone-list-title")
    entry_id = None
    if entry is not None:
        async with database.sessions() as session:
            found = await entries.resolve_entry(entry, session=session, guild_id=guild_id)
        entry_id = found.id
        title = t(locale, "milestone-list-title-entry", title, found.name)

    async def load(offset: int) -> tuple[discord.Embed, int]:
        async with database.sessions() as session:
            page, total = await milestones.list_milestones(
                session=session,
                guild_id=guild_id,
                entry_id=entry_id,
                coordinator_id=interaction.user.id if mine else None,
                limit=PER_PAGE,
                offset=offset,
            )
            names = await entry_names(
                (m.entry_id for m in page), session=session, guild_id=guild_id
            )
        return _page(page, names, total=total, offset=offset, title=title, locale=locale), total

    # The client sends AllowedMentions.none(): the coordinators listed are not pinged.
    empty = t(locale, "milestone-list-empty")
    await send_list(interaction, load=load, per_page=PER_PAGE, locale=locale, empty=empty)


@milestone_group.command(name="done")
@app_commands.describe(milestone="The milestone (pick from the list)")
@app_commands.autocomplete(milestone=milestone_autocomplete)
async def done(
    interaction: discord.Interaction, milestone: app_commands.Range[str, 1, 100]
) -> None:
    """Mark a milestone done: no more reminders for it."""
    bot = bot_of(interaction)
    wanted = milestone_id(milestone)
    finished = await change_milestone(
        interaction,
        lambda session, guild_id, actor: milestones.mark_done(
            wanted, session=session, guild_id=guild_id, actor=actor, now=bot.clock.now()
        ),
    )
    await interaction.response.send_message(
        render_done(finished.title, user_locale(interaction)), allowed_mentions=NO_PINGS
    )
    await wake_reminders(bot)


@milestone_group.command(name="edit")
@app_commands.describe(
    milestone="The milestone (pick from the list)",
    title="A new title",
    due="A new due date, in your words: next friday 5pm, in 2 weeks, 2027-03-01 14:00",
    coordinator="A new coordinator",
)
@app_commands.autocomplete(milestone=milestone_autocomplete)
async def edit(
    interaction: discord.Interaction,
    milestone: app_commands.Range[str, 1, 100],
    title: app_commands.Range[str, 1, milestones.TITLE_MAX] | None = None,
    due: str | None = None,
    coordinator: discord.Member | None = None,
) -> None:
    """Change a milestone's title, due date or coordinator."""
    bot = bot_of(interaction)
    wanted = milestone_id(milestone)
    if title is None and due is None and coordinator is None:
        raise InvalidInput("milestone", "milestone-edit-nothing")
    due_at = await parse_reporting_due(interaction, due)

    async def apply(
        session: AsyncSession, guild_id: int, actor: Actor
    ) -> tuple[Milestone, str, GuildSettings]:
        changed = await milestones.edit_milestone(
            wanted,
            session=session,
            guild_id=guild_id,
            actor=actor,
            now=bot.clock.now(),
            title=KEEP if title is None else title,
            due_at=KEEP if due_at is None else due_at,
            coordinator_id=KEEP if coordinator is None else coordinator.id,
        )
        entry = await entries.get_entry(changed.entry_id, session=session, guild_id=guild_id)
        return changed, entry.name, await get_settings(session=session, guild_id=guild_id)

    changed, entry_name, settings = await change_milestone(interaction, apply)
    text = summary("milestone-edited", changed, entry_name, settings, user_locale(interaction))
    await interaction.response.send_message(text, allowed_mentions=NO_PINGS)
    await wake_reminders(bot)


@milestone_group.command(name="remove")
@app_commands.describe(milestone="The milestone (pick from the list)")
@app_commands.autocomplete(milestone=milestone_autocomplete)
async def remove(
    interaction: discord.Interaction, milestone: app_commands.Range[str, 1, 100]
) -> None:
    """Remove a milestone and its reminders."""
    wanted = milestone_id(milestone)

    async def apply(session: AsyncSession, guild_id: int, actor: Actor) -> tuple[str, str]:
        gone = await milestones.get_milestone(wanted, session=session, guild_id=guild_id)
        entry = await entries.get_entry(gone.entry_id, session=session, guild_id=guild_id)
        await milestones.remove_milestone(wanted, session=session, guild_id=guild_id, actor=actor)
        return gone.title, entry.name

    title, entry_name = await change_milestone(interaction, apply)
    locale = user_locale(interaction)
    await interaction.response.send_message(
        t(locale, "milestone-removed", safe(display_title(title, locale)), safe(entry_name)),
        allowed_mentions=NO_PINGS,
    )
