"""Discord's component and modal rules beyond its OpenAPI description: rows, widths,
button kinds, select options, unique custom_ids, modal layout and text inputs.

Source: discord.com/developers/docs/components/reference.
"""

from __future__ import annotations

from typing import Any

from bot.double.errors import Path, Problem, required_text, too_long

ACTION_ROWS_MAX = 5
ROW_BUTTONS_MAX = 5
CUSTOM_ID_MAX = 100
BUTTON_LABEL_MAX = 80
SELECT_OPTIONS_MAX = 25
SELECT_TEXT_MAX = 100
PLACEHOLDER_MAX = 150
COMPONENTS_V2_TOTAL_MAX = 40
MODAL_TITLE_MAX = 45
MODAL_COMPONENTS_MAX = 5
TEXT_INPUT_LABEL_MAX = 45
TEXT_INPUT_VALUE_MAX = 4000
TEXT_INPUT_PLACEHOLDER_MAX = 100

IS_COMPONENTS_V2 = 1 << 15
SELECT_TYPES = {3, 5, 6, 7, 8}
BUTTON, STRING_SELECT, TEXT_INPUT, LABEL = 2, 3, 4, 18
LINK_STYLE, PREMIUM_STYLE = 5, 6


def components_problems(components: list[Any], path: Path, *, v2: bool) -> list[Problem]:
    problems: list[Problem] = []
    if not v2:
        problems += too_long(path, components, ACTION_ROWS_MAX)
    elif _count(components) > COMPONENTS_V2_TOTAL_MAX:
        problems.append(Problem(path, f"Must have {COMPONENTS_V2_TOTAL_MAX} or fewer components"))
    seen: set[str] = set()
    for index, component in enumerate(components):
        if not isinstance(component, dict):
            continue
        if not v2 and component.get("type") != 1:
            problems.append(
                Problem(
                    (*path, index, "type"),
                    "Top-level components must be action rows without IS_COMPONENTS_V2",
                    "COMPONENT_LAYOUT_INVALID",
                )
            )
        problems += _component_problems(component, (*path, index), seen)
    return problems


def _count(components: list[Any]) -> int:
    total = 0
    for component in components:
        if isinstance(component, dict):
            total += 1 + _count(component.get("components") or [])
            if isinstance(component.get("accessory"), dict):
                total += 1
    return total


def _component_problems(component: dict[str, Any], path: Path, seen: set[str]) -> list[Problem]:
    kind = component.get("type")
    problems: list[Problem] = []
    custom_id = component.get("custom_id")
    if custom_id is not None:
        problems += too_long((*path, "custom_id"), custom_id, CUSTOM_ID_MAX)
        if custom_id in seen:
            problems.append(
                Problem(
                    (*path, "custom_id"),
                    f"Duplicate custom_id {custom_id!r}",
                    "COMPONENT_CUSTOM_ID_DUPLICATED",
                )
            )
        seen.add(custom_id)
    if kind == 1:
        children = component.get("components") or []
        problems += _row_problems(children, path)
        for index, child in enumerate(children):
            if isinstance(child, dict):
                problems += _component_problems(child, (*path, "components", index), seen)
    elif kind == BUTTON:
        problems += _button_problems(component, path)
    elif kind in SELECT_TYPES:
        problems += _select_problems(component, path)
    else:
        for key in ("components",):
            for index, child in enumerate(component.get(key) or []):
                if isinstance(child, dict):
                    problems += _component_problems(child, (*path, key, index), seen)
        if isinstance(component.get("accessory"), dict):
            problems += _component_problems(component["accessory"], (*path, "accessory"), seen)
    return problems


def _row_problems(children: list[Any], path: Path) -> list[Problem]:
    kinds = [c.get("type") for c in children if isinstance(c, dict)]
    if any(k in SELECT_TYPES for k in kinds) and len(kinds) > 1:
        return [
            Problem(
                (*path, "components"),
                "A select menu must be alone in its action row",
                "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
            )
        ]
    if kinds.count(BUTTON) > ROW_BUTTONS_MAX:
        return [
            Problem(
                (*path, "components"),
                f"An action row holds at most {ROW_BUTTONS_MAX} buttons",
                "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
            )
        ]
    if any(k in (1, TEXT_INPUT) for k in kinds):
        return [
            Problem(
                (*path, "components"),
                "Invalid component inside a message action row",
                "COMPONENT_LAYOUT_INVALID",
            )
        ]
    return []


def _button_problems(button: dict[str, Any], path: Path) -> list[Problem]:
    problems = too_long((*path, "label"), button.get("label"), BUTTON_LABEL_MAX)
    style = button.get("style")
    if style == LINK_STYLE:
        if not button.get("url") or button.get("custom_id") is not None:
            problems.append(
                Problem(
                    path, "A link button needs a url and no custom_id", "BUTTON_COMPONENT_INVALID"
                )
            )
    elif style == PREMIUM_STYLE:
        if not button.get("sku_id"):
            problems.append(
                Problem(path, "A premium button needs a sku_id", "BUTTON_COMPONENT_INVALID")
            )
    elif not button.get("custom_id") or button.get("url") is not None:
        problems.append(
            Problem(
                path, "A non-link button needs a custom_id and no url", "BUTTON_COMPONENT_INVALID"
            )
        )
    if style != PREMIUM_STYLE and not button.get("label") and not button.get("emoji"):
        problems.append(
            Problem(path, "A button needs a label or an emoji", "BUTTON_COMPONENT_INVALID")
        )
    return problems


