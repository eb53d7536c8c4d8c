"""courses/tracks.yml: parsed tracks, diagnostics with exact lines, the cross-check with courses."""
from __future__ import annotations

from pathlib import Path

import pytest

from app.curriculum.diagnostics import Diagnostic, Severity
from app.curriculum.loader import CheckResult, load_courses
from app.curriculum.tracks import ParsedLevel, ParsedTrack, load_tracks, track_hash

ROOT = Path(__file__).resolve().parents[2]
COURSES = ROOT / "courses"
DISPLAY = "courses/tracks.yml"

E, W = Severity.ERROR, Severity.WARNING

GOOD = """\
librarian-ce:
  title: {ru: "Повышение квалификации", ky: "Квалификацияны жогорулатуу", en: "Librarian CE"}
  summary: {ru: "Курсы.", en: "Courses."}
  levels:
    - id: basic
      title: {ru: "Базовый", ky: "Базалык", en: "Basic"}
      hours: 20
    - id: intermediate
      title: {ru: "Средний", en: "Intermediate"}
      hours: 40.5
information-literacy:
  title:
    ru: "Информационная грамотность"
    en: "Information literacy"
  levels:
    - id: foundations
      title: {ru: "Основы", en: "Foundations"}
      hours: 12
"""

LEVEL = "    - id: basic\n      title: {ru: Б, en: B}\n      hours: 20\n"


def track(body: str, levels: str = LEVEL, track_id: str = "t") -> str:
    """One track: its id on line 1, ``body`` lines from line 2, then ``levels:`` and the items."""
    return f"{track_id}:\n{body}  levels:\n{levels}"


TITLE = "  title: {ru: Т, en: T}\n"


def load_text(tmp_path: Path, text: str | bytes, uses: object = None,
              ) -> tuple[list[ParsedTrack], list[Diagnostic]]:
    file = tmp_path / "tracks.yml"
    if isinstance(text, bytes):
        file.write_bytes(text)
    else:
        file.write_text(text, encoding="utf-8")
    return load_tracks(file, DISPLAY, uses)  # type: ignore[arg-type]


def found(diags: list[Diagnostic]) -> list[tuple[int, Severity]]:
    return [(d.line, d.severity) for d in diags]


def only(diags: list[Diagnostic]) -> Diagnostic:
    assert len(diags) == 1, [d.format() for d in diags]
    return diags[0]


# -- a correct file ---------------------------------------------------------------------------

def test_good_file_gives_tracks_in_file_order_and_no_diagnostic(tmp_path: Path) -> None:
    tracks, diags = load_text(tmp_path, GOOD)
    assert diags == []
    assert [t.id for t in tracks] == ["librarian-ce", "information-literacy"]
    ce, il = tracks
    assert ce.title == {"ru": "Повышение квалификации", "ky": "Квалификацияны жогорулатуу",
                        "en": "Librarian CE"}
    assert ce.summary == {"ru": "Курсы.", "en": "Courses."}
    assert ce.levels == [
        ParsedLevel("basic", {"ru": "Базовый", "ky": "Базалык", "en": "Basic"}, 20.0),
        ParsedLevel("intermediate", {"ru": "Средний", "en": "Intermediate"}, 40.5)]
    assert il.summary == {}
    assert il.levels == [ParsedLevel("foundations", {"ru": "Основы", "en": "Foundations"}, 12.0)]
    assert all(isinstance(level.hours, float) for t in tracks for level in t.levels)


def test_parsed_objects_are_frozen(tmp_path: Path) -> None:
    tracks, _ = load_text(tmp_path, GOOD)
    with pytest.raises(AttributeError):
        tracks[0].id = "x"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        tracks[0].levels[0].hours = 1  # type: ignore[misc]


def test_content_hash_depends_on_the_track_only(tmp_path: Path) -> None:
    (ce, il), _ = load_text(tmp_path, GOOD)
    assert len(ce.content_hash) == 64 and ce.content_hash != il.content_hash
    assert ce.content_hash == track_hash(ce.id, ce.title, ce.summary, ce.levels)
    # Layout, comments and key order do not matter; another track's edit does not matter.
    relaid = GOOD.replace("librarian-ce:\n", "# comment\nlibrarian-ce:\n").replace(
        "hours: 12", "hours: 13")
    (ce2, il2), _ = load_text(tmp_path, relaid)
    assert ce2.content_hash == ce.content_hash and il2.content_hash != il.content_hash
    (ce3, _), _ = load_text(tmp_path, GOOD.replace('en: "Basic"', 'en: "Beginner"'))
    assert ce3.content_hash != ce.content_hash


