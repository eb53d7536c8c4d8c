"""Loading course folders from disk: parsed objects, diagnostics with exact lines, hashes."""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.curriculum.diagnostics import Diagnostic, Severity
from app.curriculum.loader import (
    CheckResult,
    ParsedCourse,
    content_hash,
    load_course,
    load_courses,
)
from app.curriculum.markdown import render_inline, render_question_html
from app.curriculum.modules import extract_quiz_blocks

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "courses"
GOOD = DATA / "good"
BROKEN = DATA / "broken"
DOC = ROOT / "docs" / "authoring.md"

E, W = Severity.ERROR, Severity.WARNING


def write_course(root: Path, slug: str, files: dict[str, str | bytes]) -> Path:
    """Create a course folder under ``root``; values are file texts (or raw bytes)."""
    folder = root / slug
    for name, content in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    return folder


MANIFEST = "title: T\nlanguage: en\nsummary: S\n"
LESSON = "---\ntitle: One\n---\n# One\n\nText.\n"


def simple_course(root: Path, slug: str = "demo", files: dict[str, str | bytes] | None = None,
                  manifest: str | bytes = MANIFEST) -> Path:
    """A valid one-module course, with ``files`` added or replaced."""
    content: dict[str, str | bytes] = {"course.yml": manifest, "01-one.md": LESSON}
    content.update(files or {})
    return write_course(root, slug, content)


def found(diags: list[Diagnostic]) -> set[tuple[str, int, Severity]]:
    return {(d.path.rsplit("/", 1)[-1], d.line, d.severity) for d in diags}


def load_one(folder: Path) -> tuple[ParsedCourse | None, list[Diagnostic]]:
    return load_course(folder, "courses")


# -- the correct example courses ------------------------------------------------------------

@pytest.fixture(scope="module")
def good() -> CheckResult:
    return load_courses([GOOD])


def test_good_courses_load_without_any_diagnostic(good: CheckResult) -> None:
    assert good.diagnostics == []
    assert good.failed == []
    assert [c.slug for c in good.courses] == ["checking-sources", "checking-sources-ru"]
    assert good.checked == 2


def test_course_fields(good: CheckResult) -> None:
    course = good.courses[0]
    assert (course.title, course.language, course.audience, course.track) == (
        "Checking Sources", "en", "all", "information-literacy")
    assert course.summary.startswith("How to decide")
    assert course.hours == 1.5 and isinstance(course.hours, float)
    assert course.pass_mark == 70
    assert course.outcomes == ["Ask five questions about any source",
                               "Check a claim by reading laterally"]
    assert course.tags[0] == "acrl:authority-is-constructed-and-contextual"
    assert course.translation_of is None
    assert course.folder == GOOD / "checking-sources"
    assert re.fullmatch(r"[0-9a-f]{64}", course.content_hash)
    ru = good.courses[1]
    assert (ru.translation_of, ru.language, ru.audience, ru.hours, ru.pass_mark) == (
        "checking-sources", "ru", "students", 1.5, 70)


def test_module_fields(good: CheckResult) -> None:
    first, second = good.courses[0].modules
    assert (first.slug, first.position, first.filename, first.title, first.minutes,
            first.kind) == ("what-is-a-source", 1, "01-what-is-a-source.md",
                            "What makes a source trustworthy?", 20, "lesson")
    assert (first.quiz.pass_mark, first.quiz.attempts, first.quiz.shuffle) == (60, None, True)
    assert (second.slug, second.kind, second.quiz.pass_mark, second.quiz.attempts,
            second.quiz.shuffle) == ("lateral-reading", "posttest", 80, 3, False)
    assert first.headings == [(1, "what-makes-a-source-trustworthy",
                               "What makes a source trustworthy?"),
                              (2, "five-questions-to-ask", "Five questions to ask"),
                              (2, "primary-and-secondary-sources",
                               "Primary and secondary sources")]
    source = (GOOD / "checking-sources" / "01-what-is-a-source.md").read_bytes()
    import hashlib
    assert first.source_hash == hashlib.sha256(source).hexdigest()


