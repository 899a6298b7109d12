"""Finding a milestone and acting on it as the member: who may, and which one is meant."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

import discord
from discord import app_commands
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.checks import guild_id_of, is_moderator
from bot.errors import quiet_autocomplete
from bot.i18n import user_locale
from bot.render.limits import AUTOCOMPLETE_CHOICES
from bot.render.milestones import milestone_choice
from bot.render.reminders import display_title
from commands.common import bot_of
from storage import search
from storage.errors import InvalidInput, NotAllowed
from storage.models import GuildSettings, Milestone
from storage.services import entries, milestones, recurrence
from storage.services.milestones import Actor
from storage.services.settings import effective_timezone, get_settings
from storage.text import fold

# Autocomplete looks among this many open milestones, soonest due first.
CHOICE_POOL = 100

T = TypeVar("T")
Change = Callable[[AsyncSession, int, Actor], Awaitable[T]]


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
        names = named | await entries.names_of(
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
    return [
        app_commands.Choice(
            name=milestone_choice(m, names[m.entry_id], zone, locale), value=str(m.id)
        )
        for m in shown
    ]


@dataclass(frozen=True)
class Finished:
    milestone: Milestone
    already: bool  # it was done before: nothing changed
    next_due: datetime | None  # a recurring milestone's next occurrence


async def finish(interaction: discord.Interaction, milestone_id: int) -> Finished:
    """Mark the milestone done as the member."""
    bot = bot_of(interaction)

    async def apply(session: AsyncSession, guild_id: int, actor: Actor) -> Finished:
        current = await milestones.get_milestone(milestone_id, session=session, guild_id=guild_id)
        already = current.done_at is not None
        if not already:
            current = await milestones.mark_done(
                milestone_id, session=session, guild_id=guild_id, actor=actor, now=bot.clock.now()
            )
        following = await recurrence.next_occurrence(current, session=session)
        return Finished(current, already, following.due_at if following else None)

    return await change_milestone(interaction, apply)
