"""Subcommands beyond run and db: each module registers itself in `bot.cli.EXTRA_COMMANDS`."""

import bot.cli_sandbox  # noqa: F401  (partnerbot sandbox)
from bot import cli_transfer  # noqa: F401  (partnerbot import / export)
