"""Browsing the curriculum: the catalog, a course page and a module page, each in a few queries."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Row, and_, bindparam, func, select
from sqlalchemy.orm import defer, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app import learning_rules
from app.extensions import db
from app.models.catalog import Course, Module
from app.models.learning import Attempt, Enrolment, ModuleProgress
from app.models.people import User
from app.caching import kept_for_curriculum, kept_for_learner
from app.services import curriculum, progress
from app.services.curriculum import CourseView, ModuleView, OutlineEntry
from app.services.errors import NotFound

LANGUAGES = ("ru", "ky", "en")
AUDIENCES = ("students", "librarians", "all")


@dataclass
class CourseCard:
    course: CourseView
    module_count: int
    status: str  # "not-enrolled", "enrolled", "completed", "left"
    done_count: int = 0
    hit_title: str | None = None  # where a search matched, when it matched a module
    snippet: str | None = None

    @property
    def fragment_key(self) -> tuple | None:
        """What the card's HTML depends on besides the language (kept_each, app.caching.pages), or None
        for a card showing a search snippet, which is rendered every time."""
        if self.snippet:
            return None
        return card_key(self.course.id, self.module_count, self.status, self.done_count)


def card_key(course_id: int, module_count: int, status: str, done_count: int) -> tuple:
    return ("course-card", course_id, module_count, status, done_count)


@dataclass
class Catalog:
    cards: list[CourseCard]
    query: str
    language: str
    audience: str
    track: str
    tracks: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CourseGroup:
    """A course and its translations: one course for credit (app.services.credit), one card in the
    catalog. ``versions`` are the published ones, in the fixed order ru, ky, en."""

    key: str  # the original's slug (credit.course_key)
    versions: tuple[CourseView, ...]

    def version(self, language: str) -> CourseView | None:
        return next((v for v in self.versions if v.language == language), None)

    def shown(self, prefer: str) -> CourseView:
        """The version whose title and summary the card shows: the reader's language when there
        is one, else the original (when published), else the first in the fixed order."""
        return self.version(prefer) or next((v for v in self.versions if v.slug == self.key), self.versions[0])

    def languages(self, prefer: str) -> tuple[CourseView, ...]:
        """The versions as the card lists them: the reader's language first, then the fixed order."""
        return tuple(sorted(self.versions, key=lambda v: v.language != prefer))


@dataclass
class GroupCard:
    """One course group's card in the catalog page (the API stays per course: CourseCard)."""

    group: CourseGroup
    course: CourseView  # the version shown (title, summary, link)
    links: tuple[CourseView, ...]  # every version, as listed
    taken: CourseView | None  # the version the learner takes, if any
    module_count: int  # of the version taken, else of the one shown
    status: str
    done_count: int = 0
    hit_title: str | None = None
    snippet: str | None = None
    hit_language: str | None = None

    @property
    def fragment_key(self) -> tuple | None:
        if self.snippet:
            return None
        return group_card_key(self.course.id, self.taken.id if self.taken is not None else None,
                              self.module_count, self.status, self.done_count)


def group_card_key(shown_id: int, taken_id: int | None, module_count: int, status: str, done_count: int) -> tuple:
    """What a group's card shows besides the language and the group (fixed per curriculum revision)."""
    return ("group-card", shown_id, taken_id, module_count, status, done_count)


# Which version a learner "takes" when they have rows in several: a finished one first (the group
# is one course for credit), then one in progress, then one left.
_STATUS_RANK = {learning_rules.COMPLETED: 0, learning_rules.ENROLLED: 1, learning_rules.LEFT: 2}


@dataclass(frozen=True)
class _Groups:
    groups: tuple[CourseGroup, ...]
    by_course: dict[int, int]  # course id -> index in ``groups``


@kept_for_curriculum
def course_groups() -> _Groups:
    """Every published course grouped with its translations."""
    from app.services.credit import LANGUAGE_ORDER

    rank = {code: n for n, code in enumerate(LANGUAGE_ORDER)}
    members: dict[str, list[CourseView]] = {}
    for c in curriculum.courses().values():
        members.setdefault(c.translation_of or c.slug, []).append(c)
    groups = tuple(CourseGroup(key, tuple(sorted(rows, key=lambda v: (rank.get(v.language, len(rank)), v.language))))
                   for key, rows in members.items())
    return _Groups(groups, {v.id: n for n, g in enumerate(groups) for v in g.versions})


def _group_state(group: CourseGroup, prefer: str, counts: dict[int, int], mine: dict[int, Row]):
    """(shown, links, taken, module count, status, done) of a group's card for a learner's rows."""
    shown, taken, count, status, done = _group_key_parts(group, prefer, counts, mine)
    return shown, group.languages(prefer), taken, count, status, done


