"""Run every benchmark and write their output into README.md's benchmarks section.

The figures in the README are what these scripts printed on the machine named
there: nobody types them. Usage: `.venv/bin/python bench/report.py [--quick]`.
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"

RUNS = [
    ("Search (100,000 entries)", ["bench/search.py", "--backend", "both"], ["--entries", "5000"]),
    (
        "Interaction round trip vs a bare bot, and peak RSS (SQLite)",
        ["bench/interaction.py", "--backend", "sqlite"],
        ["--quick"],
    ),
    (
        "Interaction round trip vs a bare bot, and peak RSS (PostgreSQL)",
        ["bench/interaction.py", "--backend", "postgresql"],
        ["--quick"],
    ),
    (
        "Interaction round trip vs a bare bot, and peak RSS (MariaDB)",
        ["bench/interaction.py", "--backend", "mariadb"],
        ["--quick"],
    ),
    (
        "Import and export (100,000 entries)",
        ["bench/transfer.py", "--backend", "both"],
        ["--entries", "5000"],
    ),
    ("Digest build", ["bench/digest.py"], ["--runs", "5", "--guilds", "20"]),
    ("Reminder lateness", ["bench/reminders.py"], ["--quick"]),
    (
        "Catch-up after a day of downtime: 10,000 reminders in 200 channels (SQLite)",
        ["bench/catchup.py"],
        ["--quick"],
    ),
    ("Due-date parsing", ["bench/dates.py"], ["--rounds", "5"]),
    ("Publishing 1,000 entries to a wiki page (MediaWiki)", ["bench/wiki.py"], ["--runs", "1"]),
    (
        "Load: 50 volunteers for 60 s on 100,000 entries (SQLite, PostgreSQL, MariaDB)",
        ["bench/load.py"],
        ["--duration", "5", "--volunteers", "10", "--entries", "5000"],
    ),
    (
        "Load: 50 to 200 volunteers, where the bot saturates (SQLite, PostgreSQL)",
        ["bench/load.py", "--ramp", "50,100,150,200", "--duration", "20", "--backend", "both"],
        ["--ramp", "5,10", "--duration", "5", "--entries", "5000"],
    ),
]


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    return (
        f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
    )


def run(title: str, command: list[str]) -> str:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, *command], cwd=ROOT, capture_output=True, text=True, check=False
    )
    took = time.monotonic() - started
    output = (result.stdout + result.stderr).strip()
    status = "" if result.returncode == 0 else f" (exit {result.returncode}: a target missed)"
    return (
        f"### {title}\n\n`python {' '.join(command)}` — {took:.0f} s{status}\n\n"
        f"```\n{output}\n```\n"
    )


def _with_earlier_runs(block: str, fresh: list[str]) -> list[str]:
    """The README's sections in their order, those just run (--only) in place of theirs."""
    by_title = {section.splitlines()[0]: section for section in fresh}
    stamp = f" (run again on {datetime.now(UTC):%Y-%m-%d %H:%M UTC})"
    merged = []
    for part in block.split("\n### ")[1:]:
        earlier = "### " + part.rstrip() + "\n"
        title = earlier.splitlines()[0].split(" (run again on ")[0]
        if title in by_title:
            earlier = by_title.pop(title).replace(title, title + stamp, 1)
        merged.append(earlier)
    # A section new to the README was run now too, not at the time the header names.
    return merged + [section.replace(t, t + stamp, 1) for t, section in by_title.items()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, to check the wiring")
    parser.add_argument("--only", help="run only benchmarks whose title contains this")
    args = parser.parse_args()
    sections = []
    for title, command, quick in RUNS:
        if args.only and args.only.lower() not in title.lower():
            continue
        if not (ROOT / command[0]).exists():
            continue
        print(f"running {title}…", file=sys.stderr)
        sections.append(run(title, command + (quick if args.quick else [])))
    text = README.read_text(encoding="utf-8")
    if args.only and START in text and END in text:
        sections = _with_earlier_runs(text[text.index(START) : text.index(END)], sections)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    body = (
        f"{START}\nRun on {stamp}, on {machine()}. "
        f"Written by `bench/report.py`{' (quick sizes)' if args.quick else ''}: "
        "`.venv/bin/python bench/report.py` runs them all again and rewrites this section; "
        "each section names the script and options it ran, to run it alone"
        f"{' (those run again with --only say so)' if args.only else ''}.\n\n"
        + "\n".join(sections)
        + END
    )
    if START in text and END in text:
        text = text[: text.index(START)] + body + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip() + "\n\n## Benchmarks\n\n" + body + "\n"
    README.write_text(text, encoding="utf-8")
    print(body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
