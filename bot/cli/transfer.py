"""`partnerbot import` and `partnerbot export`: entries in and out of a guild's directory."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, ClassVar

from sqlmodel.ext.asyncio.session import AsyncSession
from tqdm import tqdm

from bot.config import Settings
from bot.i18n import channel_locale, t
from bot.render.milestones import calendar_file
from storage import transfer, transfer_formats
from storage.calendar import calendar_source
from storage.db import CLI_BUSY_TIMEOUT_MS, Database
from storage.errors import InvalidInput

CALENDAR = "ics"  # the open milestones, as /milestone calendar gives them

CLI_LOCALE = "en"


def _translate(key: str, *params: object) -> str:
    return t(CLI_LOCALE, key, *params)


def _fail(where: str, message: str) -> int:
    print(f"partnerbot: {where}{message}", file=sys.stderr)
    return 1


class _Bars:
    """Progress bars on the terminal (standard error), one per stage of an import;
    nothing when it is not a terminal."""

    LABELS: ClassVar[dict[str, str]] = {"check": "checked", "write": "imported"}

    def __init__(self) -> None:
        self.shown = sys.stderr.isatty()
        self.bars: dict[str, tqdm[Any]] = {}

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if not self.shown:
            return
        if stage not in self.bars:
            self.bars[stage] = tqdm(total=total, desc=self.LABELS[stage], unit=" entries")
        bar = self.bars[stage]
        bar.update(done - bar.n)

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()


async def _import(
    settings: Settings, args: argparse.Namespace, fmt: str | None
) -> transfer.ImportReport:
    """Import the file `args.file` of format `fmt`, or the examples when it is None."""
    database = Database(settings.database_url, sqlite_busy_timeout_ms=CLI_BUSY_TIMEOUT_MS)
    bars = _Bars()
    try:
        await database.upgrade()
        now = datetime.now(UTC)  # the real clock, at the edge: the CLI has no bot
        if fmt is None:
            async with database.transaction() as session:
                return await transfer.import_examples(
                    session=session, guild_id=args.guild, actor_id=args.as_user, now=now
                )
        return await transfer.import_file(
            args.file,
            fmt,
            database=database,
            guild_id=args.guild,
            actor_id=args.as_user,
            now=now,
            progress=bars,
        )
    finally:
        bars.close()
        await database.dispose()


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    if bool(args.file) == bool(args.example):
        return _fail("", "import needs either a FILE or --example, not both.")
    source = str(transfer.EXAMPLES_PATH) if args.example else args.file
    try:
        fmt = None if args.example else args.format or transfer_formats.detect_format(args.file)
        report = asyncio.run(_import(settings, args, fmt))
    except (OSError, UnicodeDecodeError) as exc:
        return _fail(f"{source}: ", str(exc))
    except transfer.ImportRowError as exc:
        return _fail(f"{source} ", exc.render(_translate))
    except InvalidInput as exc:
        return _fail(f"{source}: ", _translate(exc.key, *exc.params))
    noun = "entry" if report.created == 1 else "entries"
    print(f"Imported {report.created} {noun}, skipped {report.skipped} (already present).")
    return 0


async def _export(settings: Settings, args: argparse.Namespace, out: IO[str]) -> int:
    """Write the guild's entries (or, as ics, its open milestones) to `out`; how many."""
    database = Database(settings.database_url, sqlite_busy_timeout_ms=CLI_BUSY_TIMEOUT_MS)
    try:
        await database.upgrade()
        async with database.transaction() as session:
            if args.format == CALENDAR:
                return await _export_calendar(settings, args.guild, out, session=session)
            return await transfer.export_to(
                out.write, args.format, session=session, guild_id=args.guild
            )
    finally:
        await database.dispose()


async def _export_calendar(
    settings: Settings, guild_id: int, out: IO[str], *, session: AsyncSession
) -> int:
    """The open milestones as /milestone calendar gives them, in the guild's language;
    coordinators by their Discord id (the command line knows no names)."""
    source = await calendar_source(session=session, guild_id=guild_id)
    locale = channel_locale(source.guild_locale, settings.default_locale)
    # The real clock, at the edge: the command line has no bot.
    data = calendar_file(source, {}, locale, guild_name=str(guild_id), now=datetime.now(UTC))
    out.write(data.decode("utf-8"))  # CRLF line ends, as RFC 5545 wants, kept as written
    return len(source.milestones)


def _noun(fmt: str, count: int) -> str:
    if fmt == CALENDAR:
        return "milestone" if count == 1 else "milestones"
    return "entry" if count == 1 else "entries"


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    if args.output is None:
        count = asyncio.run(_export(settings, args, sys.stdout))
        noun = _noun(args.format, count)
        # The data went to stdout: the summary goes to stderr so a pipe gets only the data.
        print(f"Exported {count} {noun} as {args.format}.", file=sys.stderr)
        return 0
    # Written as read, under another name until complete: a failure leaves no half file.
    partial = Path(f"{args.output}.partial")
    try:
        with partial.open("w", encoding="utf-8", newline="") as out:
            count = asyncio.run(_export(settings, args, out))
        partial.replace(args.output)
    except OSError as exc:
        return _fail(f"{args.output}: ", exc.strerror or str(exc))
    finally:
        partial.unlink(missing_ok=True)
    noun = _noun(args.format, count)
    print(f"Exported {count} {noun} as {args.format} to {args.output}.")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    importer = commands.add_parser(
        "import",
        help="import entries into a guild from a CSV, JSON or wikitext file",
        description="Import entries. Names the guild already has are skipped; "
        "a bad row stops the import with its line number, and nothing is written.",
    )
    importer.add_argument("file", nargs="?", metavar="FILE", help=".csv, .json, .wiki or .wikitext")
    importer.add_argument(
        "--example", action="store_true", help="load the source document's five examples"
    )
    importer.add_argument("--guild", type=int, required=True, metavar="ID", help="Discord guild id")
    importer.add_argument(
        "--format",
        choices=transfer_formats.FORMATS,
        help="override the format given by FILE's extension",
    )
    importer.add_argument(
        "--as-user", type=int, metavar="ID", help="Discord user id recorded in the audit trail"
    )
    importer.set_defaults(handler=cmd_import)

    exporter = commands.add_parser(
        "export",
        help="export a guild's entries as CSV, JSON or a sortable wikitext table",
    )
    exporter.add_argument("--guild", type=int, required=True, metavar="ID", help="Discord guild id")
    exporter.add_argument(
        "--format",
        choices=(*transfer_formats.FORMATS, CALENDAR),
        required=True,
        help="entries as csv, json or wikitext; or the open milestones as an ics calendar",
    )
    exporter.add_argument("--output", metavar="FILE", help="write here instead of stdout")
    exporter.set_defaults(handler=cmd_export)
