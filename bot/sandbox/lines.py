"""Where the sandbox's lines come from: a person at a terminal, a pipe, or a script file.

Scripts and pipes are echoed (`> line`) so their output reads as a transcript. In a
script, a form's answers are the indented lines right after the command that opened it.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
from pathlib import Path
from typing import TextIO


class Lines:
    def __init__(
        self, script: list[str] | None, stream: TextIO, output: TextIO, *, interactive: bool
    ) -> None:
        self.script = script
        self.stream = stream
        self.output = output
        # A person at a terminal: prompts are shown, and what they type is not echoed back.
        self.interactive = interactive
        self._prompt = ""

    @classmethod
    def open(cls, script: Path | None, stream: TextIO, output: TextIO) -> Lines:
        if script is not None:
            text = script.read_text(encoding="utf-8-sig")
            return cls(text.splitlines(), stream, output, interactive=False)
        interactive = stream.isatty()
        if interactive and stream is sys.stdin:
            # Line editing and history for input(); Windows has no readline, and needs none.
            with contextlib.suppress(ImportError):
                import readline  # noqa: F401
        return cls(None, stream, output, interactive=interactive)

    def _echo(self, text: str) -> None:
        self.output.write(text + "\n")
        self.output.flush()

    def reprompt(self) -> None:
        """After output that arrived while a person was typing: show the prompt again."""
        if self.interactive and self._prompt:
            self.output.write(self._prompt)
            self.output.flush()

    async def command(self, user: str, channel: str) -> str | None:
        """The next line to run, skipping blanks and # comments; None at the end."""
        while True:
            if self.script is not None:
                if not self.script:
                    return None
                line = self.script.pop(0).strip()
            else:
                read = await self._read(f"{user} in #{channel}> ")
                if read is None:
                    if self.interactive:
                        self._echo("")  # end of input (Ctrl-D): leave the prompt's line
                    return None
                line = read.strip()
            if line and not line.startswith("#"):
                if not self.interactive:
                    self._echo(f"> {line}")
                return line

    async def answer(self, prompt: str) -> str | None:
        """A form field's answer; None when there is none (end of input, or the script
        has no further indented line)."""
        if self.script is not None:
            upcoming = self.script[0] if self.script else ""
            if not upcoming[:1].isspace() or not upcoming.strip():
                self._echo(prompt + "(no answer given)")
                return None
            answer = self.script.pop(0).strip()
        else:
            read = await self._read(prompt)
            if read is None:
                return None
            answer = read.strip()
        if not self.interactive:
            self._echo(prompt + answer)
        return answer

    async def _read(self, prompt: str) -> str | None:
        """One line from the stream, read in a daemon thread: the event loop (and the bot)
        keeps running meanwhile, and a read still pending never holds up the exit."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[str | None] = loop.create_future()
        use_input = self.interactive and self.stream is sys.stdin and self.output is sys.stdout
        self._prompt = prompt

        def deliver(line: str | None, error: BaseException | None) -> None:
            if future.done():
                return
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(line)

        def work() -> None:
            line: str | None = None
            error: BaseException | None = None
            try:
                if use_input:
                    line = input(prompt)
                else:
                    if self.interactive:
                        self.output.write(prompt)
                        self.output.flush()
                    raw = self.stream.readline()
                    line = raw.rstrip("\r\n") if raw else None
            except EOFError:
                line = None
            except Exception as exc:  # handed to the awaiting coroutine
                error = exc
            # RuntimeError: the sandbox ended (its loop closed) while this line was typed.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(deliver, line, error)

        threading.Thread(target=work, name="sandbox-input", daemon=True).start()
        try:
            return await future
        finally:
            self._prompt = ""