def test_quiz_settings_default_to_course_pass_mark(good: CheckResult) -> None:
    ru_second = good.courses[1].modules[1]
    assert (ru_second.quiz.pass_mark, ru_second.quiz.attempts) == (70, 2)


def test_body_html_is_rendered_rewritten_and_without_quiz(good: CheckResult) -> None:
    body = good.courses[0].modules[0].body_html
    assert '<h2 id="five-questions-to-ask">Five questions to ask</h2>' in body
    assert ('src="/courses/checking-sources/media/magnifier.png"' in body
            and 'alt="A magnifying glass over a newspaper page"' in body)
    assert 'href="/courses/checking-sources/lateral-reading#how-to-read-laterally"' in body
    assert '<div class="admonition note">' in body and "<details" in body
    assert "quiz" not in body and "[id:" not in body and "Authority" not in body
    second = good.courses[0].modules[1].body_html
    assert ('<a href="https://cor.inquirygroup.org/" rel="noopener noreferrer">' in second)


def test_cyrillic_anchors_and_links_in_translation(good: CheckResult) -> None:
    first, second = good.courses[1].modules
    assert (2, "пять-вопросов", "Пять вопросов") in first.headings
    assert ('href="/courses/checking-sources-ru/lateral-reading#как-читать-латерально"'
            in first.body_html)
    assert 'href="/courses/checking-sources-ru/what-is-a-source#пять-вопросов"' in second.body_html


def test_search_text_is_plain(good: CheckResult) -> None:
    text = good.courses[0].modules[0].search_text
    assert "Five questions to ask" in text and "A magnifying glass" in text
    assert "<" not in text and "**" not in text and "Authority" not in text


def test_questions_in_order_with_file_lines(good: CheckResult) -> None:
    first, second = good.courses[0].modules
    assert [q.ident for q in first.questions] == [
        "cs-authority", "cs-date-matters", "cs-primary", "cs-match"]
    assert [str(q.type.value) for q in first.questions] == [
        "multichoice", "truefalse", "shortanswer", "matching"]
    assert [str(q.type.value) for q in second.questions] == [
        "description", "multiresponse", "numerical", "numerical", "multichoice", "essay"]
    lines = (GOOD / "checking-sources" / "01-what-is-a-source.md").read_text().split("\n")
    for question in first.questions:
        assert "::" in lines[question.line - 1], question
    assert first.questions[0].tags == ("authority",)


def test_question_rendering_helpers(good: CheckResult) -> None:
    first, second = good.courses[0].modules
    authority = first.questions[0]
    assert render_question_html(authority) == (
        "<p>Which question helps you judge the <strong>authority</strong> of a source?</p>")
    assert render_inline(authority.choices[0].feedback, authority.choices[0].feedback_format) \
        == "Right: authority comes from expertise."
    missing = second.questions[4]
    assert render_question_html(missing) == (
        'Fact-checkers read <span class="quiz-blank">_____</span> to check a source.')


# -- the broken course: every planted mistake, in one run ------------------------------------

