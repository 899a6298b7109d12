"""`partnerbot sandbox [SCRIPT]`: try the bot offline, in a terminal chat or from a script."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from bot.config import LOG_LEVELS, Settings


def cmd_sandbox(_settings: Settings, args: argparse.Namespace) -> int:
    # The operator's DATABASE_URL and DISCORD_TOKEN are not used: the sandbox brings its
    # own Discord double on loopback and a throwaway database.
    logging.getLogger().setLevel(args.log_level)
    # A bot without voice says so at WARNING on every start: noise in a chat.
    logging.getLogger("discord.client").addFilter(
        lambda record: "voice will NOT be supported" not in record.getMessage()
    )
    from bot.sandbox import run_sandbox

    try:
        return run_sandbox(args.script)
    except KeyboardInterrupt:
        return 130


def register(commands: argparse._SubParsersAction) -> None:
    sandbox = commands.add_parser(
        "sandbox",
        help="try the bot offline: a terminal chat with the real bot, no Discord account",
        description="Start a stand-in for Discord on 127.0.0.1, the real bot against it with "
        "a throwaway database holding the examples, and a chat to use it. With SCRIPT, run "
        "its lines (one command a line; a form's answers on the indented lines after it) "
        "and print the transcript. Type :help in the chat for its commands.",
    )
    sandbox.add_argument("script", nargs="?", type=Path, metavar="SCRIPT", help="lines to run")
    sandbox.add_argument(
        "--log-level",
        default="WARNING",
        choices=LOG_LEVELS,
        type=str.upper,
        help="the bot's log level (default WARNING, so the chat stays readable)",
    )
    sandbox.set_defaults(handler=cmd_sandbox)
