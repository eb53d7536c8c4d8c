"""Small builders so a test says what it needs in one line.

They flush and the test commits, except the builders that stand for something a request or a
CLI command does whole (syncing course folders, completing a course), which commit as those do.
tests/conftest.py wraps the ones that need a test's tmp dir or app into fixtures (``make_course``,
``course``, ``keyed_app``, ``signed_in``).
"""
from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from app.extensions import db
from app.models import Attempt, Cohort, Course, Question, Track
from app.models.people import Institution, InstitutionKind, Region, Role, User
from app.services import accounts

PASSWORD = "correct horse battery"
_counter = itertools.count(1)


def make_institution(name: str | None = None, region: Region = Region.BISHKEK,
                     kind: InstitutionKind = InstitutionKind.UNIVERSITY) -> Institution:
    inst = Institution(name=name or f"Institution {next(_counter)}", kind=kind, region=region)
    db.session.add(inst)
    db.session.flush()
    return inst


def make_user(role: str | Role = Role.LEARNER, email: str | None = None, name: str | None = None,
              password: str = PASSWORD, **kwargs) -> User:
    n = next(_counter)
    return accounts.create_user(
        email=email or f"user{n}@example.kg",
        name=name or f"Test User {n}",
        password=password,
        role=Role(role),
        **kwargs,
    )


def find_user(email: str) -> User | None:
    return accounts.find_user_by_email(email)


def write_course(root, slug: str = "sample-course", *, modules: dict[str, str] | None = None,
                 manifest: str | None = None, media: dict[str, bytes] | None = None):
    """Write a course folder under ``root`` (a tmp dir) and return its path.

    ``modules`` maps file names (``01-intro.md``) to their text; the defaults make a small valid
    course with a lesson and a quiz module.
    """
    folder = Path(root) / slug
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "course.yml").write_text(manifest or SAMPLE_MANIFEST, encoding="utf-8")
    for name in list(folder.glob("*.md")):
        name.unlink()
    for name, text in (SAMPLE_MODULES if modules is None else modules).items():
        (folder / name).write_text(text, encoding="utf-8")
    for name, data in (media or {}).items():
        path = folder / "media" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return folder


def sync_courses(*folders, retire_missing: bool = False, check: bool = True):
    """Import course folders with the real sync, committing as `flask courses sync` does; the
    report is returned, and asserted to be clean unless ``check=False`` (tests of refusals)."""
    from app.services.sync import sync_all

    report = sync_all(list(folders), commit=db.session.commit, rollback=db.session.rollback,
                      retire_missing=retire_missing)
    if check:
        assert report.ok, report
    return report


def make_course(root, slug: str = "sample-course", **write) -> Course:
    """Write a course folder under ``root`` (``write_course``'s arguments), sync it, and return
    its ``Course``. The conftest fixture ``make_course`` calls this under the test's tmp dir."""
    sync_courses(write_course(root, slug, **write))
    return course_named(slug)


def course_named(slug: str) -> Course:
    return db.session.scalar(select(Course).where(Course.slug == slug))


def question_id(ident: str) -> int:
    """The id of the question with this ``[id:...]`` in the synced courses."""
    return db.session.scalar(select(Question.id).where(Question.ident == ident))


def by_question_id(answers: Mapping[str, Any]) -> dict[int, Any]:
    """Answers keyed by question ident (``SAMPLE_RIGHT_ANSWERS``) keyed by question id instead,
    as the services take them."""
    return {question_id(ident): answer for ident, answer in answers.items()}


