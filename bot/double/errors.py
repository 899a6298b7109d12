"""What the double reports: problems in a request, recorded violations, Discord's error bodies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a request body, at a JSON path (e.g. ("embeds", 0, "title"))."""

    path: Path
    message: str
    code: str = "BASE_TYPE_INVALID"

    def describe(self) -> str:
        where = ".".join(str(part) for part in self.path) or "(body)"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Violation:
    """A request Discord would have refused, or a rule the bot broke (late or double reply)."""

    route: str  # the route template, e.g. "/channels/{channel_id}/messages"
    method: str
    message: str
    body: Any = None
    path: str = ""  # the request's actual path

    def __str__(self) -> str:
        return f"{self.method} {self.route}: {self.message}"


class DiscordError(Exception):
    """An error answer in Discord's shape; `violation` marks it as the bot's fault."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        *,
        errors: dict[str, Any] | None = None,
        violation: bool = False,
        detail: str | None = None,
    ) -> None:
        super().__init__(detail or message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors
        self.violation = violation
        self.detail = detail or message

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors is not None:
            body["errors"] = self.errors
        return body


def too_long(path: Path, value: Any, limit: int) -> list[Problem]:
    """A problem if the string or list is longer than `limit`."""
    if isinstance(value, str | list) and len(value) > limit:
        return [
            Problem(
                path,
                f"Must be {limit} or fewer in length. (got {len(value)})",
                "BASE_TYPE_MAX_LENGTH",
            )
        ]
    return []


def required_text(path: Path, value: Any, limit: int) -> list[Problem]:
    """A problem if the text is missing, blank, or longer than `limit`."""
    if not isinstance(value, str) or not value.strip():
        return [Problem(path, "This field is required", "BASE_TYPE_REQUIRED")]
    return too_long(path, value, limit)


def invalid_form_body(problems: list[Problem]) -> DiscordError:
    """400 / 50035 with the nested `errors` object Discord builds from field paths."""
    errors: dict[str, Any] = {}
    for problem in problems:
        node = errors
        for part in problem.path:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": problem.code, "message": problem.message})
    return DiscordError(
        400,
        50035,
        "Invalid Form Body",
        errors=errors,
        violation=True,
        detail="; ".join(p.describe() for p in problems),
    )


def unknown(what: str, code: int) -> DiscordError:
    """404 for a missing object: Unknown Channel (10003), Unknown Message (10008)…"""
    return DiscordError(404, code, f"Unknown {what}")


ALREADY_ACKNOWLEDGED = 40060
UNKNOWN_INTERACTION = 10062
UNKNOWN_WEBHOOK = 10015
UNKNOWN_CHANNEL = 10003
UNKNOWN_MESSAGE = 10008
UNKNOWN_USER = 10013
UNKNOWN_MEMBER = 10007
UNKNOWN_COMMAND = 10063
MISSING_ACCESS = 50001
MISSING_PERMISSIONS = 50013
CANNOT_DM = 50007
CANNOT_EDIT_OTHERS = 50005
EMPTY_MESSAGE = 50006
INVALID_WEBHOOK_TOKEN = 50027
INVALID_JSON = 50109
THREAD_ALREADY_CREATED = 160004
THREAD_LOCKED = 160005
