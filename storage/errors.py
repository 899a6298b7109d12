"""Typed errors raised by the services.

Each carries a message key of the i18n catalogue and its parameters, so the
Discord layer renders it in the reader's language; services never format text.
"""

from __future__ import annotations


class DomainError(Exception):
    key = "error-generic"

    def __init__(self, *params: object, key: str | None = None) -> None:
        if key is not None:
            self.key = key
        self.params = params
        super().__init__(self.key, *params)


class NotFound(DomainError):
    key = "error-not-found"


class Ambiguous(DomainError):
    """A name typed in full matched no entry exactly; params: the name, then the entries
    it may mean, as (id, name) pairs."""

    key = "error-ambiguous"


class DuplicateName(DomainError):
    key = "error-duplicate-name"


class InvalidInput(DomainError):
    """A field's value is refused; params: the field, then the reason's own params."""

    key = "error-invalid"

    def __init__(self, field: str, reason_key: str, *params: object) -> None:
        super().__init__(field, *params, key=reason_key)
        self.field = field


class NotAllowed(DomainError):
    key = "error-not-allowed"


class AlreadyDecided(DomainError):
    key = "error-already-decided"


class InvalidTransition(DomainError):
    key = "error-invalid-transition"


class Unchanged(DomainError):
    """Asked for what already is ("already paused"): nothing was written or audited."""

    key = "error-unchanged"


class TryAgainLater(DomainError):
    """The database is unreachable for the moment."""

    key = "error-try-again"
