"""Command line checker: ``python -m app.curriculum check [PATH ...]`` prints diagnostics."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .diagnostics import Diagnostic


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def format_report(diagnostics: list[Diagnostic], course_count: int) -> str:
    """The checker's report: one ``path:line: severity: message`` line per diagnostic,
    sorted by path and line, then a summary such as ``3 errors, 1 warning in 2 courses``.

    Args:
        diagnostics: everything found (any order).
        course_count: how many courses were checked.
    Returns:
        The report text, without a trailing newline.
    """
    ordered = sorted(diagnostics, key=lambda d: (d.path, d.line, d.severity.value, d.message))
    errors = sum(1 for d in ordered if d.is_error)
    summary = (f"{_plural(errors, 'error')}, {_plural(len(ordered) - errors, 'warning')} "
               f"in {_plural(course_count, 'course')}")
    return "\n".join([d.format() for d in ordered] + [summary])


def main(argv: list[str] | None = None) -> int:
    """Run the checker; returns the exit status (1 if any error, else 0)."""
    parser = argparse.ArgumentParser(prog="python -m app.curriculum",
                                     description="Check course folders for mistakes.")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="check courses and print every problem")
    check.add_argument("paths", nargs="*", type=Path, default=[Path("courses")],
                       help="a courses folder or course folders (default: ./courses)")
    args = parser.parse_args(argv)
    from .loader import load_courses  # after argument parsing so --help stays fast

    result = load_courses(args.paths)
    print(format_report(result.diagnostics, result.checked))
    return 1 if result.has_errors else 0


if __name__ == "__main__":
    sys.exit(main())