EXPECTED_BROKEN = {
    ("broken/Bad_Slug/course.yml", 0, E, "is not a valid slug"),
    ("broken/empty-course/course.yml", 0, E, "course has no modules"),
    ("broken/no-manifest/course.yml", 0, E, "course folder has no course.yml"),
    ("broken/orphan-ky/course.yml", 4, E, "translation_of 'no-such-course' names no course"),
    ("broken/drifted-translation/course.yml", 4, W,
     "modules differ from 'original-en' (missing: two; not in the original: three)"),
    ("broken/drifted-translation/course.yml", 4, W, "translation has the same language"),
    ("broken/broken-course/course.yml", 2, E, "'language' is 'de'; use one of: ru, ky, en"),
    ("broken/broken-course/course.yml", 4, W,
     "unknown key 'audiense' in course.yml; did you mean 'audience'?"),
    ("broken/broken-course/course.yml", 5, E, "'hours' is '-1'"),
    ("broken/broken-course/course.yml", 6, E, "'pass_mark' is '150'"),
    ("broken/broken-course/course.yml", 7, E, "'outcomes' must be a list of texts"),
    ("broken/broken-course/01-intro.md", 3, E, "'minutes' is '-5'"),
    ("broken/broken-course/01-intro.md", 4, W,
     "unknown key 'kynd' in front matter; did you mean 'kind'?"),
    ("broken/broken-course/01-intro.md", 8, E, "link to missing module '07-nowhere.md'"),
    ("broken/broken-course/01-intro.md", 10, W, "image 'media/chart.png' has no alt text"),
    ("broken/broken-course/01-intro.md", 12, E, "media file 'media/missing.png' does not exist"),
    ("broken/broken-course/01-intro.md", 14, E, "link '../secret.txt' leaves the course folder"),
    ("broken/broken-course/01-intro.md", 16, W,
     "'03-healthy.md' has no heading '#no-such-heading'"),
    ("broken/broken-course/02-yaml.md", 2, E,
     "YAML syntax error: mapping values are not allowed here; put the value in quotes"),
    ("broken/broken-course/02-zz-duplicate.md", 0, E,
     "module number 02 is already used by 02-yaml.md"),
    ("broken/broken-course/03-healthy.md", 10, E,
     "duplicate question id 'dup-id' (first used at 01-intro.md:20)"),
    ("broken/broken-course/04-exam.md", 3, E, "an exam module needs a quiz"),
    ("broken/broken-course/05-settings.md", 3, W, "quiz settings but no ```quiz block"),
    ("broken/broken-course/05-settings.md", 4, E, "quiz 'attempts' is '0'"),
    ("broken/broken-course/05-settings.md", 5, W,
     "unknown key 'shufle' in quiz settings; did you mean 'shuffle'?"),
    ("broken/broken-course/06-cp1251.md", 4, E, "file is not UTF-8 text"),
    ("broken/broken-course/07-no-title.md", 1, E, "front matter has no 'title'"),
    ("broken/broken-course/08-list.md", 2, E, "front matter must be a list of 'key: value'"),
    ("broken/broken-course/09-unclosed.md", 6, E, "quiz block is never closed"),
    ("broken/broken-course/10-gift-error.md", 8, E, "unclosed '{'"),
    ("broken/broken-course/11-no-front-matter.md", 1, E,
     "module must start with front matter"),
    ("broken/broken-course/Intro.md", 0, E, "module file name must look like NN-slug.md"),
    ("broken/broken-course/notes.txt", 0, W, "file is ignored"),
    ("broken/broken-course/drafts", 0, W, "folder is ignored"),
}


@pytest.fixture(scope="module")
def broken() -> CheckResult:
    # Relative to tests/data/courses, as an author would run the checker there.
    cwd = os.getcwd()
    os.chdir(DATA)
    try:
        return load_courses([Path("broken")])
    finally:
        os.chdir(cwd)


def test_every_planted_mistake_is_found_at_its_line(broken: CheckResult) -> None:
    unmatched = set(EXPECTED_BROKEN)
    unexpected = []
    for diag in broken.diagnostics:
        hit = next((exp for exp in unmatched if (diag.path, diag.line, diag.severity) ==
                    exp[:3] and exp[3] in diag.message), None)
        if hit is None:
            unexpected.append(diag.format())
        else:
            unmatched.remove(hit)
    assert unexpected == [] and unmatched == set()


def test_broken_courses_are_not_loadable_but_good_ones_are(broken: CheckResult) -> None:
    assert broken.failed == ["Bad_Slug", "broken-course", "empty-course", "no-manifest",
                             "orphan-ky"]
    assert [c.slug for c in broken.courses] == ["drifted-translation", "original-en"]
    assert broken.has_errors and broken.checked == 7


def test_diagnostics_are_sorted(broken: CheckResult) -> None:
    assert broken.diagnostics == sorted(broken.diagnostics)


def test_load_course_returns_none_for_a_broken_course() -> None:
    course, diags = load_course(BROKEN / "broken-course", "x")
    assert course is None
    assert all(d.path.startswith("x/broken-course/") for d in diags)


# -- content hash ---------------------------------------------------------------------------

