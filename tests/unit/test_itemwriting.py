"""Item-writing warnings: answer keys a learner can guess, and assessments that repeat questions.

Each rule is tested just over and just under its threshold on small hand-made courses loaded
through the real loader, so the figures in the messages are the ones an author would see.
"""
from __future__ import annotations

from pathlib import Path

from app.curriculum.diagnostics import Diagnostic, Severity
from app.curriculum.loader import load_course, load_courses

MANIFEST = "title: T\nlanguage: en\nsummary: S\n"


def course(tmp_path: Path, modules: dict[str, str]) -> list[Diagnostic]:
    """Write a course of ``{filename: (front matter extra, quiz text)}`` modules and load it."""
    folder = tmp_path / "demo"
    folder.mkdir(parents=True)
    (folder / "course.yml").write_text(MANIFEST, encoding="utf-8")
    for name, text in modules.items():
        (folder / name).write_text(text, encoding="utf-8")
    found, diags = load_course(folder, "courses")
    assert found is not None, [d.format() for d in diags]  # warnings never fail a course
    assert all(d.severity is Severity.WARNING for d in diags)
    return diags


def module(quiz: str, kind: str = "lesson") -> str:
    return f"---\ntitle: M\nkind: {kind}\n---\n# M\n\nText.\n\n```quiz\n{quiz}\n```\n"


def choice(ident: str, right: str, wrongs: list[str]) -> str:
    answers = "\n".join([f"  ={right}"] + [f"  ~{w}" for w in wrongs])
    return f"// [id:{ident}]\nQuestion {ident}? {{\n{answers}\n}}\n"


def truefalse(ident: str, key: bool) -> str:
    return f"// [id:{ident}]\nStatement {ident}. {{{'T' if key else 'F'}}}\n"


def formatted(diags: list[Diagnostic]) -> list[str]:
    return [d.format() for d in diags]


LONG = "a right answer written out with care"
SHORT = ["wrong one", "wrong two", "wrong three"]


# -- the right option is the longest ----------------------------------------------------------

def test_longest_right_option_in_most_questions_of_a_quiz(tmp_path: Path) -> None:
    quiz = "\n".join([choice("a", LONG, SHORT), choice("b", LONG, SHORT),
                      choice("c", LONG, SHORT), choice("d", "short", SHORT)])
    diags = course(tmp_path, {"01-one.md": module(quiz)})
    # One quiz: the course-wide figures would only repeat the quiz's, so they are not shown.
    assert formatted(diags) == [
        "courses/demo/01-one.md:11: warning: the right option is the longest in 3 of 4 "
        "single-answer questions in this quiz (more than half); learners can guess by length, "
        "so write wrong options as full and careful as the right one"]


def test_longest_right_option_in_two_quizzes_is_reported_for_each_and_the_course(
        tmp_path: Path) -> None:
    quiz = "\n".join([choice(f"a{i}", LONG, SHORT) for i in range(4)])
    diags = course(tmp_path, {"01-one.md": module(quiz),
                              "02-two.md": module(quiz.replace("[id:a", "[id:b"))})
    assert [(d.path, d.line, d.message.split(" (")[0]) for d in diags] == [
        ("courses/demo/01-one.md", 11, "the right option is the longest in 4 of 4 "
                                       "single-answer questions in this quiz"),
        ("courses/demo/02-two.md", 11, "the right option is the longest in 4 of 4 "
                                       "single-answer questions in this quiz"),
        ("courses/demo/course.yml", 0, "the right option is the longest in 8 of 8 "
                                       "single-answer questions in this course")]


def test_longest_right_option_in_half_or_in_small_quizzes_is_silent(tmp_path: Path) -> None:
    half = "\n".join([choice("a", LONG, SHORT), choice("b", LONG, SHORT),
                      choice("c", "short", SHORT), choice("d", "tie", ["one", "two"])])
    three = "\n".join([choice("e", LONG, SHORT), choice("f", LONG, SHORT),
                       choice("g", LONG, SHORT)])
    assert course(tmp_path / "half", {"01-one.md": module(half)}) == []
    # Three questions in one quiz are too few to judge; but the course (5 of 7) is not.
    diags = course(tmp_path / "split", {"01-one.md": module(three),
                                        "02-two.md": module(half.replace("[id:", "[id:x"))})
    assert [(d.path, d.message.split(" single")[0]) for d in diags] == [
        ("courses/demo/course.yml", "the right option is the longest in 5 of 7")]


