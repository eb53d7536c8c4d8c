"""Problems found in course files, reported like a compiler: ``path:line: severity: message``."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem at one place in one file.

    ``path`` is the file as the author knows it (relative to the courses folder when possible),
    ``line`` is 1-based (0 when the problem belongs to the file as a whole). The curriculum layer
    only returns these; the CLI and the admin page decide how to show them.
    """

    path: str
    line: int
    severity: Severity
    message: str

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def format(self) -> str:
        return f"{self.path}:{self.line}: {self.severity.value}: {self.message}"


def error(path: str, line: int, message: str) -> Diagnostic:
    return Diagnostic(path, line, Severity.ERROR, message)


def warning(path: str, line: int, message: str) -> Diagnostic:
    return Diagnostic(path, line, Severity.WARNING, message)


def has_errors(diagnostics: list[Diagnostic]) -> bool:
    return any(d.is_error for d in diagnostics)