def test_content_hash_is_stable_and_changes_with_any_file(tmp_path: Path) -> None:
    folder = tmp_path / "checking-sources"
    shutil.copytree(GOOD / "checking-sources", folder)
    first, _ = load_one(folder)
    again, _ = load_one(folder)
    assert first is not None and again is not None
    assert first.content_hash == again.content_hash == content_hash(folder)
    assert first.content_hash == load_courses([GOOD]).courses[0].content_hash  # any location
    seen = {first.content_hash}
    edits = [
        lambda: (folder / "course.yml").write_text(
            (folder / "course.yml").read_text() + "\n", encoding="utf-8"),
        lambda: (folder / "02-lateral-reading.md").write_text(
            (folder / "02-lateral-reading.md").read_text().replace("new tab", "new  tab")),
        lambda: (folder / "media" / "magnifier.png").write_bytes(b"\x89PNG changed"),
        lambda: (folder / "media" / "extra.txt").write_text("new media file"),
        lambda: (folder / "media" / "extra.txt").rename(folder / "media" / "renamed.txt"),
    ]
    for edit in edits:
        edit()
        digest = content_hash(folder)
        assert digest not in seen
        seen.add(digest)


# -- single problems through tmp_path ------------------------------------------------------

def test_non_utf8_module_reports_line_of_first_bad_byte(tmp_path: Path) -> None:
    folder = simple_course(tmp_path, files={"02-two.md": "---\ntitle: Two\n---\nfine\n"
                                        "Привет".encode("cp1251") + b"\n"})
    course, diags = load_one(folder)
    assert course is None
    assert [d.format() for d in diags] == [
        "courses/demo/02-two.md:5: error: file is not UTF-8 text; save it as UTF-8 in your editor"]


def test_non_utf8_course_yml(tmp_path: Path) -> None:
    folder = simple_course(tmp_path, manifest=b"title: \xff\nlanguage: en\nsummary: s\n")
    assert found(load_one(folder)[1]) == {("course.yml", 1, E)}


def test_utf8_bom_and_crlf_are_accepted(tmp_path: Path) -> None:
    folder = simple_course(tmp_path, files={"01-one.md": b"\xef\xbb\xbf---\r\ntitle: One\r\n"
                                        b"---\r\nText [x](media/missing.png)\r\n"})
    _, diags = load_one(folder)
    assert [(d.line, d.severity) for d in diags] == [(4, E)]


def test_unknown_course_key_suggests_the_right_one(tmp_path: Path) -> None:
    folder = simple_course(tmp_path, manifest=MANIFEST + "titel: x\n")
    course, diags = load_one(folder)
    assert course is not None  # a warning does not stop the course
    assert [d.format() for d in diags] == [
        "courses/demo/course.yml:4: warning: unknown key 'titel' in course.yml; "
        "did you mean 'title'?"]


def test_missing_required_keys_and_bool_title(tmp_path: Path) -> None:
    folder = simple_course(tmp_path, manifest="title: yes\n")
    messages = [d.message for d in load_one(folder)[1]]
    assert messages == ["'title' must be non-empty text; put it in quotes",
                        "course.yml has no 'language'; add 'language: ru' (one of: ru, ky, en)",
                        "course.yml has no 'summary'; add a line 'summary: ...'"]


def test_duplicate_yaml_key_is_an_error(tmp_path: Path) -> None:
    folder = simple_course(tmp_path, manifest=MANIFEST + "title: Again\n")
    assert [d.format() for d in load_one(folder)[1]] == [
        "courses/demo/course.yml:4: error: key 'title' appears twice (first at line 1); "
        "keep only one"]


def test_yaml_error_line_in_front_matter(tmp_path: Path) -> None:
    folder = simple_course(tmp_path, files={"01-one.md": "---\ntitle: ok\nminutes: 5\n"
                                        "quiz:\n\tattempts: 2\n---\nText\n"})
    diags = load_one(folder)[1]
    assert [(d.line, d.severity) for d in diags] == [(5, E)]
    assert diags[0].message.startswith("YAML syntax error")