def test_missing_or_empty_file_means_no_tracks_and_no_diagnostic(tmp_path: Path) -> None:
    assert load_tracks(tmp_path / "tracks.yml", DISPLAY, {"librarian-ce"}) == ([], [])
    assert load_text(tmp_path, "") == ([], [])
    assert load_text(tmp_path, "# only a comment\n") == ([], [])


def test_diagnostics_carry_the_display_path(tmp_path: Path) -> None:
    _, diags = load_text(tmp_path, "Bad:\n  title: x\n")
    assert {d.path for d in diags} == {DISPLAY}
    assert diags[0].format().startswith("courses/tracks.yml:1: error: track id 'Bad'")


# -- errors, each at its exact line ----------------------------------------------------------

def test_bad_yaml_is_an_error_at_its_line(tmp_path: Path) -> None:
    text = track(TITLE) + "x:\n  title: {ru: a: b\n"
    tracks, diags = load_text(tmp_path, text)
    d = only(diags)
    assert tracks == [] and (d.line, d.severity) == (8, E)
    assert d.message.startswith("YAML syntax error")


def test_tab_indentation_is_a_yaml_error(tmp_path: Path) -> None:
    _, diags = load_text(tmp_path, "t:\n\ttitle: x\n")
    assert found(diags) == [(2, E)] and "YAML syntax error" in diags[0].message


def test_file_that_is_a_list_is_an_error(tmp_path: Path) -> None:
    _, diags = load_text(tmp_path, "- librarian-ce\n- other\n")
    d = only(diags)
    assert (d.line, d.severity) == (1, E) and "must be a list of 'key: value' lines" in d.message


def test_not_utf8_is_an_error_at_the_line_of_the_bad_byte(tmp_path: Path) -> None:
    text = track(TITLE).encode("utf-8") + "# Привет\n".encode("cp1251")  # line 7
    tracks, diags = load_text(tmp_path, text)
    d = only(diags)
    assert tracks == [] and (d.line, d.severity) == (7, E) and "not UTF-8" in d.message


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    tracks, diags = load_text(tmp_path, b"\xef\xbb\xbf" + GOOD.encode("utf-8"))
    assert diags == [] and len(tracks) == 2


@pytest.mark.parametrize("track_id", ["Librarian-CE", "librarian_ce", "-ce", "ce-", "a--b",
                                     "librarian ce", "'ce.1'"])
def test_invalid_track_id_is_an_error_at_its_line(tmp_path: Path, track_id: str) -> None:
    text = track(TITLE, track_id="ok") + track(TITLE, track_id=track_id)
    tracks, diags = load_text(tmp_path, text)
    d = only(diags)
    assert tracks == [] and (d.line, d.severity) == (7, E)
    assert "is not valid; use lowercase letters, digits and hyphens" in d.message


def test_duplicate_track_id_is_an_error(tmp_path: Path) -> None:
    tracks, diags = load_text(tmp_path, track(TITLE) + track(TITLE))
    d = only(diags)
    assert tracks == [] and (d.line, d.severity) == (7, E)
    assert d.message == "key 't' appears twice (first at line 1); keep only one"


@pytest.mark.parametrize("value", [" x", " ", " [a, b]"])
def test_track_that_is_not_a_mapping_is_an_error(tmp_path: Path, value: str) -> None:
    tracks, diags = load_text(tmp_path, track(TITLE) + f"other:{value}\n")
    d = only(diags)
    assert tracks == [] and (d.line, d.severity) == (7, E)
    assert "track 'other' must hold indented keys 'title' and 'levels'" in d.message


def test_missing_title_is_an_error_at_the_track_line(tmp_path: Path) -> None:
    text = track(TITLE, track_id="ok") + track("  summary: {ru: С, en: S}\n")
    tracks, diags = load_text(tmp_path, text)
    d = only(diags)
    assert tracks == [] and (d.line, d.severity) == (7, E)
    assert d.message.startswith("track 't' has no 'title'; add 'title: {ru:")


@pytest.mark.parametrize(("title", "missing"), [("{ky: Т, en: T}", "ru"), ("{ru: Т}", "en"),
                                                 ("{ru: Т, ky: Т}", "en")])
