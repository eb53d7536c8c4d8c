"""Instructor reports: the progress matrix of a cohort in a course, its CSV, a learner's detail.

Every report runs a fixed number of queries whatever the cohort's size (tested at 10 and 200
learners): rows are fetched in bulk and assembled in Python, never one query per learner.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import Row, bindparam, case, func, select
from sqlalchemy.orm import selectinload

from app import learning_rules
from app.extensions import db
from app.models.catalog import Course, Module
from app.models.cohorts import Cohort, CohortMember
from app.models.learning import Attempt, Enrolment, ModuleProgress
from app.models.people import User
from app.caching import curriculum_revision, kept_while
from app.services import curriculum

SORTS = ("name", "progress", "score")


class Cell(NamedTuple):
    """A learner's progress in a module. A tuple, so that the template's worker memo of rendered
    cells (render_shared, by value) hashes and compares its thousand cells a view in C, which a
    frozen dataclass does in Python."""

    status: str  # learning_rules.module_status: "done", "started", "not-started"
    best_score: float | None
    attempts: int


_NOT_STARTED = Cell(learning_rules.NOT_STARTED, None, 0)  # shared: cells are never modified


@dataclass(frozen=True)
class RowSummary:
    """A learner's totals in the matrix; equal totals are one shared object, like cells."""

    done: int
    mean_score: float | None
    completed: bool


@dataclass
class MatrixRow:
    learner: _Learner  # id, name, email
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
    module: Row  # a row of the course outline (app.services.curriculum)
    done: int
    attempted: int
    mean_best: float | None


MATRIX_PAGE_SIZE = 50


@dataclass
class Matrix:
    """A cohort's progress in a course. ``rows`` are the learners shown (one page, or all of
    them); ``learner_count``, ``completed`` and ``totals`` always count the whole cohort."""

    cohort: Cohort | Row  # the cohort, or its plain row (id, name): cohorts.cohort_row_for
    course: Course | Row
    modules: list[Row]  # the course outline's rows (app.services.curriculum)
    rows: list[MatrixRow]
    totals: list[ModuleTotal] = field(default_factory=list)
    sort: str = "name"
    learner_count: int = 0
    completed: int = 0
    page: int = 1
    pages: int = 1
    first: int = 0  # the position of rows[0] among all learners in this sort, from 0
    # What the report was built from (cohort_stamp), for keeping what is made of it beside it.
    stamp: tuple = ()


def progress_matrix(cohort: Cohort | Row, course: Course | Row, sort: str = "name", *, page: int | None = None,
                    per_page: int = MATRIX_PAGE_SIZE) -> Matrix:
    """Learners by modules: status, best score and attempt count per cell, totals both ways.

    With ``page`` (from 1), only that page of ``per_page`` learners gets its cells: the page an
    instructor reads (a 200-learner matrix was a 395 KB page, slow on a poor connection, and
    rendering its 4,000 cells was most of the report's time). The sort, the learners' totals and
    the module totals still cover the whole cohort, so every page ranks and sums like the full
    table; without ``page`` (CSV, API) every learner is in ``rows``. A read of the members, and
    unless the worker kept this report (see below) three queries whatever the cohort's size: the
    learners with their totals, the module totals and the shown cells, summed by the database
    rather than over every cell in Python. The rows and totals may be shared with other
    requests: read them, never change them.
    """
    sort = sort if sort in SORTS else "name"
    modules = list(curriculum.outline(course.id))  # plain rows, no module text
    stamp = cohort_stamp(cohort.id)  # before everything the report is built from
    rows, totals, count, completed, page, pages, first = _matrix_parts(stamp, cohort.id, course.id, sort, page,
                                                                       per_page)
    return Matrix(cohort, course, modules, rows, totals, sort,
                  learner_count=count, completed=completed, page=page, pages=pages, first=first, stamp=stamp)


def cohort_stamp(cohort_id: int) -> tuple:
    """What a cohort's report is built from: the curriculum revision and the current members with
    their names and learning revisions (bumped by the database on every change to their
    enrolments, progress and attempts), in a fixed order. One indexed read of the members."""
    # .all(): one fetch of the rows from the driver rather than one at a time.
    return (curriculum_revision(), tuple(map(tuple, db.session.connection().execute(
        _MEMBERS, {"cohort_id": cohort_id}).all())))


def _matrix_size(parts) -> int:
    """A kept report's weight, roughly: 100 bytes a cell (its rows by its module totals)."""
    return 200 + 100 * len(parts[0]) * (len(parts[1]) + 2)