def test_course_without_modules_and_not_a_mapping(tmp_path: Path) -> None:
    folder = write_course(tmp_path, "demo", {"course.yml": "- a\n- b\n"})
    assert {d.message for d in load_one(folder)[1]} == {
        "course.yml must be a list of 'key: value' lines, not a single value or a list",
        "course has no modules; add a file like 01-introduction.md"}


def test_values_are_validated(tmp_path: Path) -> None:
    folder = simple_course(tmp_path, manifest=MANIFEST + "audience: teachers\ntrack: Bad Track"
                           "\nhours: many\ntags: [ok, 3]\ntranslation_of: demo\n")
    assert [(d.line, d.message.split(";")[0]) for d in load_one(folder)[1]] == [
        (4, "'audience' is 'teachers'"), (5, "'track' is 'Bad Track'"),
        (6, "'hours' is 'many'"), (7, "'tags' must be a list of texts, one '- item' per line"),
        (8, "'translation_of' names this course itself")]


def test_front_matter_problems(tmp_path: Path) -> None:
    folder = simple_course(tmp_path, files={
        "01-one.md": "---\ntitle: One\nkind: quiz\nquiz: yes\n---\n",
        "02-two.md": "---\ntitle: Two\nquiz:\n  pass_mark: 101\n  shuffle: maybe\n---\n",
        "03-three.md": "---\ntitle: Three\n",
        "04-four.md": "---\n---\n"})
    assert [(d.path.rsplit("/", 1)[-1], d.line, d.message.split(";")[0])
            for d in load_one(folder)[1]] == [
        ("01-one.md", 3, "'kind' is 'quiz'"),
        ("01-one.md", 4, "'quiz' must hold indented settings: pass_mark, attempts, shuffle"),
        ("01-one.md", 4, "quiz settings but no ```quiz block"),
        ("02-two.md", 3, "quiz settings but no ```quiz block"),
        ("02-two.md", 4, "quiz 'pass_mark' is '101'"),
        ("02-two.md", 5, "quiz 'shuffle' is 'maybe'"),
        ("03-three.md", 1, "front matter is never closed"),
        ("04-four.md", 1, "front matter has no 'title'")]


def test_quiz_inside_a_longer_fence_is_an_example_not_a_quiz(tmp_path: Path) -> None:
    body = "---\ntitle: One\n---\n````markdown\n```quiz\nnot a question {\n```\n````\n"
    folder = simple_course(tmp_path, files={"01-one.md": body})
    course, diags = load_one(folder)
    assert diags == [] and course is not None
    assert course.modules[0].questions == []
    assert "```quiz" in course.modules[0].body_html


def test_several_quiz_blocks_form_one_quiz_and_lines_are_file_lines(tmp_path: Path) -> None:
    body = ("---\ntitle: One\nkind: pretest\n---\nIntro.\n\n```quiz\n// [id:a]\nA? {T}\n```\n"
            "\nMore text.\n\n~~~ quiz\n// [id:b]\nB? {F}\n~~~\n")
    folder = simple_course(tmp_path, files={"01-one.md": body})
    course, diags = load_one(folder)
    assert diags == [] and course is not None
    module = course.modules[0]
    assert [(q.ident, q.line) for q in module.questions] == [("a", 9), ("b", 16)]
    assert module.body_html == "<p>Intro.</p>\n<p>More text.</p>"


def test_empty_quiz_in_assessment(tmp_path: Path) -> None:
    body = "---\ntitle: One\nkind: pretest\n---\n\n```quiz\n```\n"
    folder = simple_course(tmp_path, files={"01-one.md": body})
    assert [(d.line, d.message.split(";")[0]) for d in load_one(folder)[1]] == [
        (6, "the quiz of this pretest has no questions")]


