"""The other readings of an ambiguous due date ("at 3": 15:00, or 03:00), one button each.

The milestone is saved with the likelier reading and the answer says so; a button
moves it to another reading without typing again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

import discord
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import t
from bot.render.limits import CONTENT, truncate
from bot.render.milestones import milestone_summary, other_readings
from bot.ui import OwnedView
from commands.common import NO_PINGS, bot_of, wake_reminders
from commands.milestone.access import change_milestone
from storage.models import GuildSettings, Milestone
from storage.services import entries, milestones
from storage.services.milestones import KEEP, Actor
from storage.services.settings import get_settings

# Discord allows 5 buttons a row; a phrase has at most a few readings.
MAX_READINGS = 5


def with_other_readings(text: str, alternatives: Sequence[datetime], locale: str) -> str:
    if not alternatives:
        return text
    return truncate(f"{text}\n{other_readings(alternatives[:MAX_READINGS], locale)}", CONTENT)


class OtherReadings(OwnedView):
    """One button per other reading; pressed, the milestone falls due then instead."""

    def __init__(
        self, *, owner_id: int, locale: str, milestone_id: int, alternatives: Sequence[datetime]
    ) -> None:
        super().__init__(owner_id=owner_id, locale=locale)
        self.milestone_id = milestone_id
        for number, moment in enumerate(alternatives[:MAX_READINGS], start=1):
            button: discord.ui.Button = discord.ui.Button(
                style=discord.ButtonStyle.secondary, label=t(locale, "due-use-reading", number)
            )
            button.callback = self._use(moment)  # type: ignore[method-assign]
            self.add_item(button)

    def _use(self, moment: datetime) -> Callable[[discord.Interaction], Awaitable[None]]:
        async def use(interaction: discord.Interaction) -> None:
            bot = bot_of(interaction)

            async def apply(
                session: AsyncSession, guild_id: int, actor: Actor
            ) -> tuple[Milestone, str, GuildSettings]:
                changed = await milestones.edit_milestone(
                    self.milestone_id,
                    session=session,
                    guild_id=guild_id,
                    actor=actor,
                    now=bot.clock.now(),
                    title=KEEP,
                    due_at=moment,
                    coordinator_id=KEEP,
                )
                entry = await entries.get_entry(
                    changed.entry_id, session=session, guild_id=guild_id
                )
                return changed, entry.name, await get_settings(session=session, guild_id=guild_id)

            changed, entry_name, settings = await change_milestone(interaction, apply)
            self.stop()
            text = milestone_summary("milestone-edited", changed, entry_name, settings, self.locale)
            await interaction.response.edit_message(
                content=text, view=None, allowed_mentions=NO_PINGS
            )
            await wake_reminders(bot)

        return use
