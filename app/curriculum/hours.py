"""Credit hours against the time a course's modules and practical work take."""
from __future__ import annotations

from collections.abc import Sequence

from .diagnostics import Diagnostic, warning
from .manifest import Manifest
from .modules import ParsedModule

# How far a course's hours may exceed the time its modules and practical work take. A module's
# minutes are its author's estimate for a typical learner; a quarter more leaves room for slower
# readers and a second look, not for hours the course does not ask anyone to spend.
HOURS_TOLERANCE = 0.25


def check_hours(manifest: Manifest, modules: Sequence[ParsedModule], path: str) -> list[Diagnostic]:
    """A warning, with the figures, when ``hours`` exceed the modules' minutes plus
    ``practical_minutes`` by more than :data:`HOURS_TOLERANCE`.

    Why: continuing-education hours are credit a librarian reports to an employer; a course
    claiming twice the time it asks for devalues every certificate of the programme.
    """
    if manifest.hours <= 0:
        return []
    module_minutes = sum(m.minutes or 0 for m in modules)
    supported = module_minutes + manifest.practical_minutes
    claimed = manifest.hours * 60
    limit = supported * (1 + HOURS_TOLERANCE)
    if claimed <= limit + 1e-9:
        return []
    without = sum(1 for m in modules if m.minutes is None)
    missing = (f"; {without} of {len(modules)} modules give no 'minutes'" if without else "")
    excess = (f"{100 * (claimed - supported) / supported:.0f}% more than that" if supported
              else "no time at all supports them")
    return [warning(path, manifest.hours_line, (
        f"'hours' is {manifest.hours:g} ({claimed:g} min), but the modules take {module_minutes} min"
        f" and practical work {manifest.practical_minutes} min, {supported} min ({supported / 60:.2f} h)"
        f" in all: {excess} (at most {100 * HOURS_TOLERANCE:.0f}% is allowed){missing}; lower 'hours'"
        f" to at most {limit / 60:.2f}, or declare the practical work the course asks for in"
        " 'practical_minutes'"))]
