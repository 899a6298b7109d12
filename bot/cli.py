"""`partnerbot` command line: run the bot, migrate, import and export, sandbox."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Sequence

from sqlalchemy.engine import make_url

from bot.config import ConfigError, Settings, load_settings
from storage.db import Database

log = logging.getLogger("partnerbot")

NO_TOKEN_HELP = """\
partnerbot: DISCORD_TOKEN is not set, so the bot cannot connect to Discord.

  To get a token: open https://discord.com/developers/applications, create an
  application, open "Bot", press "Reset Token", and put the token in a .env file
  beside you (copy .env.example) as DISCORD_TOKEN=..., or export it.
  Invite the bot with the "bot" and "applications.commands" scopes.

  To try the bot offline, with no Discord account: partnerbot sandbox
"""


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def cmd_run(settings: Settings, _args: argparse.Namespace) -> int:
    if not settings.discord_token:
        print(NO_TOKEN_HELP, file=sys.stderr)
        return 2
    from bot.runner import run_bot

    return asyncio.run(run_bot(settings))


def cmd_sync_commands(settings: Settings, _args: argparse.Namespace) -> int:
    if not settings.discord_token:
        print(NO_TOKEN_HELP, file=sys.stderr)
        return 2
    from bot.runner import sync_commands

    return asyncio.run(sync_commands(settings))


def cmd_db_upgrade(settings: Settings, _args: argparse.Namespace) -> int:
    asyncio.run(Database(settings.database_url).upgrade())
    # The URL holds ToolsDB's password on Toolforge: job logs must not.
    shown = make_url(settings.database_url).render_as_string(hide_password=True)
    print(f"Database is up to date: {shown}")
    return 0


Handler = Callable[[Settings, argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="partnerbot", description=__doc__)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser("run", help="migrate the database and run the bot")
    run.set_defaults(handler=cmd_run)

    sync = commands.add_parser(
        "sync-commands", help="register the slash commands with Discord now, then exit"
    )
    sync.set_defaults(handler=cmd_sync_commands)

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_commands.add_parser("upgrade", help="apply migrations").set_defaults(handler=cmd_db_upgrade)

    for register in EXTRA_COMMANDS:
        register(commands)
    return parser


# Modules that add their own subcommands (import/export, sync, sandbox) register here.
EXTRA_COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = []


def main(argv: Sequence[str] | None = None) -> int:
    from bot import cli_commands  # noqa: F401  (fills EXTRA_COMMANDS)

    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        args = parser.parse_args(["run"])
        handler = args.handler
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"partnerbot: configuration error: {exc}", file=sys.stderr)
        return 2
    _configure_logging(settings)
    return handler(settings, args)
