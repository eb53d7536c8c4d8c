"""Coordinators' report: results across institutions and regions, for a period and a track.

A national library or a university needs these figures to argue for the programme. Everything is
aggregated in SQL (GROUP BY institution), so the report costs the same few queries whatever the
number of learners; learning gain is computed from pre/post attempts fetched in one query.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import and_, func, select

from app.extensions import db
from app.models.catalog import Course, Module
from app.models.credentials import LedgerEntry
from app.models.learning import Attempt, Enrolment
from app.models.people import Institution, Region, Role, User, coordinator_institutions
from app.services import credit
from app.services.institutions import sort_key


@dataclass
class Filters:
    start: date | None = None
    end: date | None = None  # inclusive
    track: str = ""
    # The institutions the reader may see (coordinator_scope); None is every institution and the
    # learners of none. Set by the server from who is asking, never from the request.
    institutions: frozenset[int] | None = None

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        start = datetime.combine(self.start, time.min, timezone.utc) if self.start else None
        end = datetime.combine(self.end + timedelta(days=1), time.min, timezone.utc) if self.end else None
        return start, end


@dataclass
class Row:
    key: str  # institution name or region code
    institution: Institution | None = None
    region: Region | None = None
    learners: int = 0
    enrolments: int = 0
    completions: int = 0
    hours: float = 0.0
    gains: list[float] = field(default_factory=list)

    @property
    def mean_gain(self) -> float | None:
        return round(sum(self.gains) / len(self.gains), 3) if self.gains else None


@dataclass
class Report:
    filters: Filters
    institutions: list[Row]
    regions: list[Row]
    total: Row
    tracks: list[str]


def _between(column, filters: Filters):
    start, end = filters.bounds()
    conditions = []
    if start:
        conditions.append(column >= start)
    if end:
        conditions.append(column < end)
    return and_(True, *conditions)


def _in_scope(filters: Filters):
    if filters.institutions is None:
        return True
    return User.institution_id.in_(sorted(filters.institutions))


def coordinator_scope(user) -> frozenset[int] | None:
    """The institutions whose results ``user`` may see: None for every one (admins, and
    coordinators marked for all institutions), else the set given to them, which may be empty.
    Whoever calls this has already checked that the user may see reports at all."""
    if user.role is Role.ADMIN:
        return None
    record = db.session.get(User, user.id)
    if record is None or record.role is not Role.COORDINATOR:
        return frozenset()
    if record.coordinates_all_institutions:
        return None
    return frozenset(db.session.scalars(
        select(coordinator_institutions.c.institution_id).where(coordinator_institutions.c.user_id == user.id)))


def set_coordinator_scope(user: User, *, institutions: list[Institution], all_institutions: bool) -> None:
    """Give a coordinator every institution, or exactly ``institutions`` (none: they see nothing)."""
    user.coordinates_all_institutions = all_institutions
    user.coordinated_institutions = [] if all_institutions else list(institutions)
    db.session.flush()


def scopes_of(users: list[User]) -> dict[int, list[str] | None]:
    """For the users list: each coordinator's institution names (None: all), in one query."""
    names: dict[int, list[str] | None] = {u.id: None if u.coordinates_all_institutions else [] for u in users}
    wanted = [u.id for u in users if not u.coordinates_all_institutions]
    if wanted:
        for user_id, name in db.session.execute(
            select(coordinator_institutions.c.user_id, Institution.name)
            .join(Institution, Institution.id == coordinator_institutions.c.institution_id)
            .where(coordinator_institutions.c.user_id.in_(wanted)).order_by(Institution.name)
        ):
            names[user_id].append(name)
    return names


def _first_per_course(column, filters: Filters):
    """Per learner and course for credit (a course and its translations are one,
    app.services.credit), the first time of ``column`` (enrolled or completed): a learner who
    took the course in two languages counts once, when they first did."""
    track = Course.track == filters.track if filters.track else True
    key = credit.course_key_sql()
    return (select(Enrolment.user_id.label("user_id"), key.label("course_key"), func.min(column).label("at"))
            .join(Course, Course.id == Enrolment.course_id).where(track, column.is_not(None))
            .group_by(Enrolment.user_id, key).subquery())


def _per_institution(first, *where) -> dict[int | None, int]:
    return dict(db.session.execute(
        select(User.institution_id, func.count()).select_from(first).join(User, User.id == first.c.user_id)
        .where(*where).group_by(User.institution_id)).all())


def _between_dates(column, filters: Filters):
    conditions = []
    if filters.start:
        conditions.append(column >= filters.start)
    if filters.end:
        conditions.append(column <= filters.end)
    return and_(True, *conditions)


