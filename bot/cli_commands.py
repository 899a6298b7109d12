"""Subcommands beyond run and db: each module registers itself in `bot.cli.EXTRA_COMMANDS`."""

from bot import cli_transfer  # noqa: F401  (partnerbot import / export)