def test_title_without_ru_or_en_is_an_error_at_the_title_line(tmp_path: Path, title: str,
                                                              missing: str) -> None:
    tracks, diags = load_text(tmp_path, track(f"  summary: {{ru: С, en: S}}\n  title: {title}\n"))
    d = only(diags)
    assert tracks == [] and (d.line, d.severity) == (3, E)
    assert d.message == (f"'title' of track 't' has no '{missing}' text; add '{missing}: ...' "
                         "(ru and en are required, ky is optional)")


def test_title_that_is_plain_text_is_an_error(tmp_path: Path) -> None:
    _, diags = load_text(tmp_path, track("  title: Librarian CE\n"))
    d = only(diags)
    assert (d.line, d.severity) == (2, E)
    assert d.message.startswith("'title' of track 't' must give one text per language")


@pytest.mark.parametrize("value", ['""', "yes", "12", "[a]", "{x: y}", "  # nothing"])
def test_empty_or_non_text_title_is_an_error_at_the_language_line(tmp_path: Path,
                                                                  value: str) -> None:
    tracks, diags = load_text(tmp_path, track(f"  title:\n    ru: Т\n    en: {value}\n"))
    d = only(diags)
    assert tracks == [] and (d.line, d.severity) == (4, E)
    assert d.message == "'title.en' of track 't' must be non-empty text; put it in quotes"


def test_unknown_language_is_a_warning_with_a_suggestion(tmp_path: Path) -> None:
    text = track("  title:\n    ru: Т\n    en: T\n    kg: Т\n    zh: T\n")
    tracks, diags = load_text(tmp_path, text)
    assert found(diags) == [(5, W), (6, W)]
    assert diags[0].message == "unknown language 'kg' in 'title' of track 't'; did you mean 'ky'?"
    assert diags[1].message == "unknown language 'zh' in 'title' of track 't'; use ru, ky or en"
    assert tracks[0].title == {"ru": "Т", "en": "T"}  # warnings keep the track


def test_summary_is_optional_but_checked_when_given(tmp_path: Path) -> None:
    tracks, diags = load_text(tmp_path, track(TITLE + "  summary:\n    ru: С\n"))
    assert tracks == [] and found(diags) == [(3, E)]
    assert diags[0].message.startswith("'summary' of track 't' has no 'en' text")
    tracks, diags = load_text(tmp_path, track(TITLE + "  summary: {ru: С, ky: С, en: S}\n"))
    assert diags == [] and tracks[0].summary == {"ru": "С", "ky": "С", "en": "S"}


def test_unknown_track_key_is_a_warning_with_did_you_mean(tmp_path: Path) -> None:
    tracks, diags = load_text(tmp_path, track(TITLE + "  sumary: {ru: С, en: S}\n  colour: red\n"))
    assert found(diags) == [(3, W), (4, W)]
    assert diags[0].message == "unknown key 'sumary' in track 't'; did you mean 'summary'?"
    assert diags[1].message == ("unknown key 'colour' in track 't'; known keys: title, summary, "
                                "levels")
    assert [t.id for t in tracks] == ["t"]


def test_no_levels_key_is_an_error_at_the_track_line(tmp_path: Path) -> None:
    tracks, diags = load_text(tmp_path, track(TITLE, track_id="ok") + "t:\n" + TITLE)
    d = only(diags)
    assert tracks == [] and (d.line, d.severity) == (7, E)
    assert d.message.startswith("track 't' has no levels; add 'levels:'")


@pytest.mark.parametrize("levels", ["  levels:\n", "  levels: []\n", "  levels: ~\n"])
def test_empty_levels_is_an_error_at_the_levels_line(tmp_path: Path, levels: str) -> None:
    _, diags = load_text(tmp_path, "t:\n" + TITLE + levels)
    d = only(diags)
    assert (d.line, d.severity) == (3, E) and d.message.startswith("track 't' has no levels")


@pytest.mark.parametrize("levels", ["  levels: basic\n", "  levels: {id: basic}\n"])
def test_levels_that_are_not_a_list_are_an_error(tmp_path: Path, levels: str) -> None:
    _, diags = load_text(tmp_path, "t:\n" + TITLE + levels)
    d = only(diags)
    assert (d.line, d.severity) == (3, E)
    assert d.message.startswith("'levels' of track 't' must be a list: one '- id: ...' item")