def test_longest_counts_only_single_answer_questions_with_one_key(tmp_path: Path) -> None:
    quiz = "\n".join([
        choice("a", LONG, SHORT), choice("b", LONG, SHORT), choice("c", LONG, SHORT),
        choice("d", "ab", SHORT),
        # Multiple answers and a question with two full-mark answers are not single-answer.
        "// [id:m]\nPick? {\n  ~%50%a long right option here\n  ~%50%another long right one\n"
        "  ~%-100%no\n}\n",
        "// [id:two]\nTwo keys? {\n  =a long right option here\n  =another long right one\n"
        "  ~no\n}\n",
        # Markup does not count towards the length.
        "// [id:html]\n[html]Tagged? {\n  =<b>short</b>\n  ~plain words\n}\n"])
    diags = course(tmp_path, {"01-one.md": module(quiz)})
    assert diags[0].message.startswith("the right option is the longest in 3 of 5 ")


# -- true/false keys ---------------------------------------------------------------------------

def test_truefalse_keys_mostly_one_way(tmp_path: Path) -> None:
    quiz = "\n".join(truefalse(f"s{i}", key) for i, key in
                     enumerate([True, False, False, False, False]))
    diags = course(tmp_path, {"01-one.md": module(quiz)})
    assert formatted(diags) == [
        "courses/demo/01-one.md:14: warning: 4 of 5 true/false statements in this quiz are "
        "false (more than 70%); always answering 'false' scores 80%, so rewrite some "
        "statements so that about half are true"]


def test_truefalse_mostly_true_across_modules_is_reported_for_the_course(tmp_path: Path
                                                                          ) -> None:
    first = "\n".join(truefalse(f"a{i}", True) for i in range(3))
    second = "\n".join([truefalse("b0", True), truefalse("b1", True), truefalse("b2", False)])
    diags = course(tmp_path, {"01-one.md": module(first), "02-two.md": module(second)})
    assert [(d.path, d.message.split(" (")[0]) for d in diags] == [
        ("courses/demo/course.yml", "5 of 6 true/false statements in this course are true")]


def test_truefalse_balanced_or_few_is_silent(tmp_path: Path) -> None:
    seventy = "\n".join(truefalse(f"s{i}", i < 7) for i in range(10))  # exactly 70%
    four = "\n".join(truefalse(f"s{i}", False) for i in range(4))
    assert course(tmp_path / "a", {"01-one.md": module(seventy)}) == []
    assert course(tmp_path / "b", {"01-one.md": module(four)}) == []


# -- multiple answers: all options but one right ----------------------------------------------

def test_multiple_answer_with_all_but_one_right(tmp_path: Path) -> None:
    quiz = ("// [id:m]\nWhich apply? {\n  ~%25%one\n  ~%25%two\n  ~%25%three\n  ~%25%four\n"
            "  ~%-100%absurd\n}\n")
    diags = course(tmp_path, {"01-one.md": module(quiz)})
    assert formatted(diags) == [
        "courses/demo/01-one.md:11: warning: 4 of 5 options of this multiple-answer question "
        "are right; ticking everything scores nearly full marks, so add plausible wrong "
        "options or drop some right ones"]


def test_multiple_answer_with_real_wrong_options_or_three_options_is_silent(tmp_path: Path
                                                                             ) -> None:
    quiz = ("// [id:m]\nWhich apply? {\n  ~%50%one\n  ~%50%two\n  ~%-50%three\n  ~%-50%four\n"
            "}\n\n// [id:n]\nWhich apply? {\n  ~%50%one\n  ~%50%two\n  ~%-100%three\n}\n")
    assert course(tmp_path, {"01-one.md": module(quiz)}) == []


