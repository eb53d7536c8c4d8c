"""Loading one module file: front matter, quiz blocks, rendered body and link diagnostics."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .diagnostics import Diagnostic, error, warning
from .manifest import YamlMapping, is_int, parse_yaml_mapping, unknown_key_warnings
from .markdown import (MODULE_FILE_RE, FragmentRef, LinkContext, Rendered, check_text_links,
                       render_markdown)

MODULE_KEYS = ("title", "minutes", "kind", "quiz")
QUIZ_KEYS = ("pass_mark", "attempts", "shuffle")
KINDS = ("lesson", "pretest", "posttest", "exam")
ASSESSMENT_KINDS = ("pretest", "posttest", "exam")
_FENCE_RE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*?)\s*$")


@dataclass(frozen=True)
class QuizSettings:
    """How a module's quiz is taken.

    ``pass_mark``: percentage needed to pass (default: the course's pass_mark);
    ``attempts``: allowed attempts, None = unlimited; ``shuffle``: shuffle question order.
    """

    pass_mark: int
    attempts: int | None = None
    shuffle: bool = False


@dataclass(frozen=True)
class ParsedModule:
    """One module (``NN-slug.md``) of a course, ready to store and show.

    Fields: ``slug`` (file name without ``NN-`` and ``.md``), ``position`` (the NN number),
    ``filename``, ``title``, ``minutes`` (None if not given), ``kind`` (lesson, pretest,
    posttest, exam), ``quiz`` (:class:`QuizSettings`), ``body_html`` (sanitised HTML without
    the quiz blocks; the quiz is shown after the lesson), ``search_text`` (plain text for
    full-text search), ``headings`` ((level, id, text) in order), ``questions`` (``Question``
    objects from ``parse_gift``, in file order), ``source_hash`` (sha256 hex of the file bytes).
    """

    slug: str
    position: int
    filename: str
    title: str
    minutes: int | None
    kind: str
    quiz: QuizSettings
    body_html: str
    search_text: str
    headings: list[tuple[int, str, str]]
    questions: list[Any]
    source_hash: str

    # Flat aliases of ``quiz``, convenient for database columns.
    @property
    def quiz_pass_mark(self) -> int:
        """Percentage needed to pass this module's quiz."""
        return self.quiz.pass_mark

    @property
    def quiz_attempts(self) -> int | None:
        """Allowed attempts, None for unlimited."""
        return self.quiz.attempts

    @property
    def quiz_shuffle(self) -> bool:
        """Whether questions are shown in random order."""
        return self.quiz.shuffle


@dataclass
class ModuleLoad:
    """Result of loading one module file: the module (None on errors in this file), its
    diagnostics, links into other modules' headings (checked once all are loaded) with their
    lines, and the module's questions."""

    module: ParsedModule | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    fragment_refs: list[tuple[FragmentRef, int]] = field(default_factory=list)
    # Questions even of a module with errors, so duplicate ids are still found in one run.
    questions: list[Any] = field(default_factory=list)
    # Index of the quiz block each question came from: duplicates inside one block are
    # reported by the GIFT parser, so the course-wide check skips those pairs.
    question_blocks: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class QuizBlock:
    """The GIFT text of one ```quiz block and the file line of its first content line."""

    first_line: int
    text: str


def decode_utf8(data: bytes, path: str) -> tuple[str | None, list[Diagnostic]]:
    """Decode file bytes as UTF-8 (a BOM is tolerated); error at the line of the first bad byte."""
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return None, [error(path, line, "file is not UTF-8 text; save it as UTF-8 in your editor")]


def split_lines(text: str) -> list[str]:
    """Lines as editors count them (only \\n, \\r\\n and \\r end a line)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def split_front_matter(lines: list[str], path: str) -> tuple[int, list[Diagnostic]]:
    """Find the front matter; returns the 0-based index of its closing ``---`` (0 if none)."""
    if not lines or lines[0].rstrip() != "---":
        return 0, [error(path, 1, "module must start with front matter: a line '---', "
                                  "'title: ...', and another '---'")]
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            return index, []
    return 0, [error(path, 1, "front matter is never closed; add a line '---' after it")]


def extract_quiz_blocks(lines: list[str], first: int, path: str
                        ) -> tuple[list[str], list[QuizBlock], list[Diagnostic]]:
    """Take the ```quiz blocks out of the body.

    Args:
        lines: all lines of the file; ``first`` is the 0-based index of the first body line.
    Returns:
        ``(body_lines, blocks, diagnostics)``: body lines with quiz blocks replaced by empty
        lines (so every line keeps its number), the blocks in order, and an error for a quiz
        block that is never closed. Other fenced blocks are skipped over, so a quiz shown as an
        example inside a longer fence is left alone.
    """
    body = lines[first:]
    blocks: list[QuizBlock] = []
    index = 0
    while index < len(body):
        match = _FENCE_RE.match(body[index])
        if not match:
            index += 1
            continue
        end = _closing_fence(body, index, match.group("fence"))
        if match.group("info").split()[:1] != ["quiz"]:
            index = (end if end is not None else len(body)) + 1
            continue
        if end is None:
            return body, blocks, [error(path, first + index + 1, "quiz block is never closed; "
                                        f"add a line {match.group('fence')} after the questions")]
        indent = len(match.group("indent"))
        # An indented fence (inside a list) has indented content: remove that much, no more.
        text = "\n".join(line[indent:] if not line[:indent].strip() else line.lstrip()
                         for line in body[index + 1:end])
        blocks.append(QuizBlock(first + index + 2, text))
        body[index:end + 1] = [""] * (end + 1 - index)
        index = end + 1
    return body, blocks, []


def _closing_fence(body: list[str], start: int, fence: str) -> int | None:
    """Index of the line closing the fence opened at ``start`` (same char, at least as long)."""
    for index in range(start + 1, len(body)):
        stripped = body[index].strip()
        if stripped and set(stripped) == {fence[0]} and len(stripped) >= len(fence):
            return index
    return None


def _front_matter_values(doc: YamlMapping, path: str, course_pass_mark: int
                         ) -> tuple[dict[str, Any], list[Diagnostic]]:
    """Check the module keys; returns title, minutes, kind and QuizSettings when valid."""
    data = doc.data or {}
    diags = unknown_key_warnings(data, MODULE_KEYS, doc, path, "front matter")
    title = data.get("title")
    if title is None:
        diags.append(error(path, 1, "front matter has no 'title'; add a line 'title: ...'"))
    elif not isinstance(title, str) or not title.strip():
        diags.append(error(path, doc.line("title", 1), "'title' must be non-empty text; "
                                                       "put it in quotes"))
    minutes = data.get("minutes")
    if minutes is not None and (not is_int(minutes) or minutes <= 0):
        diags.append(error(path, doc.line("minutes", 1),
                           f"'minutes' is '{minutes}'; use a whole number above 0, or remove it"))
    kind = data.get("kind", "lesson")
    if kind not in KINDS:
        diags.append(error(path, doc.line("kind", 1),
                           f"'kind' is '{kind}'; use one of: {', '.join(KINDS)}"))
    quiz, quiz_diags = _quiz_settings(doc, path, course_pass_mark)
    diags += quiz_diags
    values = {"title": str(title).strip() if title else "", "minutes": minutes, "kind": kind,
              "quiz": quiz, "has_quiz_settings": "quiz" in data}
    return values, diags


def _quiz_settings(doc: YamlMapping, path: str, course_pass_mark: int
                   ) -> tuple[QuizSettings, list[Diagnostic]]:
    raw = (doc.data or {}).get("quiz")
    if raw is None:
        return QuizSettings(course_pass_mark), []
    line = doc.line("quiz", 1)
    if not isinstance(raw, dict):
        return QuizSettings(course_pass_mark), [error(
            path, line, "'quiz' must hold indented settings: pass_mark, attempts, shuffle")]
    diags = unknown_key_warnings(raw, QUIZ_KEYS, doc, path, "quiz settings", prefix="quiz.")
    pass_mark = raw.get("pass_mark", course_pass_mark)
    if not is_int(pass_mark) or not 0 <= pass_mark <= 100:
        diags.append(error(path, doc.line("quiz.pass_mark", line),
                           f"quiz 'pass_mark' is '{pass_mark}'; use a whole percentage 0-100"))
        pass_mark = course_pass_mark
    attempts = raw.get("attempts")
    if attempts is not None and (not is_int(attempts) or attempts < 1):
        diags.append(error(path, doc.line("quiz.attempts", line),
                           f"quiz 'attempts' is '{attempts}'; use a whole number of 1 or more, "
                           "or remove it for unlimited attempts"))
        attempts = None
    shuffle = raw.get("shuffle", False)
    if not isinstance(shuffle, bool):
        diags.append(error(path, doc.line("quiz.shuffle", line),
                           f"quiz 'shuffle' is '{shuffle}'; use true or false"))
        shuffle = False
    return QuizSettings(pass_mark, attempts, shuffle), diags


def locate(target: str, lines: list[str], start: int, used: dict[str, int],
           key: str | None = None) -> int:
    """1-based line where ``target`` is written, searching from 0-based index ``start``.

    ``used`` remembers, per target, where the previous search stopped, so a target written
    several times is matched to successive occurrences. Falls back to ``start + 1``.
    """
    key = target if key is None else key
    begin = used.get(key, start)
    for index in range(begin, len(lines)):
        if target in lines[index]:
            used[key] = index + 1
            return index + 1
    return start + 1


def parse_questions(blocks: list[QuizBlock], path: str
                    ) -> tuple[list[Any], list[int], list[Diagnostic]]:
    """Parse every quiz block with the GIFT parser; questions keep their real file lines.

    Returns ``(questions, block index of each question, diagnostics)``.
    """
    if not blocks:
        return [], [], []
    from .gift import parse_gift  # imported late: the GIFT parser is a separate unit

    questions: list[Any] = []
    block_of: list[int] = []
    diags: list[Diagnostic] = []
    for index, block in enumerate(blocks):
        parsed = parse_gift(block.text, path=path, first_line=block.first_line)
        questions.extend(parsed.questions)
        block_of.extend([index] * len(parsed.questions))
        diags.extend(parsed.diagnostics)
    return questions, block_of, diags


def _question_texts(question: Any) -> list[tuple[str, Any]]:
    """Every author text of a question with its format: stem, feedback, answers, pairs."""
    fmt = question.format
    texts = [(question.text, fmt), (question.text_after, fmt),
             (question.general_feedback, question.general_feedback_format),
             (question.feedback_true, question.feedback_true_format),
             (question.feedback_false, question.feedback_false_format)]
    for choice in question.choices:
        texts += [(choice.text, choice.format), (choice.feedback, choice.feedback_format)]
    texts += [(n.feedback, n.feedback_format) for n in question.numbers]
    for pair in question.pairs:
        texts += [(pair.left, pair.format), (pair.right, pair.format)]
    return [(text, f) for text, f in texts if text]


def question_link_diags(questions: list[Any], lines: list[str], path: str,
                        links: LinkContext) -> list[Diagnostic]:
    """Broken media/module links and images without alt text inside quiz texts, reported at
    the line where the target is written (searching from the question's first line)."""
    diags: list[Diagnostic] = []
    for question in questions:
        used: dict[str, int] = {}
        for text, fmt in _question_texts(question):
            for problem in check_text_links(text, fmt, links):
                line = locate(problem.target, lines, max(question.line - 1, 0), used,
                              key=f"{problem.is_error}{problem.target}")
                make = error if problem.is_error else warning
                diags.append(make(path, line, problem.message))
    return diags


def _assessment_diags(values: dict[str, Any], blocks: list[QuizBlock], questions: list[Any],
                      doc: YamlMapping, path: str) -> list[Diagnostic]:
    kind = values["kind"]
    if kind in ASSESSMENT_KINDS and not questions and not blocks:
        article = "an" if kind[0] in "aeiou" else "a"
        return [error(path, doc.line("kind", 1), f"{article} {kind} module needs a quiz; add "
                                                 "a ```quiz block with questions")]
    if kind in ASSESSMENT_KINDS and not questions:
        return [error(path, blocks[0].first_line - 1, f"the quiz of this {kind} has no "
                                                      "questions; add GIFT questions")]
    if values["has_quiz_settings"] and not blocks:
        return [warning(path, doc.line("quiz", 1), "quiz settings but no ```quiz block; "
                                                   "add questions or remove the settings")]
    return []


def load_module(file: Path, path: str, links: LinkContext, course_pass_mark: int) -> ModuleLoad:
    """Load one module file.

    Args:
        file: the ``NN-slug.md`` file on disk (its name must already match the pattern).
        path: display path for diagnostics.
        links: the course's link context (module names, media folder).
        course_pass_mark: default for the quiz pass mark.
    Returns:
        A :class:`ModuleLoad`; ``module`` is None when this file has errors. Does not raise
        for bad content; an unreadable file (OSError) propagates.
    """
    data = file.read_bytes()
    text, diags = decode_utf8(data, path)
    if text is None:
        return ModuleLoad(None, diags)
    lines = split_lines(text)
    close, diags = split_front_matter(lines, path)
    if diags:
        return ModuleLoad(None, diags)
    doc = parse_yaml_mapping("\n".join(lines[1:close]), path, 2, "front matter")
    diags = list(doc.diagnostics)
    if doc.data is None:
        return ModuleLoad(None, diags)
    values, value_diags = _front_matter_values(doc, path, course_pass_mark)
    body, blocks, quiz_diags = extract_quiz_blocks(lines, close + 1, path)
    questions, block_of, gift_diags = parse_questions(blocks, path)
    diags += value_diags + quiz_diags + gift_diags
    diags += question_link_diags(questions, lines, path, links)
    diags += _assessment_diags(values, blocks, questions, doc, path)
    # Search for link targets in the body as rendered (quiz blocks blanked), same numbering.
    search_lines = lines[:close + 1] + body
    rendered, render_diags, refs = _render(body, search_lines, close + 1, path, links)
    diags += render_diags
    if any(d.is_error for d in diags):
        return ModuleLoad(None, diags, refs, questions, block_of)
    match = MODULE_FILE_RE.match(file.name)
    assert match is not None  # the caller checked the name
    module = ParsedModule(
        slug=match.group(2), position=int(match.group(1)), filename=file.name,
        title=values["title"], minutes=values["minutes"], kind=values["kind"],
        quiz=values["quiz"], body_html=rendered.html, search_text=rendered.text,
        headings=rendered.headings, questions=questions,
        source_hash=hashlib.sha256(data).hexdigest())
    return ModuleLoad(module, diags, refs, questions, block_of)


def _render(body: list[str], lines: list[str], first: int, path: str, links: LinkContext
            ) -> tuple[Rendered, list[Diagnostic], list[tuple[FragmentRef, int]]]:
    """Render the body; link problems become diagnostics at the line naming the target."""
    rendered = render_markdown("\n".join(body), links)
    used: dict[str, int] = {}
    diags = []
    for problem in rendered.problems:
        # Keyed by severity too: a missing image without alt text gets both on one line.
        line = locate(problem.target, lines, first, used, key=f"{problem.is_error}{problem.target}")
        make = error if problem.is_error else warning
        diags.append(make(path, line, problem.message))
    used = {}
    refs = [(ref, locate(ref.target, lines, first, used)) for ref in rendered.fragment_refs]
    return rendered, diags, refs