def test_level_that_is_not_a_mapping_is_an_error_at_its_line(tmp_path: Path) -> None:
    _, diags = load_text(tmp_path, track(TITLE, LEVEL + "    - advanced\n"))
    d = only(diags)
    assert (d.line, d.severity) == (7, E)
    assert d.message.startswith("level 2 of track 't' must hold 'id', 'title' and 'hours'")


def test_level_without_id_is_an_error_at_the_item_line(tmp_path: Path) -> None:
    text = track(TITLE, LEVEL + "    - title: {ru: С, en: I}\n      hours: 40\n")
    tracks, diags = load_text(tmp_path, text)
    d = only(diags)
    assert tracks == [] and (d.line, d.severity) == (7, E)
    assert d.message.startswith("level 2 of track 't' has no 'id'; add e.g. 'id: basic'")


@pytest.mark.parametrize("value", ["Basic", "1 2", "12", "yes", "[a]"])
def test_level_with_invalid_id_is_an_error_at_the_id_line(tmp_path: Path, value: str) -> None:
    text = track(TITLE, f"    - title: {{ru: Б, en: B}}\n      id: {value}\n      hours: 5\n")
    _, diags = load_text(tmp_path, text)
    d = only(diags)
    assert (d.line, d.severity) == (5, E)
    assert "in track 't' is not valid; use lowercase letters, digits and hyphens" in d.message


def test_level_without_title_is_an_error_at_the_item_line(tmp_path: Path) -> None:
    text = track(TITLE, LEVEL + "    - id: advanced\n      hours: 60\n")
    _, diags = load_text(tmp_path, text)
    d = only(diags)
    assert (d.line, d.severity) == (7, E)
    assert d.message.startswith("level 'advanced' of track 't' has no 'title'")


def test_level_title_without_en_is_an_error_at_the_title_line(tmp_path: Path) -> None:
    text = track(TITLE, LEVEL + "    - id: advanced\n      title: {ru: П}\n      hours: 60\n")
    _, diags = load_text(tmp_path, text)
    d = only(diags)
    assert (d.line, d.severity) == (8, E)
    assert d.message.startswith("'title' of level 'advanced' of track 't' has no 'en' text")


def test_level_without_hours_is_an_error_at_the_item_line(tmp_path: Path) -> None:
    text = track(TITLE, LEVEL + "    - id: advanced\n      title: {ru: П, en: A}\n")
    _, diags = load_text(tmp_path, text)
    d = only(diags)
    assert (d.line, d.severity) == (7, E)
    assert d.message == ("level 'advanced' of track 't' has no 'hours'; add the hours needed "
                         "to reach it, e.g. 'hours: 20'")


def test_level_without_anything_reports_each_missing_key(tmp_path: Path) -> None:
    _, diags = load_text(tmp_path, track(TITLE, "    - {}\n"))
    assert found(diags) == [(4, E)] * 3
    assert {d.message.split(";")[0] for d in diags} == {
        "level 1 of track 't' has no 'id'", "level 1 of track 't' has no 'title'",
        "level 1 of track 't' has no 'hours'"}


@pytest.mark.parametrize("value", ["0", "-5", "twenty", "20h", "yes", '"20"', "[20]", ".nan",
                                   ".inf", "~"])
def test_hours_must_be_a_number_above_zero(tmp_path: Path, value: str) -> None:
    text = track(TITLE, f"    - id: basic\n      title: {{ru: Б, en: B}}\n      hours: {value}\n")
    tracks, diags = load_text(tmp_path, text)
    d = only(diags)
    assert tracks == [] and (d.line, d.severity) == (6, E)
    assert d.message.startswith("'hours' of level 'basic' of track 't' is '")
    assert d.message.endswith("'; use a number of hours above 0 (e.g. 20 or 12.5)")


@pytest.mark.parametrize("second", ["20", "10", "19.5"])
def test_levels_must_be_strictly_ascending_in_hours(tmp_path: Path, second: str) -> None:
    text = track(TITLE, LEVEL + f"    - id: more\n      title: {{ru: Б, en: B}}\n"
                                f"      hours: {second}\n")
    tracks, diags = load_text(tmp_path, text)
    d = only(diags)
    assert tracks == [] and (d.line, d.severity) == (9, E)
    assert d.message == (f"level 'more' of track 't' needs {float(second):g} hours, not more "
                         "than level 'basic' (20); list the levels from fewest to most hours")


