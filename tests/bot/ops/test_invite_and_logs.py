"""`partnerbot invite` and LOG_FORMAT=json."""

from __future__ import annotations

import base64
import json
import logging
import sys
from urllib.parse import parse_qs, urlsplit

import discord
import pytest

from bot.cli import main
from bot.ops.invite import NEEDS, channel_permissions, client_id_from_token, invite_url
from bot.ops.logs import JsonFormatter

APP_ID = 1234567890123456789


def test_the_invite_asks_for_the_tables_permissions_and_both_scopes() -> None:
    query = parse_qs(urlsplit(invite_url(APP_ID)).query)
    assert query["client_id"] == [str(APP_ID)]
    assert query["scope"] == ["bot applications.commands"]
    granted = discord.Permissions(int(query["permissions"][0]))
    assert granted == channel_permissions()
    assert granted.value == sum(getattr(discord.Permissions, n.permission).flag for n in NEEDS)
    assert not granted.administrator and not granted.mention_everyone


def test_the_client_id_is_read_from_a_token() -> None:
    first = base64.b64encode(str(APP_ID).encode()).decode().rstrip("=")
    assert client_id_from_token(f"{first}.GxYz.abc") == APP_ID
    assert client_id_from_token("not a token") is None
    assert client_id_from_token("") is None


def test_partnerbot_invite_prints_the_link_and_why(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "")
    assert main(["invite", "--client-id", str(APP_ID)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("https://discord.com/oauth2/authorize?")
    assert "Send Messages: to post proposals for review" in out
    assert "Create Public Threads: to open a discussion thread" in out
    assert "Manage Threads: to lock and archive the thread" in out
    assert main(["invite"]) == 2  # no token, no id: says where to find it
    assert "--client-id" in capsys.readouterr().err


def test_json_logs_are_one_object_a_line() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord(
            "bot.jobs", logging.ERROR, __file__, 1, "run %s failed", ("reminders",), sys.exc_info()
        )
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "ERROR" and entry["logger"] == "bot.jobs"
    assert entry["message"] == "run reminders failed"
    assert entry["time"].endswith("+00:00")
    assert "ValueError: boom" in entry["traceback"]
