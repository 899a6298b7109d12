"""Benchmark publishing the directory to a wiki page: 1,000 entries.

A real MediaWiki (Debian's package, as the tests use it) on loopback, SQLite behind it,
and the bot's publish as `/partnership publish` runs it:
1. the first publish, which creates the page (read, render, compare, one edit);
2. a publish with nothing changed (read, render, compare: no edit);
3. a publish after one entry changed (read, render, compare, one edit);
4. our side alone: rendering the table and comparing it with the page (no network).
The edit throttle (one edit every WIKI_EDIT_INTERVAL s, 10 by default) is off here: it
spaces edits, it does not slow one. The wiki's own time (PHP's built-in server, one
process) is most of 1-3. Median of --runs.

Run: .venv/bin/python bench/wiki.py [--entries 1000] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from common import filled_database, machine
from corpus import GUILD

from bot.render.export import table_head, table_row
from bot.wiki.local import BOT_PASSWORD, missing, running_mediawiki
from bot.wiki.mediawiki import MwClient
from bot.wiki.publish import CREATED, EDITED, UNCHANGED, publish
from storage import transfer, wiki_text
from storage.clock import SystemClock
from storage.db import Database
from storage.schemas import EntryUpdate
from storage.services import entries, wiki


async def _timed(work) -> tuple[float, object]:
    started = time.perf_counter()
    result = await work()
    return time.perf_counter() - started, result


async def _ours(database: Database, page_text: str) -> float:
    """Render the table and plan the block against the page: no network."""
    started = time.perf_counter()
    async with database.sessions() as session:
        rows = await transfer.export_rows(session=session, guild_id=GUILD)
    lines = [table_row(row, "en") for row in rows]
    directory = wiki_text.directory_rows(table_head("en"), lines)
    current = wiki_text.read_rows(wiki_text.split_page(page_text).block)
    wiki_text.plan_block(
        head=table_head("en"), directory=directory, wiki=current, last=current, held=()
    )
    return time.perf_counter() - started


async def main(entries_count: int, runs: int) -> None:
    print("\n".join(machine()))
    reason = missing()
    if reason:
        print(f"skipped: {reason}")
        return
    clock = SystemClock()
    with tempfile.TemporaryDirectory() as folder, running_mediawiki(Path(folder)) as mediawiki:
        async with filled_database("sqlite", entries_count) as (url, _):
            database = Database(url)
            client = MwClient(
                mediawiki.api_url,
                mediawiki.bot_username,
                BOT_PASSWORD,
                contact="bench@example.org",
                clock=clock,
                edit_interval=0,
            )
            figures: dict[str, list[float]] = {"first": [], "unchanged": [], "one": [], "ours": []}
            size = 0
            for run in range(runs):
                title = f"Bench/{uuid.uuid4().hex[:8]}"
                async with database.transaction() as session:
                    await wiki.set_page(
                        session=session, guild_id=GUILD, title=title, actor_id=None, now=clock.now()
                    )
                    entry = (await entries.list_entries(session=session, guild_id=GUILD, limit=1))[
                        0
                    ][0]

                async def publishing():
                    return await publish(
                        database, client, guild_id=GUILD, now=datetime.now(UTC), default_locale="en"
                    )

                took, first = await _timed(publishing)
                assert first.outcome == CREATED  # type: ignore[attr-defined]
                figures["first"].append(took)
                took, again = await _timed(publishing)
                assert again.outcome == UNCHANGED  # type: ignore[attr-defined]
                figures["unchanged"].append(took)
                async with database.transaction() as session:
                    assert entry.id is not None
                    await entries.update_entry(
                        entry.id,
                        EntryUpdate(summary=f"Changed in run {run}."),
                        session=session,
                        guild_id=GUILD,
                        actor_id=None,
                        now=clock.now(),
                    )
                took, one = await _timed(publishing)
                assert one.outcome == EDITED  # type: ignore[attr-defined]
                figures["one"].append(took)
                text = mediawiki.text(title)
                size = len(text.encode())
                figures["ours"].append(await _ours(database, text))
            await database.dispose()
    print(
        f"{entries_count:,} entries; the page's text: {size / 1024:.0f} KiB; median of {runs} runs"
    )
    print(f"first publish (creates the page):  {statistics.median(figures['first']):.2f} s")
    print(f"publish, nothing changed (no edit): {statistics.median(figures['unchanged']):.2f} s")
    print(f"publish, one entry changed:         {statistics.median(figures['one']):.2f} s")
    print(f"our side alone (render + compare):  {statistics.median(figures['ours']):.2f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.entries, arguments.runs))