def test_ascending_check_compares_with_the_previous_valid_level(tmp_path: Path) -> None:
    levels = (LEVEL + "    - id: mid\n      title: {ru: С, en: M}\n      hours: 30\n"
              "    - id: top\n      title: {ru: П, en: T}\n      hours: 25\n")
    _, diags = load_text(tmp_path, track(TITLE, levels))
    d = only(diags)
    assert d.line == 12 and "not more than level 'mid' (30)" in d.message


def test_duplicate_level_id_is_an_error_at_the_second_id(tmp_path: Path) -> None:
    text = track(TITLE, LEVEL + "    - id: basic\n      title: {ru: Б, en: B}\n      hours: 40\n")
    tracks, diags = load_text(tmp_path, text)
    d = only(diags)
    assert tracks == [] and (d.line, d.severity) == (7, E)
    assert d.message == ("level id 'basic' is already used in track 't' (line 4); give each "
                         "level its own id")


def test_same_level_id_in_two_tracks_is_fine(tmp_path: Path) -> None:
    tracks, diags = load_text(tmp_path, track(TITLE, track_id="a") + track(TITLE, track_id="b"))
    assert diags == [] and [t.levels[0].id for t in tracks] == ["basic", "basic"]


def test_duplicate_key_inside_a_level_is_an_error(tmp_path: Path) -> None:
    _, diags = load_text(tmp_path, track(TITLE, LEVEL + "      hours: 30\n"))
    d = only(diags)
    assert (d.line, d.severity) == (7, E)
    assert d.message == "key 'hours' appears twice (first at line 6); keep only one"


def test_unknown_level_key_is_a_warning_with_did_you_mean(tmp_path: Path) -> None:
    tracks, diags = load_text(tmp_path, track(TITLE, LEVEL + "      hourz: 30\n"))
    d = only(diags)
    assert (d.line, d.severity) == (7, W)
    assert d.message == "unknown key 'hourz' in level 1 of track 't'; did you mean 'hours'?"
    assert tracks[0].levels[0].hours == 20.0


def test_every_problem_is_reported_in_one_run(tmp_path: Path) -> None:
    text = ("Bad:\n" + TITLE + "  levels: []\n"                                  # 1
            "t:\n  titel: {ru: Т, en: T}\n  levels:\n"                           # 4-6
            "    - id: b\n      title: {ru: Б}\n      hours: 0\n")               # 7-9
    tracks, diags = load_text(tmp_path, text)
    assert tracks == []
    assert found(diags) == [(1, E), (4, E), (5, W), (8, E), (9, E)]


def test_warnings_alone_keep_the_tracks_but_one_error_drops_them_all(tmp_path: Path) -> None:
    tracks, diags = load_text(tmp_path, GOOD.replace("  summary:", "  sumary:"))
    assert [d.severity for d in diags] == [W] and len(tracks) == 2
    tracks, diags = load_text(tmp_path, GOOD.replace("hours: 12", "hours: -12"))
    assert [d.severity for d in diags] == [E] and tracks == []


# -- the cross-check with the courses --------------------------------------------------------

def test_cross_check_with_a_set_of_track_ids(tmp_path: Path) -> None:
    tracks, diags = load_text(tmp_path, GOOD, {"librarian-ce", "librarain-ce", "history"})
    assert len(tracks) == 2  # warnings only
    assert [d.format() for d in diags] == [
        "courses/tracks.yml:0: warning: courses use track 'history', which is not defined "
        "here; add it to courses/tracks.yml or correct the course's 'track'",
        "courses/tracks.yml:0: warning: courses use track 'librarain-ce', which is not defined "
        "here; did you mean 'librarian-ce'?",
        "courses/tracks.yml:11: warning: track 'information-literacy' is not used by any "
        "course; set 'track: information-literacy' in a course.yml, or remove the track"]


def test_cross_check_with_course_places_reports_at_each_course_line(tmp_path: Path) -> None:
    uses = {"librarian-ce": [("courses/a/course.yml", 5)],
            "information-literacy": [("courses/b/course.yml", 6)],
            "librarain-ce": [("courses/c/course.yml", 4), ("courses/d/course.yml", 7)]}
    _, diags = load_text(tmp_path, GOOD, uses)
    assert [d.format() for d in diags] == [
        "courses/c/course.yml:4: warning: track 'librarain-ce' is not defined in "
        "courses/tracks.yml; did you mean 'librarian-ce'?",
        "courses/d/course.yml:7: warning: track 'librarain-ce' is not defined in "
        "courses/tracks.yml; did you mean 'librarian-ce'?"]


