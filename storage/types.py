"""Column types shared by the models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.types import TypeDecorator

# Databases whose datetime column keeps no zone: values are stored as naive UTC.
NAIVE_DIALECTS = frozenset({"sqlite", "mysql", "mariadb"})


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend.

    SQLite and MariaDB keep no zone, so values come back naive: we refuse naive input
    and re-attach UTC on the way out. PostgreSQL stores `timestamptz` natively.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name in NAIVE_DIALECTS else value

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


@compiles(sa.DateTime, "mysql")
@compiles(sa.DateTime, "mariadb")
def _datetime_microseconds(_type: sa.DateTime, _compiler: Any, **_kw: Any) -> str:
    # MariaDB's DATETIME drops fractions of a second unless asked: keep microseconds, as
    # the other backends do (orderings and "due at or before" compare them).
    return "DATETIME(6)"
