"""Slash commands: one module per group. Each parses input, calls a service, renders."""

from __future__ import annotations

from typing import TYPE_CHECKING

from discord import app_commands

if TYPE_CHECKING:
    from bot.client import PartnerBot
    from bot.scheduler import Dispatcher


def all_commands() -> list[app_commands.Command | app_commands.Group]:
    """Every top-level slash command and group of the bot."""
    # proposals and editing add their subcommands to the partnership and settings groups.
    from commands import editing, proposals  # noqa: F401
    from commands.digest import digest_group
    from commands.help import help_command
    from commands.milestone import milestone_group
    from commands.partnership import partnership
    from commands.preferences import my_timezone
    from commands.review import review_group
    from commands.settings import settings_group

    return [
        partnership,
        review_group,
        settings_group,
        digest_group,
        milestone_group,
        my_timezone,
        help_command,
    ]


def register_all(bot: PartnerBot) -> None:
    from commands.reminder_buttons import ReminderButton, ReminderPick
    from commands.review import ReviewButton

    for command in all_commands():
        bot.tree.add_command(command)
    bot.add_dynamic_items(ReviewButton, ReminderButton, ReminderPick)


def dispatchers(bot: PartnerBot) -> list[Dispatcher]:
    """The scheduled features, each posting through discord.py's HTTP client."""
    from bot.digests import DigestDispatcher
    from bot.discord_sender import DiscordSender
    from bot.reminders import ReminderDispatcher
    from commands.review import ReviewDispatcher

    sender = DiscordSender(bot.http)
    return [
        ReminderDispatcher(bot.database, sender),
        DigestDispatcher(bot.database, sender),
        ReviewDispatcher(bot),
    ]
