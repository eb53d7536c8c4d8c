"""Domain errors that services raise and views translate into a status, a flash or a JSON error."""
from __future__ import annotations


class ServiceError(Exception):
    """Base: ``message`` is safe to show; ``status`` is the HTTP status an API would answer."""

    status = 400

    def __init__(self, message: str = ""):
        super().__init__(message)
        self.message = message


class NotFound(ServiceError):
    status = 404


class NotEnrolled(ServiceError):
    status = 403


class AttemptLimitReached(ServiceError):
    status = 409


class NoQuiz(ServiceError):
    status = 409


class BadResponses(ServiceError):
    """Some answers have the wrong format; ``errors`` maps question id -> message."""

    status = 400

    def __init__(self, errors: dict[int, str]):
        super().__init__("; ".join(f"question {qid}: {msg}" for qid, msg in errors.items()))
        self.errors = errors


class UnknownQuestion(ServiceError):
    """An answer names a question that is not in the module's quiz; ``question`` is the name the
    client used (a form field or a question id in the course files)."""

    status = 400

    def __init__(self, question: str):
        super().__init__(f"there is no question {question} in this quiz")
        self.question = question


class BadAttemptKey(ServiceError):
    """The attempt's idempotency key is not 1 to 64 letters, digits or ``. _ : -``."""

    status = 400


class KeyUsedElsewhere(ServiceError):
    """The attempt's idempotency key was already used for another module's quiz."""

    status = 409
