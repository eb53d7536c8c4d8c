"""Instructor reports: the progress matrix of a cohort in a course, its CSV, a learner's detail.

Every report runs a fixed number of queries whatever the cohort's size (tested at 10 and 200
learners): rows are fetched in bulk and assembled in Python, never one query per learner.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from sqlalchemy import Row, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models.catalog import Course, Module
from app.models.cohorts import Cohort, CohortMember
from app.models.learning import Attempt, Enrolment, ModuleProgress
from app.models.people import User
from app.services import curriculum_cache

SORTS = ("name", "progress", "score")


@dataclass(frozen=True)
class Cell:
    status: str  # "done", "started", "not-started"
    best_score: float | None
    attempts: int


_NOT_STARTED = Cell("not-started", None, 0)  # shared: cells are never modified


@dataclass(frozen=True)
class RowSummary:
    """A learner's totals in the matrix; equal totals are one shared object, like cells."""

    done: int
    mean_score: float | None
    completed: bool


@dataclass
class MatrixRow:
    learner: Row  # id, name, email
    cells: list[Cell]
    summary: RowSummary

    @property
    def done(self) -> int:
        return self.summary.done

    @property
    def mean_score(self) -> float | None:
        return self.summary.mean_score

    @property
    def completed(self) -> bool:
        return self.summary.completed


@dataclass
class ModuleTotal:
    module: Row  # a row of the course outline (curriculum_cache)
    done: int
    attempted: int
    mean_best: float | None


@dataclass
class Matrix:
    cohort: Cohort
    course: Course
    modules: list[Row]  # the course outline's rows (curriculum_cache)
    rows: list[MatrixRow]
    totals: list[ModuleTotal] = field(default_factory=list)
    sort: str = "name"

    @property
    def completed(self) -> int:
        return sum(1 for r in self.rows if r.completed)


def progress_matrix(cohort: Cohort, course: Course, sort: str = "name") -> Matrix:
    """Learners by modules: status, best score and attempt count per cell, totals both ways."""
    modules = list(curriculum_cache.current().outline(course.id))  # plain rows, no module text
    # The learners as plain rows (id, name, email): 200 User objects were a tenth of the report.
    learners = db.session.execute(
        select(User.id, User.name, User.email).join(CohortMember, CohortMember.user_id == User.id)
        .where(CohortMember.cohort_id == cohort.id, CohortMember.removed_at.is_(None)).order_by(User.name)).all()
    learner_ids = [u.id for u in learners]
    module_ids = [m.id for m in modules]
    # Plain column tuples, not ORM objects: a 200-learner cohort in a 20-module course is 4,000
    # rows, and building an identity-mapped object for each was most of the report's time.
    # Equal cells are one shared (frozen) Cell, so the template renders each distinct cell once.
    # The loops below run 4,000 times: plain tuples and ids, no ORM attribute access inside.
    cells: dict[tuple, Cell] = {}
    progress: dict[int, dict[int, Cell]] = {}
    for user_id, module_id, visited, done, best, count in db.session.execute(
        select(ModuleProgress.user_id, ModuleProgress.module_id,
               ModuleProgress.visited_at.is_not(None), ModuleProgress.done_at.is_not(None),
               ModuleProgress.best_score, ModuleProgress.attempt_count)
        .where(ModuleProgress.user_id.in_(learner_ids or [-1]), ModuleProgress.module_id.in_(module_ids or [-1]))
    ):
        key = (bool(visited), bool(done), best, count)
        cell = cells.get(key)
        if cell is None:
            cell = cells[key] = _cell(*key)
        progress.setdefault(user_id, {})[module_id] = cell
    completed = set(db.session.scalars(
        select(Enrolment.user_id).where(Enrolment.course_id == course.id, Enrolment.user_id.in_(learner_ids or [-1]),
                                        Enrolment.completed_at.is_not(None))))
    rows = []
    summaries: dict[tuple, RowSummary] = {}
    for learner, learner_id in zip(learners, learner_ids):
        mine = progress.get(learner_id, {})
        row_cells = [mine.get(m, _NOT_STARTED) for m in module_ids]
        scores = [c.best_score for c in row_cells if c.best_score is not None]
        key = (sum(1 for c in row_cells if c.status == "done"),
               round(sum(scores) / len(scores), 1) if scores else None, learner_id in completed)
        summary = summaries.get(key)
        if summary is None:
            summary = summaries[key] = RowSummary(*key)
        rows.append(MatrixRow(learner, row_cells, summary))
    rows = _sorted(rows, sort)
    return Matrix(cohort, course, modules, rows, _totals(modules, rows), sort if sort in SORTS else "name")


def _cell(visited: bool, done: bool, best_score: float | None, attempt_count: int | None) -> Cell:
    """A matrix cell from the flags and figures of a learner's progress row in a module."""
    status = "done" if done else ("started" if attempt_count or visited else "not-started")
    return Cell(status, best_score, attempt_count or 0)


def _sorted(rows: list[MatrixRow], sort: str) -> list[MatrixRow]:
    if sort == "progress":
        return sorted(rows, key=lambda r: (-r.done, r.learner.name))
    if sort == "score":
        return sorted(rows, key=lambda r: (-(r.mean_score or -1), r.learner.name))
    return rows


def _totals(modules: list[Module], rows: list[MatrixRow]) -> list[ModuleTotal]:
    totals = []
    for i, module in enumerate(modules):
        cells = [r.cells[i] for r in rows]
        scores = [c.best_score for c in cells if c.best_score is not None]
        totals.append(ModuleTotal(module, sum(c.status == "done" for c in cells), sum(c.attempts > 0 for c in cells),
                                  round(sum(scores) / len(scores), 1) if scores else None))
    return totals


def matrix_csv(matrix: Matrix, labels: dict[str, str]) -> str:
    """The matrix as CSV, UTF-8 with a byte-order mark so Excel opens Cyrillic names correctly.

    ``labels`` holds the translated words (the caller knows the locale): the column headers
    learner, email, done_header, completed, status, best, attempts; yes and no; and one per cell
    status (done, started, not-started).
    """
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    header = [labels["learner"], labels["email"], labels["done_header"], labels["completed"]]
    for m in matrix.modules:
        header += [f"{m.title}: {labels['status']}", f"{m.title}: {labels['best']}", f"{m.title}: {labels['attempts']}"]
    writer.writerow(header)
    for row in matrix.rows:
        line = [row.learner.name, row.learner.email, f"{row.done}/{len(matrix.modules)}",
                labels["yes"] if row.completed else labels["no"]]
        for c in row.cells:
            line += [labels[c.status], "" if c.best_score is None else f"{c.best_score:g}", c.attempts]
        writer.writerow(line)
    return out.getvalue()


@dataclass
class LearnerDetail:
    learner: User
    course: Course
    attempts: list[Attempt]


def learner_detail(cohort: Cohort, course: Course, user_id: int) -> LearnerDetail | None:
    """A cohort member's attempts in the course with every answer, or None if not a member."""
    member = db.session.scalar(select(CohortMember).where(CohortMember.cohort_id == cohort.id,
                                                          CohortMember.user_id == user_id))
    if member is None:
        return None
    attempts = list(db.session.scalars(
        select(Attempt).join(Module, Module.id == Attempt.module_id)
        .where(Attempt.user_id == user_id, Module.course_id == course.id)
        .options(selectinload(Attempt.answers), selectinload(Attempt.module))
        .order_by(Module.position, Attempt.number)))
    return LearnerDetail(member.user, course, attempts)
