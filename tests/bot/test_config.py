"""Configuration: defaults, and one clear line naming the variable for a wrong value."""

from __future__ import annotations

import pytest

from bot.cli import main
from bot.config import ConfigError, Settings, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in (
        "DISCORD_TOKEN",
        "DATABASE_URL",
        "DEFAULT_TIMEZONE",
        "DISCORD_API_BASE_URL",
        "DISCORD_GATEWAY_URL",
        "DEFAULT_LOCALE",
        "LOG_LEVEL",
        "DEV_GUILD_ID",
        "SHARD_IDS",
        "TOOL_TOOLSDB_USER",
        "TOOL_TOOLSDB_PASSWORD",
    ):
        monkeypatch.delenv(name, raising=False)


def test_defaults() -> None:
    settings = load_settings()
    assert settings.database_url == "sqlite+aiosqlite:///partnerships.db"
    assert settings.discord_api_base_url == "https://discord.com/api/v10"
    assert settings.discord_gateway_url == "wss://gateway.discord.gg/"
    assert settings.default_timezone == "UTC" and settings.default_locale == "en"


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("ws://127.0.0.1:8080/gateway", "ws://127.0.0.1:8080/gateway"),
        ("ws://127.0.0.1:8080/gateway/", "ws://127.0.0.1:8080/gateway"),
        ("wss://gateway.example.org", "wss://gateway.example.org/"),
    ],
)
def test_a_gateway_url_keeps_its_path(given: str, used: str) -> None:
    settings = Settings(_env_file=None, discord_gateway_url=given)  # type: ignore[call-arg]
    assert settings.discord_gateway_url == used


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("DEFAULT_TIMEZONE", "Mars/Olympus", "DEFAULT_TIMEZONE"),
        ("DISCORD_API_BASE_URL", "not a url", "DISCORD_API_BASE_URL"),
        ("DISCORD_GATEWAY_URL", "http://wrong-scheme", "DISCORD_GATEWAY_URL"),
        ("DATABASE_URL", "mysql://x", "DATABASE_URL"),
        ("DEFAULT_LOCALE", "fr", "DEFAULT_LOCALE"),
        ("DEV_GUILD_ID", "abc", "DEV_GUILD_ID"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL"),
    ],
)
def test_wrong_value_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, named: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(named + ":")
    assert "\n" not in message


def test_env_file_is_read(tmp_path) -> None:
    (tmp_path / ".env").write_text("DEFAULT_TIMEZONE=Europe/Madrid\n")
    assert load_settings().default_timezone == "Europe/Madrid"


def test_run_without_token_explains(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert (
        "DISCORD_TOKEN" in err and "discord.com/developers" in err and "partnerbot sandbox" in err
    )


def test_wrong_setting_stops_start_up(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DEFAULT_TIMEZONE", "Nowhere/Land")
    assert main(["run"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "DEFAULT_TIMEZONE" in err


def test_db_upgrade(
    tmp_path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    assert main(["db", "upgrade"]) == 0
    assert (tmp_path / "x.db").exists()


@pytest.mark.parametrize(
    ("value", "ids"), [("0", [0]), ("0,1", [0, 1]), (" 0, 1 ", [0, 1]), ("[0, 1]", [0, 1])]
)
def test_shard_ids_in_the_forms_people_write(
    monkeypatch: pytest.MonkeyPatch, value: str, ids: list[int]
) -> None:
    monkeypatch.setenv("SHARD_IDS", value)
    assert load_settings().shard_ids == ids


def test_wrong_shard_ids_name_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHARD_IDS", "zero")
    with pytest.raises(ConfigError, match=r"^SHARD_IDS:"):
        load_settings()


def test_toolforge_credentials_name_the_toolsdb_database(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TOOL_TOOLSDB_USER", "s54321")
    monkeypatch.setenv("TOOL_TOOLSDB_PASSWORD", "p@ss:word/%")
    settings = load_settings()
    assert settings.database_url == (
        "mysql+aiomysql://s54321:p%40ss%3Aword%2F%25"
        "@tools.db.svc.wikimedia.cloud/s54321__partnerbot"
    )
    assert "p@ss" not in repr(settings)
    monkeypatch.setenv("DATABASE_URL", "sqlite+aiosqlite:///here.db")  # an explicit URL wins
    assert load_settings().database_url == "sqlite+aiosqlite:///here.db"


def test_mariadb_url_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql+aiomysql://bot:secret@127.0.0.1:3306/partnerbot")
    assert load_settings().database_url.startswith("mysql+aiomysql://")
