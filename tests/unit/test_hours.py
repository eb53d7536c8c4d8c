"""Credit hours must rest on the time a course takes: its modules' minutes and practical work."""
from __future__ import annotations

from pathlib import Path

import pytest

from app.curriculum.diagnostics import Severity
from app.curriculum.loader import load_course, load_courses

ROOT = Path(__file__).resolve().parents[2]


def module(title: str, minutes: int | None) -> str:
    line = f"minutes: {minutes}\n" if minutes is not None else ""
    return f"---\ntitle: {title}\n{line}---\n# {title}\n\nText.\n"


def course(root: Path, slug: str, manifest_tail: str, minutes=(60, 60), head: str = "") -> Path:
    folder = root / slug
    folder.mkdir(parents=True)
    (folder / "course.yml").write_text(
        f"title: T\nlanguage: en\nsummary: S\n{head}{manifest_tail}", encoding="utf-8")
    for number, value in enumerate(minutes, start=1):
        (folder / f"{number:02d}-m{number}.md").write_text(module(f"M{number}", value), encoding="utf-8")
    return folder


def warnings(diags):
    return [(d.line, d.message) for d in diags if d.severity is Severity.WARNING]


def test_hours_beyond_the_modules_time_are_reported_with_the_figures(tmp_path: Path) -> None:
    # Modules 60 + 60 = 120 min. 3 h = 180 min: (180 - 120) / 120 = 50% more, over the 25%
    # allowed; the most it may claim is 120 * 1.25 = 150 min = 2.50 h.
    folder = course(tmp_path, "c", "hours: 3\n")
    parsed, diags = load_course(folder, "courses")
    assert parsed is not None  # a warning: the course still publishes
    assert warnings(diags) == [(4, (
        "'hours' is 3 (180 min), but the modules take 120 min and practical work 0 min, 120 min "
        "(2.00 h) in all: 50% more than that (at most 25% is allowed); lower 'hours' to at most "
        "2.50, or declare the practical work the course asks for in 'practical_minutes'"))]
    assert diags[0].path == "courses/c/course.yml"


@pytest.mark.parametrize("hours, warned", [
    (2.5, False),   # 150 min = 120 * 1.25 exactly: allowed
    (2.51, True),   # 150.6 min > 150
    (2, False),     # 120 min: the modules' own time
    (0, False),     # no credit claimed
])
def test_the_limit_is_a_quarter_above_the_modules_time(tmp_path: Path, hours, warned) -> None:
    _, diags = load_course(course(tmp_path, "c", f"hours: {hours}\n"), "")
    assert bool(warnings(diags)) is warned


def test_declared_practical_work_counts(tmp_path: Path) -> None:
    # 120 min of modules + 90 min of practical work = 210 min; 4 h = 240 min is
    # (240 - 210) / 210 = 14% more: allowed. 5 h = 300 min is 43% more: reported.
    _, ok = load_course(course(tmp_path, "ok", "hours: 4\npractical_minutes: 90\n"), "")
    parsed, over = load_course(course(tmp_path, "over", "hours: 5\npractical_minutes: 90\n"), "")
    assert warnings(ok) == []
    assert parsed is not None and parsed.practical_minutes == 90
    assert "modules take 120 min and practical work 90 min, 210 min (3.50 h) in all: 43% more" \
        in warnings(over)[0][1]


def test_modules_without_minutes_add_nothing_and_are_named(tmp_path: Path) -> None:
    # Only one module gives minutes: 60 min; 2 h = 120 min is 100% more.
    _, diags = load_course(course(tmp_path, "c", "hours: 2\n", minutes=(60, None)), "")
    message = warnings(diags)[0][1]
    assert "modules take 60 min" in message and "100% more" in message
    assert message.endswith("1 of 2 modules give no 'minutes'; lower 'hours' to at most 1.25, or "
                            "declare the practical work the course asks for in 'practical_minutes'")


@pytest.mark.parametrize("line, message", [
    ("practical_minutes: -5\n", "'practical_minutes' is '-5'"),
    ("practical_minutes: 1.5\n", "'practical_minutes' is '1.5'"),
    ("pretest_feedback: always\n", "'pretest_feedback' is 'always'; use one of: after-posttest, immediate"),
])
def test_new_manifest_fields_are_validated(tmp_path: Path, line, message) -> None:
    parsed, diags = load_course(course(tmp_path, "c", "hours: 1\n" + line), "")
    assert parsed is None
    assert [(d.line, d.message.startswith(message)) for d in diags if d.is_error] == [(5, True)]


