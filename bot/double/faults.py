"""Injected REST failures: rate limits (429 with retry_after) and 5xx bursts, per route."""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

from aiohttp import web

from bot.double.ratelimits import too_many_requests
from bot.double.server import json_response


@dataclass
class Fault:
    pattern: str  # "POST /channels/{channel_id}/messages", a template alone, or a glob
    status: int
    remaining: int
    retry_after: float | None = None
    is_global: bool = False

    def matches(self, method: str, route: str) -> bool:
        if " " in self.pattern:
            return fnmatchcase(f"{method} {route}", self.pattern)
        return fnmatchcase(route, self.pattern)


@dataclass(frozen=True)
class ServedFault:
    method: str
    route: str
    status: int


class Faults:
    def __init__(self) -> None:
        self.pending: list[Fault] = []
        self.served: list[ServedFault] = []

    def add(self, fault: Fault) -> None:
        self.pending.append(fault)

    def take(self, method: str, route: str) -> web.Response | None:
        """The injected failure for this request, if one is due (and use it up)."""
        fault = next((f for f in self.pending if f.matches(method, route)), None)
        if fault is None:
            return None
        fault.remaining -= 1
        if fault.remaining <= 0:
            self.pending.remove(fault)
        self.served.append(ServedFault(method, route, fault.status))
        if fault.status == 429:
            return _rate_limited(fault)
        return json_response(
            {"message": f"{fault.status}: Injected failure", "code": 0}, status=fault.status
        )


def _rate_limited(fault: Fault) -> web.Response:
    retry_after = 1.0 if fault.retry_after is None else fault.retry_after
    if fault.is_global:
        return too_many_requests(retry_after, is_global=True)
    headers = {
        "X-RateLimit-Limit": "5",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset-After": f"{retry_after:.3f}",
        "X-RateLimit-Bucket": "double-injected",
    }
    return too_many_requests(retry_after, headers=headers)