def test_cross_check_everything_used_is_clean(tmp_path: Path) -> None:
    assert load_text(tmp_path, GOOD, {"librarian-ce", "information-literacy"})[1] == []


def test_cross_check_is_skipped_without_uses_or_for_unreadable_yaml(tmp_path: Path) -> None:
    assert load_text(tmp_path, GOOD, None)[1] == []
    _, diags = load_text(tmp_path, "t: [\n", {"librarian-ce"})
    assert [d.severity for d in diags] == [E] and "YAML syntax error" in diags[0].message


def test_cross_check_still_knows_tracks_that_have_errors(tmp_path: Path) -> None:
    # A track with a broken level is still defined: no second, misleading warning for it.
    _, diags = load_text(tmp_path, GOOD.replace("hours: 12", "hours: 0"),
                         {"librarian-ce", "information-literacy"})
    assert found(diags) == [(18, E)]


# -- wired into load_courses -----------------------------------------------------------------

MANIFEST = "title: T\nlanguage: en\nsummary: S\n"
LESSON = "---\ntitle: One\n---\n# One\n\nText.\n"


def make_course(root: Path, slug: str, manifest: str = MANIFEST) -> Path:
    folder = root / slug
    folder.mkdir(parents=True)
    (folder / "course.yml").write_text(manifest, encoding="utf-8")
    (folder / "01-one.md").write_text(LESSON, encoding="utf-8")
    return folder


def courses_root(tmp_path: Path, tracks_yml: str | None = GOOD) -> Path:
    root = tmp_path / "courses"
    # Hours that reach the top level of their track in GOOD, on declared practical work.
    make_course(root, "ce-course", MANIFEST + "track: librarian-ce\nhours: 40.5\n"
                "practical_minutes: 2430\n")
    make_course(root, "il-course", MANIFEST + "audience: students\ntrack: information-literacy\n"
                "hours: 12\npractical_minutes: 720\n")
    make_course(root, "plain")
    if tracks_yml is not None:
        (root / "tracks.yml").write_text(tracks_yml, encoding="utf-8")
    return root


def test_loader_exposes_the_tracks_of_a_courses_root(tmp_path: Path) -> None:
    result = load_courses([courses_root(tmp_path)])
    assert result.diagnostics == [] and result.checked == 3
    assert [t.id for t in result.tracks] == ["librarian-ce", "information-literacy"]
    assert [c.slug for c in result.courses] == ["ce-course", "il-course", "plain"]


def test_check_result_tracks_default_to_empty() -> None:
    assert CheckResult().tracks == []


def test_loader_without_tracks_yml_has_no_tracks_and_no_diagnostic(tmp_path: Path) -> None:
    result = load_courses([courses_root(tmp_path, None)])
    assert result.diagnostics == [] and result.tracks == []


def test_loader_reports_a_wrong_course_track_at_the_course_line(tmp_path: Path) -> None:
    root = courses_root(tmp_path)
    make_course(root, "typo", "title: T\nlanguage: en\ntrack: librarain-ce\nsummary: S\n")
    result = load_courses([root])
    assert [d.format() for d in result.diagnostics] == [
        f"{root.as_posix()}/typo/course.yml:3: warning: track 'librarain-ce' is not defined in "
        f"{root.as_posix()}/tracks.yml; did you mean 'librarian-ce'?"]
    assert not result.has_errors and "typo" not in result.failed
    assert len(result.tracks) == 2


def test_loader_reports_an_unused_track_at_its_line(tmp_path: Path) -> None:
    root = courses_root(tmp_path)
    (root / "il-course" / "course.yml").write_text(MANIFEST, encoding="utf-8")
    result = load_courses([root])
    d = only(result.diagnostics)
    assert (d.path, d.line, d.severity) == (f"{root.as_posix()}/tracks.yml", 11, W)
    assert d.message.startswith("track 'information-literacy' is not used by any course")


def test_loader_counts_the_track_of_a_course_with_errors(tmp_path: Path) -> None:
    root = courses_root(tmp_path)
    (root / "il-course" / "course.yml").write_text(
        "title: T\nlanguage: xx\nsummary: S\ntrack: information-literacy\n", encoding="utf-8")
    result = load_courses([root])
    assert [(d.path.rsplit("/", 1)[-1], d.line) for d in result.diagnostics] == [
        ("course.yml", 2)]  # the course's own error, no track warning
    assert result.failed == ["il-course"] and len(result.tracks) == 2


