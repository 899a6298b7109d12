"""Bot processes for the kill test: one `partnerbot run` per shard, killed with SIGKILL and
restarted at seeded random moments, all on one database and one Discord double."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from bot.double import DiscordDouble

ENTRY_POINT = Path(__file__).with_name("crashable_bot.py")
READY_TIMEOUT = 30.0


@dataclass
class Life:
    """One process of a shard. Times are time.monotonic(), as the double's interaction times."""

    shard: int
    number: int  # its log file: shard<shard>-<number>.log
    started: float
    identifies_before: int  # the shard's gateway sessions opened before this process
    killed: float | None = None
    killed_serving: bool = False  # it had connected (else it died starting up)


class Fleet:
    """The processes, one per shard; each in its own process group (its migration child too)."""

    def __init__(
        self, double: DiscordDouble, database_url: str, logs: Path, shards: int = 2
    ) -> None:
        self.double = double
        self.database_url = database_url
        self.logs = logs
        self.shards = shards
        self.lives: list[Life] = []
        self._processes: dict[int, asyncio.subprocess.Process] = {}

    @property
    def kills(self) -> list[Life]:
        return [life for life in self.lives if life.killed is not None]

    def shard_of(self, guild_id: int) -> int:
        return (guild_id >> 22) % self.shards

    def current(self, shard: int) -> Life:
        return next(life for life in reversed(self.lives) if life.shard == shard)

    def _identifies(self, shard: int) -> int:
        return sum(1 for i in self.double.gateway.identifies if i.shard[0] == shard)

    def _log(self, life: Life) -> Path:
        return self.logs / f"shard{life.shard}-{life.number:02d}.log"

    async def spawn(self, shard: int) -> None:
        env = {
            **os.environ,
            "DISCORD_TOKEN": self.double.token,
            "DATABASE_URL": self.database_url,
            "DISCORD_API_BASE_URL": self.double.api_base_url,
            "DISCORD_GATEWAY_URL": self.double.gateway_url,
            "SHARD_COUNT": str(self.shards),
            "SHARD_IDS": f"[{shard}]",
            "LOG_LEVEL": "WARNING",
        }
        life = Life(shard, len(self.lives) + 1, time.monotonic(), self._identifies(shard))
        self.lives.append(life)
        with self._log(life).open("wb") as log:
            self._processes[shard] = await asyncio.create_subprocess_exec(
                sys.executable,
                str(ENTRY_POINT),
                "run",
                cwd=self.logs,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )

    def connected(self, shard: int) -> bool:
        """The shard's current process has identified on the gateway."""
        return self._identifies(shard) > self.current(shard).identifies_before

    async def serving(self, shard: int) -> None:
        def up() -> bool | None:
            if self._processes[shard].returncode is not None:
                tail = self._log(self.current(shard)).read_text(errors="replace")
                raise RuntimeError(f"shard {shard}'s process exited: {tail.splitlines()[-3:]}")
            return True if self.connected(shard) else None

        await self.double.world.changed.wait_for(
            up, READY_TIMEOUT, f"shard {shard}'s process to connect"
        )

    async def kill(self, shard: int) -> None:
        process = self._processes.pop(shard)
        life = self.current(shard)
        life.killed_serving = self.connected(shard)
        os.killpg(process.pid, signal.SIGKILL)
        life.killed = time.monotonic()
        await process.wait()

    async def start_all(self) -> None:
        for shard in range(self.shards):
            await self.spawn(shard)
        for shard in range(self.shards):
            await self.serving(shard)

    async def stop_all(self) -> None:
        for shard, process in list(self._processes.items()):
            if process.returncode is None:
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
            del self._processes[shard]

    def logged(self, text: str) -> int:
        """How many times the processes logged `text`."""
        return sum(path.read_text(errors="replace").count(text) for path in self.logs.glob("*.log"))

    def tracebacks(self) -> list[str]:
        """Log files of the processes that logged an unhandled error."""
        return sorted(
            path.name for path in self.logs.glob("shard*.log") if b"Traceback" in path.read_bytes()
        )


async def chaos(
    fleet: Fleet,
    shard: int,
    rng: random.Random,
    kills: int,
    *,
    scheduled_post: Callable[[], Awaitable[object]],
) -> None:
    """Kill the shard's process `kills` times, at random moments, restarting it each time.

    Of the kills, about one in five lands while the process starts (migrations, command
    sync, identify), one in five just as a scheduled post (`scheduled_post`: a reminder
    or a digest) reaches its channel, when its sender may still hold claimed rows, and
    the rest 0.3-3.5 s after the process connected.
    """
    for _ in range(kills):
        roll = rng.random()
        if roll < 0.2:
            await asyncio.sleep(rng.uniform(0.1, 1.8))
        else:
            await fleet.serving(shard)
            if roll < 0.4:
                await scheduled_post()
            else:
                await asyncio.sleep(rng.uniform(0.3, 3.5))
        await fleet.kill(shard)
        await fleet.spawn(shard)
