"""The aiohttp application: REST under /api/v10, the gateway, attachment downloads.

Every REST request goes through one pipeline: injected faults, bot authentication,
body parsing (JSON, or multipart `payload_json` + `files[n]`), validation against
Discord's OpenAPI description, then the route's handler. Anything Discord would
refuse because of the bot is recorded as a violation; unknown routes too.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import hdrs, web

from bot.double.errors import INVALID_JSON, DiscordError, Violation, invalid_form_body
from bot.double.messages import Attachment

if TYPE_CHECKING:
    from bot.double.driver import DiscordDouble

log = logging.getLogger(__name__)

API_PREFIX = "/api/v10"
MAX_UPLOAD = 25 * 1024 * 1024 + 1024 * 1024  # 25 MB of files plus the JSON


def json_response(
    data: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    """JSON with Discord's exact Content-Type: discord.py only parses "application/json"."""
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={**(headers or {}), hdrs.CONTENT_TYPE: "application/json"},
    )


@dataclass
class ApiRequest:
    method: str
    route: str  # the template, e.g. "/channels/{channel_id}/messages"
    params: Mapping[str, str]
    query: Mapping[str, str]
    body: Any = None
    uploads: dict[int, Attachment] = field(default_factory=dict)  # files[n] by n
    # When the request reached the double, before it read and checked the body: what the
    # double does with a request is not the client's time.
    received_at: float = field(default_factory=time.monotonic)

    def id(self, name: str) -> int:
        return _integer(self.params[name], name)

    def number(self, name: str, default: int) -> int:
        """An integer query parameter (limit, before, after…)."""
        return _integer(self.query[name], name) if name in self.query else default


