"""Slash commands: one module per group. Each parses input, calls a service, renders."""

from __future__ import annotations

from typing import TYPE_CHECKING

from discord import app_commands

if TYPE_CHECKING:
    from bot.client import PartnerBot
    from bot.scheduler import Dispatcher


def all_commands() -> list[app_commands.Command | app_commands.Group]:
    """Every top-level slash command and group of the bot."""
    from commands.help import help_command
    from commands.partnership import partnership
    from commands.settings import settings_group

    return [partnership, settings_group, help_command]


def register_all(bot: PartnerBot) -> None:
    for command in all_commands():
        bot.tree.add_command(command)


def dispatchers(bot: PartnerBot) -> list[Dispatcher]:
    return []
