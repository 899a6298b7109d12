"""/milestone: add, list, edit, mark done and remove the milestones of entries.

Dates are read in the member's language and time zone (`commands.common.read_due`);
the reply echoes them as Discord timestamps so the member sees what was understood.
Changes are for the milestone's coordinator (the coordinator role when it has
none) or a moderator; after each, the reminders dispatcher is woken to look again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import discord
from discord import app_commands
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.checks import guild_id_of
from bot.i18n import t, user_locale
from bot.render.milestones import (
    PER_PAGE,
    milestone_page,
    milestone_removed,
    milestone_summary,
)
from bot.render.reminders import render_already_done, render_done
from bot.ui import send_list
from commands.common import (
    NO_PINGS,
    bot_of,
    entry_autocomplete,
    member_zone,
    read_due,
    wake_reminders,
)
from commands.milestone.access import (
    change_milestone,
    finish,
    milestone_autocomplete,
    milestone_id,
)
from commands.milestone.buttons import ReminderButton, ReminderPick
from commands.milestone.calendar import calendar_command
from commands.milestone.readings import OtherReadings, with_other_readings
from storage.errors import InvalidInput
from storage.models import GuildSettings, Milestone
from storage.services import entries, milestones
from storage.services.milestones import KEEP, Actor
from storage.services.recurrence import parse_recurrence
from storage.services.settings import get_settings

# The lasting buttons of reminder messages, registered once at start-up.
LASTING_ITEMS = (ReminderButton, ReminderPick)

milestone_group = app_commands.Group(
    name="milestone",
    description="Milestones of entries, and reminders to their coordinators",
    guild_only=True,
)


@milestone_group.command(name="add")
@app_commands.describe(
    entry="The entry it belongs to (pick from the list)",
    title="What is due, e.g. Report to the funder",
    due="When, in your words: next friday 5pm, in 2 weeks, 2027-03-01 14:00",
    coordinator="Who is reminded (default: you)",
    repeat=(
        "For a recurring milestone: every 3 months, monthly until 2027-12-31, every quarter 4 times"
    ),
)
@app_commands.autocomplete(entry=entry_autocomplete)
async def add(
    interaction: discord.Interaction,
    entry: app_commands.Range[str, 1, 100],
    title: app_commands.Range[str, 1, milestones.TITLE_MAX],
    due: str,
    coordinator: discord.Member | None = None,
    repeat: app_commands.Range[str, 1, 100] | None = None,
) -> None:
    """Add a milestone to an entry; its coordinator is reminded before it is due."""
    guild_id = guild_id_of(interaction)
    bot = bot_of(interaction)
    zone = await member_zone(interaction)
    reading = await read_due(interaction, due, zone=zone)
    if reading is None:
        raise InvalidInput("due", "error-required")
    rule = None
    if repeat is not None:
        rule = parse_recurrence(
            repeat, now=interaction.created_at, timezone=zone, locale=interaction.locale.value
        )
    async with bot.database.transaction() as session:
        found = await entries.resolve_entry(entry, session=session, guild_id=guild_id)
        milestone = await milestones.add_milestone(
            session=session,
            guild_id=guild_id,
            entry_id=found.id,
            title=title,
            due_at=reading.when,
            coordinator_id=coordinator.id if coordinator else None,
            actor_id=interaction.user.id,
            now=bot.clock.now(),
            repeat=rule,
            repeat_zone=zone,
        )
        settings = await get_settings(session=session, guild_id=guild_id)
    locale = user_locale(interaction)
    text = milestone_summary("milestone-added", milestone, found.name, settings, locale)
    await _answer(interaction, text, milestone, reading.alternatives, locale)
    await wake_reminders(bot)


async def _answer(
    interaction: discord.Interaction,
    text: str,
    milestone: Milestone,
    alternatives: Sequence[datetime],
    locale: str,
) -> None:
    """What was saved; with an ambiguous due date, its other readings to pick by a button."""
    if not alternatives:
        await interaction.response.send_message(text, allowed_mentions=NO_PINGS)
        return
    assert milestone.id is not None
    view = OtherReadings(
        owner_id=interaction.user.id,
        locale=locale,
        milestone_id=milestone.id,
        alternatives=alternatives,
    )
    await interaction.response.send_message(
        with_other_readings(text, alternatives, locale), view=view, allowed_mentions=NO_PINGS
    )


@milestone_group.command(name="list")
@app_commands.describe(
    entry="Only this entry's milestones", mine="Only the milestones you coordinate or added"
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
                mine=interaction.user.id if mine else None,
                limit=PER_PAGE,
                offset=offset,
            )
            names = await entries.names_of(
                (m.entry_id for m in page), session=session, guild_id=guild_id
            )
        return milestone_page(
            page, names, total=total, offset=offset, title=title, locale=locale
        ), total

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
    finished = await finish(interaction, milestone_id(milestone))
    locale = user_locale(interaction)
    title = finished.milestone.title
    if finished.already:
        await interaction.response.send_message(render_already_done(title, locale), ephemeral=True)
        return
    await interaction.response.send_message(
        render_done(title, locale, finished.next_due), allowed_mentions=NO_PINGS
    )
    await wake_reminders(bot_of(interaction))


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
    reading = await read_due(interaction, due)

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
            due_at=KEEP if reading is None else reading.when,
            coordinator_id=KEEP if coordinator is None else coordinator.id,
        )
        entry = await entries.get_entry(changed.entry_id, session=session, guild_id=guild_id)
        return changed, entry.name, await get_settings(session=session, guild_id=guild_id)

    changed, entry_name, settings = await change_milestone(interaction, apply)
    locale = user_locale(interaction)
    text = milestone_summary("milestone-edited", changed, entry_name, settings, locale)
    alternatives = reading.alternatives if reading is not None else ()
    await _answer(interaction, text, changed, alternatives, locale)
    await wake_reminders(bot)


@milestone_group.command(name="remove")
@app_commands.describe(milestone="The milestone (pick from the list)")
@app_commands.autocomplete(milestone=milestone_autocomplete)
async def remove(
    interaction: discord.Interaction, milestone: app_commands.Range[str, 1, 100]
) -> None:
    """Remove a milestone and its reminders."""
    bot = bot_of(interaction)
    wanted = milestone_id(milestone)

    async def apply(session: AsyncSession, guild_id: int, actor: Actor) -> tuple[str, str]:
        gone = await milestones.get_milestone(wanted, session=session, guild_id=guild_id)
        entry = await entries.get_entry(gone.entry_id, session=session, guild_id=guild_id)
        await milestones.remove_milestone(
            wanted, session=session, guild_id=guild_id, actor=actor, now=bot.clock.now()
        )
        return gone.title, entry.name

    title, entry_name = await change_milestone(interaction, apply)
    locale = user_locale(interaction)
    await interaction.response.send_message(
        milestone_removed(title, entry_name, locale), allowed_mentions=NO_PINGS
    )


milestone_group.add_command(calendar_command)
