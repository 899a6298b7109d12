"""Interaction callbacks (every type), follow-ups, and @original / follow-up edits.

Discord's rules enforced here: one acknowledgement per interaction (40060), the
first one within the deadline (else 10062), only callback types that fit the
interaction, follow-ups and edits only after the acknowledgement and within the
token's 15 minutes. After a deferred message (type 5), the first follow-up
replaces the "thinking" message, as Discord does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.double import errors
from bot.double.component_rules import modal_problems
from bot.double.errors import DiscordError, Problem, invalid_form_body
from bot.double.interactions import (
    ALLOWED_CALLBACKS,
    APPLICATION_COMMAND,
    Interaction,
    Response,
)
from bot.double.messages import EPHEMERAL, LOADING, Message
from bot.double.rest_messages import checked_message
from bot.double.rules import autocomplete_problems
from bot.double.server import ApiRequest, Routes
from bot.double.state import Member

if TYPE_CHECKING:
    from bot.double.driver import DiscordDouble

routes = Routes()
MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE, CHOICES, MODAL = 4, 5, 6, 7, 8, 9


def _metadata(double: DiscordDouble, ix: Interaction) -> dict[str, Any]:
    """interaction_metadata of a message sent in answer to an interaction."""
    user = ix.user.user if isinstance(ix.user, Member) else ix.user
    data: dict[str, Any] = {
        "id": str(ix.id),
        "type": ix.type,
        "user": double.payloads.user(user),
        "authorizing_integration_owners": ix.payload.get("authorizing_integration_owners", {}),
    }
    if ix.type == APPLICATION_COMMAND:
        data["name"] = ix.payload["data"]["name"]
        data["command_type"] = 1
    if ix.message is not None:
        data["interacted_message_id"] = str(ix.message.id)
    return data


@routes("POST", "/interactions/{interaction_id}/{interaction_token}/callback", auth=False)
async def callback(double: DiscordDouble, req: ApiRequest) -> Any:
    ix = double.interactions.get(req.id("interaction_id"))
    if ix is None or ix.token != req.params["interaction_token"]:
        raise DiscordError(
            404,
            errors.UNKNOWN_INTERACTION,
            "Unknown interaction",
            violation=True,
            detail="no interaction with this id and token",
        )
    if ix.acknowledgements:
        raise DiscordError(
            400,
            errors.ALREADY_ACKNOWLEDGED,
            "Interaction has already been acknowledged.",
            violation=True,
        )
    if ix.late(req.received_at):
        raise DiscordError(
            404,
            errors.UNKNOWN_INTERACTION,
            "Unknown interaction",
            violation=True,
            detail=f"first response came after the {double.response_deadline:g} s deadline",
        )
    body = req.body if isinstance(req.body, dict) else {}
    kind = body.get("type")
    if kind not in ALLOWED_CALLBACKS[ix.type] or (
        kind in (DEFERRED_UPDATE, UPDATE) and ix.message is None
    ):
        raise invalid_form_body(
            [
                Problem(
                    ("type",),
                    f"Callback type {kind} cannot answer an interaction of type {ix.type}",
                    "INTERACTION_RESPONSE_TYPE_INVALID",
                )
            ]
        )
    data = body.get("data") or {}
    response = _respond(double, ix, kind, data, req)
    ix.acknowledge(response, received_at=req.received_at)
    if req.query.get("with_response", "").lower() not in ("1", "true"):
        return None
    message = response.message
    result: dict[str, Any] = {
        "interaction": {
            "id": str(ix.id),
            "type": ix.type,
            "response_message_loading": kind == DEFERRED_MESSAGE,
            "response_message_ephemeral": response.ephemeral,
        },
        "resource": {"type": kind},
    }
    if message is not None:
        result["interaction"]["response_message_id"] = str(message.id)
        if kind in (MESSAGE, DEFERRED_MESSAGE, UPDATE):
            result["resource"]["message"] = double.payloads.message(message)
    return result


def _respond(
    double: DiscordDouble, ix: Interaction, kind: int, data: dict[str, Any], req: ApiRequest
) -> Response:
    if kind == CHOICES:
        if problems := autocomplete_problems(data, ix.focused_type or 3):
            raise invalid_form_body(problems)
        return Response(kind, choices=list(data.get("choices") or []))
    if kind == MODAL:
        if problems := modal_problems(data):
            raise invalid_form_body(problems)
        return Response(kind, modal=data)
    if kind in (DEFERRED_UPDATE, UPDATE):
        assert ix.message is not None
        if kind == UPDATE:
            body = checked_message(data, req.uploads, creating=False, prefix=("data",))
            double.store.apply(ix.message, body, req.uploads, editing=True)
            double.announce("MESSAGE_UPDATE", ix.message)
        ix.original_message = ix.message
        return Response(kind, message=ix.message)
    if kind == MESSAGE:
        body = checked_message(data, req.uploads, creating=True, prefix=("data",))
        flags = 0
    else:
        body, flags = {}, LOADING | ((data.get("flags") or 0) & EPHEMERAL)
    message = double.store.create(
        ix.channel,
        double.world.bot,
        body,
        req.uploads,
        kind="response",
        flags=flags,
        webhook_id=double.application_id,
        interaction=_metadata(double, ix),
        interaction_id=ix.id,
        type=20 if ix.type == APPLICATION_COMMAND else 0,
    )
    ix.original_message = message
    double.announce("MESSAGE_CREATE", message)
    return Response(kind, message=message)


# --- follow-ups and edits through the interaction webhook ----------------------------------

_WEBHOOK = "/webhooks/{webhook_id}/{webhook_token}"


def _interaction_for(double: DiscordDouble, req: ApiRequest) -> Interaction:
    ix = double.interaction_by_token(req.params["webhook_token"])
    if ix is None or req.id("webhook_id") != double.application_id:
        raise DiscordError(404, errors.UNKNOWN_WEBHOOK, "Unknown Webhook", violation=True)
    if ix.expired():
        raise DiscordError(
            401,
            errors.INVALID_WEBHOOK_TOKEN,
            "Invalid Webhook Token",
            violation=True,
            detail="interaction token older than 15 minutes",
        )
    if not ix.acknowledgements:
        raise DiscordError(
            404,
            errors.UNKNOWN_WEBHOOK,
            "Unknown Webhook",
            violation=True,
            detail="follow-up or edit before the interaction was acknowledged",
        )
    return ix


def _target(double: DiscordDouble, req: ApiRequest, ix: Interaction) -> Message:
    wanted = req.params.get("message_id", "@original")
    if wanted == "@original":
        message = ix.original_message
    else:
        message = next(
            (
                m
                for m in [ix.original_message, *ix.followups]
                if m is not None and str(m.id) == wanted
            ),
            None,
        )
    if message is None or message.deleted:
        raise DiscordError(
            404,
            errors.UNKNOWN_MESSAGE,
            "Unknown Message",
            violation=True,
            detail=f"interaction {ix.id} has no message {wanted}",
        )
    return message


@routes("POST", _WEBHOOK, auth=False)
async def followup(double: DiscordDouble, req: ApiRequest) -> Any:
    ix = _interaction_for(double, req)
    body = checked_message(req.body, req.uploads, creating=True)
    original = ix.original_message
    if original is not None and original.loading:
        double.store.apply(original, body, req.uploads, editing=True)
        message = original
        double.announce("MESSAGE_UPDATE", message)
    else:
        message = double.store.create(
            ix.channel,
            double.world.bot,
            body,
            req.uploads,
            kind="followup",
            webhook_id=double.application_id,
            interaction=_metadata(double, ix),
            interaction_id=ix.id,
        )
        double.announce("MESSAGE_CREATE", message)
    ix.followups.append(message)
    double.world.changed.notify()
    if req.query.get("wait", "").lower() in ("1", "true"):
        return double.payloads.message(message)
    return None


async def get_webhook_message(double: DiscordDouble, req: ApiRequest) -> Any:
    return double.payloads.message(_target(double, req, _interaction_for(double, req)))


async def edit_webhook_message(double: DiscordDouble, req: ApiRequest) -> Any:
    message = _target(double, req, _interaction_for(double, req))
    body = checked_message(req.body, req.uploads, creating=False)
    double.store.apply(message, body, req.uploads, editing=True)
    double.announce("MESSAGE_UPDATE", message)
    return double.payloads.message(message)


async def delete_webhook_message(double: DiscordDouble, req: ApiRequest) -> None:
    message = _target(double, req, _interaction_for(double, req))
    double.store.delete(message)
    double.announce_delete(message)


# "@original" first: the "{message_id}" template would shadow it.
for _path in (_WEBHOOK + "/messages/@original", _WEBHOOK + "/messages/{message_id}"):
    routes("GET", _path, auth=False)(get_webhook_message)
    routes("PATCH", _path, auth=False)(edit_webhook_message)
    routes("DELETE", _path, auth=False)(delete_webhook_message)