# -- assessments that repeat a question --------------------------------------------------------

LESSON_Q = ("// [id:lesson-q]\nHow do you find later works that cite the article you found? {\n"
            "  =Open Cited by under the article in Google Scholar\n"
            "  ~Read the reference list of this article\n  ~Read the abstract again\n}\n")


def test_posttest_repeating_a_lesson_question_is_reported_in_the_posttest(tmp_path: Path
                                                                          ) -> None:
    post = LESSON_Q.replace("lesson-q", "post-q").replace("found?", "found ?")
    diags = course(tmp_path, {"01-one.md": module(LESSON_Q),
                              "02-post.md": module(post, kind="posttest")})
    assert formatted(diags) == [
        "courses/demo/02-post.md:11: warning: this posttest question repeats the lesson "
        "question at 01-one.md:11 (text 100% alike, options 100% alike); an assessment should "
        "ask about the same skill in a new situation"]


def test_pretest_and_posttest_with_the_same_idea_reworded(tmp_path: Path) -> None:
    # The scenario differs a little, the options hardly: still the same question.
    pre = ("// [id:pre]\nYou found an important 2015 article. How do you find later works "
           "that cite it? {\n  =Open Cited by under it in Google Scholar\n"
           "  ~Read its reference list\n  ~Read its abstract again\n}\n")
    post = ("// [id:post]\nYou found a 2012 article on language policy. How do you learn "
            "which later works build on it? {\n  =Open Cited by in Google Scholar\n"
            "  ~Study its reference list\n  ~Reread its conclusions\n}\n")
    diags = course(tmp_path, {"01-pre.md": module(pre, kind="pretest"),
                              "02-post.md": module(post, kind="posttest")})
    assert [(d.path, d.line, d.message.split(" (")[0]) for d in diags] == [
        ("courses/demo/02-post.md", 11,
         "this posttest question repeats the pretest question at 01-pre.md:11")]


def test_different_assessment_questions_and_lesson_repeats_are_silent(tmp_path: Path) -> None:
    other = ("// [id:post]\nA student's research question changed twice during the search. "
             "What does that tell you? {\n  =Inquiry is iterative; refining it is normal\n"
             "  ~The search was planned badly\n  ~The topic was too narrow from the start\n}\n")
    # Two lessons may repeat each other (a review question): only assessments are judged.
    twin = LESSON_Q.replace("lesson-q", "twin-q")
    diags = course(tmp_path, {"01-one.md": module(LESSON_Q), "02-two.md": module(twin),
                              "03-post.md": module(other, kind="posttest")})
    assert diags == []


def test_item_writing_warnings_reach_the_checker_report(tmp_path: Path) -> None:
    folder = tmp_path / "courses" / "demo"
    folder.mkdir(parents=True)
    (folder / "course.yml").write_text(MANIFEST, encoding="utf-8")
    quiz = "\n".join(truefalse(f"s{i}", True) for i in range(5))
    (folder / "01-one.md").write_text(module(quiz), encoding="utf-8")
    result = load_courses([tmp_path / "courses"])
    assert not result.has_errors and [c.slug for c in result.courses] == ["demo"]
    assert [d.format() for d in result.diagnostics] == [
        f"{tmp_path.as_posix()}/courses/demo/01-one.md:11: warning: 5 of 5 true/false "
        "statements in this quiz are true (more than 70%); always answering 'true' scores "
        "100%, so rewrite some statements so that about half are true"]


def test_every_item_writing_message_is_explained_in_the_doc() -> None:
    import re

    import app.curriculum.itemwriting as itemwriting

    root = Path(__file__).resolve().parents[2]
    section = (root / "docs" / "authoring.md").read_text("utf-8").split("### Item writing")[1]
    section = section.split("\n## ")[0]
    cells = [line.split(" | ")[0] for line in section.split("\n") if line.startswith("| `")]
    fragments = [f for cell in cells for f in re.findall(r"`([^`]+)`", cell)]
    source = Path(itemwriting.__file__).read_text("utf-8")
    assert len(cells) == 4
    assert [f for f in fragments if f not in source] == []
