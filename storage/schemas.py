"""Validated input shapes. Table models skip validation, so every write goes through these.

Limits follow Discord's: a name fits an autocomplete choice (100) and an embed
title (256); long texts fit an embed field (1,024) or description (4,096).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from storage.errors import InvalidInput
from storage.models import Area, EntryKind, Status, Steward

NAME_MAX = 100
PARTNERS_MAX = 500
SUMMARY_MAX = 1500
MEASURES_MAX = 1000
FUNDER_MAX = 200
CHAPTER_MAX = 100
REASON_MAX = 1000
LINK_MAX = 300
LINKS_MAX = 5
OUTCOMES_MAX = 1000

_LIMITS = {
    "name": NAME_MAX,
    "partners": PARTNERS_MAX,
    "summary": SUMMARY_MAX,
    "success_measures": MEASURES_MAX,
    "funder": FUNDER_MAX,
    "chapter_name": CHAPTER_MAX,
    "rejection_reason": REASON_MAX,
    "outcomes": OUTCOMES_MAX,
    "lessons": OUTCOMES_MAX,
}


def _clean(value: str | None) -> str | None:
    """Strip, drop NUL and other control characters but newlines and tabs."""
    if value is None:
        return None
    if not value.replace("\n", "").replace("\t", "").isprintable():  # else nothing to drop
        value = "".join(ch for ch in value if ch in "\n\t" or ch.isprintable() or ch == " ")
    return value.strip() or None


def _is_link(text: str) -> bool:
    parts = urlsplit(text)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and len(text) <= LINK_MAX


def clean_links(value: Any) -> list[str]:
    """Links as typed in a form (one per line, or several on a line between spaces) or as
    a list; a refusal names the line, and shows it whole ("not a link at all")."""
    if value is None or value == "":
        return []
    links: list[str] = []
    if isinstance(value, str):
        lines = value.splitlines()
        for number, line in enumerate(lines, start=1):
            words = line.split()
            if not all(map(_is_link, words)):
                if len(lines) == 1:
                    raise InvalidInput("links", "error-bad-link", line.strip()[:80])
                raise InvalidInput("links", "error-bad-link-line", number, line.strip()[:80])
            links += words
    else:
        links = [str(item).strip() for item in value if str(item).strip()]
        for link in links:
            if not _is_link(link):
                raise InvalidInput("links", "error-bad-link", link[:80])
    if len(links) > LINKS_MAX:
        raise InvalidInput("links", "error-too-many-links", LINKS_MAX)
    return links


class _Input(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, use_enum_values=False)

    @field_validator("*", mode="before")
    @classmethod
    def _strings(cls, value: Any, info: Any) -> Any:
        if isinstance(value, str) and info.field_name != "links":
            value = _clean(value)
            limit = _LIMITS.get(info.field_name)
            if value is not None and limit is not None and len(value) > limit:
                raise InvalidInput(info.field_name, "error-too-long", limit, len(value))
            if info.field_name == "name" and value is not None and "\n" in value:
                raise InvalidInput("name", "error-one-line")
        return value

    @field_validator("links", mode="before", check_fields=False)
    @classmethod
    def _links(cls, value: Any) -> list[str]:
        return clean_links(value)

    @field_validator("reporting_due_at", check_fields=False)
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise InvalidInput("reporting_due_at", "error-bad-date")
        return value

    @classmethod
    def parse(cls, **values: Any) -> Self:
        """Validate, raising `InvalidInput` (with a catalogue key) rather than pydantic's error."""
        try:
            return cls(**values)
        except ValidationError as exc:
            raise _as_invalid_input(exc) from None


def _as_invalid_input(exc: ValidationError) -> InvalidInput:
    error = exc.errors()[0]
    field = str(error["loc"][0]) if error["loc"] else "input"
    cause = error.get("ctx", {}).get("error")
    if isinstance(cause, InvalidInput):
        return cause
    if error["type"] == "missing" or (error["type"] == "string_type" and error["input"] is None):
        return InvalidInput(field, "error-required")
    if error["type"] == "enum":
        return InvalidInput(field, "error-bad-choice", str(error["input"])[:50])
    return InvalidInput(field, "error-bad-value", str(error["input"])[:50])


class EntryInput(_Input):
    """A new entry, as proposed or imported."""

    kind: EntryKind
    name: str
    partners: str | None = None
    area: Area
    steward: Steward
    chapter_name: str | None = None
    summary: str | None = None
    links: list[str] = []
    success_measures: str | None = None
    funder: str | None = None
    reporting_due_at: datetime | None = None
    status: Status = Status.PROPOSED

    @model_validator(mode="after")
    def _rules(self) -> Self:
        if not self.name:
            raise InvalidInput("name", "error-required")
        if self.kind == EntryKind.PARTNERSHIP and not self.success_measures:
            # The source: a partnership's measures of success are defined in advance.
            raise InvalidInput("success_measures", "error-measures-required")
        if self.steward != Steward.CHAPTER:
            self.chapter_name = None
        return self


class EntryUpdate(_Input):
    """Changes to an entry: only the fields given are changed."""

    kind: EntryKind | None = None
    name: str | None = None
    partners: str | None = None
    area: Area | None = None
    steward: Steward | None = None
    chapter_name: str | None = None
    summary: str | None = None
    links: list[str] | None = None
    success_measures: str | None = None
    funder: str | None = None
    reporting_due_at: datetime | None = None

    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, value: str | None) -> str | None:
        if value is None:
            raise InvalidInput("name", "error-required")
        return value
