"""Operator configuration: environment variables or a `.env` file (see `.env.example`)."""

from __future__ import annotations

from functools import cached_property
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.i18n import languages

DISCORD_API_BASE_URL = "https://discord.com/api/v10"
DISCORD_GATEWAY_URL = "wss://gateway.discord.gg/"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(Exception):
    """A setting is wrong; the message names the variable in one line."""


def _check_url(value: str, schemes: tuple[str, ...], variable: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in schemes or not parts.netloc:
        raise ValueError(f"{variable} must be a {'/'.join(schemes)} URL, got {value!r}")
    return value.rstrip("/")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    discord_token: str = Field(default="", repr=False)
    database_url: str = "sqlite+aiosqlite:///partnerships.db"
    discord_api_base_url: str = DISCORD_API_BASE_URL
    discord_gateway_url: str = DISCORD_GATEWAY_URL
    dev_guild_id: int | None = None
    default_timezone: str = "UTC"
    default_locale: str = "en"
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"
    # With PORT set (Toolforge's and most hosts' convention), /healthz and /metrics.
    port: int | None = Field(default=None, ge=1, le=65535)
    health_host: str = "0.0.0.0"  # a host's probe comes from outside the job
    shard_count: int | None = None
    shard_ids: list[int] | None = None

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        scheme = urlsplit(value).scheme
        if scheme not in ("sqlite+aiosqlite", "postgresql+asyncpg"):
            raise ValueError(
                "DATABASE_URL must start with sqlite+aiosqlite:// or postgresql+asyncpg://, "
                f"got {value!r}"
            )
        return value

    @field_validator("discord_api_base_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        return _check_url(value, ("http", "https"), "DISCORD_API_BASE_URL")

    @field_validator("discord_gateway_url")
    @classmethod
    def _gateway_url(cls, value: str) -> str:
        # Kept as given: a Discord-compatible server's gateway may have a path
        # (ws://host/gateway); only a bare host gets discord.py's "/".
        url = _check_url(value, ("ws", "wss"), "DISCORD_GATEWAY_URL")
        return url if urlsplit(url).path else url + "/"

    @field_validator("default_timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r} (e.g. Europe/Madrid)") from exc
        return value

    @field_validator("default_locale")
    @classmethod
    def _locale(cls, value: str) -> str:
        if value not in languages():
            raise ValueError(f"must be one of {', '.join(languages())}, got {value!r}")
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        if value.upper() not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}, got {value!r}")
        return value.upper()

    @cached_property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.default_timezone)


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning a validation failure into one line naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        variable = str(error["loc"][0]).upper() if error["loc"] else "configuration"
        message = error["msg"].removeprefix("Value error, ")
        raise ConfigError(f"{variable}: {message}") from None
