"""A TCP proxy in front of PostgreSQL that a test can take down and bring back.

The bot's DATABASE_URL points at the proxy; `stop()` is what the bot sees when the
server stops (every open connection closed, new ones refused), `stall()` a server
that accepts connections and never answers, `starting_up()` a server that refuses
logins while it recovers, `start()` the server back. The real PostgreSQL server,
which others share, is never touched.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct

from sqlalchemy.engine import make_url

CHUNK = 64 * 1024
SSL_REQUEST = 80877103  # the code of the startup packet asking for TLS
# What PostgreSQL sends while it recovers: FATAL 57P03, asyncpg's CannotConnectNowError.
STARTING_UP = b"".join(
    code + text.encode() + b"\0"
    for code, text in (
        (b"S", "FATAL"),
        (b"V", "FATAL"),
        (b"C", "57P03"),
        (b"M", "the database system is starting up"),
    )
)


class OutageProxy:
    """Forwards 127.0.0.1:<port> to the PostgreSQL of `upstream_url`, until told otherwise."""

    def __init__(self, upstream_url: str) -> None:
        upstream = make_url(upstream_url)
        self.upstream_url = upstream
        self.upstream_host = upstream.host or "127.0.0.1"
        self.upstream_port = upstream.port or 5432
        self.port = 0  # chosen at the first start, kept across restarts
        self.mode = "forward"  # or "stall", "starting-up"
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        """The upstream database's URL, through the proxy."""
        proxied = self.upstream_url.set(host="127.0.0.1", port=self.port)
        return proxied.render_as_string(hide_password=False)

    async def start(self) -> None:
        """Listen (again, on the same port) and forward to PostgreSQL."""
        self.mode = "forward"
        if self._server is None:
            self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
            self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """PostgreSQL is down: close every open connection and refuse new ones."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        await self._drop_all()

    async def stall(self) -> None:
        """PostgreSQL hangs: open connections are closed, new ones accepted but never answered."""
        await self._refuse_as("stall")

    async def starting_up(self) -> None:
        """PostgreSQL restarts: open connections are closed, logins refused with 57P03."""
        await self._refuse_as("starting-up")

    async def _refuse_as(self, mode: str) -> None:
        await self.start()
        self.mode = mode
        await self._drop_all()

    async def close(self) -> None:
        await self.stop()
        # Each connection's task ends once its sockets are closed.
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _drop_all(self) -> None:
        for writer in list(self._writers):
            writer.close()
        for writer in list(self._writers):
            with contextlib.suppress(OSError):
                await writer.wait_closed()
        self._writers.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        sides = [writer]
        self._writers.add(writer)
        try:
            if self.mode == "stall":
                await reader.read()  # say nothing until the client or a stop closes it
                return
            if self.mode == "starting-up":
                await _refuse_login(reader, writer)
                return
            up_reader, up_writer = await asyncio.open_connection(
                self.upstream_host, self.upstream_port
            )
            sides.append(up_writer)
            self._writers.add(up_writer)
            await asyncio.gather(
                _pipe(reader, up_writer), _pipe(up_reader, writer), return_exceptions=True
            )
        except OSError:
            pass  # PostgreSQL itself refused: the client sees its connection closed
        finally:
            self._tasks.discard(task)
            for side in sides:
                side.close()
                self._writers.discard(side)


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    """Copy until either side closes, then close the other side too."""
    try:
        while data := await source.read(CHUNK):
            sink.write(data)
            await sink.drain()
    finally:
        sink.close()


async def _refuse_login(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Read the client's startup packet (declining TLS) and answer FATAL 57P03."""
    length, code = struct.unpack("!ii", await reader.readexactly(8))
    if code == SSL_REQUEST:
        writer.write(b"N")
        length, _ = struct.unpack("!ii", await reader.readexactly(8))
    await reader.readexactly(length - 8)
    writer.write(b"E" + struct.pack("!i", 4 + len(STARTING_UP) + 1) + STARTING_UP + b"\0")
    await writer.drain()