def _select_problems(select: dict[str, Any], path: Path) -> list[Problem]:
    problems = required_text((*path, "custom_id"), select.get("custom_id"), CUSTOM_ID_MAX)
    problems += too_long((*path, "placeholder"), select.get("placeholder"), PLACEHOLDER_MAX)
    low, high = select.get("min_values"), select.get("max_values")
    low = 1 if low is None else low
    high = 1 if high is None else high
    if low > high:
        problems.append(Problem((*path, "min_values"), "min_values must not exceed max_values"))
    if select.get("type") != STRING_SELECT:
        return problems
    options = select.get("options") or []
    if not 1 <= len(options) <= SELECT_OPTIONS_MAX:
        problems.append(
            Problem(
                (*path, "options"),
                f"Must have between 1 and {SELECT_OPTIONS_MAX} options (got {len(options)})",
                "BASE_TYPE_BAD_LENGTH",
            )
        )
    if high > len(options):
        problems.append(
            Problem((*path, "max_values"), "max_values must not exceed the number of options")
        )
    values = set()
    for index, option in enumerate(options):
        if not isinstance(option, dict):
            continue
        where = (*path, "options", index)
        problems += required_text((*where, "label"), option.get("label"), SELECT_TEXT_MAX)
        problems += required_text((*where, "value"), option.get("value"), SELECT_TEXT_MAX)
        problems += too_long((*where, "description"), option.get("description"), SELECT_TEXT_MAX)
        if option.get("value") in values:
            problems.append(
                Problem(
                    (*where, "value"),
                    "Option values must be unique",
                    "SELECT_COMPONENT_OPTION_VALUE_DUPLICATED",
                )
            )
        values.add(option.get("value"))
    return problems


# --- modals ----------------------------------------------------------------------------------


def modal_problems(data: dict[str, Any], prefix: Path = ("data",)) -> list[Problem]:
    problems = required_text((*prefix, "title"), data.get("title"), MODAL_TITLE_MAX)
    problems += required_text((*prefix, "custom_id"), data.get("custom_id"), CUSTOM_ID_MAX)
    components = data.get("components") or []
    if not 1 <= len(components) <= MODAL_COMPONENTS_MAX:
        problems.append(
            Problem(
                (*prefix, "components"),
                f"Must have between 1 and {MODAL_COMPONENTS_MAX} components "
                f"(got {len(components)})",
                "BASE_TYPE_BAD_LENGTH",
            )
        )
    seen: set[str] = set()
    for index, component in enumerate(components):
        path = (*prefix, "components", index)
        if not isinstance(component, dict):
            continue
        if component.get("type") == 1:
            children = component.get("components") or []
            if len(children) != 1:
                problems.append(
                    Problem(
                        path,
                        "A modal action row holds exactly one text input",
                        "COMPONENT_LAYOUT_INVALID",
                    )
                )
            for child_index, child in enumerate(children):
                problems += _modal_item(
                    (*path, "components", child_index), child, seen, labelled=False
                )
        elif component.get("type") == LABEL:
            problems += required_text(
                (*path, "label"), component.get("label"), TEXT_INPUT_LABEL_MAX
            )
            problems += too_long(
                (*path, "description"), component.get("description"), SELECT_TEXT_MAX
            )
            problems += _modal_item(
                (*path, "component"), component.get("component"), seen, labelled=True
            )
    return problems


def _modal_item(path: Path, item: Any, seen: set[str], *, labelled: bool) -> list[Problem]:
    if not isinstance(item, dict):
        return [Problem(path, "This field is required", "BASE_TYPE_REQUIRED")]
    problems = required_text((*path, "custom_id"), item.get("custom_id"), CUSTOM_ID_MAX)
    if item.get("custom_id") in seen:
        problems.append(
            Problem((*path, "custom_id"), "Duplicate custom_id", "COMPONENT_CUSTOM_ID_DUPLICATED")
        )
    seen.add(item.get("custom_id"))
    if item.get("type") != TEXT_INPUT:
        return (
            problems
            if labelled
            else [
                *problems,
                Problem(
                    path,
                    "Only text inputs may sit in a modal action row",
                    "COMPONENT_LAYOUT_INVALID",
                ),
            ]
        )
    if labelled:  # the Label carries the text; a label here is the deprecated field
        problems += too_long((*path, "label"), item.get("label"), TEXT_INPUT_LABEL_MAX)
    else:
        problems += required_text((*path, "label"), item.get("label"), TEXT_INPUT_LABEL_MAX)
    problems += too_long((*path, "value"), item.get("value"), TEXT_INPUT_VALUE_MAX)
    problems += too_long(
        (*path, "placeholder"), item.get("placeholder"), TEXT_INPUT_PLACEHOLDER_MAX
    )
    low, high = item.get("min_length"), item.get("max_length")
    if low is not None and high is not None and low > high:
        problems.append(Problem((*path, "min_length"), "min_length must not exceed max_length"))
    return problems