def test_loader_ignores_a_course_track_that_is_not_a_slug(tmp_path: Path) -> None:
    root = courses_root(tmp_path)
    make_course(root, "bad", MANIFEST + "track: Librarian CE\n")
    result = load_courses([root])
    assert [(d.line, d.severity, d.message.split(";")[0]) for d in result.diagnostics] == [
        (4, E, "'track' is 'Librarian CE'")]  # reported once, by the manifest check


def test_loader_tracks_yml_with_errors_gives_no_tracks_and_an_error(tmp_path: Path) -> None:
    root = courses_root(tmp_path, GOOD.replace("hours: 40.5", "hours: 10"))
    result = load_courses([root])
    d = only(result.diagnostics)
    assert (d.path, d.line, d.severity) == (f"{root.as_posix()}/tracks.yml", 10, E)
    assert result.tracks == [] and result.has_errors
    assert result.failed == [] and len(result.courses) == 3  # courses are still fine


def test_loader_single_course_folder_does_not_load_tracks(tmp_path: Path) -> None:
    root = courses_root(tmp_path, "broken: [\n")
    result = load_courses([root / "ce-course"])
    assert result.diagnostics == [] and result.tracks == []


def test_loader_display_path_follows_the_root_as_written(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    courses_root(tmp_path, GOOD + "unused:\n" + TITLE + "  levels:\n" + LEVEL)
    monkeypatch.chdir(tmp_path)
    for written in ("courses", "./courses", "courses/"):
        result = load_courses([Path(written)])
        assert [d.format() for d in result.diagnostics] == [
            "courses/tracks.yml:19: warning: track 'unused' is not used by any course; set "
            "'track: unused' in a course.yml, or remove the track"]
    monkeypatch.chdir(tmp_path / "courses")
    assert load_courses([Path(".")]).diagnostics[0].path == "tracks.yml"


def test_loader_root_given_twice_loads_its_tracks_once(tmp_path: Path) -> None:
    root = courses_root(tmp_path)
    result = load_courses([root, root])
    assert [t.id for t in result.tracks] == ["librarian-ce", "information-literacy"]


def test_loader_only_courses_of_the_same_root_count_as_uses(tmp_path: Path) -> None:
    root = courses_root(tmp_path)
    other = tmp_path / "other"
    make_course(other, "elsewhere", MANIFEST + "track: history\n")
    result = load_courses([root, other])
    assert result.diagnostics == []  # 'other' has no tracks.yml, so its tracks are not checked


# -- the real curriculum ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def real() -> CheckResult:
    return load_courses([COURSES])


def test_real_courses_check_clean_with_their_tracks(real: CheckResult) -> None:
    assert [d.format() for d in real.diagnostics] == []
    assert {t.id for t in real.tracks} == {"librarian-ce", "information-literacy"}
    assert {c.track for c in real.courses} <= {t.id for t in real.tracks}


def test_real_tracks_have_the_agreed_levels_in_three_languages(real: CheckResult) -> None:
    tracks = {t.id: t for t in real.tracks}
    ce, il = tracks["librarian-ce"], tracks["information-literacy"]
    # Each reachable with the shipped courses: 38 h, each course once (docs/authoring.md).
    assert [(lv.id, lv.hours) for lv in ce.levels] == [
        ("basic", 10.0), ("intermediate", 20.0), ("advanced", 30.0)]
    foundations = next(c for c in real.courses if c.slug == "il-foundations-ru")
    assert [lv.hours for lv in il.levels] == [foundations.hours]
    for t in real.tracks:
        assert set(t.title) == set(t.summary) == {"ru", "ky", "en"}
        assert all(set(lv.title) == {"ru", "ky", "en"} for lv in t.levels)


def test_authoring_doc_example_is_a_valid_tracks_file(tmp_path: Path) -> None:
    doc = (ROOT / "docs" / "authoring.md").read_text(encoding="utf-8")
    section = doc.split("## 12. Continuing-education tracks", 1)[1]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    tracks, diags = load_text(tmp_path, example, {"librarian-ce", "information-literacy"})
    assert diags == [] and [t.id for t in tracks] == ["librarian-ce", "information-literacy"]
