"""`partnerbot` command line: run the bot, migrate, import and export, publish to a wiki,
sandbox.

Each module of this package adds its subcommands; `build_parser` lists them.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence

from bot.cli import lifecycle, sandbox, transfer, wiki
from bot.config import ConfigError, Settings, load_settings
from bot.ops.logs import configure_logging

log = logging.getLogger("partnerbot")

Handler = Callable[[Settings, argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="partnerbot", description=__doc__)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in (lifecycle, transfer, wiki, sandbox):
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
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
    configure_logging(settings.log_level, settings.log_format)
    return handler(settings, args)