def _integer(text: str, name: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise DiscordError(
            400,
            50035,
            "Invalid Form Body",
            violation=True,
            detail=f"{name}: {text!r} is not an integer",
        ) from None


Handler = Callable[["DiscordDouble", ApiRequest], Awaitable[Any]]


@dataclass(frozen=True)
class RouteSpec:
    method: str
    template: str
    handler: Handler
    auth: bool  # interaction callbacks and webhooks authenticate by their token instead


class Routes:
    """Collects `@routes("GET", "/users/@me")` handlers of a module."""

    def __init__(self) -> None:
        self.specs: list[RouteSpec] = []

    def __call__(self, method: str, template: str, *, auth: bool = True) -> Callable:
        def register(handler: Handler) -> Handler:
            self.specs.append(RouteSpec(method, template, handler, auth))
            return handler

        return register


@dataclass(frozen=True)
class RequestRecord:
    method: str
    route: str
    path: str
    status: int
    body: Any
    at: float  # when the request reached the double (time.monotonic())


def build_app(double: DiscordDouble, routes: list[RouteSpec]) -> web.Application:
    app = web.Application(client_max_size=MAX_UPLOAD)
    for spec in routes:
        app.router.add_route(spec.method, API_PREFIX + spec.template, _pipeline(double, spec))
    app.router.add_get("/gateway", double.gateway.handle)
    app.router.add_get("/attachments/{attachment_id}/{filename}", _download(double))
    app.router.add_route("*", "/{tail:.*}", _unknown(double))
    return app


def _pipeline(double: DiscordDouble, spec: RouteSpec) -> Callable:
    async def handle(request: web.Request) -> web.StreamResponse:
        api = ApiRequest(spec.method, spec.template, request.match_info, request.query)
        injected = double.faults.take(spec.method, spec.template)
        if injected is not None:
            return _logged(double, api, request, injected)
        limit_headers: dict[str, str] = {}
        limit = double.message_limit
        if limit is not None and limit.applies(spec.method, spec.template):
            counted = limit.take(request.match_info["channel_id"], api.received_at)
            if isinstance(counted, web.Response):
                return _logged(double, api, request, counted)
            limit_headers = counted
        try:
            if spec.auth and request.headers.get(hdrs.AUTHORIZATION) != f"Bot {double.token}":
                raise DiscordError(
                    401,
                    0,
                    "401: Unauthorized",
                    violation=True,
                    detail="missing or wrong 'Authorization: Bot <token>' header",
                )
            api.body, api.uploads = await _read_body(double, request)
            if api.body is not None:
                problems = double.openapi.problems(spec.method, spec.template, api.body)
                if problems:
                    raise invalid_form_body(problems)
            result = await spec.handler(double, api)
            if spec.method != "GET":
                double.last_bot_write = time.monotonic()
        except DiscordError as error:
            if error.violation:
                double.violate(
                    Violation(spec.template, spec.method, error.detail, api.body, request.path)
                )
            result = json_response(error.body(), status=error.status)
        except Exception as error:  # a bug in the double (or a body it cannot read): loud
            log.exception("Discord double failed on %s %s", spec.method, request.path)
            double.violate(
                Violation(
                    spec.template,
                    spec.method,
                    f"internal error in the Discord double: {error!r}",
                    api.body,
                    request.path,
                )
            )
            # Not 5xx: discord.py would retry those for seconds before failing.
            result = json_response(
                {"message": "Discord double internal error", "code": 0}, status=400
            )
        if not isinstance(result, web.StreamResponse):
            result = web.Response(status=204) if result is None else json_response(result)
        result.headers.update(limit_headers)
        return _logged(double, api, request, result)

    return handle


def _logged(
    double: DiscordDouble, api: ApiRequest, request: web.Request, response: web.StreamResponse
) -> web.StreamResponse:
    double.requests.append(
        RequestRecord(
            api.method, api.route, request.path_qs, response.status, api.body, api.received_at
        )
    )
    return response


async def _read_body(
    double: DiscordDouble, request: web.Request
) -> tuple[Any, dict[int, Attachment]]:
    if not request.can_read_body:
        return None, {}
    if request.content_type == "multipart/form-data":
        return await _read_multipart(double, request)
    text = await request.text()
    if not text:
        return None, {}
    try:
        return json.loads(text), {}
    except ValueError:
        raise DiscordError(
            400, INVALID_JSON, "The request body contains invalid JSON.", violation=True
        ) from None


async def _read_multipart(
    double: DiscordDouble, request: web.Request
) -> tuple[Any, dict[int, Attachment]]:
    body: Any = None
    uploads: dict[int, Attachment] = {}
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        name = getattr(part, "name", None) or ""
        if name == "payload_json":
            try:
                body = json.loads(await part.text())  # type: ignore[union-attr]
            except ValueError:
                raise DiscordError(
                    400, INVALID_JSON, "The request body contains invalid JSON.", violation=True
                ) from None
        elif name.startswith("files[") and name.endswith("]"):
            data = await part.read(decode=False)  # type: ignore[union-attr]
            uploads[int(name[6:-1])] = Attachment(
                double.world.ids.next(),
                getattr(part, "filename", None) or f"file{len(uploads)}",
                bytes(data),
                content_type=part.headers.get(hdrs.CONTENT_TYPE),
            )
    return body, uploads


def _download(double: DiscordDouble) -> Callable:
    async def download(request: web.Request) -> web.Response:
        attachment = double.store.attachments.get(int(request.match_info["attachment_id"]))
        if attachment is None:
            return web.Response(status=404)
        return web.Response(
            body=attachment.data,
            content_type=attachment.content_type or "application/octet-stream",
        )

    return download


def _unknown(double: DiscordDouble) -> Callable:
    async def unknown(request: web.Request) -> web.Response:
        text = await request.text() if request.can_read_body else None
        message = f"no such route in the Discord double: {request.method} {request.path}"
        log.error(message)
        route = request.path.removeprefix(API_PREFIX)
        double.violate(Violation(route, request.method, message, text, request.path))
        double.requests.append(
            RequestRecord(request.method, route, request.path_qs, 404, text, time.monotonic())
        )
        return json_response({"message": "404: Not Found", "code": 0}, status=404)

    return unknown
