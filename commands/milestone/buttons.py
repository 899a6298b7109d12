"""The reminder messages' Done and Snooze buttons, and the pick menu of long lists.

They are DynamicItems registered once with `bot.add_dynamic_items`: the milestone id
rides in the custom id (see `bot.render.reminders`), so the buttons of messages
sent before a restart keep working. They are never put in a view: discord.py
unregisters a dynamic item's pattern when a timed view holding one ends (and it
times out every view sent ephemerally). The pick menu's private answer shows its
buttons through `display_only`, a view that is never stored.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import discord

from bot.checks import guild_id_of
from bot.errors import report
from bot.i18n import user_locale
from bot.render.reminders import SNOOZE_SECONDS, render_actions, render_done, render_snoozed
from commands.common import NO_PINGS, bot_of, wake_reminders
from commands.milestone.access import change_milestone
from storage.services import milestones

_SNOOZES = "|".join(str(seconds) for seconds in SNOOZE_SECONDS)


def display_only(rows: list[dict[str, Any]]) -> discord.ui.View:
    """Rendered button rows as a view that only displays them: its presses reach the
    registered dynamic items, and, stopped, it is never stored (nor unregisters them)."""
    view = discord.ui.View(timeout=None)
    for number, row in enumerate(rows):
        for button in row["components"]:
            view.add_item(
                discord.ui.Button(
                    style=discord.ButtonStyle(button["style"]),
                    label=button.get("label"),
                    custom_id=button["custom_id"],
                    row=number,
                )
            )
    view.stop()
    return view


class ReminderButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=rf"ms:(?:done:(?P<done>\d{{1,18}})|snooze:(?P<snooze>\d{{1,18}}):(?P<seconds>{_SNOOZES}))",
):
    """Done (`ms:done:<id>`) or Snooze (`ms:snooze:<id>:<seconds>`) on a reminder."""

    def __init__(
        self, item: discord.ui.Button, milestone_id: int, snooze_seconds: int | None
    ) -> None:
        super().__init__(item)
        self.milestone_id = milestone_id
        self.snooze_seconds = snooze_seconds

    @classmethod
    async def from_custom_id(
        cls, _interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> ReminderButton:
        if match["done"]:
            return cls(item, int(match["done"]), None)
        return cls(item, int(match["snooze"]), int(match["seconds"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await self._press(interaction)
        except Exception as error:  # the one error path, for buttons as for commands
            await report(interaction, error)

    async def _press(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        locale = user_locale(interaction)
        if self.snooze_seconds is None:
            milestone = await change_milestone(
                interaction,
                lambda session, guild_id, actor: milestones.mark_done(
                    self.milestone_id,
                    session=session,
                    guild_id=guild_id,
                    actor=actor,
                    now=bot.clock.now(),
                ),
            )
            text = render_done(milestone.title, locale)
        else:
            duration = timedelta(seconds=self.snooze_seconds)
            milestone = await change_milestone(
                interaction,
                lambda session, guild_id, actor: milestones.snooze(
                    self.milestone_id,
                    duration,
                    session=session,
                    guild_id=guild_id,
                    actor=actor,
                    now=bot.clock.now(),
                ),
            )
            assert milestone.snoozed_until is not None
            text = render_snoozed(milestone.title, milestone.snoozed_until, locale)
        await interaction.response.send_message(text, allowed_mentions=NO_PINGS)
        await wake_reminders(bot)


class ReminderPick(
    discord.ui.DynamicItem[discord.ui.Select], template=r"ms:pick:(?P<first>\d{1,4})"
):
    """A long list's menu: the milestone picked gets its buttons, privately."""

    def __init__(self, item: discord.ui.Select) -> None:
        super().__init__(item)

    @classmethod
    async def from_custom_id(
        cls, _interaction: discord.Interaction, item: discord.ui.Select, _match: re.Match[str]
    ) -> ReminderPick:
        return cls(item)

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await self._pick(interaction)
        except Exception as error:
            await report(interaction, error)

    async def _pick(self, interaction: discord.Interaction) -> None:
        async with bot_of(interaction).database.sessions() as session:
            milestone = await milestones.get_milestone(
                int(self.item.values[0]), session=session, guild_id=guild_id_of(interaction)
            )
        assert milestone.id is not None
        actions = render_actions(milestone.id, milestone.title, user_locale(interaction))
        await interaction.response.send_message(
            actions["content"],
            view=display_only(actions["components"]),
            allowed_mentions=NO_PINGS,
            ephemeral=True,
        )