def _group_key_parts(group: CourseGroup, prefer: str, counts: dict[int, int], mine: dict[int, Row]):
    """(shown, taken, module count, status, done): what group_card_key names. The version taken is
    the learner's furthest (_STATUS_RANK), the reader's language first among equals."""
    shown = group.shown(prefer)
    status = learning_rules.enrolment_status_of
    taken, row = None, None
    for v in group.versions:
        r = mine.get(v.id)
        if r is not None and (row is None or _STATUS_RANK[status(r)] < _STATUS_RANK[status(row)]
                              or (v.language == prefer and status(r) == status(row))):
            taken, row = v, r
    status, done = _status_and_done(row)
    return shown, taken, counts.get((taken or shown).id, 0), status, done


@dataclass
class GroupCatalog:
    cards: list[GroupCard]
    query: str
    language: str
    audience: str
    track: str
    tracks: list[str] = field(default_factory=list)


def group_catalog(user: User | None, *, query: str = "", language: str = "", audience: str = "", track: str = "",
                  prefer_language: str = "") -> GroupCatalog:
    """The catalog page: one card per course group (a course and its translations), for the
    groups with a version matching the filters, searched and ranked like ``catalog``.

    A card shows the version in the filtered language, else in ``prefer_language`` (the reader's),
    else the original. Without a search, groups with a version in that language come first.
    The grouping is made once per curriculum revision (course_groups)."""
    found = course_groups()
    prefer = language if language in LANGUAGES else prefer_language
    matching = {found.by_course[c.id] for c in _filtered(language, audience, track)}
    hits: dict[int, object] = {}
    query = " ".join(query.split())[:200]
    if query:
        from app.services import search

        ranked = search.search_courses(query, language=language if language in LANGUAGES else None)
        for h in ranked:
            n = found.by_course.get(h.course_id)
            if n in matching and n not in hits:
                hits[n] = h
        places = list(hits)
    else:
        places = _group_order(found.groups, sorted(matching), prefer)
    mine = _mine(user) if places else {}
    counts = curriculum.module_counts()
    cards = []
    for n in places:
        card = GroupCard(found.groups[n], *_group_state(found.groups[n], prefer, counts, mine))
        hit = hits.get(n)
        if hit is not None:
            card.hit_title = hit.title if hit.module_id else None
            card.snippet = hit.snippet
            hit_course = curriculum.course_by_id(hit.course_id)
            card.hit_language = hit_course.language if hit_course is not None else None
        cards.append(card)
    tracks = sorted({c.track for c in curriculum.courses().values() if c.track})
    return GroupCatalog(cards, query, language, audience, track, tracks)


def _group_order(groups: tuple[CourseGroup, ...], places: list[int], prefer: str) -> list[int]:
    """Groups with a version in ``prefer`` first, then by the shown version's language and title
    (the order of the courses before they were grouped)."""
    from app.services.credit import LANGUAGE_ORDER

    rank = {code: n for n, code in enumerate(LANGUAGE_ORDER)}

    def key(n):
        shown = groups[n].shown(prefer)
        return (shown.language != prefer, rank.get(shown.language, len(rank)), shown.title)
    return sorted(places, key=key)


def _filtered(language: str, audience: str, track: str) -> list[CourseView]:
    """Published courses matching the filters, in the copy's order (language, then title)."""
    return [
        c for c in curriculum.courses().values()
        if (language not in LANGUAGES or c.language == language)
        and (audience not in AUDIENCES or c.audience in ({audience, "all"} if audience != "all" else {"all"}))
        and (not track or c.track == track)
    ]


def catalog(user: User | None, *, query: str = "", language: str = "", audience: str = "", track: str = "",
            prefer_language: str = "") -> Catalog:
    """Per course, as the API lists them (the page shows groups: ``group_catalog``). Published courses matching the filters (and the search words, ranked), with the learner's status.

    Without a search, courses in ``prefer_language`` (the reader's interface language) come first.
    The courses, their module counts and the tracks come from the worker's copy of the curriculum
    (app.services.curriculum), filtered here; only the search and the learner's own rows are queried.
    """
    published = list(curriculum.courses().values())  # ordered by language, then title
    courses = _filtered(language, audience, track)
    hits = {}
    query = " ".join(query.split())[:200]
    if query:
        from app.services import search

        ranked = search.search_courses(query, language=language if language in LANGUAGES else None)
        hits = {h.course_id: h for h in ranked}
        order = {cid: n for n, cid in enumerate(hits)}
        courses = sorted((c for c in courses if c.id in order), key=lambda c: order[c.id])
    else:
        courses = _in_catalog_order(courses, prefer_language)
    cards = _cards(user, courses, curriculum.module_counts())
    for card in cards:
        hit = hits.get(card.course.id)
        if hit is not None:
            card.hit_title = hit.title if hit.module_id else None
            card.snippet = hit.snippet
    tracks = sorted({c.track for c in published if c.track})
    return Catalog(cards, query, language, audience, track, tracks)