def count_rows(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def take_quiz(user: User, module, answers: Mapping[str, Any] | Sequence[Any], key: str) -> Attempt:
    """Submit an attempt through the real grading, as the quiz form would: ``answers`` by question
    ident (``{"bool-and": "0"}``), or a list in the quiz's order. Flushes; the test commits."""
    from app.services import attempts

    questions = attempts.active_questions(module)
    if isinstance(answers, Mapping):
        by_ident = {q.ident: q.id for q in questions}
        responses = {by_ident[ident]: answer for ident, answer in answers.items()}
    else:
        responses = {q.id: answer for q, answer in zip(questions, answers)}
    from app.extensions import db
    from app.models import Attempt

    return db.session.get(Attempt, attempts.submit(user, module, responses, key).id)


def complete_course(user: User, course: Course) -> None:
    """Enrol the learner and mark every module done (lessons only: a quiz is done by passing it),
    committing as the learner's requests would: completion issues the certificate."""
    from app.services import enrolment, progress

    enrolment.enrol(user, course)
    for module in course.modules:
        progress.mark_done(user, module)
    db.session.commit()


def make_cohort(instructor: User, course: Course, name: str = "История, 1 курс",
                term: str | None = "Осень 2026") -> Cohort:
    """A cohort taught by ``instructor`` with ``course`` assigned. Flushes; the test commits."""
    from app.services import cohorts

    cohort = cohorts.create_cohort(instructor, name=name, term=term, institution_id=None)
    cohorts.assign_course(cohort, course.id)
    return cohort


def make_librarian_track() -> Track:
    """The librarians' continuing-education track the librarian courses count towards: a basic
    level at 10 hours and an intermediate one at 20. Flushes; the test commits."""
    track = Track(slug="librarian-ce", title={"ru": "Повышение квалификации", "en": "Librarian CE"},
                  summary={}, content_hash="x",
                  levels=[{"id": "basic", "title": {"ru": "Базовый", "en": "Basic"}, "hours": 10},
                          {"id": "intermediate", "title": {"ru": "Средний", "en": "Intermediate"}, "hours": 20}])
    db.session.add(track)
    db.session.flush()
    return track


def give_signing_key(app, base_url: str | None = "https://sabak.example.kg") -> str:
    """Configure ``app`` to sign credentials with a new key (and, unless None, the base URL they
    name); returns the public key as a multikey, also kept as ``app.public_multikey``."""
    from app.credentials.multikey import generate_keypair

    secret, public = generate_keypair()
    app.config.update(CREDENTIALS_SIGNING_KEY=secret)
    if base_url is not None:
        app.config.update(SABAK_BASE_URL=base_url)
    app.public_multikey = public
    return public


SAMPLE_MANIFEST = """\
title: Поиск информации
language: ru
summary: Короткий курс о поиске.
audience: students
track: information-literacy
hours: 2
practical_minutes: 90  # with the modules' 30 min, the 2 h (120 min) the course claims
pass_mark: 70
outcomes:
  - Составлять поисковый запрос
"""

LESSON = """\
---
title: Введение
minutes: 10
---
# Введение

Библиотека помогает искать источники. Өнүгүү жана үй-бүлө.
"""

QUIZ = """\
---
title: Булевы операторы
minutes: 20
quiz:
  pass_mark: 60
  attempts: 3
---
# Булевы операторы

Оператор AND сужает поиск.

```quiz
// [id:bool-and]
Какой оператор сужает поиск? {
  =AND#Верно: оба слова должны быть в записи.
  ~OR#OR даёт больше результатов, а не меньше.
  ~NOT#NOT исключает слово.
}

// [id:bool-tf]
OR расширяет поиск. {TRUE#Подумайте ещё раз.#Верно.}
```
"""

SAMPLE_MODULES = {"01-intro.md": LESSON, "02-boolean.md": QUIZ}
SAMPLE_RIGHT_ANSWERS = {"bool-and": "0", "bool-tf": "true"}  # QUIZ's, as its form sends them

# The sample course for librarians, counting 8 hours towards the librarian-ce track.
LIBRARIAN_MANIFEST = SAMPLE_MANIFEST.replace("audience: students", "audience: librarians").replace(
    "track: information-literacy", "track: librarian-ce").replace("hours: 2", "hours: 8")
