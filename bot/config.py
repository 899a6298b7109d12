"""Operator configuration: environment variables or a `.env` file (see `.env.example`)."""

from __future__ import annotations

import json
import re
from functools import cached_property
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.i18n import languages

DISCORD_API_BASE_URL = "https://discord.com/api/v10"
DISCORD_GATEWAY_URL = "wss://gateway.discord.gg/"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DATABASE_SCHEMES = ("sqlite+aiosqlite", "postgresql+asyncpg", "mysql+aiomysql")
# Toolforge's ToolsDB (MariaDB): its jobs get TOOL_TOOLSDB_USER and _PASSWORD.
TOOLSDB_HOST = "tools.db.svc.wikimedia.cloud"
TOOLSDB_DATABASE = "{user}__partnerbot"


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
    # NoDecode: read by _shard_ids, not as JSON only ("0" and "0,1" are what people write).
    shard_ids: Annotated[list[int] | None, NoDecode] = None
    # The wiki the directory is published to, and the host's account there: a bot password
    # (Special:BotPasswords, "User@app"). Without both, publishing is off.
    wiki_api_url: str = "https://meta.wikimedia.org/w/api.php"
    wiki_username: str | None = None
    wiki_password: str | None = Field(default=None, repr=False)
    # Who to contact about the bot's edits (Wikimedia's User-Agent policy): an e-mail
    # address or a URL; the account's user page when empty.
    wiki_contact: str = ""
    wiki_edit_interval: float = Field(default=10.0, ge=0)  # seconds between two edits
    wiki_max_retries: int = Field(default=3, ge=0)  # per request: unreachable or lagged
    tool_toolsdb_user: str | None = None
    tool_toolsdb_password: str | None = Field(default=None, repr=False)

    @model_validator(mode="before")
    @classmethod
    def _toolsdb(cls, data: Any) -> Any:
        """Without DATABASE_URL, a Toolforge job's ToolsDB credentials name the database."""
        if not isinstance(data, dict) or data.get("database_url"):
            return data
        user, password = data.get("tool_toolsdb_user"), data.get("tool_toolsdb_password")
        if user and password:
            database = TOOLSDB_DATABASE.format(user=user)
            credentials = f"{quote(user, safe='')}:{quote(password, safe='')}"
            data = data | {
                "database_url": f"mysql+aiomysql://{credentials}@{TOOLSDB_HOST}/{database}"
            }
        return data

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        scheme = urlsplit(value).scheme
        if scheme not in DATABASE_SCHEMES:
            schemes = ", ".join(f"{s}://" for s in DATABASE_SCHEMES)
            raise ValueError(f"DATABASE_URL must start with one of {schemes}; got {value!r}")
        return value

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _shard_ids(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        text = value.strip()
        if text.startswith("["):
            return json.loads(text)
        return [part for part in re.split(r"[\s,]+", text) if part] or None

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

    @field_validator("wiki_api_url")
    @classmethod
    def _wiki_url(cls, value: str) -> str:
        url = _check_url(value, ("http", "https"), "WIKI_API_URL")
        if not url.endswith("/api.php"):
            raise ValueError(f"WIKI_API_URL must end with /api.php, got {value!r}")
        return url

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

    @property
    def wiki_configured(self) -> bool:
        return bool(self.wiki_username and self.wiki_password)

    @property
    def wiki_contact_or_user_page(self) -> str:
        if self.wiki_contact:
            return self.wiki_contact
        user = (self.wiki_username or "").split("@", 1)[0].replace(" ", "_")
        return f"{self.wiki_api_url.removesuffix('/api.php')}/index.php?title=User:{user}"

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