def _my_courses():
    """The learner's enrolments (course, completed, left) with the modules done in each course,
    in one statement built once: the catalog runs it for every view (see _learner_in_module).
    Progress needs an enrolment (a left course keeps both), so the enrolments carry every count."""
    e, p, m = Enrolment.__table__.c, ModuleProgress.__table__.c, Module.__table__.c
    done = (select(m.course_id, func.count().label("done"))
            .join_from(ModuleProgress.__table__, Module.__table__, m.id == p.module_id)
            .where(p.user_id == bindparam("user_id"), p.done_at.is_not(None), m.retired_at.is_(None))
            .group_by(m.course_id).subquery())
    return (select(e.course_id, e.completed_at, e.left_at, done.c.done)
            .outerjoin_from(Enrolment.__table__, done, done.c.course_id == e.course_id)
            .where(e.user_id == bindparam("user_id")))


_MY_COURSES = _my_courses()


def _cards(user: User | None, courses: list[CourseView], counts: dict[int, int]) -> list[CourseCard]:
    mine = _mine(user) if courses else {}
    cards = []
    for c in courses:
        r = mine.get(c.id)
        cards.append(CourseCard(c, counts.get(c.id, 0), *_status_and_done(r)))
    return cards


def _in_catalog_order(courses, prefer_language: str) -> list[CourseView]:
    """Courses (ordered by language and title) with those in ``prefer_language`` first; a stable
    sort, so each group keeps the title order."""
    return sorted(courses, key=lambda c: c.language != prefer_language)


def _status_and_done(row) -> tuple[str, int]:
    """A card's status and modules done, from the learner's _MY_COURSES row (or None)."""
    return learning_rules.enrolment_status_of(row), (row.done or 0) if row is not None else 0


def _mine(user: User | None) -> dict[int, Row]:
    """The learner's rows of _MY_COURSES by course id ({} for a visitor)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return {}
    return _my_courses_by_id(user)


@kept_for_learner(size=lambda mine: 100 + 100 * len(mine))
def _my_courses_by_id(user: User) -> dict[int, Row]:
    """An aggregate over the learner's progress, which every view of the catalog shows."""
    return {r.course_id: r for r in db.session.connection().execute(_MY_COURSES, {"user_id": user.id})}


def card_keys(user: User | None, locale: str) -> tuple[tuple[tuple, ...], dict[int, tuple]]:
    """What each card of the unfiltered catalog shows (``group_card_key``), in ``locale`` (also the
    preferred language of the order and of each card): the cards as a visitor sees them, in
    order, and the reader's own that differ, by place. The order is ``group_catalog``'s without
    filters; the reader's own are found from their few rows rather than by building a GroupCard
    apiece, as ``group_catalog`` does."""
    everyone, index = _visitor_cards(locale)
    mine = _mine(user)
    own: dict[int, tuple] = {}
    if mine:
        counts = curriculum.module_counts()
        for course_id, row in mine.items():
            entry = index.get(course_id)
            if entry is None:  # no longer published
                continue
            place, group, count = entry
            if group is None:  # the course has no translation: the key comes straight from the row
                own[place] = group_card_key(course_id, course_id, count, *_status_and_done(row))
            else:
                shown, taken, count, status, done = _group_key_parts(group, locale, counts, mine)
                own[place] = group_card_key(shown.id, taken.id if taken is not None else None, count, status, done)
    return everyone, own


@kept_for_curriculum
def _visitor_cards(locale: str) -> tuple[tuple[tuple, ...], dict[int, tuple[int, CourseGroup | None, int]]]:
    """The unfiltered catalog's card keys as a visitor sees them, in order, and for every published
    course its (place, its group or None when it has no other version, active modules)."""
    groups, counts = course_groups().groups, curriculum.module_counts()
    order = _group_order(groups, list(range(len(groups))), locale)
    keys = []
    for n in order:
        shown = groups[n].shown(locale)
        keys.append(group_card_key(shown.id, None, counts.get(shown.id, 0), learning_rules.NOT_ENROLLED, 0))
    index = {v.id: (place, groups[n] if len(groups[n].versions) > 1 else None, counts.get(v.id, 0))
             for place, n in enumerate(order) for v in groups[n].versions}
    return tuple(keys), index


