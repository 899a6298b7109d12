"""Small builders for test data."""

from __future__ import annotations

from typing import Any

from storage.schemas import EntryInput

GUILD = 111_111_111_111_111_111
OTHER_GUILD = 222_222_222_222_222_222
MODERATOR = 900_000_000_000_000_001
VOLUNTEER = 900_000_000_000_000_002


def entry_input(**overrides: Any) -> EntryInput:
    values: dict[str, Any] = {
        "kind": "alliance",
        "name": "Wikimedia–OpenStreetMap",
        "partners": "OpenStreetMap Foundation",
        "area": "content",
        "steward": "volunteers",
        "summary": "Ongoing collaboration between Wikimedia and OpenStreetMap.",
    }
    values.update(overrides)
    return EntryInput.parse(**values)