def coordinator_report(filters: Filters) -> Report:
    """Per institution and per region: learners, enrolments, completions, hours and mean gain.

    Enrolments and completions count learners × courses for credit, so a course taken in two
    languages is one enrolment and one completion; a completion whose certificate was revoked
    (and not reissued) no longer counts. Hours are the counted course credit of the ledger
    (app.services.credit), dated by the day it was credited; approved external learning is the
    learners' own and is not part of the programme's figures.
    """
    learners = dict(db.session.execute(
        select(User.institution_id, func.count()).where(User.role == Role.LEARNER, _in_scope(filters))
        .group_by(User.institution_id)
    ).all())
    enrolled_first = _first_per_course(Enrolment.enrolled_at, filters)
    enrolled = _per_institution(enrolled_first, _in_scope(filters), _between(enrolled_first.c.at, filters))
    done_first = _first_per_course(Enrolment.completed_at, filters)
    done = _per_institution(done_first, _in_scope(filters), _between(done_first.c.at, filters),
                            ~credit.withdrawn_sql(done_first.c.user_id, done_first.c.course_key))
    hours = {inst: float(h or 0) for inst, h in db.session.execute(
        select(User.institution_id, func.sum(LedgerEntry.hours)).join(User, User.id == LedgerEntry.user_id)
        .where(LedgerEntry.source == "course", credit.counted(), _in_scope(filters),
               LedgerEntry.track == filters.track if filters.track else True,
               _between_dates(LedgerEntry.activity_date, filters))
        .group_by(User.institution_id)).all()}
    completed = {inst: (done.get(inst, 0), hours.get(inst, 0.0)) for inst in set(done) | set(hours)}
    gains = _gains_by_institution(filters)
    shown = Institution.id.in_(sorted(filters.institutions)) if filters.institutions is not None else True
    institutions = {i.id: i for i in db.session.scalars(select(Institution).where(shown).order_by(Institution.name))}
    rows = []
    for inst_id in sorted(set(institutions) | set(learners) | set(enrolled) | set(completed),
                          key=lambda i: (i is None, sort_key(institutions[i].name) if i in institutions else "")):
        inst = institutions.get(inst_id)
        n_done, hours = completed.get(inst_id, (0, 0.0))
        rows.append(Row(inst.name if inst else "", inst, inst.region if inst else None, learners.get(inst_id, 0),
                        enrolled.get(inst_id, 0), n_done, hours, gains.get(inst_id, [])))
    tracks = sorted(t for t in db.session.scalars(select(Course.track).distinct()) if t)
    return Report(filters, rows, _by_region(rows), _sum("", rows), tracks)


def _by_region(rows: list[Row]) -> list[Row]:
    regions: dict[Region | None, list[Row]] = {}
    for row in rows:
        regions.setdefault(row.region, []).append(row)
    out = []
    for region in list(Region) + [None]:
        if region in regions:
            total = _sum(region.value if region else "", regions[region])
            total.region = region
            out.append(total)
    return out


def _sum(key: str, rows: list[Row]) -> Row:
    return Row(key, None, None, sum(r.learners for r in rows), sum(r.enrolments for r in rows),
               sum(r.completions for r in rows), sum(r.hours for r in rows), [g for r in rows for g in r.gains])


def _gains_by_institution(filters: Filters) -> dict[int | None, list[float]]:
    """Each learner's normalised gain on every course with a pretest and a posttest, by institution.

    Uses the first pretest attempt and the first posttest attempt, as the instructors' report
    does (app.analysis.gain, docs/learning-gain.md); learners who took only one of the two are
    left out, as a gain needs both.
    """
    from app.analysis.gain import normalized_gain

    track = Course.track == filters.track if filters.track else True
    rows = db.session.execute(
        select(User.institution_id, Attempt.user_id, Module.course_id, Module.kind, Attempt.number, Attempt.score)
        .join(Module, Module.id == Attempt.module_id).join(Course, Course.id == Module.course_id)
        .join(User, User.id == Attempt.user_id)
        .where(Module.kind.in_(("pretest", "posttest")), track, _in_scope(filters),
               _between(Attempt.submitted_at, filters))
    ).all()
    per_learner: dict[tuple[int, int], dict] = {}
    for inst_id, user_id, course_id, kind, number, score in rows:
        entry = per_learner.setdefault((user_id, course_id), {"inst": inst_id, "pre": None, "post": None})
        if kind == "pretest" and (entry["pre"] is None or number < entry["pre"][0]):
            entry["pre"] = (number, score)
        if kind == "posttest" and (entry["post"] is None or number < entry["post"][0]):
            entry["post"] = (number, score)
    result: dict[int | None, list[float]] = {}
    for entry in per_learner.values():
        if entry["pre"] is not None and entry["post"] is not None:
            g = normalized_gain(entry["pre"][1], entry["post"][1])
            if g is not None:
                result.setdefault(entry["inst"], []).append(g)
    return result


def report_csv(report: Report, labels: dict[str, str], region_names: dict[str, str]) -> str:
    """Both tables as one CSV (UTF-8 with BOM for Excel), institutions first, then regions."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([labels["institution"], labels["region"], labels["learners"], labels["enrolments"],
                     labels["completions"], labels["hours"], labels["gain"], labels["gain_n"]])
    for row in report.institutions + [report.total]:
        name = row.key or (labels["no_institution"] if row is not report.total else labels["total"])
        writer.writerow([name, region_names.get(row.region.value, "") if row.region else "", row.learners,
                         row.enrolments, row.completions, f"{row.hours:g}",
                         "" if row.mean_gain is None else f"{row.mean_gain:.3f}", len(row.gains)])
    writer.writerow([])
    writer.writerow([labels["region"], "", labels["learners"], labels["enrolments"], labels["completions"],
                     labels["hours"], labels["gain"], labels["gain_n"]])
    for row in report.regions:
        writer.writerow([region_names.get(row.key, labels["no_region"]), "", row.learners, row.enrolments,
                         row.completions, f"{row.hours:g}",
                         "" if row.mean_gain is None else f"{row.mean_gain:.3f}", len(row.gains)])
    return out.getvalue()
