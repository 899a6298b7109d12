"""`partnerbot wiki publish` end to end: a temporary SQLite file and the real MediaWiki."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from bot.cli import main
from bot.wiki.local import BOT_PASSWORD, MediaWiki

GUILD = "111111111111111111"


@pytest.fixture
def wiki_env(workdir: Path, monkeypatch: pytest.MonkeyPatch, mediawiki: MediaWiki) -> Path:
    """The host's account on the tests' wiki, in the environment."""
    monkeypatch.setenv("WIKI_API_URL", mediawiki.api_url)
    monkeypatch.setenv("WIKI_USERNAME", mediawiki.bot_username)
    monkeypatch.setenv("WIKI_PASSWORD", BOT_PASSWORD)
    monkeypatch.setenv("WIKI_EDIT_INTERVAL", "0")
    monkeypatch.setenv("WIKI_MAX_RETRIES", "0")
    return workdir


def test_publish_writes_the_page_then_finds_nothing_to_change(
    wiki_env: Path, mediawiki: MediaWiki, capsys: pytest.CaptureFixture[str]
) -> None:
    title = f"CLI/{uuid.uuid4().hex[:8]}"
    assert main(["import", "--example", "--guild", GUILD]) == 0
    assert main(["wiki", "publish", "--guild", GUILD, "--page", title]) == 0
    out = capsys.readouterr().out
    assert f"Published to {title} (created)" in out and "diff=" in out
    assert "Wiki-to-print" in mediawiki.text(title)
    assert main(["wiki", "publish", "--guild", GUILD, "--page", title]) == 0
    assert "no edit was needed" in capsys.readouterr().out


def test_without_a_page_or_an_account_it_says_so(
    wiki_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["wiki", "publish", "--guild", GUILD]) == 1
    assert "No wiki page is chosen" in capsys.readouterr().err
    monkeypatch.delenv("WIKI_PASSWORD")
    assert main(["wiki", "publish", "--guild", GUILD]) == 2
    assert "WIKI_USERNAME and WIKI_PASSWORD" in capsys.readouterr().err
