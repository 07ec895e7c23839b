"""Domain errors every service raises; the API's exception handler maps them to HTTP statuses."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain was broken; `code` is stable, the message is for people."""

    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None):
        self.message = message
        self.field = field
        super().__init__(message)


class InvalidInput(DomainError):
    """Bad input (400)."""

    code = "invalid"


class Unprocessable(InvalidInput):
    """Well-formed input against a rule that depends on stored data (422): a key the assessment's
    rubric or roadmap does not have, a rubric document with problems. The API schema can state the
    shape of a request, not these; the status tells a client which of the two it got wrong."""


class NotFound(DomainError):
    """Absent, or not the caller's (404): the two are never told apart."""

    code = "not_found"


class StateConflict(DomainError):
    """The object's state forbids the action (409): submitting twice, editing a closed assessment."""

    code = "conflict"


class Gone(DomainError):
    """A link that worked once and no longer does (410): an invitation expired or withdrawn."""

    code = "gone"


class AlreadySubmitted(StateConflict):
    code = "already_submitted"
