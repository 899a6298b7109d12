"""Every row of bench/date_phrases.tsv, the table bench/dates.py scores: each phrase is
read as one of its expected readings (offering the others), or refused where it must be.
Never a confident wrong date.
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from storage.dates import read_due
from storage.errors import InvalidInput

TABLE = Path(__file__).resolve().parents[2] / "bench" / "date_phrases.tsv"
_LINES = TABLE.read_text(encoding="utf-8").splitlines()
_MOMENT, ZONE = next(ln for ln in _LINES if ln.startswith("# now:")).split()[2:4]
NOW = datetime.fromisoformat(_MOMENT).replace(tzinfo=ZoneInfo(ZONE))
ROWS = list(csv.DictReader((ln for ln in _LINES if not ln.startswith("#")), delimiter="\t"))
CATEGORIES = {
    "clock", "part of day", "day of month", "relative", "weeks", "nth weekday",
    "end of period", "time zone", "discord", "absolute",
}  # fmt: skip


def test_the_table_is_broad() -> None:
    assert len(ROWS) >= 400
    assert sum(row["locale"].startswith("es") for row in ROWS) >= 150
    for language in ("en", "es"):
        assert {r["category"] for r in ROWS if r["locale"].startswith(language)} == CATEGORIES
    assert any("|" in row["expected"] for row in ROWS)  # ambiguous phrases
    assert NOW.weekday() == 1  # read on a Tuesday


@pytest.mark.parametrize("row", ROWS, ids=[f"{r['locale']}:{r['phrase']}" for r in ROWS])
def test_row(row: dict[str, str]) -> None:
    phrase, locale = row["phrase"], row["locale"]
    if row["expected"] == "REFUSE":
        with pytest.raises(InvalidInput) as refused:
            read_due(phrase, now=NOW, timezone=ZONE, locale=locale)
        assert refused.value.key.startswith(("error-date-", "error-bad-"))
        return
    reading = read_due(phrase, now=NOW, timezone=ZONE, locale=locale)
    zone = ZoneInfo(ZONE)
    shown = [
        m.astimezone(zone).strftime("%Y-%m-%d %H:%M") for m in (reading.when, *reading.alternatives)
    ]
    accepted = [reading.strip() for reading in row["expected"].split("|")]
    assert shown[0] in accepted, f"{phrase!r} read {shown[0]}, expected {accepted}"
    assert set(accepted) <= set(shown), f"{phrase!r} offers {shown}, expected {accepted}"
    assert reading.when > NOW and all(other > NOW for other in reading.alternatives)
