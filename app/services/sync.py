"""Course sync: course files on disk -> the catalog tables, without ever losing a learner's history.

The rules, in the order they matter:
1. A course with any error is not touched: its last good version stays live.
2. Rows are matched by identity (course slug, module slug, question id). A module or question that
   disappeared from the files is retired (``retired_at`` set), never deleted, because attempts and
   progress point at it; if it comes back it is un-retired.
3. An unchanged course (same content hash) writes nothing at all.
4. Each course is one unit of work: the caller commits after each (see ``sync_all``), so a failure
   in one course cannot half-apply it or undo another.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from app.curriculum.diagnostics import Diagnostic
from app.curriculum.loader import CheckResult, ParsedCourse, load_courses
from app.curriculum.markdown import render_inline, render_question_html
from app.curriculum.modules import ParsedModule
from app.curriculum.questions import Question as ParsedQuestion
from app.extensions import db
from app.models.base import utcnow
from app.models.catalog import Course, Module, Question
from app.models.credentials import Track
from app.services import search

CREATED, UPDATED, UNCHANGED, FAILED, RETIRED = "created", "updated", "unchanged", "failed", "retired"


@dataclass
class CourseOutcome:
    slug: str
    action: str
    changes: list[str] = field(default_factory=list)


@dataclass
class SyncReport:
    outcomes: list[CourseOutcome] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    checked: int = 0

    @property
    def failed(self) -> list[str]:
        failed = [o.slug for o in self.outcomes if o.action == FAILED]
        if any(d.is_error and d.path.endswith("tracks.yml") for d in self.diagnostics):
            failed.append("tracks.yml")
        return failed

    @property
    def ok(self) -> bool:
        return not self.failed

    def count(self, action: str) -> int:
        return sum(1 for o in self.outcomes if o.action == action)

    def lines(self) -> list[str]:
        """The report as text lines: diagnostics first (as the checker prints them), then courses."""
        out = [d.format() for d in sorted(self.diagnostics)]
        for o in self.outcomes:
            detail = f" ({summarise_changes(o.changes)})" if o.changes else ""
            if o.action == FAILED:
                out.append(f"{o.slug}: not synced, it has errors; the last good version stays live")
            else:
                out.append(f"{o.slug}: {o.action}{detail}")
        out.append(
            f"{self.count(CREATED)} created, {self.count(UPDATED)} updated, {self.count(UNCHANGED)} unchanged, "
            f"{self.count(RETIRED)} retired, {len(self.failed)} failed"
        )
        return out


def summarise_changes(changes: list[str]) -> str:
    """'module x added', 'question y added', ... -> '2 modules added, 30 questions added; retired: question y'.

    Counts keep the report readable; retired items are named because an author should notice them.
    """
    counts: dict[str, int] = {}
    retired = []
    for change in changes:
        kind, name, verb = change.split(" ", 2)
        if verb == "retired":
            retired.append(f"{kind} {name}")
        else:
            counts[f"{kind}s {verb}"] = counts.get(f"{kind}s {verb}", 0) + 1
    text = ", ".join(f"{n} {what}" for what, n in counts.items())
    if retired:
        text += ("; " if text else "") + "retired: " + ", ".join(retired)
    return text


def sync_all(paths: list[Path], commit: Callable[[], None], rollback: Callable[[], None],
             retire_missing: bool = False) -> SyncReport:
    """Check ``paths`` and sync every error-free course, calling ``commit`` after each one.

    Args:
        paths: the courses root or single course folders.
        commit / rollback: the caller's transaction control (only requests and CLI commands commit).
        retire_missing: retire published courses whose folder is gone; only meaningful when
            ``paths`` is the whole courses root.
    Returns:
        A SyncReport; ``report.ok`` is False when any course had errors (it kept its old version).
    """
    result: CheckResult = load_courses(paths)
    report = SyncReport(diagnostics=list(result.diagnostics), checked=result.checked)
    for slug in result.failed:
        report.outcomes.append(CourseOutcome(slug, FAILED))
    for parsed in result.courses:
        try:
            outcome = sync_course(parsed)
            commit()
        except Exception:
            rollback()
            raise
        report.outcomes.append(outcome)
    tracks_broken = any(d.is_error and d.path.endswith("tracks.yml") for d in result.diagnostics)
    if not tracks_broken:
        report.outcomes += sync_tracks(result.tracks, retire_missing=retire_missing)
        commit()
    if retire_missing:
        present = {c.slug for c in result.courses} | set(result.failed)
        for course in db.session.scalars(select(Course).where(Course.retired_at.is_(None))):
            if course.slug not in present:
                course.retired_at = utcnow()
                report.outcomes.append(CourseOutcome(course.slug, RETIRED, ["its folder is gone"]))
        commit()
    return report


def sync_tracks(parsed_tracks, retire_missing: bool) -> list[CourseOutcome]:
    """Upsert the tracks of courses/tracks.yml by id; unchanged ones write nothing.

    Called only when tracks.yml has no error, so a broken file never retires a track.
    """
    existing = {t.slug: t for t in db.session.scalars(select(Track))}
    outcomes = []
    for parsed in parsed_tracks:
        track = existing.get(parsed.id)
        if track is not None and track.content_hash == parsed.content_hash and track.retired_at is None:
            continue
        action = UPDATED if track is not None else CREATED
        if track is None:
            track = Track(slug=parsed.id)
            db.session.add(track)
        _assign(track, title=dict(parsed.title), summary=dict(parsed.summary),
                levels=[{"id": lv.id, "title": dict(lv.title), "hours": lv.hours} for lv in parsed.levels],
                content_hash=parsed.content_hash, retired_at=None)
        outcomes.append(CourseOutcome(f"track {parsed.id}", action))
    if retire_missing:
        ids = {t.id for t in parsed_tracks}
        for slug, track in existing.items():
            if slug not in ids and track.retired_at is None:
                track.retired_at = utcnow()
                outcomes.append(CourseOutcome(f"track {slug}", RETIRED))
    db.session.flush()
    return outcomes


def sync_course(parsed: ParsedCourse) -> CourseOutcome:
    """Bring one course's rows in line with its parsed files; flushes, does not commit."""
    course = db.session.scalar(select(Course).where(Course.slug == parsed.slug))
    if course is not None and course.content_hash == parsed.content_hash and course.retired_at is None:
        return CourseOutcome(parsed.slug, UNCHANGED)
    action = UPDATED if course is not None else CREATED
    now = utcnow()
    if course is None:
        course = Course(slug=parsed.slug)
        db.session.add(course)
    _assign(
        course,
        title=parsed.title, language=parsed.language, summary=parsed.summary, audience=parsed.audience,
        track=parsed.track, hours=float(parsed.hours), pass_mark=parsed.pass_mark,
        outcomes=list(parsed.outcomes), tags=list(parsed.tags), translation_of=parsed.translation_of,
        pretest_feedback=parsed.pretest_feedback, authors=[dict(p) for p in parsed.authors],
        reviewers=[dict(p) for p in parsed.reviewers], sources=list(parsed.sources), content_hash=parsed.content_hash, source_dir=str(parsed.folder), synced_at=now, retired_at=None,
    )
    db.session.flush()
    changes = _sync_modules(course, parsed.modules, now)
    db.session.refresh(course)  # the modules relationship must see this sync's rows
    search.reindex_course(course)
    return CourseOutcome(parsed.slug, action, changes)


