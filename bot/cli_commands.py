"""Subcommands beyond run and db: each module registers itself in `bot.cli.EXTRA_COMMANDS`."""
