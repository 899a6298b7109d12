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
from bot.i18n import channel_locale, user_locale
from bot.render.reminders import (
    SNOOZE_SECONDS,
    milestone_button_ids,
    render_actions,
    render_already_done,
    render_marked_done,
    render_snoozed,
)
from commands.common import NO_PINGS, bot_of, wake_reminders
from commands.milestone.access import change_milestone, finish
from storage.services import milestones
from storage.services.settings import get_settings

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
        if self.snooze_seconds is None:
            await self._done(interaction)
        else:
            await self._snooze(interaction, self.snooze_seconds)
        await wake_reminders(bot_of(interaction))

    async def _done(self, interaction: discord.Interaction) -> None:
        """Done: the reminder message says who marked it done, and its buttons for this
        milestone are disabled; pressed again, the member is told it already is."""
        finished = await finish(interaction, self.milestone_id)
        milestone = finished.milestone
        locale = user_locale(interaction)
        message = interaction.message
        if finished.already or message is None:
            await interaction.response.send_message(
                render_already_done(milestone.title, locale), ephemeral=True
            )
            return
        if not message.flags.ephemeral:  # a channel post: in the channel's language
            bot = bot_of(interaction)
            async with bot.database.sessions() as session:
                guild = await get_settings(session=session, guild_id=milestone.guild_id)
            locale = channel_locale(guild.locale, bot.settings.default_locale)
        view = discord.ui.View.from_message(message, timeout=None)
        pressed = milestone_button_ids(self.milestone_id)
        for item in view.children:
            if isinstance(item, discord.ui.Button) and item.custom_id in pressed:
                item.disabled = True
        view.stop()  # only displayed: presses reach the lasting ReminderButton
        content = render_marked_done(message.content, milestone.title, interaction.user.id, locale)
        await interaction.response.edit_message(
            content=content, view=view, allowed_mentions=NO_PINGS
        )

    async def _snooze(self, interaction: discord.Interaction, seconds: int) -> None:
        bot = bot_of(interaction)
        milestone = await change_milestone(
            interaction,
            lambda session, guild_id, actor: milestones.snooze(
                self.milestone_id,
                timedelta(seconds=seconds),
                session=session,
                guild_id=guild_id,
                actor=actor,
                now=bot.clock.now(),
            ),
        )
        assert milestone.snoozed_until is not None
        text = render_snoozed(
            milestone.title, milestone.snoozed_until, seconds, user_locale(interaction)
        )
        await interaction.response.send_message(text, allowed_mentions=NO_PINGS)


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
