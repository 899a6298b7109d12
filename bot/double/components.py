"""Using a message's components and a modal as a Discord client would: button clicks,
select choices and modal submissions, refused (`ClientRefused`) where the UI would not
allow them (no such component, disabled, link button, wrong number of values…).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.double.commands import ClientRefused, Resolver
from bot.double.messages import Message
from bot.double.state import Channel, Member, Role, User

BUTTON, STRING_SELECT, TEXT_INPUT, USER_SELECT, ROLE_SELECT = 2, 3, 4, 5, 6
MENTIONABLE_SELECT, CHANNEL_SELECT, TEXT_DISPLAY, LABEL = 7, 8, 10, 18
SELECTS = {STRING_SELECT, USER_SELECT, ROLE_SELECT, MENTIONABLE_SELECT, CHANNEL_SELECT}
_SELECT_VALUE_TYPES: dict[int, tuple[type, ...]] = {
    USER_SELECT: (Member, User),
    ROLE_SELECT: (Role,),
    MENTIONABLE_SELECT: (Member, User, Role),
    CHANNEL_SELECT: (Channel,),
}


def _usable(message: Message, custom_id: str, user: Member | User) -> dict[str, Any]:
    if message.deleted:
        raise ClientRefused(f"message {message.id} was deleted")
    if message.ephemeral and message.interaction is not None:
        plain = user.user if isinstance(user, Member) else user
        if message.interaction["user"]["id"] != str(plain.id):
            raise ClientRefused("only the user who ran the command sees this ephemeral message")
    component = message.component(custom_id)
    if component is None:
        found = [c.get("custom_id") for c in message.walk_components() if c.get("custom_id")]
        raise ClientRefused(f"message {message.id} has no component {custom_id!r}; it has {found}")
    if component.get("disabled"):
        raise ClientRefused(f"component {custom_id!r} is disabled")
    return component


def click_data(message: Message, custom_id: str, user: Member | User) -> dict[str, Any]:
    component = _usable(message, custom_id, user)
    if component.get("type") != BUTTON:
        raise ClientRefused(f"component {custom_id!r} is not a button")
    data: dict[str, Any] = {"custom_id": custom_id, "component_type": BUTTON}
    if "id" in component:
        data["id"] = component["id"]
    return data


def _select_values(
    component: dict[str, Any], values: Sequence[Any], resolver: Resolver
) -> list[str]:
    custom_id = component.get("custom_id")
    low = component.get("min_values")
    high = component.get("max_values")
    low, high = (1 if low is None else low), (1 if high is None else high)
    if not low <= len(values) <= high:
        raise ClientRefused(f"select {custom_id!r} takes {low}-{high} values, got {len(values)}")
    kind = component["type"]
    if kind == STRING_SELECT:
        offered = [o["value"] for o in component.get("options") or []]
        for value in values:
            if value not in offered:
                raise ClientRefused(f"{value!r} is not an option of {custom_id!r}: {offered}")
        return [str(v) for v in values]
    expected = _SELECT_VALUE_TYPES[kind]
    chosen = []
    for value in values:
        if not isinstance(value, expected):
            raise ClientRefused(f"select {custom_id!r} takes {expected[0].__name__} values")
        types = component.get("channel_types")
        if isinstance(value, Channel) and types is not None and value.type not in types:
            raise ClientRefused(f"select {custom_id!r} does not offer that channel type")
        chosen.append(resolver.add(kind, value))
    return chosen


def select_data(
    message: Message,
    custom_id: str,
    values: Sequence[Any],
    user: Member | User,
    resolver: Resolver,
) -> dict[str, Any]:
    component = _usable(message, custom_id, user)
    if component.get("type") not in SELECTS:
        raise ClientRefused(f"component {custom_id!r} is not a select menu")
    data: dict[str, Any] = {
        "custom_id": custom_id,
        "component_type": component["type"],
        "values": _select_values(component, values, resolver),
    }
    if "id" in component:
        data["id"] = component["id"]
    return data


def modal_submit_data(
    modal: dict[str, Any], values: Mapping[str, Any], resolver: Resolver
) -> dict[str, Any]:
    """Type-5 data for a modal the bot sent, filled in with `values`.

    Keys are custom_ids or, as a person sees the form, field labels (discord.py
    generates random custom_ids for text inputs unless the bot sets them).
    """
    known: set[str] = set()

    def submit(item: dict[str, Any], label: str | None) -> dict[str, Any]:
        custom_id = item["custom_id"]
        label = label or item.get("label")
        known.update(k for k in (custom_id, label) if k)
        key = custom_id if custom_id in values else label
        out: dict[str, Any] = {"type": item["type"], "custom_id": custom_id}
        if "id" in item:
            out["id"] = item["id"]
        if item["type"] == TEXT_INPUT:
            value = str(values[key]) if key in values else item.get("value") or ""
            required = item.get("required", True) is not False
            if required and not value:
                raise ClientRefused(f"text input {label or custom_id!r} is required")
            low, high = item.get("min_length") or 0, item.get("max_length") or 4000
            if value and not low <= len(value) <= high:
                raise ClientRefused(
                    f"text input {label or custom_id!r} takes {low}-{high} characters"
                )
            out["value"] = value
        elif item["type"] in SELECTS:
            out["values"] = _select_values(item, list(values.get(key, [])), resolver)
        else:
            raise ClientRefused(f"modal component type {item['type']} is not supported")
        return out

    components: list[dict[str, Any]] = []
    for component in modal.get("components") or []:
        kind = component.get("type")
        head = {"type": kind, **({"id": component["id"]} if "id" in component else {})}
        if kind == 1:
            children = [submit(c, None) for c in component["components"]]
            components.append({**head, "components": children})
        elif kind == LABEL:
            components.append(
                {**head, "component": submit(component["component"], component.get("label"))}
            )
        elif kind == TEXT_DISPLAY:
            components.append(head)
    unknown = set(values) - known
    if unknown:
        raise ClientRefused(f"the modal has no fields {sorted(unknown)}; it has {sorted(known)}")
    return {"custom_id": modal["custom_id"], "components": components}
