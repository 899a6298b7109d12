"""What bench/load.py measures beside round trips: the CPU time of the bot and of the
database server, the bot's event-loop lag and pool waits (bench/_child.py records them)
cut into the steps of a run, and a py-spy profile of the bot, summarised.

bench/ is not a package: load.py imports this module by its name.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sys
from collections import Counter
from pathlib import Path

# The database server's processes, by their command name; SQLite runs inside the bot.
SERVER_COMMANDS = {"postgresql": ("postgres",), "mariadb": ("mariadbd", "mysqld")}
PY_SPY_RATE = 50  # samples a second: a few per cent of the bot's CPU
OURS = re.compile(r"\((?:bot|commands|storage)/")  # a frame in the bot's own code


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (0 if it has gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def waited_for_cpu(pid: int) -> float:
    """Seconds the process's main thread (the bot's event loop) has spent ready to run
    but waiting for a CPU: the machine's share of its lag, not the bot's."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


def server_pids(backend: str) -> list[int]:
    """The database server's processes now (every client's backend, not only the bot's)."""
    names = SERVER_COMMANDS.get(backend, ())
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in names:
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def server_cpu(backend: str) -> float:
    """CPU seconds of the database server's processes so far; PostgreSQL starts one per
    connection, so read it at a step's start and end (the pool's stay open)."""
    return sum(cpu_seconds(pid) for pid in server_pids(backend))


def between(samples: list[list[float]], start: float, end: float) -> list[float]:
    """The values of the child's (time.monotonic(), value) samples within [start, end):
    the clock is the machine's, the same in both processes."""
    return [value for moment, value in samples if start <= moment < end]


def py_spy() -> str | None:
    """py-spy, next to this Python or on PATH (pip install py-spy)."""
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")


async def record(pid: int, seconds: float, into: Path) -> asyncio.subprocess.Process | None:
    """Start sampling `pid` for `seconds` into a file of collapsed stacks; None without py-spy."""
    spy = py_spy()
    if spy is None:
        return None
    command = [spy, "record", "--pid", str(pid), "--duration", str(max(1, int(seconds)))]
    command += ["--rate", str(PY_SPY_RATE), "--format", "raw", "--output", str(into)]
    return await asyncio.create_subprocess_exec(
        *command, "--nonblocking", stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )


def frame_name(frame: str) -> str:
    """`function (path/to/module.py:line)` shortened to `function (module.py)`."""
    function, _, where = frame.partition(" (")
    return f"{function} ({Path(where.rsplit(':', 1)[0]).name})" if where else function


def library(frame: str) -> str:
    """The package or standard module a frame is in: py-spy names files from sys.path."""
    where = frame.partition(" (")[2].rsplit(":", 1)[0]
    return where.split("/", 1)[0].removesuffix(".py") or "?"


def summarise(profile: Path, top: int = 8) -> list[str]:
    """Lines for the report: the share of samples in each library and each of the `top`
    functions the bot was in (self), and in each of its own functions, callees included."""
    libraries: Counter[str] = Counter()
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in profile.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples, frames = int(count), stack.split(";")
        total += samples
        libraries[library(frames[-1])] += samples
        own[frame_name(frames[-1])] += samples
        for name in {frame_name(frame) for frame in frames if OURS.search(frame)}:
            inclusive[name] += samples
    if not total:
        return ["    (no samples)"]
    share = ", ".join(f"{name} {100 * n / total:.0f}%" for name, n in libraries.most_common(top))
    lines = [f"    {total:,} samples; by library (self): {share}", "    functions (self):"]
    lines += [f"      {100 * n / total:5.1f}%  {name}" for name, n in own.most_common(top)]
    lines.append("    its own code, callees included:")
    lines += [f"      {100 * n / total:5.1f}%  {name}" for name, n in inclusive.most_common(top)]
    return lines
