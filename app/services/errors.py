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
