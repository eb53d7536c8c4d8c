"""Build the benchmark's data set: deterministic, on an empty database, in well under two minutes.

    SABAK_ENV=production SECRET_KEY=... SABAK_BASE_URL=https://bench.sabak.invalid DATABASE_URL=... \
        .venv/bin/python bench/seed.py [--scale N]

Scale 1: 1,000 users (20 instructors, 980 learners), 50 courses of 20 modules (about 20 KB of
HTML each; module 10 of every course holds a 10-question quiz with unlimited attempts), about
5,000 enrolments, 100,000 progress rows and 20,000 quiz attempts, and one cohort of 200 learners
in course ``bench-00`` taught by ``instructor01@bench.sabak.kg``. ``--scale N`` multiplies the
learners, enrolments, progress rows and attempts by N; courses and instructors stay as they are.

The courses are written as real course folders (``course.yml`` + Markdown + GIFT) and imported
with the real sync, so their rows are exactly what production holds. Everything else is inserted
in bulk with SQLAlchemy Core. Every learner's password is ``PASSWORD`` below, hashed once.
The database must be migrated and empty (``flask db upgrade`` first, or pass ``--upgrade``).
Prints one JSON line at the end: counts, ids and timings that bench/run reads.
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "bench-password-2026"
SEED = 20261123
N_COURSES = 50
N_MODULES = 20
QUIZ_POSITION = 10  # the module of each course that holds the quiz
N_INSTRUCTORS = 20
COHORT_SIZE = 200
EPOCH = datetime(2026, 9, 1, tzinfo=timezone.utc)
LANGS = ("ru", "ky", "en")

WORDS = {
    "ru": ("библиотека источник поиск каталог статья автор журнал данные запрос оператор цитата "
           "доступ лицензия проверка факт читатель книга архив ресурс сайт публикация обзор метод "
           "вопрос ответ знание список ссылка рецензия издание термин").split(),
    "ky": ("китепкана булак издөө каталог макала автор журнал маалымат суроо оператор цитата "
           "жеткиликтүүлүк лицензия текшерүү факт окурман китеп архив ресурс сайт басылма сереп ыкма "
           "жооп билим тизме шилтеме баалоо басылыш термин").split(),
    "en": ("library source search catalogue article author journal data query operator citation "
           "access licence check fact reader book archive resource website publication review method "
           "question answer knowledge list link referee edition term").split(),
}


# --- course files -------------------------------------------------------------------------------

def _sentence(rng: random.Random, lang: str, n: int | None = None) -> str:
    words = [rng.choice(WORDS[lang]) for _ in range(n or rng.randint(8, 16))]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def _paragraph(rng: random.Random, lang: str) -> str:
    text = " ".join(_sentence(rng, lang) for _ in range(rng.randint(4, 7)))
    # Some inline markup, as real lessons have.
    words = text.split(" ")
    i = rng.randrange(1, len(words) - 2)
    words[i] = f"**{words[i]}**"
    words[i + 1] = f"*{words[i + 1]}*"
    return " ".join(words)


def module_markdown(rng: random.Random, lang: str, course: int, position: int, target_html: int = 20_000) -> str:
    title = f"{_sentence(rng, lang, 4)[:-1]} {course:02d}.{position:02d}"
    front = f"---\ntitle: \"{title}\"\nminutes: {rng.randint(5, 40)}\n"
    if position == QUIZ_POSITION:
        front += "quiz:\n  pass_mark: 70\n"  # no "attempts": unlimited, so the bench can post forever
    front += "---\n"
    parts = [f"# {title}\n"]
    size = 0
    section = 0
    # Rendered HTML is about as long as the Markdown; stop a little short of the target.
    while size < target_html * 0.93:
        if size // 4000 >= section:
            section += 1
            parts.append(f"## {_sentence(rng, lang, 3)[:-1]} {section}\n")
        kind = rng.random()
        if kind < 0.7:
            block = _paragraph(rng, lang) + "\n"
        elif kind < 0.85:
            block = "\n".join(f"- {_sentence(rng, lang, rng.randint(4, 9))}" for _ in range(rng.randint(3, 6))) + "\n"
        else:
            rows = [f"| {rng.choice(WORDS[lang])} | {rng.randint(1, 999)} | {_sentence(rng, lang, 3)} |"
                    for _ in range(rng.randint(3, 5))]
            block = "| term | n | note |\n|---|---|---|\n" + "\n".join(rows) + "\n"
        parts.append(block)
        size += len(block.encode())
    body = "\n".join(parts)
    if position == QUIZ_POSITION:
        body += "\n" + quiz_gift(course)
    return front + body


def quiz_gift(course: int) -> str:
    """Ten questions of six types; the answers the bench posts are in quiz_answers()."""
    c = f"c{course:02d}"
    return f"""```quiz
// [id:{c}-q1]
Which operator narrows a search? {{
  =AND#Right.
  ~OR#OR widens it.
  ~NOT#NOT excludes a word.
}}

// [id:{c}-q2]
A catalogue record describes a book. {{T#Think again.#Right.}}

// [id:{c}-q3]
Which of these are primary sources? {{
  ~%50%An original letter
  ~%50%A photograph taken at the event
  ~%-100%A textbook chapter
}}

// [id:{c}-q4]
What do we call first-hand evidence? {{
  =primary source
  =primary
}}

// [id:{c}-q5]
In which year was the World Wide Web proposed? {{#1989}}

// [id:{c}-q6]
Match each source with its purpose. {{
  =An advertisement -> to sell
  =An encyclopedia -> to inform
  =An opinion column -> to persuade
}}

// [id:{c}-q7]
Which question tells you most about authority? {{
  =Who wrote it?#Right.
  ~How long is it?
  ~How many pictures does it have?
}}

// [id:{c}-q8]
Lateral reading means leaving the page to check it. {{TRUE}}

// [id:{c}-q9]
Which is a citation style? {{
  =APA
  ~HTML
  ~PDF
  ~ISBN
}}

// [id:{c}-q10]
A preprint has always been peer reviewed. {{F}}
```
"""


def write_courses(root: Path) -> list[Path]:
    rng = random.Random(SEED)
    if root.exists():
        shutil.rmtree(root)
    folders = []
    for c in range(N_COURSES):
        lang = LANGS[c % 3]
        folder = root / f"bench-{c:02d}"
        folder.mkdir(parents=True)
        audience = ("students", "librarians", "all")[c % 3]
        track = ("information-literacy", "librarian-ce")[c % 2]
        (folder / "course.yml").write_text(
            f"title: \"Bench course {c:02d}: {_sentence(rng, lang, 3)[:-1]}\"\nlanguage: {lang}\n"
            f"summary: \"{_sentence(rng, lang, 20)}\"\naudience: {audience}\ntrack: {track}\n"
            f"hours: {1 + c % 8}\npass_mark: 70\noutcomes:\n  - \"{_sentence(rng, lang, 10)}\"\n",
            encoding="utf-8")
        for p in range(1, N_MODULES + 1):
            (folder / f"{p:02d}-m{p:02d}.md").write_text(module_markdown(rng, lang, c, p), encoding="utf-8")
        folders.append(folder)
    return folders


# --- people and history -------------------------------------------------------------------------

def _chunks(rows: list[dict], n: int = 5000):
    for i in range(0, len(rows), n):
        yield rows[i:i + n]


def insert_all(table, rows: list[dict]) -> None:
    from sqlalchemy import insert

    from app.extensions import db

    for chunk in _chunks(rows):
        db.session.execute(insert(table), chunk)


def seed(scale: int, courses_dir: Path) -> dict:
    from sqlalchemy import func, select, text

    from app.extensions import db
    from app.models.catalog import Course, Module, Question
    from app.models.cohorts import Cohort, CohortCourse, CohortInstructor, CohortMember
    from app.models.learning import Answer, Attempt, Enrolment, ModuleProgress
    from app.models.people import Institution, InstitutionKind, Region, Role, User
    from app.services import accounts, sync

    timings = {}
    t0 = time.monotonic()
    if db.session.scalar(select(func.count()).select_from(User)):
        raise SystemExit("seed: the database already has users; seed an empty, migrated database")

    folders = write_courses(courses_dir)
    timings["write_courses_s"] = round(time.monotonic() - t0, 1)
    t = time.monotonic()
    report = sync.sync_all(folders, commit=db.session.commit, rollback=db.session.rollback)
    if not report.ok:
        print("\n".join(report.lines()), file=sys.stderr)
        raise SystemExit("seed: the generated courses did not sync")
    timings["sync_s"] = round(time.monotonic() - t, 1)
    t = time.monotonic()

    courses = list(db.session.scalars(select(Course).order_by(Course.slug)))
    modules_by_course: dict[int, list[Module]] = {}
    for m in db.session.scalars(select(Module).order_by(Module.course_id, Module.position)):
        modules_by_course.setdefault(m.course_id, []).append(m)
    questions_by_module: dict[int, list[Question]] = {}
    for q in db.session.scalars(select(Question).order_by(Question.module_id, Question.position)):
        questions_by_module.setdefault(q.module_id, []).append(q)

    now = EPOCH
    insert_all(Institution.__table__, [
        dict(name=f"Bench institution {i}", kind=InstitutionKind.UNIVERSITY, region=list(Region)[i % 9],
             created_at=now, updated_at=now) for i in range(10)])
    inst_ids = list(db.session.scalars(select(Institution.id).order_by(Institution.id)))

    # One argon2 hash for everyone, with the configured (production) parameters.
    password_hash = accounts.hash_password(PASSWORD)
    n_learners = 1000 * scale - N_INSTRUCTORS
    users = [dict(email=f"instructor{i:02d}@bench.sabak.kg", name=f"Instructor {i:02d}", password_hash=password_hash,
                  role=Role.INSTRUCTOR, locale="en", institution_id=inst_ids[i % 10], is_active_account=True,
                  session_token=f"bench-i{i:05d}", created_at=now, updated_at=now)
             for i in range(1, N_INSTRUCTORS + 1)]
    users += [dict(email=f"learner{i:05d}@bench.sabak.kg", name=f"Learner {i:05d}", password_hash=password_hash,
                   role=Role.LEARNER, locale=LANGS[i % 3], institution_id=inst_ids[i % 10], is_active_account=True,
                   session_token=f"bench-l{i:05d}", created_at=now, updated_at=now)
              for i in range(n_learners)]
    insert_all(User.__table__, users)
    ids = dict(db.session.execute(select(User.email, User.id)).all())
    learner_ids = [ids[f"learner{i:05d}@bench.sabak.kg"] for i in range(n_learners)]
    instructor_id = ids["instructor01@bench.sabak.kg"]
    timings["users_s"] = round(time.monotonic() - t, 1)
    t = time.monotonic()

    # Enrolments: learner i takes courses (i + 10k) % 50 for k = 0..4; the cohort (learners 0..199)
    # also takes course 0, the cohort's course.
    rng = random.Random(SEED + 1)
    pairs = []
    for i in range(n_learners):
        cs = {(i + 10 * k) % N_COURSES for k in range(5)}
        if i < COHORT_SIZE:
            cs.add(0)
        pairs += [(i, c) for c in sorted(cs)]
    target_attempts = 20_000 * scale
    base, extra = divmod(target_attempts, len(pairs))

    enrolments, progress, attempts = [], [], []
    bench_attempt_keys = []
    for n, (i, c) in enumerate(pairs):
        uid = learner_ids[i]
        course = courses[c]
        mods = modules_by_course[course.id]
        quiz_module = mods[QUIZ_POSITION - 1]
        enrolled = now + timedelta(hours=rng.randint(0, 24 * 30))
        # Attempts at this course's quiz: scores rise a little with each try.
        n_att = base + (1 if n < extra else 0)
        best = None
        for a in range(1, n_att + 1):
            score = float(min(100, rng.randint(20, 90) + 5 * a))
            best = score if best is None else max(best, score)
            key = f"seed-{uid}-{quiz_module.id}-{a}"
            attempts.append(dict(user_id=uid, module_id=quiz_module.id, number=a, idempotency_key=key,
                                 submitted_at=enrolled + timedelta(days=a), score=score, auto_score=score,
                                 pass_mark=70, is_passed=score >= 70, is_pending=False,
                                 created_at=now, updated_at=now))
            if i < COHORT_SIZE and c == 0:
                bench_attempt_keys.append(key)
        # Progress: the first k modules done (the quiz only if passed), the next one visited, the rest
        # untouched rows; a row for each of the 20 modules keeps the count at 20 per enrolment.
        k = rng.randint(0, N_MODULES)
        last_module = None
        all_done = True
        for m in mods:
            row = dict(user_id=uid, module_id=m.id, visited_at=None, done_at=None, best_score=None,
                       attempt_count=0, created_at=now, updated_at=now)
            when = enrolled + timedelta(hours=m.position)
            if m.id == quiz_module.id and n_att:
                row.update(visited_at=when, attempt_count=n_att, best_score=best,
                           done_at=when if best >= 70 else None)
            elif m.position <= k and m.id != quiz_module.id:
                row.update(visited_at=when, done_at=when)
            elif m.position == k + 1:
                row.update(visited_at=when)
            if row["done_at"] is None:
                all_done = False
                if last_module is None and row["visited_at"] is not None:
                    last_module = m.id
            progress.append(row)
        enrolments.append(dict(user_id=uid, course_id=course.id, enrolled_at=enrolled,
                               completed_at=enrolled + timedelta(days=30) if all_done else None,
                               last_module_id=last_module, last_seen_at=enrolled + timedelta(days=1),
                               created_at=now, updated_at=now))
    insert_all(Enrolment.__table__, enrolments)
    insert_all(ModuleProgress.__table__, progress)
    insert_all(Attempt.__table__, attempts)
    timings["history_s"] = round(time.monotonic() - t, 1)
    t = time.monotonic()

    # Answers (with their question snapshots) for the cohort's attempts in its course: the pages that read them.
    attempt_ids = {}
    for chunk in range(0, len(bench_attempt_keys), 500):
        keys = bench_attempt_keys[chunk:chunk + 500]
        attempt_ids.update({k: (a, m) for k, a, m in db.session.execute(
            select(Attempt.idempotency_key, Attempt.id, Attempt.module_id).where(Attempt.idempotency_key.in_(keys)))})
    answers = []
    for key in bench_attempt_keys:
        attempt_id, module_id = attempt_ids[key]
        for pos, q in enumerate(questions_by_module[module_id], start=1):
            correct = rng.random() < 0.7
            answers.append(dict(attempt_id=attempt_id, question_id=q.id, position=pos, response=None,
                                fraction=1.0 if correct else 0.0, status="correct" if correct else "incorrect",
                                feedback=[], question_snapshot=q.data, rendered_snapshot=q.rendered,
                                created_at=now, updated_at=now))
    insert_all(Answer.__table__, answers)

    # The cohort: 200 learners in course 0, taught by instructor 01.
    cohort = Cohort(name="Bench cohort", term="2026", institution_id=inst_ids[0], join_code="BENCH234",
                    created_by_id=instructor_id)
    db.session.add(cohort)
    db.session.flush()
    db.session.add(CohortInstructor(cohort_id=cohort.id, user_id=instructor_id, is_owner=True, added_at=now))
    db.session.add(CohortCourse(cohort_id=cohort.id, course_id=courses[0].id, added_at=now))
    insert_all(CohortMember.__table__, [dict(cohort_id=cohort.id, user_id=learner_ids[i], joined_at=now)
                                         for i in range(COHORT_SIZE)])
    db.session.commit()
    timings["answers_cohort_s"] = round(time.monotonic() - t, 1)
    t = time.monotonic()

    # Statistics for the query planner, as a running production database has them.
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    timings["analyze_s"] = round(time.monotonic() - t, 1)
    timings["total_s"] = round(time.monotonic() - t0, 1)

    counts = {name: db.session.scalar(select(func.count()).select_from(model)) for name, model in [
        ("users", User), ("courses", Course), ("modules", Module), ("questions", Question),
        ("enrolments", Enrolment), ("progress", ModuleProgress), ("attempts", Attempt), ("answers", Answer),
        ("cohort_members", CohortMember)]}
    html_sizes = [len(b.encode()) for b in db.session.scalars(select(Module.body_html).limit(100))]
    return {
        "scale": scale, "counts": counts, "timings": timings,
        "mean_module_html_bytes": round(sum(html_sizes) / len(html_sizes)),
        "cohort_id": cohort.id, "cohort_course": courses[0].slug,
        "quiz_module": modules_by_course[courses[0].id][QUIZ_POSITION - 1].slug,
        "lesson_modules": [m.slug for m in modules_by_course[courses[0].id] if m.position != QUIZ_POSITION],
        "learners": COHORT_SIZE, "learner_email": "learner{:05d}@bench.sabak.kg",
        "instructor": "instructor01@bench.sabak.kg", "password": PASSWORD,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=1, help="multiply learners, enrolments, progress, attempts")
    parser.add_argument("--courses-dir", default=str(ROOT / "bench" / "results" / "courses"),
                        help="where to write the generated course folders (kept: the media route reads them)")
    parser.add_argument("--upgrade", action="store_true", help="run the migrations first (flask db upgrade)")
    args = parser.parse_args()

    from app import create_app

    app = create_app()
    with app.app_context():
        if args.upgrade:
            from flask_migrate import upgrade

            upgrade()
        result = seed(args.scale, Path(args.courses_dir))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