# A module's text (about 20 KB of HTML, and its plain-text copy for search) is needed only on its
# own page: loading it for every module of a course made each course, module and dashboard page
# read megabytes. It loads on first access (one small query) where a page does show it.
HEAVY_MODULE_COLUMNS = (defer(Module.body_html), defer(Module.search_text), defer(Module.headings))


def published_course(slug: str) -> Course:
    course = db.session.scalar(
        select(Course).where(Course.slug == slug, Course.retired_at.is_(None))
        .options(selectinload(Course.modules).options(*HEAVY_MODULE_COLUMNS))
    )
    if course is None:
        raise NotFound("There is no such course.")
    # Each module's ``course`` is this very object. Said here, because otherwise ``module.course``
    # runs a query once the caller keeps only the module (the session holds objects weakly).
    for module in course.modules:
        set_committed_value(module, "course", course)
    return course


def active_module(slug: str, module_slug: str) -> Module:
    """The published course's active module by slugs (NotFound if none), as an ORM object for
    writing progress: found in the worker's copy of the curriculum, then loaded alone (without
    its text); its ``course`` loads on first use."""
    module = db.session.get(Module, _outline_row(slug, module_slug).id, options=HEAVY_MODULE_COLUMNS)
    if module is None or module.retired_at is not None:
        raise NotFound("There is no such module in this course.")
    return module


def active_module_row(slug: str, module_slug: str) -> ModuleView:
    """The published course's active module by slugs, as the curriculum's kept reads hold it
    (NotFound if none): what the quiz POST needs, with no query once it is kept."""
    module = curriculum.module(_outline_row(slug, module_slug).id)
    if module is None:
        raise NotFound("There is no such module in this course.")
    return module


def _outline_row(slug: str, module_slug: str) -> OutlineEntry:
    """The module's entry in its published course's outline, or NotFound."""
    course = curriculum.course(slug)
    if course is None:
        raise NotFound("There is no such course.")
    row = next((m for m in curriculum.outline(course.id) if m.slug == module_slug), None)
    if row is None:
        raise NotFound("There is no such module in this course.")
    return row


@dataclass(frozen=True)
class CoursePage:
    """The course page's data: the curriculum's read models and the learner's own rows."""

    course: CourseView
    enrolment: Row | None  # id, enrolled_at, completed_at, left_at, last_module_id
    modules: tuple[progress.ModuleStatus, ...]  # each with its outline entry as ``module``
    translations: tuple[CourseView, ...]  # the other published language versions, by language
    total_minutes: int

    @property
    def is_enrolled(self) -> bool:
        return self.enrolment is not None and self.enrolment.left_at is None

    @property
    def done_count(self) -> int:
        return sum(1 for m in self.modules if m.status == learning_rules.DONE)

    @property
    def next_module(self) -> OutlineEntry | None:
        """Where "continue" leads: the last module visited if not done, else the first not done."""
        if self.enrolment and self.enrolment.last_module_id:
            for m in self.modules:
                if m.module.id == self.enrolment.last_module_id and m.status != learning_rules.DONE:
                    return m.module
        return next((m.module for m in self.modules if m.status != learning_rules.DONE), None)


def _course_statements():
    """The learner's enrolment in a course and their progress rows in its modules: built once."""
    e, p = Enrolment.__table__.c, ModuleProgress.__table__.c
    enrolment = (select(e.id, e.enrolled_at, e.completed_at, e.left_at, e.last_module_id)
                 .where(e.user_id == bindparam("user_id"), e.course_id == bindparam("course_id")))
    rows = (select(p.module_id, p.done_at, p.visited_at, p.attempt_count, p.best_score)
            .where(p.user_id == bindparam("user_id"), p.module_id.in_(bindparam("module_ids", expanding=True))))
    return enrolment, rows


_ENROLMENT_IN_COURSE, _PROGRESS_IN_MODULES = _course_statements()


def course_page(user: User | None, slug: str) -> CoursePage:
    """The course page: the course, the learner's enrolment and status in every module, and the
    other language versions. Raises NotFound."""
    course = curriculum.course(slug)
    if course is None:
        raise NotFound("There is no such course.")
    outline = curriculum.outline(course.id)
    enrolment, rows = None, {}
    if user is not None and getattr(user, "is_authenticated", False):
        conn = db.session.connection()
        enrolment = conn.execute(_ENROLMENT_IN_COURSE, {"user_id": user.id, "course_id": course.id}).first()
        rows = {r.module_id: r for r in conn.execute(
            _PROGRESS_IN_MODULES, {"user_id": user.id, "module_ids": [m.id for m in outline] or [-1]})}
    statuses = tuple(progress.status_of(m, rows.get(m.id)) for m in outline)
    group = course_groups()
    versions = group.groups[group.by_course[course.id]].versions
    others = tuple(sorted((v for v in versions if v.id != course.id), key=lambda v: v.language))
    return CoursePage(course, enrolment, statuses, others, sum(m.minutes or 0 for m in outline))