def test_duplicate_ids_across_modules_name_the_first_place(tmp_path: Path) -> None:
    folder = simple_course(tmp_path, files={
        "01-one.md": "---\ntitle: One\n---\n```quiz\n// [id:same]\nA? {T}\n```\n",
        "02-two.md": "---\ntitle: Two\n---\n\n\n```quiz\n// [id:same]\nB? {T}\n\n"
                     "::Twin::C? {T}\n```\n\n```quiz\n::Twin::D? {F}\n\n::Twin::E? {F}\n```\n"})
    diags = load_one(folder)[1]
    assert [d.format() for d in diags] == [
        "courses/demo/02-two.md:8: error: duplicate question id 'same' (first used at "
        "01-one.md:6); give each question its own // [id:...]",
        "courses/demo/02-two.md:14: warning: same identity 'Twin' as the question at "
        "02-two.md:10; add '// [id:...]' to tell them apart",
        # Inside one block the GIFT parser reports it itself (once, not twice).
        "courses/demo/02-two.md:16: warning: same identity 'Twin' as the question on line 14: "
        "add '// [id:...]' to tell them apart"]


def test_links_to_existing_heading_pass_and_media_in_subfolders(tmp_path: Path) -> None:
    folder = simple_course(tmp_path, files={
        "02-two.md": "---\ntitle: Two\n---\n[a](01-one.md#one) ![Map](media/maps/bishkek%20map.png)"
                     "\n[b](01-one.md#ones)\n",
        "media/maps/bishkek map.png": b"png"})
    course, diags = load_one(folder)
    assert [d.format() for d in diags] == [
        "courses/demo/02-two.md:5: warning: '01-one.md' has no heading '#ones'; "
        "did you mean '#one'?"]
    assert course is not None
    assert 'src="/courses/demo/media/maps/bishkek%20map.png"' in course.modules[1].body_html


def test_same_slug_in_two_roots_fails_both(tmp_path: Path) -> None:
    simple_course(tmp_path / "a")
    simple_course(tmp_path / "b")
    result = load_courses([tmp_path / "a", tmp_path / "b"])
    assert result.courses == [] and result.failed == ["demo"]
    assert sorted(d.message.split(";")[0] for d in result.diagnostics) == [
        f"course slug 'demo' is also used by {tmp_path}/a/demo",
        f"course slug 'demo' is also used by {tmp_path}/b/demo"]


def test_single_course_folder_and_sibling_translation(tmp_path: Path) -> None:
    simple_course(tmp_path / "courses", "orig")
    simple_course(tmp_path / "courses", "orig-ru",
                  manifest="title: T\nlanguage: ru\nsummary: S\ntranslation_of: orig\n")
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = load_courses([Path("courses/orig-ru")])
        twice = load_courses([Path("courses"), Path("./courses/orig")])
    finally:
        os.chdir(cwd)
    assert result.diagnostics == [] and [c.slug for c in result.courses] == ["orig-ru"]
    assert twice.checked == 2 and twice.diagnostics == []


def test_missing_path_is_reported(tmp_path: Path) -> None:
    result = load_courses([tmp_path / "nope"])
    assert [d.message.split(";")[0] for d in result.diagnostics] == ["no such folder"]
    assert result.has_errors and result.checked == 0


# -- the worked example in docs/authoring.md ------------------------------------------------

_DOC_FILE_RE = re.compile(r"<!-- file: (?P<path>\S+) -->\n(?P<fence>`{3,}|~{3,})[^\n]*\n"
                          r"(?P<body>.*?)\n(?P=fence)\n", re.S)


def test_authoring_doc_example_matches_the_test_course() -> None:
    blocks = {m["path"]: m["body"] + "\n" for m in _DOC_FILE_RE.finditer(DOC.read_text("utf-8"))}
    assert sorted(blocks) == ["checking-sources/01-what-is-a-source.md",
                              "checking-sources/02-lateral-reading.md",
                              "checking-sources/course.yml"]
    for path, text in blocks.items():
        assert (GOOD / path).read_text("utf-8") == text, path
    on_disk = {p.name for p in (GOOD / "checking-sources").iterdir() if p.is_file()}
    assert on_disk == {p.rsplit("/", 1)[1] for p in blocks}