def _sync_modules(course: Course, parsed_modules: list[ParsedModule], now) -> list[str]:
    existing = {m.slug: m for m in db.session.scalars(select(Module).where(Module.course_id == course.id))}
    questions = {q.ident: q for q in db.session.scalars(select(Question).where(Question.course_id == course.id))}
    changes: list[str] = []
    seen_questions: set[str] = set()
    for pm in parsed_modules:
        module = existing.get(pm.slug)
        if module is None:
            module = Module(course_id=course.id, slug=pm.slug)
            db.session.add(module)
            changes.append(f"module {pm.slug} added")
        elif module.retired_at is not None:
            changes.append(f"module {pm.slug} restored")
        if _assign(
            module,
            position=pm.position, filename=pm.filename, title=pm.title, minutes=pm.minutes, kind=pm.kind,
            body_html=pm.body_html, search_text=pm.search_text, headings=[list(h) for h in pm.headings],
            source_hash=pm.source_hash, quiz_pass_mark=pm.quiz.pass_mark, quiz_attempts=pm.quiz.attempts,
            quiz_shuffle=pm.quiz.shuffle, retired_at=None,
        ) and module.id is not None and f"module {pm.slug} added" not in changes:
            changes.append(f"module {pm.slug} updated")
        db.session.flush()
        for position, pq in enumerate(pm.questions, start=1):
            seen_questions.add(pq.ident)
            _sync_question(course, module, position, pq, questions, changes)
    for slug, module in existing.items():
        if module.retired_at is None and slug not in {pm.slug for pm in parsed_modules}:
            module.retired_at = now
            changes.append(f"module {slug} retired")
    for ident, question in questions.items():
        if question.retired_at is None and ident not in seen_questions:
            question.retired_at = now
            changes.append(f"question {ident} retired")
    db.session.flush()
    return changes


def _sync_question(course: Course, module: Module, position: int, pq: ParsedQuestion,
                   questions: dict[str, Question], changes: list[str]) -> None:
    data = pq.to_dict()
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    row = questions.get(pq.ident)
    if row is None:
        row = Question(course_id=course.id, ident=pq.ident)
        db.session.add(row)
        questions[pq.ident] = row
        changes.append(f"question {pq.ident} added")
    elif row.content_hash != digest:
        changes.append(f"question {pq.ident} changed")
    if row.content_hash != digest or row.module_id != module.id or row.position != position or row.retired_at:
        _assign(
            row, module_id=module.id, position=position, qtype=pq.type.value, data=data,
            rendered=render_question_parts(pq, course.slug), tags=list(pq.tags),
            source_line=pq.line, content_hash=digest, retired_at=None,
        )


def render_question_parts(q: ParsedQuestion, course_slug: str) -> dict:
    """Every piece of a question as safe HTML, made once at sync time.

    The quiz form uses only ``stem``, ``choices`` (choice questions) and ``pairs_left`` /
    ``pairs_right``; feedback parts are shown only after an attempt is submitted.
    """
    inline = lambda text, fmt: render_inline(text, fmt, course_slug) if text else ""  # noqa: E731
    return {
        "stem": render_question_html(q, course_slug),
        "choices": [inline(c.text, c.format) for c in q.choices],
        "choice_feedback": [inline(c.feedback, c.feedback_format) for c in q.choices],
        "number_feedback": [inline(n.feedback, n.feedback_format) for n in q.numbers],
        "pairs_left": [[i, inline(p.left, p.format)] for i, p in enumerate(q.pairs) if p.left],
        "pairs_right": sorted({p.right for p in q.pairs}),
        "feedback_true": inline(q.feedback_true, q.feedback_true_format),
        "feedback_false": inline(q.feedback_false, q.feedback_false_format),
        "general_feedback": inline(q.general_feedback, q.general_feedback_format),
    }


def _assign(obj, **values) -> bool:
    """Set only the attributes whose value differs, so an unchanged row issues no UPDATE."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed
