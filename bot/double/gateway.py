"""The gateway: HELLO, IDENTIFY → READY + GUILD_CREATE, heartbeats, RESUME, sharding.

Each IDENTIFY opens a session that outlives its socket: dispatches sent while the
bot is disconnected are kept and replayed on RESUME, as Discord does. Frames are
written by one task per socket, in order, compressed as the client asked
(`compress=zlib-stream`: one zlib stream, each frame ending in Z_SYNC_FLUSH;
`zstd-stream` when the `zstandard` package is installed, as discord.py then asks).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import zlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import WSMsgType, web

from bot.double import ids
from bot.double.payloads import Payloads
from bot.double.state import World

GUILDS, GUILD_MEMBERS, GUILD_PRESENCES = 1 << 0, 1 << 1, 1 << 8
GUILD_MESSAGES, DIRECT_MESSAGES, MESSAGE_CONTENT = 1 << 9, 1 << 12, 1 << 15
PRIVILEGED = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT
_GUILD_EVENTS = ("GUILD_", "CHANNEL_")
_MEMBER_EVENTS = ("GUILD_MEMBER_ADD", "GUILD_MEMBER_UPDATE", "GUILD_MEMBER_REMOVE")
# Application flags: message content, members and presence intents enabled in the portal.
APPLICATION_FLAGS = (1 << 19) | (1 << 15) | (1 << 13)
REPLAY_LIMIT = 5000


class Connection:
    """One websocket; frames go through a queue so the compression stream stays in order."""

    def __init__(self, ws: web.WebSocketResponse, compress: str | None) -> None:
        self.ws = ws
        self._encode = _encoder(compress)
        self._queue: asyncio.Queue[tuple[dict[str, Any], asyncio.Future[None]]] = asyncio.Queue()
        self._writer = asyncio.create_task(self._write())

    def post(self, frame: dict[str, Any]) -> asyncio.Future[None]:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((frame, done))
        return done

    async def _write(self) -> None:
        while True:
            frame, done = await self._queue.get()
            try:
                data = self._encode(json.dumps(frame, separators=(",", ":")))
                if isinstance(data, bytes):
                    await self.ws.send_bytes(data)
                else:
                    await self.ws.send_str(data)
            except (ConnectionError, RuntimeError) as exc:
                if not done.done():
                    done.set_exception(ConnectionError(f"gateway socket closed: {exc}"))
                continue
            if not done.done():
                done.set_result(None)

    async def close(self, code: int, reason: str = "") -> None:
        await self.ws.close(code=code, message=reason.encode())

    def stop(self) -> None:
        self._writer.cancel()
        while not self._queue.empty():
            _, done = self._queue.get_nowait()
            done.cancel()


def _encoder(compress: str | None) -> Callable[[str], str | bytes]:
    if compress == "zlib-stream":
        stream = zlib.compressobj()
        return lambda text: stream.compress(text.encode()) + stream.flush(zlib.Z_SYNC_FLUSH)
    if compress == "zstd-stream":
        with contextlib.suppress(ImportError):
            import zstandard

            zstd = zstandard.ZstdCompressor().compressobj()
            return lambda text: (
                zstd.compress(text.encode()) + zstd.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
            )
        # Without a zstd library, plain text frames: clients only decompress binary ones.
    return lambda text: text


@dataclass
class Identify:
    """What a bot sent in IDENTIFY (the token left out)."""

    session_id: str
    intents: int
    shard: tuple[int, int]
    properties: dict[str, Any]


class Session:
    def __init__(self, identify: Identify, connection: Connection) -> None:
        self.id = identify.session_id
        self.identify = identify
        self.intents = identify.intents
        self.shard_id, self.shard_count = identify.shard
        self.seq = 0
        self.sent: deque[tuple[int, dict[str, Any]]] = deque(maxlen=REPLAY_LIMIT)
        self.connection: Connection | None = connection
        self.ready = False
        self.invalid = False

    def covers(self, guild_id: int | None) -> bool:
        if guild_id is None:  # DMs and other guild-less events go to shard 0
            return self.shard_id == 0
        return (guild_id >> 22) % self.shard_count == self.shard_id

    def wants(self, event: str, guild_id: int | None) -> bool:
        if event.startswith(_MEMBER_EVENTS):
            return bool(self.intents & GUILD_MEMBERS)
        if event.startswith("MESSAGE_"):
            return bool(self.intents & (GUILD_MESSAGES if guild_id else DIRECT_MESSAGES))
        if event.startswith(_GUILD_EVENTS):
            return bool(self.intents & GUILDS)
        return True

    def dispatch(self, event: str, data: dict[str, Any]) -> asyncio.Future[None] | None:
        self.seq += 1
        frame = {"op": 0, "t": event, "s": self.seq, "d": data}
        self.sent.append((self.seq, frame))
        return self.connection.post(frame) if self.connection else None


class Gateway:
    def __init__(
        self,
        world: World,
        payloads: Payloads,
        *,
        token: str,
        heartbeat_interval: int,
        privileged_intents: int,
        resume_url: Callable[[], str],
    ) -> None:
        self.world = world
        self.payloads = payloads
        self.token = token
        self.heartbeat_interval = heartbeat_interval
        self.privileged_intents = privileged_intents
        self.resume_url = resume_url
        self.sessions: dict[str, Session] = {}
        self.identifies: list[Identify] = []
        self._closing: set[asyncio.Task[None]] = set()

    # --- dispatching -------------------------------------------------------------------------

    def live_sessions(self) -> list[Session]:
        return [s for s in self.sessions.values() if s.ready and not s.invalid]

    def emit(
        self, event: str, build: Callable[[Payloads], dict[str, Any]], guild_id: int | None
    ) -> list[asyncio.Future[None] | None]:
        """Send an event to every session whose shard and intents cover it."""
        targets = [
            s for s in self.live_sessions() if s.covers(guild_id) and s.wants(event, guild_id)
        ]
        if not targets:
            return []
        data = build(self.payloads)
        return [s.dispatch(event, self._view(s, event, data)) for s in targets]

    def _view(self, session: Session, event: str, data: dict[str, Any]) -> dict[str, Any]:
        """What the session's intents let it see of the event."""
        if event == "GUILD_CREATE" and not session.intents & GUILD_MEMBERS:
            mine = str(self.world.bot.id)
            return {**data, "members": [m for m in data["members"] if m["user"]["id"] == mine]}
        if event in ("MESSAGE_CREATE", "MESSAGE_UPDATE") and not session.intents & MESSAGE_CONTENT:
            bot_id = str(self.world.bot.id)
            visible = (
                "guild_id" not in data
                or data["author"]["id"] == bot_id
                or any(u["id"] == bot_id for u in data.get("mentions", []))
            )
            if not visible:
                return {**data, "content": "", "embeds": [], "attachments": [], "components": []}
        return data

    # --- the socket --------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(compress=False, max_msg_size=0)
        await ws.prepare(request)
        query = request.query
        connection = Connection(ws, query.get("compress"))
        session: Session | None = None
        try:
            if query.get("v") not in (None, "10") or query.get("encoding", "json") != "json":
                await connection.close(4012, "Invalid API version or encoding (json, v=10).")
                return ws
            hello = {"heartbeat_interval": self.heartbeat_interval, "_trace": ["discord-double"]}
            connection.post({"op": 10, "d": hello})
            async for message in ws:
                if message.type != WSMsgType.TEXT:
                    await connection.close(4002, "Error while decoding payload.")
                    break
                try:
                    payload = json.loads(message.data)
                except ValueError:
                    await connection.close(4002, "Error while decoding payload.")
                    break
                session = await self._receive(connection, session, payload)
                if ws.closed:
                    break
        finally:
            connection.stop()
            if session is not None and session.connection is connection:
                session.connection = None
                self.world.changed.notify()
        return ws

    async def _receive(
        self, connection: Connection, session: Session | None, payload: dict[str, Any]
    ) -> Session | None:
        op, data = payload.get("op"), payload.get("d")
        if op == 1:
            connection.post({"op": 11})
        elif op in (2, 6) and session is not None:
            await connection.close(4005, "Already authenticated.")
        elif op == 2:
            return await self._identify(connection, data or {})
        elif op == 6:
            return self._resume(connection, data or {})
        elif op in (3, 4, 8) and session is None:
            await connection.close(4003, "Not authenticated.")
        elif op == 8 and session is not None:
            self._members_chunk(session, data or {})
        elif op not in (3, 4):
            await connection.close(4001, "Unknown opcode.")
        return session

    async def _identify(self, connection: Connection, data: dict[str, Any]) -> Session | None:
        intents, shard = data.get("intents"), data.get("shard") or [0, 1]
        if data.get("token") != self.token:
            await connection.close(4004, "Authentication failed.")
            return None
        if not isinstance(intents, int) or intents < 0:
            await connection.close(4013, "Invalid intent(s).")
            return None
        if intents & PRIVILEGED & ~self.privileged_intents:
            await connection.close(4014, "Disallowed intent(s).")
            return None
        if len(shard) != 2 or not 0 <= shard[0] < shard[1]:
            await connection.close(4010, "Invalid shard.")
            return None
        identify = Identify(
            ids.session_id(), intents, (shard[0], shard[1]), data.get("properties") or {}
        )
        self.identifies.append(identify)
        session = Session(identify, connection)
        self.sessions[session.id] = session
        covered = [g for g in self.world.guilds.values() if session.covers(g.id)]
        ready = {
            "v": 10,
            "user": {
                **self.payloads.user(self.world.bot),
                "verified": True,
                "mfa_enabled": False,
                "email": None,
            },
            "guilds": [{"id": str(g.id), "unavailable": True} for g in covered],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.resume_url(),
            "application": {"id": str(self.payloads.application_id), "flags": APPLICATION_FLAGS},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "_trace": ["discord-double"],
        }
        if "shard" in data:
            ready["shard"] = list(shard)
        session.dispatch("READY", ready)
        for guild in covered:
            data = self.payloads.guild_create(guild)
            session.dispatch("GUILD_CREATE", self._view(session, "GUILD_CREATE", data))
        session.ready = True
        self.world.changed.notify()
        return session

    def _resume(self, connection: Connection, data: dict[str, Any]) -> Session | None:
        session = self.sessions.get(data.get("session_id") or "")
        seq = data.get("seq") or 0
        oldest = session.sent[0][0] if session and session.sent else 1
        if (
            session is None
            or session.invalid
            or data.get("token") != self.token
            or seq + 1 < oldest
        ):
            connection.post({"op": 9, "d": False})
            return None
        if session.connection is not None:
            closing = asyncio.create_task(session.connection.close(4000, "Resumed elsewhere."))
            self._closing.add(closing)
            closing.add_done_callback(self._closing.discard)
        session.connection = connection
        for number, frame in session.sent:
            if number > seq:
                connection.post(frame)
        session.dispatch("RESUMED", {"_trace": ["discord-double"]})
        self.world.changed.notify()
        return session

    def _members_chunk(self, session: Session, data: dict[str, Any]) -> None:
        guild_ids = data.get("guild_id")
        for guild_id in guild_ids if isinstance(guild_ids, list) else [guild_ids]:
            guild = self.world.guilds.get(int(guild_id))
            if guild is None or not session.covers(guild.id):
                continue
            chunk = {
                "guild_id": str(guild.id),
                "members": [self.payloads.member(m) for m in guild.members.values()],
                "chunk_index": 0,
                "chunk_count": 1,
                "not_found": [],
            }
            if data.get("nonce") is not None:
                chunk["nonce"] = data["nonce"]
            session.dispatch("GUILD_MEMBERS_CHUNK", chunk)

    # --- faults ------------------------------------------------------------------------------

    async def drop(self, *, resumable: bool) -> None:
        """Close every socket; a non-resumable drop also forgets the sessions."""
        for session in list(self.sessions.values()):
            if not resumable:
                session.invalid = True
            if session.connection is not None:
                await session.connection.close(4000 if resumable else 4009, "Dropped by test.")
        self.world.changed.notify()

    async def invalidate(self) -> None:
        """INVALID_SESSION (not resumable) on every live socket: the bot must IDENTIFY again."""
        for session in list(self.sessions.values()):
            session.invalid = True
            if session.connection is not None:
                session.connection.post({"op": 9, "d": False})
        self.world.changed.notify()

    async def close(self) -> None:
        for session in self.sessions.values():
            if session.connection is not None:
                await session.connection.close(1001, "Going away.")