def test_pretest_feedback_defaults_to_after_the_posttest(tmp_path: Path) -> None:
    parsed, _ = load_course(course(tmp_path, "a", "hours: 1\n"), "")
    opted, _ = load_course(course(tmp_path, "b", "hours: 1\npretest_feedback: immediate\n"), "")
    assert (parsed.pretest_feedback, opted.pretest_feedback) == ("after-posttest", "immediate")


def test_a_translation_with_other_hours_is_reported(tmp_path: Path) -> None:
    course(tmp_path, "orig", "hours: 2\n")
    course(tmp_path, "orig-ru", "hours: 1.5\ntranslation_of: orig\n", head="")
    (tmp_path / "orig-ru" / "course.yml").write_text(
        "title: T\nlanguage: ru\nsummary: S\nhours: 1.5\ntranslation_of: orig\n", encoding="utf-8")
    result = load_courses([tmp_path])
    assert [(d.path.rsplit("/", 2)[-2], d.line, d.message) for d in result.diagnostics] == [
        ("orig-ru", 4, "'hours' is 1.5 but 'orig' gives 2; a translation is the same course and "
                       "gives the same hours")]


TRACKS = """\
ce:
  title: {ru: "К", en: "CE"}
  levels:
    - id: basic
      title: {ru: "Б", en: "Basic"}
      hours: 3
    - id: advanced
      title: {ru: "П", en: "Advanced"}
      hours: %s
"""


@pytest.mark.parametrize("top, warned", [(4, False), (4.5, True)])
def test_a_level_the_tracks_courses_cannot_reach_is_reported(tmp_path: Path, top, warned) -> None:
    # Course a: 2 h, and its translation a-ru 2 h (counted once); course b: 2 h. The track's
    # courses give 2 + 2 = 4 h, not 6: a level of 4 h is reachable, one of 4.5 h is not.
    course(tmp_path, "a", "hours: 2\ntrack: ce\n")
    (tmp_path / "a-ru").mkdir()
    for name in ("course.yml", "01-m1.md", "02-m2.md"):
        text = (tmp_path / "a" / name).read_text(encoding="utf-8")
        if name == "course.yml":
            text = text.replace("language: en", "language: ru") + "translation_of: a\n"
        (tmp_path / "a-ru" / name).write_text(text, encoding="utf-8")
    course(tmp_path, "b", "hours: 2\ntrack: ce\n")
    (tmp_path / "tracks.yml").write_text(TRACKS % top, encoding="utf-8")
    result = load_courses([tmp_path])
    found = [(d.path.rsplit("/", 1)[-1], d.line, d.message) for d in result.diagnostics]
    expected = [("tracks.yml", 9, "level 'advanced' of track 'ce' needs 4.5 hours, but the "
                 "track's courses give 4 (each course once, whatever its translations); lower "
                 "the level's hours or add courses to the track")]
    assert found == (expected if warned else [])


def test_shipped_courses_claim_no_more_than_their_modules_support() -> None:
    """Every shipped course: hours * 60 <= 1.25 * (modules' minutes + practical minutes), and
    every level of every shipped track is within the hours of its courses, each once."""
    result = load_courses([ROOT / "courses"])
    assert [d.format() for d in result.diagnostics] == []
    for c in result.courses:
        supported = sum(m.minutes or 0 for m in c.modules) + c.practical_minutes
        assert c.hours * 60 <= 1.25 * supported, c.slug
    originals = {}
    for c in result.courses:
        originals[(c.track, c.translation_of or c.slug)] = c.hours
    for track in result.tracks:
        total = sum(h for (t, _), h in originals.items() if t == track.id)
        assert track.levels[-1].hours <= total, track.id
    librarian = next(t for t in result.tracks if t.id == "librarian-ce")
    # ai-information 4 + copyright 6 + e-resources 5 + mil-misinformation 8 + teaching-il 5
    # + union-catalogues 5 + young-readers 5 = 38 h; Advanced at 30 h is reachable with the
    # shipped courses.
    assert sum(h for (t, _), h in originals.items() if t == "librarian-ce") == 38
    assert librarian.levels[-1].id == "advanced" and librarian.levels[-1].hours == 30
