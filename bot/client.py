"""The Discord client: intents, command tree, start-up, command sync and wake-ups.

It knows no feature: `bot.app` registers the commands and gives it its dispatchers.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import json
import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

import discord

from bot.config import Settings
from bot.errors import CommandTree
from bot.i18n.translator import CatalogueTranslator
from bot.jobs.waker import Dispatcher, Waker
from bot.ops import metrics
from bot.view_store import PatientViewStore
from storage.clock import Clock, SystemClock
from storage.db import Database
from storage.models import AppState

if TYPE_CHECKING:
    from bot.jobs.reviews import ReviewJobs
    from bot.ops.server import OpsServer
    from bot.wiki.client import WikiClient

log = logging.getLogger(__name__)

# Past this, discord.py raises RateLimited instead of sleeping, and a scheduled job
# retries later (jobs never send inside a database transaction). discord.py raises
# any value under 30 s to 30 s.
MAX_RATELIMIT_TIMEOUT = 30.0
DRAIN_TIMEOUT = 10.0  # seconds scheduled work under way may take to end at close


def intents() -> discord.Intents:
    # Guilds only: channels and roles for settings. Interactions carry the member,
    # so no privileged intent (members, presences, message content) is needed.
    chosen = discord.Intents.none()
    chosen.guilds = True
    return chosen


class PartnerBot(discord.AutoShardedClient):
    def __init__(
        self,
        settings: Settings,
        database: Database,
        *,
        clock: Clock | None = None,
        force_sync: bool = False,
        scheduled: bool = True,
        **client_options: Any,
    ) -> None:
        super().__init__(
            **client_options,
            intents=intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            shard_count=settings.shard_count,
            shard_ids=settings.shard_ids,
            max_ratelimit_timeout=MAX_RATELIMIT_TIMEOUT,
        )
        # A click may come before discord.py has stored the view it belongs to.
        self._connection._view_store = PatientViewStore(self._connection)
        self.settings = settings
        self.database = database
        self.clock = clock or SystemClock()
        self.tree = CommandTree(self)
        self.waker: Waker | None = None
        # Set by bot.app.assemble: what the Waker runs, and the review posts commands make.
        self.dispatchers: list[Dispatcher] = []
        self.reviews: ReviewJobs
        self.ops: OpsServer | None = None  # /healthz and /metrics, with PORT set
        self.wiki: WikiClient | None = None  # the host's wiki account (None: publishing off)
        self._shards_seen: set[int] = set()
        self.force_sync = force_sync
        # False for one-off tasks (sync-commands): no scheduled work is run.
        self.scheduled = scheduled
        self._background: set[asyncio.Task[None]] = set()

    async def setup_hook(self) -> None:
        await self.tree.set_translator(CatalogueTranslator())
        if self.ops is not None:
            await self.ops.start()
        if self.scheduled:
            self.waker = Waker(self.clock, self.dispatchers)
            self.waker.start()
        await self.sync_commands(force=self.force_sync)
        # Everything loaded so far lives as long as the bot: keep it out of the
        # collector's full passes, which otherwise stall replies for ~100 ms.
        gc.collect()
        gc.freeze()

    async def sync_commands(self, *, force: bool = False) -> bool:
        """Sync to DEV_GUILD_ID at every start; globally only when the tree changed.

        Discord allows 200 command creates a day per guild: syncing blindly on every
        start or `on_ready` would exhaust it. Returns whether a sync was sent.
        """
        if self.settings.dev_guild_id:
            guild = discord.Object(self.settings.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)
            return True
        digest = await self.command_tree_hash()
        key = f"commands-hash:{self.application_id}"
        async with self.database.transaction() as session:
            stored = await session.get(AppState, key)
            if not force and stored is not None and stored.value == digest:
                log.info("command tree unchanged; not syncing")
                return False
        await self.tree.sync()
        async with self.database.transaction() as session:
            state = await session.get(AppState, key) or AppState(key=key, value=digest)
            state.value = digest
            session.add(state)
        log.info("synced %d global commands", len(self.tree.get_commands()))
        return True

    async def command_tree_hash(self) -> str:
        translator = self.tree.translator
        assert translator is not None
        payload = [
            await command.get_translated_payload(self.tree, translator)
            for command in sorted(self.tree.get_commands(), key=lambda c: c.name)
        ]
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()

    def wake(self, dispatcher_name: str, when: datetime | None) -> None:
        """A command created or moved scheduled work: make sure the waker looks at `when`."""
        if self.waker is not None:
            self.waker.wake_at(dispatcher_name, when)

    def _wake_all(self) -> None:
        # After every (re)connect: deliver whatever fell due while we were away.
        if self.waker is None:
            return
        task = asyncio.create_task(self.waker.run_all())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def on_ready(self) -> None:
        # Scheduled work was already woken by on_shard_ready, once per shard.
        log.info("connected as %s to %d guilds", self.user, len(self.guilds))

    async def on_shard_resumed(self, shard_id: int) -> None:
        metrics.GATEWAY_RECONNECTS.inc()
        self._wake_all()

    async def on_shard_ready(self, shard_id: int) -> None:
        # At start-up and whenever one shard re-identifies (on_ready fires only once
        # all shards are ready): deliver what fell due while it was away.
        if shard_id in self._shards_seen:
            metrics.GATEWAY_RECONNECTS.inc()
        self._shards_seen.add(shard_id)
        self._wake_all()

    async def on_app_command_completion(
        self, interaction: discord.Interaction, command: discord.app_commands.Command
    ) -> None:
        metrics.answered(command.qualified_name, "ok", interaction.created_at)

    async def settle(self) -> None:
        """Wait for the wake-ups already started (tests: a known state before moving time)."""
        while self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

    async def close(self) -> None:
        if self.waker is not None:
            self.waker.shutdown()
            # Scheduled work under way ends before the database is closed after us.
            try:
                await asyncio.wait_for(self.waker.drain(), DRAIN_TIMEOUT)
            except TimeoutError:
                log.warning(
                    "scheduled work still running after %s s; closing anyway", DRAIN_TIMEOUT
                )
        if self.ops is not None:
            await self.ops.stop()
        await super().close()
