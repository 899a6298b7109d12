"""REST routes for the bot's identity, the gateway URL, command sync and guild reads."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.double import errors
from bot.double.command_rules import command_problems, commands_problems
from bot.double.errors import DiscordError, invalid_form_body, unknown
from bot.double.gateway import APPLICATION_FLAGS
from bot.double.server import ApiRequest, Routes, json_response
from bot.double.state import Guild

if TYPE_CHECKING:
    from bot.double.driver import DiscordDouble

routes = Routes()


@routes("GET", "/users/@me")
async def me(double: DiscordDouble, req: ApiRequest) -> Any:
    user = double.payloads.user(double.world.bot)
    return {**user, "verified": True, "mfa_enabled": False, "email": None, "locale": "en-US"}


@routes("GET", "/users/{user_id}")
async def get_user(double: DiscordDouble, req: ApiRequest) -> Any:
    user = double.world.users.get(req.id("user_id"))
    if user is None:
        raise unknown("User", errors.UNKNOWN_USER)
    return double.payloads.user(user)


def _application(double: DiscordDouble) -> dict[str, Any]:
    return {
        "id": str(double.application_id),
        "name": double.world.bot.username,
        "icon": None,
        "description": "",
        "summary": "",
        "type": None,
        "bot_public": True,
        "bot_require_code_grant": False,
        "owner": double.payloads.user(double.owner),
        "team": None,
        "verify_key": "0" * 64,
        "flags": APPLICATION_FLAGS,
        "bot": double.payloads.user(double.world.bot),
        "install_params": {"scopes": ["bot", "applications.commands"], "permissions": "0"},
        "integration_types_config": {"0": {}},
        "approximate_guild_count": len(double.world.guilds),
        "redirect_uris": [],
        "interactions_endpoint_url": None,
        "tags": [],
    }


@routes("GET", "/oauth2/applications/@me")
async def oauth_application(double: DiscordDouble, req: ApiRequest) -> Any:
    return _application(double)


@routes("GET", "/applications/@me")
async def application(double: DiscordDouble, req: ApiRequest) -> Any:
    return _application(double)


@routes("GET", "/gateway")
async def gateway(double: DiscordDouble, req: ApiRequest) -> Any:
    return {"url": double.gateway_url}


@routes("GET", "/gateway/bot")
async def gateway_bot(double: DiscordDouble, req: ApiRequest) -> Any:
    return {
        "url": double.gateway_url,
        "shards": double.recommended_shards,
        "session_start_limit": {
            "total": 1000,
            "remaining": 999,
            "reset_after": 86400000,
            "max_concurrency": 1,
        },
    }


# --- guild reads ---------------------------------------------------------------------------


def guild_for(double: DiscordDouble, req: ApiRequest) -> Guild:
    guild = double.world.guilds.get(req.id("guild_id"))
    if guild is None:
        raise DiscordError(403, errors.MISSING_ACCESS, "Missing Access")
    return guild


@routes("GET", "/guilds/{guild_id}")
async def get_guild(double: DiscordDouble, req: ApiRequest) -> Any:
    guild = guild_for(double, req)
    return {**double.payloads.guild(guild), "approximate_member_count": len(guild.members)}


@routes("GET", "/guilds/{guild_id}/channels")
async def get_channels(double: DiscordDouble, req: ApiRequest) -> Any:
    guild = guild_for(double, req)
    return [double.payloads.channel(c) for c in guild.channels.values() if not c.deleted]


@routes("GET", "/guilds/{guild_id}/roles")
async def get_roles(double: DiscordDouble, req: ApiRequest) -> Any:
    return [double.payloads.role(r) for r in guild_for(double, req).roles.values()]


@routes("GET", "/guilds/{guild_id}/members/{user_id}")
async def get_member(double: DiscordDouble, req: ApiRequest) -> Any:
    member = guild_for(double, req).members.get(req.id("user_id"))
    if member is None:
        raise unknown("Member", errors.UNKNOWN_MEMBER)
    return double.payloads.member(member)


# --- application commands ------------------------------------------------------------------

_GLOBAL = "/applications/{application_id}/commands"
_GUILD = "/applications/{application_id}/guilds/{guild_id}/commands"


def _scope(double: DiscordDouble, req: ApiRequest) -> int | None:
    if req.id("application_id") != double.application_id:
        raise DiscordError(
            403,
            errors.MISSING_ACCESS,
            "Missing Access",
            violation=True,
            detail=f"application id {req.params['application_id']} is not the "
            f"bot's ({double.application_id})",
        )
    return guild_for(double, req).id if "guild_id" in req.params else None


def _command(double: DiscordDouble, req: ApiRequest, scope: int | None) -> dict[str, Any]:
    command = double.commands.get(scope, req.id("command_id"))
    if command is None:
        raise unknown("application command", errors.UNKNOWN_COMMAND)
    return command


async def list_commands(double: DiscordDouble, req: ApiRequest) -> Any:
    return double.commands.list(_scope(double, req))


async def overwrite_commands(double: DiscordDouble, req: ApiRequest) -> Any:
    scope = _scope(double, req)
    bodies = req.body or []
    if problems := commands_problems(bodies):
        raise invalid_form_body(problems)
    return double.commands.overwrite(scope, bodies)


async def create_command(double: DiscordDouble, req: ApiRequest) -> Any:
    scope = _scope(double, req)
    if problems := command_problems(req.body or {}):
        raise invalid_form_body(problems)
    stored, created = double.commands.upsert(scope, req.body)
    return json_response(stored, status=201 if created else 200)


async def get_command(double: DiscordDouble, req: ApiRequest) -> Any:
    return _command(double, req, _scope(double, req))


async def edit_command(double: DiscordDouble, req: ApiRequest) -> Any:
    scope = _scope(double, req)
    merged = {**_command(double, req, scope), **(req.body or {})}
    if problems := command_problems(merged):
        raise invalid_form_body(problems)
    return double.commands.edit(scope, req.id("command_id"), req.body or {})


async def delete_command(double: DiscordDouble, req: ApiRequest) -> None:
    scope = _scope(double, req)
    _command(double, req, scope)
    double.commands.delete(scope, req.id("command_id"))


@routes("GET", _GUILD + "/permissions")
async def command_permissions(double: DiscordDouble, req: ApiRequest) -> Any:
    _scope(double, req)
    return []


# After the literal "/permissions" route above, which "{command_id}" would shadow.
for _base in (_GLOBAL, _GUILD):
    routes("GET", _base)(list_commands)
    routes("PUT", _base)(overwrite_commands)
    routes("POST", _base)(create_command)
    routes("GET", _base + "/{command_id}")(get_command)
    routes("PATCH", _base + "/{command_id}")(edit_command)
    routes("DELETE", _base + "/{command_id}")(delete_command)
