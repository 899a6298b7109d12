"""The command line's tests: each in a working directory of its own."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    # A working directory of its own: no stray .env, and the database in tmp_path.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    root = logging.getLogger()
    before = list(root.handlers)
    yield tmp_path
    # The CLI logs to the stderr of its test (captured, then closed): not to later ones.
    for handler in root.handlers[:]:
        if handler not in before:
            root.removeHandler(handler)