def test_authoring_doc_example_passes_the_checker_and_covers_every_question_type(
        tmp_path: Path) -> None:
    # Rebuild the course from the document alone (plus its picture) and check it.
    folder = tmp_path / "checking-sources"
    for m in _DOC_FILE_RE.finditer(DOC.read_text("utf-8")):
        target = tmp_path / m["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(m["body"] + "\n", encoding="utf-8")
    shutil.copytree(GOOD / "checking-sources" / "media", folder / "media")
    result = load_courses([tmp_path])
    assert result.diagnostics == [] and len(result.courses) == 1
    types = {q.type.value for m in result.courses[0].modules for q in m.questions}
    assert types == {"multichoice", "multiresponse", "truefalse", "shortanswer", "numerical",
                     "matching", "essay", "description"}
    assert any(q.is_missing_word for m in result.courses[0].modules for q in m.questions)


def test_every_broken_message_is_explained_in_the_doc(broken: CheckResult) -> None:
    section = DOC.read_text("utf-8").split("## 11.")[1]
    first_cells = [line.split(" | ")[0] for line in section.split("\n") if line.startswith("| `")]
    fragments = [f for cell in first_cells for f in re.findall(r"`([^`]+)`", cell)]
    own = [d for d in broken.diagnostics if "unclosed '{'" not in d.message]  # GIFT's own
    for diag in own:
        assert any(f in diag.message for f in fragments), diag.format()


def _doc_section(number: int) -> str:
    return DOC.read_text("utf-8").split(f"\n## {number}.")[1].split("\n## ")[0]


def test_every_gift_snippet_in_the_doc_parses_cleanly() -> None:
    from app.curriculum.gift import parse_gift

    snippets = re.findall(r"^```\n(.*?)\n```$", _doc_section(6), re.M | re.S)
    assert len(snippets) == 9
    types = set()
    for snippet in snippets:
        parsed = parse_gift(snippet)
        assert parsed.diagnostics == [] and parsed.questions, snippet
        types |= {q.type.value for q in parsed.questions}
    assert len(types) == 8
    quiz = re.search(r"```quiz\n(.*?)\n```", _doc_section(5), re.S)
    assert quiz and parse_gift(quiz.group(1)).diagnostics == []


def _message_pattern(fragment: str) -> re.Pattern[str]:
    """A documented fragment as a regex over the parser's source: a quoted single character
    (``'='``) may be an f-string slot there (``'{ch}'``), and ``\\`` is doubled in source."""
    parts = re.split(r"'(.)'", fragment)
    regex = ""
    for index, part in enumerate(parts):
        if index % 2:
            regex += "'(?:" + re.escape(part) + r"|\{\w+\})'"
        else:
            regex += re.escape(part).replace(r"\\", r"\\\\")
    return re.compile(regex)


def test_gift_messages_in_the_doc_exist_in_the_parser() -> None:
    # Keeps the "Questions" table honest when the GIFT parser's wording changes.
    import app.curriculum.gift as gift

    folder = Path(gift.__file__).parent
    source = "".join(p.read_text("utf-8") for p in sorted(folder.glob("gift*.py")))
    table = _doc_section(11).split("### Questions")[1].split("\n### ")[0]
    cells = [line.split(" | ")[0] for line in table.split("\n") if line.startswith("| `")]
    fragments = [f for cell in cells for f in re.findall(r"`([^`]+)`", cell)
                 if f not in ("duplicate question id", "same identity")]  # the loader's own
    assert len(fragments) > 20
    assert [f for f in fragments if not _message_pattern(f).search(source)] == []


def test_links_inside_quiz_texts_are_checked(tmp_path: Path) -> None:
    body = ("---\ntitle: One\n---\nText.\n\n```quiz\n// [id:a]\n[markdown]Look at this:\n"
            "![](media/gone.png) {\n=fine#See [the lesson](01-one.md)\n"
            "~wrong#Not [this](09-nope.md)\n}\n```\n")
    folder = simple_course(tmp_path, files={"01-one.md": body})
    assert [(d.line, d.severity, d.message.split(";")[0]) for d in load_one(folder)[1]] == [
        (9, E, "media file 'media/gone.png' does not exist"),
        (9, W, "image 'media/gone.png' has no alt text"),
        (11, E, "link to missing module '09-nope.md' (did you mean '01-one.md'?)")]


_PIECES = ["---\n", "title: T\n", "kind: exam\n", "quiz:\n", "  attempts: 2\n", "```quiz\n",
           "```\n", "~~~~\n", "// [id:a]\n", "Q? {T}\n", "{=a ~b}\n", "[x](02-two.md#h)\n",
           "![](media/a.png)\n", "[y](../z)\n", "# Заголовок\n", "\n", "\t: - [\n", "<script>\n",
           "title: [unclosed\n", "\x00\n", "\r\n", "\ufeff"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_PIECES), max_size=25), st.binary(max_size=8))
