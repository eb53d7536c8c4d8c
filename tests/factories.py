"""Small builders so a test says what it needs in one line. They flush; the test commits."""
from __future__ import annotations

import itertools

from app.extensions import db
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
    from pathlib import Path

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
