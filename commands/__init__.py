"""Slash commands: one module or package per group, listed here explicitly.

A command parses and checks its input, calls a service (`storage.services`), and
renders the answer (`bot.render`). Command modules never import each other: what
several need is in `commands.common` and `commands.entry_actions`.
"""

from __future__ import annotations

from discord import app_commands
from discord.ui import DynamicItem

from commands import digest, help, milestone, my_timezone, partnership, review, settings
from commands.entry_actions import ReviewButton


def all_commands() -> list[app_commands.Command | app_commands.Group]:
    """Every top-level slash command and group of the bot, in the order /help shows them."""
    return [
        partnership.partnership,
        review.review_group,
        settings.settings_group,
        digest.digest_group,
        milestone.milestone_group,
        my_timezone.my_timezone,
        help.help_command,
    ]


def lasting_items() -> list[type[DynamicItem]]:
    """Buttons and menus that keep working across restarts (their state is in the id)."""
    return [ReviewButton, *milestone.LASTING_ITEMS]