@kept_while(stamp=lambda stamp, *_args: stamp, key=lambda _stamp, *args: args, size=_matrix_size)
def _matrix_parts(stamp: tuple, cohort_id: int, course_id: int, sort: str, page: int | None,
                  per_page: int) -> tuple:
    """What ``progress_matrix`` shows, read from the database: (rows, totals, learner count,
    completed count, page, pages, first). Plain values and rows only, never ORM objects, so that
    a worker can keep them beyond this request (``stamp``: cohort_stamp, read before them)."""
    modules = curriculum.outline(course_id)
    module_ids = [m.id for m in modules] or [-1]
    conn = db.session.connection()
    # The learners as plain rows (id, name, email) with their totals: 200 User objects were a
    # tenth of the report, and the totals decide the order of the pages.
    learners = conn.execute(_LEARNERS, {"cohort_id": cohort_id, "course_id": course_id, "module_ids": module_ids}).all()
    # Equal totals are one shared (frozen) RowSummary, rendered once each by the template.
    summaries: dict[tuple, RowSummary] = {}
    ranked = []
    for user_id, name, email, n_done, mean, completed in learners:
        key = (int(n_done or 0), None if mean is None else round(float(mean), 1), bool(completed))
        summary = summaries.get(key)
        if summary is None:
            summary = summaries[key] = RowSummary(*key)
        ranked.append((_Learner(user_id, name, email), summary))
    ranked = _sorted(ranked, sort)
    count, completed = len(ranked), sum(1 for _learner, summary in ranked if summary.completed)
    pages, first = 1, 0
    if page is not None:
        pages = max(1, -(-count // per_page))
        page = min(max(page, 1), pages)
        first = (page - 1) * per_page
        ranked = ranked[first:first + per_page]
    shown_ids = [learner.id for learner, _summary in ranked] or [-1]
    # Plain column tuples, not ORM objects, and equal cells are one shared (frozen) Cell, so the
    # template renders each distinct cell once.
    cells: dict[tuple, Cell] = {}
    progress: dict[int, dict[int, Cell]] = {}
    for user_id, module_id, visited, is_done, best, attempts in conn.execute(
            _CELLS, {"user_ids": shown_ids, "module_ids": module_ids}):
        key = (bool(visited), bool(is_done), best, attempts)
        cell = cells.get(key)
        if cell is None:
            cell = cells[key] = _cell(*key)
        progress.setdefault(user_id, {})[module_id] = cell
    rows = []
    for learner, summary in ranked:
        mine = progress.get(learner.id, {})
        rows.append(MatrixRow(learner, [mine.get(m.id, _NOT_STARTED) for m in modules], summary))
    totals = _totals(modules, conn.execute(_TOTALS, {"cohort_id": cohort_id, "module_ids": module_ids}))
    return rows, totals, count, completed, page or 1, pages, first


@dataclass(frozen=True)
class _Learner:
    id: int
    name: str
    email: str


def _cell(visited: bool, done: bool, best_score: float | None, attempt_count: int | None) -> Cell:
    """A matrix cell from the flags and figures of a learner's progress row in a module."""
    return Cell(learning_rules.module_status(done, visited, attempt_count), best_score, attempt_count or 0)


def _sorted(ranked: list[tuple], sort: str) -> list[tuple]:
    """(learner, summary) pairs, already by name, in the order ``sort`` asks (stable on name)."""
    if sort == "progress":
        return sorted(ranked, key=lambda r: -r[1].done)
    if sort == "score":
        return sorted(ranked, key=lambda r: -(r[1].mean_score if r[1].mean_score is not None else -1))
    return ranked


def _matrix_statements():
    """The matrix's three statements, built once on the tables' columns with bound parameters
    (cohort_id, course_id, and the lists module_ids and user_ids): as ORM-enabled selects built
    for each view, their building and result handling cost as much as the database's work. In
    the report: the cohort's current members' progress rows in the
    course's active modules."""
    p, cm, u, e = ModuleProgress.__table__.c, CohortMember.__table__.c, User.__table__.c, Enrolment.__table__.c
    module_ids = bindparam("module_ids", expanding=True)
    members = select(cm.user_id).where(cm.cohort_id == bindparam("cohort_id"), cm.removed_at.is_(None))
    in_report = (p.user_id.in_(members), p.module_id.in_(module_ids))
    done = func.sum(case((p.done_at.is_not(None), 1), else_=0))
    per_learner = (select(p.user_id, done.label("done"), func.avg(p.best_score).label("mean"))
                   .where(*in_report).group_by(p.user_id).subquery())
    learners = (
        select(u.id, u.name, u.email, per_learner.c.done, per_learner.c.mean, e.completed_at.is_not(None))
        .select_from(User.__table__.join(CohortMember.__table__, cm.user_id == u.id)
                     .outerjoin(per_learner, per_learner.c.user_id == u.id)
                     .outerjoin(Enrolment.__table__, (e.user_id == u.id) & (e.course_id == bindparam("course_id"))))
        .where(cm.cohort_id == bindparam("cohort_id"), cm.removed_at.is_(None))
        .order_by(u.name, u.id))
    cells = (select(p.user_id, p.module_id, p.visited_at.is_not(None), p.done_at.is_not(None), p.best_score,
                    p.attempt_count)
             .where(p.user_id.in_(bindparam("user_ids", expanding=True)), p.module_id.in_(module_ids)))
    totals = (select(p.module_id, done, func.sum(case((p.attempt_count > 0, 1), else_=0)), func.avg(p.best_score))
              .where(*in_report).group_by(p.module_id))
    # The current members with what the report shows of them and their learning revisions, in
    # a fixed order: what a kept report is checked against.
    members = (select(u.id, u.learning_revision, u.name, u.email)
               .join_from(CohortMember.__table__, User.__table__, cm.user_id == u.id)
               .where(cm.cohort_id == bindparam("cohort_id"), cm.removed_at.is_(None)).order_by(u.id))
    return learners, cells, totals, members


_LEARNERS, _CELLS, _TOTALS, _MEMBERS = _matrix_statements()


def _totals(modules: list[Row], found_rows) -> list[ModuleTotal]:
    """Per module, over the whole cohort: learners done, learners who attempted, mean best score
    (``found_rows``: the _TOTALS statement's rows, modules nobody has touched missing)."""
    found = {module_id: (done, attempted, mean) for module_id, done, attempted, mean in found_rows}
    totals = []
    for module in modules:
        done, attempted, mean = found.get(module.id, (0, 0, None))
        totals.append(ModuleTotal(module, int(done or 0), int(attempted or 0),
                                  None if mean is None else round(float(mean), 1)))
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