def test_any_module_text_gives_diagnostics_not_exceptions(pieces: list[str], tail: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = "".join(pieces).encode("utf-8") + tail
        folder = simple_course(Path(tmp), files={"02-two.md": data})
        course, diags = load_one(folder)
        line_count = data.count(b"\n") + 1
        assert all(0 <= d.line <= line_count for d in diags), diags
        assert (course is None) == any(d.is_error for d in diags)


def test_quiz_text_keeps_its_indentation_and_indented_fences_work(tmp_path: Path) -> None:
    lines = ["Intro", "```quiz", "Q?", "    indented", "{T}", "```", "", "- item", "",
             "    ```quiz", "    // [id:b]", "      B? {F}", "    ```", "after"]
    body, blocks, diags = extract_quiz_blocks(lines, 0, "x.md")
    assert diags == []
    assert [(b.first_line, b.text) for b in blocks] == [
        (3, "Q?\n    indented\n{T}"), (11, "// [id:b]\n  B? {F}")]
    assert body == ["Intro", "", "", "", "", "", "", "- item", "", "", "", "", "", "after"]


def test_a_translation_must_name_the_original_not_another_translation(tmp_path):
    """A course and its translations are one course for credit, named by the original's slug
    (app.services.credit.course_key): a chain ky -> en -> ru would make ky a second course."""
    write_course(tmp_path, "lib-ru", {"course.yml": "title: T\nlanguage: ru\nsummary: S\n", "01-one.md": LESSON})
    write_course(tmp_path, "lib-en", {"course.yml": MANIFEST + "translation_of: lib-ru\n", "01-one.md": LESSON})
    write_course(tmp_path, "lib-ky", {"course.yml": "title: T\nlanguage: ky\nsummary: S\ntranslation_of: lib-en\n",
                                      "01-one.md": LESSON})
    result = load_courses([tmp_path])
    chain = [d for d in result.diagnostics if "names a translation" in d.message]
    assert [(d.path.split("/")[-2:], d.line, d.severity) for d in chain] == [(["lib-ky", "course.yml"], 4, E)]
    assert "translation_of: lib-ru" in chain[0].message
    assert result.failed == ["lib-ky"] and sorted(c.slug for c in result.courses) == ["lib-en", "lib-ru"]


def test_a_translation_with_other_hours_or_another_track_is_warned(tmp_path):
    """Translations are one course for credit: the hours credited would depend on which
    language the learner finished first, and the track on which one they took."""
    write_course(tmp_path, "lib-ru", {"course.yml": "title: T\nlanguage: ru\nsummary: S\nhours: 6\ntrack: a-track\n",
                                      "01-one.md": LESSON})
    write_course(tmp_path, "lib-en", {"course.yml": MANIFEST + "hours: 8\ntrack: b-track\ntranslation_of: lib-ru\n",
                                      "01-one.md": LESSON})
    write_course(tmp_path, "lib-ky", {"course.yml": "title: T\nlanguage: ky\nsummary: S\nhours: 6.0\ntrack: a-track\n"
                                                    "translation_of: lib-ru\n", "01-one.md": LESSON})
    result = load_courses([tmp_path])
    found = {(d.path.split("/")[-2], d.severity, d.message.split(";")[0]) for d in result.diagnostics
             if "differ" in d.message or "gives" in d.message}
    assert found == {("lib-en", W, "'hours' is 8 but 'lib-ru' gives 6"),
                     ("lib-en", W, "track differs from 'lib-ru' (b-track vs a-track)")}