@dataclass
class ModulePage:
    """The module page's data. ``course``, ``module`` and the outline are the curriculum's read
    models (app.services.curriculum); ``enrolment`` is the learner's row."""

    course: CourseView
    module: ModuleView
    previous: OutlineEntry | None  # the neighbours in the outline
    next: OutlineEntry | None
    enrolment: Row | None  # id, left_at, completed_at, last_module_id
    status: progress.ModuleStatus
    has_quiz: bool
    last_attempt: Attempt | None
    outline: tuple[OutlineEntry, ...] = ()  # the course's active modules in order
    position: int = 1  # this module's place in the outline, from 1

    @property
    def is_enrolled(self) -> bool:
        return self.enrolment is not None and self.enrolment.left_at is None


def _learner_in_module():
    """One statement for the learner's enrolment in a course and progress row in a module,
    either of which may be missing: driven from the user's row (always one), left-joined.

    Built once, with bound parameters, on the tables' columns: a Core statement that the module
    page runs for every view, where two ORM-enabled selects built per request cost several times
    as much."""
    users, enrolments, progress_rows = User.__table__, Enrolment.__table__, ModuleProgress.__table__
    e, p = enrolments.c, progress_rows.c
    return (
        select(e.id, e.left_at, e.completed_at, e.last_module_id, p.id.label("progress_id"),
               p.done_at, p.visited_at, p.attempt_count, p.best_score)
        .select_from(
            users.outerjoin(enrolments, and_(e.user_id == users.c.id, e.course_id == bindparam("course_id")))
            .outerjoin(progress_rows, and_(p.user_id == users.c.id, p.module_id == bindparam("module_id"))))
        .where(users.c.id == bindparam("user_id")))


_LEARNER_IN_MODULE = _learner_in_module()


@kept_for_learner(size=lambda _kept: 300)
def _learner_in(user: User, course_id: int, module_id: int) -> Row | None:
    """The learner's enrolment and progress row in a module, as plain rows: the page reads a few
    columns of each, and record_visit writes with Core. A learner rereading a lesson, or coming
    back to the one they are on, costs no statement beyond their own row; a visit that records
    something writes, which bumps their revision, so the next view reads the row again."""
    return db.session.connection().execute(
        _LEARNER_IN_MODULE, {"user_id": user.id, "course_id": course_id, "module_id": module_id}).first()


def module_page(user: User | None, slug: str, module_slug: str) -> ModulePage:
    """Everything the module page shows except the quiz form (see attempts.quiz_view).

    The course, its outline and the module's text are the curriculum's kept reads
    (app.services.curriculum); what is the learner's own (enrolment, progress, last attempt) is read here.
    """
    course = curriculum.course(slug)
    if course is None:
        raise NotFound("There is no such course.")
    outline = curriculum.outline(course.id)
    index = next((i for i, row in enumerate(outline) if row.slug == module_slug), None)
    if index is None:
        raise NotFound("There is no such module in this course.")
    module = curriculum.module(outline[index].id)
    if module is None:  # retired between the two reads
        raise NotFound("There is no such module in this course.")
    enrolment = row = last = None
    if user is not None and getattr(user, "is_authenticated", False):
        mine = _learner_in(user, course.id, module.id)
        enrolment = mine if mine is not None and mine.id is not None else None
        row = mine if mine is not None and mine.progress_id is not None else None
        if outline[index].has_quiz:  # the last result is shown with the quiz only
            last = db.session.scalar(
                select(Attempt).where(Attempt.user_id == user.id, Attempt.module_id == module.id)
                .order_by(Attempt.number.desc()).limit(1))
    return ModulePage(
        course, module,
        outline[index - 1] if index > 0 else None,
        outline[index + 1] if index + 1 < len(outline) else None,
        enrolment, progress.status_of(module, row), bool(outline[index].has_quiz), last,
        tuple(outline), index + 1,
    )


def all_courses() -> list[Course]:
    """Every course ever synced, retired ones last (the admin's view)."""
    return list(db.session.scalars(
        select(Course).order_by(Course.retired_at.is_not(None), Course.language, Course.title)))
