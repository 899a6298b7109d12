"""`partnerbot run`, `sync-commands` and `db upgrade`: the bot's own life."""

from __future__ import annotations

import argparse
import asyncio
import sys

from sqlalchemy.engine import make_url

from bot.config import Settings
from bot.ops.invite import NEEDS, client_id_from_token, invite_url
from storage.db import Database

NO_TOKEN_HELP = """\
partnerbot: DISCORD_TOKEN is not set, so the bot cannot connect to Discord.

  To get a token: open https://discord.com/developers/applications, create an
  application, open "Bot", press "Reset Token", and put the token in a .env file
  beside you (copy .env.example) as DISCORD_TOKEN=..., or export it.
  Invite the bot with the "bot" and "applications.commands" scopes.

  To try the bot offline, with no Discord account: partnerbot sandbox
"""


def cmd_run(settings: Settings, _args: argparse.Namespace) -> int:
    if not settings.discord_token:
        print(NO_TOKEN_HELP, file=sys.stderr)
        return 2
    from bot.app import run_bot

    return asyncio.run(run_bot(settings))


def cmd_sync_commands(settings: Settings, _args: argparse.Namespace) -> int:
    if not settings.discord_token:
        print(NO_TOKEN_HELP, file=sys.stderr)
        return 2
    from bot.app import sync_commands

    return asyncio.run(sync_commands(settings))


def cmd_db_upgrade(settings: Settings, _args: argparse.Namespace) -> int:
    asyncio.run(Database(settings.database_url).upgrade())
    # The URL holds ToolsDB's password on Toolforge: job logs must not.
    shown = make_url(settings.database_url).render_as_string(hide_password=True)
    print(f"Database is up to date: {shown}")
    return 0


def cmd_invite(settings: Settings, args: argparse.Namespace) -> int:
    client_id = args.client_id or client_id_from_token(settings.discord_token)
    if client_id is None:
        print(
            "partnerbot: give --client-id (the application's id, in the developer portal's "
            "General Information), or set DISCORD_TOKEN",
            file=sys.stderr,
        )
        return 2
    print(invite_url(client_id))
    print("\nIt asks for these permissions, and nothing more:")
    for need in NEEDS:
        print(f"  {need.permission.replace('_', ' ').title()}: to {need.purpose}")
    print("  Commands, forms and private answers need no permission of the channel.")
    print("  To have the coordinator role pinged, make the role mentionable.")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    run = commands.add_parser("run", help="migrate the database and run the bot")
    run.set_defaults(handler=cmd_run)

    sync = commands.add_parser(
        "sync-commands", help="register the slash commands with Discord now, then exit"
    )
    sync.set_defaults(handler=cmd_sync_commands)

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_commands.add_parser("upgrade", help="apply migrations").set_defaults(handler=cmd_db_upgrade)

    invite = commands.add_parser(
        "invite", help="print the link that adds the bot to a server, and why each permission"
    )
    invite.add_argument("--client-id", type=int, metavar="ID", help="the application's id")
    invite.set_defaults(handler=cmd_invite)
