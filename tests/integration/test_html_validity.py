"""Every main page is valid HTML by the Nu HTML Checker (vnu), in ru, ky and en (#25 acceptance).

The pages of every role (visitor, learner, instructor, admin, coordinator), the pages a form sends
back (a registration with errors, a quiz's review step and its error summary), and every lesson
and quiz of every course of the real curriculum in its own language, taken from the real app
through its test client, are checked in one run of vnu.jar: Java starts once for some two hundred
pages. The checker is the npm package ``vnu-jar`` pinned in tests/vnu/package-lock.json, run with
Debian's Java (tests/ensure_system_packages.sh installs ``default-jre-headless``). Skipped only
where Java or npm is missing outside CI; CI must run it.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Answer, Certificate, Course, Module, Question
from app.services import attempts, cohorts, enrolment, progress
from app.services.sync import sync_all
from tests import factories
from tests.conftest import ROOT, csrf_token_from
from tests.integration.test_quiz_review import QUIZ as NUMBERS_QUIZ

CHECKER = ROOT / "tests" / "vnu"
JAR = CHECKER / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
LANGUAGES = ("ru", "ky", "en")


def _missing(what: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} in CI: tests/ensure_system_packages.sh installs it, and CI must check the HTML")
    pytest.skip(f"{what}: the HTML of the pages is not checked")


@pytest.fixture(scope="session")
def vnu() -> list[str]:
    """The command that runs the checker, its jar installed from the lock file first when missing
    or older than package-lock.json."""
    java = shutil.which("java")
    if java is None:
        _missing("java is not installed (apt-get install default-jre-headless)")
    installed = CHECKER / "node_modules" / ".package-lock.json"
    if not JAR.exists() or not installed.exists() or \
            installed.stat().st_mtime < (CHECKER / "package-lock.json").stat().st_mtime:
        npm = shutil.which("npm")
        if npm is None:
            _missing("npm is not installed (apt-get install npm)")
        # --ignore-scripts: the package's install script would download a Java runtime of its own
        # (no such download here); the jar is in the package and Debian's Java runs it.
        done = subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--prefix", str(CHECKER)],
                              capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            pytest.fail("npm ci failed:\n" + done.stdout + done.stderr)
    return [java, "-jar", str(JAR)]


def check_html(vnu: list[str], files: dict[Path, str]) -> list[str]:
    """vnu's errors in ``files`` (path -> what to call the page), one line each: page, line, message."""
    done = subprocess.run([*vnu, "--errors-only", "--format", "json", "--stdout", *map(str, files)],
                          capture_output=True, text=True, timeout=600)
    try:
        messages = json.loads(done.stdout)["messages"]
    except (ValueError, KeyError):
        pytest.fail(f"vnu gave no report (exit {done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    by_url = {path.resolve().as_uri(): label for path, label in files.items()}
    problems = []
    for m in messages:
        if m.get("type") == "info":
            continue
        url = m.get("url", "")
        page = by_url.get(url) or by_url.get(url.replace("file:/", "file:///", 1)) or url
        extract = " ".join(m.get("extract", "").split())[:120]
        problems.append(f"{page}: line {m.get('lastLine', '?')}: {m.get('message')}  [{extract}]")
    return problems


@pytest.fixture
def world(keyed_app, tmp_path):
    """The real curriculum and two small courses (a quiz of every input kind, one with an essay),
    a learner with enrolments, attempts, a group and a certificate, their instructor with an essay
    to grade, an admin, a coordinator and an institution: made through the services."""
    keyed_app.config["COURSES_DIR"] = str(ROOT / "courses")
    extra = tmp_path / "courses"
    sample = factories.write_course(extra, modules={**factories.SAMPLE_MODULES, "03-numbers.md": NUMBERS_QUIZ})
    essay = factories.write_course(
        extra, "essay-course", modules={"01-boolean.md": factories.QUIZ.replace(
            "```quiz\n", "```quiz\n// [id:essay-1]\nExplain why AND narrows a search. {}\n\n")},
        manifest=factories.SAMPLE_MANIFEST.replace("Поиск информации", "Курс с эссе"))
    library = factories.write_course(extra, "lib-course", manifest=factories.LIBRARIAN_MANIFEST,
                                     modules={"01-intro.md": factories.LESSON})
    report = sync_all([ROOT / "courses", sample, essay, library], commit=db.session.commit, rollback=db.session.rollback)
    assert report.ok, report.lines()
    course = {c.slug: c for c in db.session.scalars(select(Course))}
    module = {(m.course.slug, m.slug): m for m in db.session.scalars(select(Module))}

    institution = factories.make_institution("КНУ им. Ж. Баласагына")
    learner = factories.make_user(name="Айгүл Өмүрбекова", institution=institution)
    teacher = factories.make_user(role="instructor")
    admin = factories.make_user(role="admin")
    boss = factories.make_user(role="coordinator")
    db.session.flush()
    group = cohorts.create_cohort(teacher, name="Юриспруденция, 1 курс", term="Осень 2026", institution_id=institution.id)
    for slug in ("il-foundations-ru", "essay-course", "sample-course"):
        cohorts.assign_course(group, course[slug].id)
    db.session.commit()
    cohorts.join(learner, group.join_code)
    for c in course.values():
        enrolment.enrol(learner, c)
    db.session.commit()
    progress.mark_done(learner, module["lib-course", "intro"])  # the whole course: a certificate
    progress.mark_done(learner, module["sample-course", "intro"])
    quiz = module["sample-course", "boolean"]
    first = attempts.active_questions(quiz)
    attempts.submit(learner, quiz, {first[0].id: "0"}, "html-attempt-1")  # one right of two: 50 %
    essay_quiz = module["essay-course", "boolean"]
    answers = {q.id: ("AND сужает поиск." if q.qtype == "essay" else None) for q in attempts.active_questions(essay_quiz)}
    attempts.submit(learner, essay_quiz, answers, "html-attempt-2")
    db.session.commit()
    essay_answer = db.session.scalar(select(Answer.id).join(Question).where(Question.ident == "essay-1"))
    certificate = db.session.scalar(select(Certificate))
    assert certificate is not None
    return {"learner": learner, "instructor": teacher, "admin": admin, "coordinator": boss, "cohort": group,
            "institution": institution, "certificate": certificate.code, "essay_answer": essay_answer,
            "courses": list(course.values())}


def _pages(world, language: str) -> dict[str, list[str]]:
    cohort = world["cohort"].id
    matrix = f"/teach/cohorts/{cohort}/courses/il-foundations-ru"
    course = f"/courses/il-foundations-{language}"
    return {
        "visitor": ["/", "/courses", course, course + "/authority", "/login", "/register", "/forgot-password",
                    f"/certificates/{world['certificate']}"],
        "learner": ["/", "/dashboard", "/courses", course, course + "/pretest", course + "/authority",
                    course + "/searching", "/courses/sample-course/boolean", "/courses/sample-course/numbers",
                    "/courses/sample-course/boolean/attempts/1", "/courses/essay-course/boolean/attempts/1",
                    "/attempts", "/credentials", "/credentials/external", "/profile"],
        "instructor": ["/teach/", "/teach/cohorts/new", f"/teach/cohorts/{cohort}", matrix, matrix + "/gain",
                       matrix + "/items", f"{matrix}/learners/{world['learner'].id}", "/teach/grading",
                       f"/teach/grading/{world['essay_answer']}", "/teach/ledger", "/profile"],
        "admin": ["/admin/", "/admin/users", "/admin/reports", "/admin/courses", "/admin/certificates",
                  "/admin/institutions", f"/admin/institutions/{world['institution'].id}",
                  f"/admin/users/{world['coordinator'].id}/institutions"],
        "coordinator": ["/admin/reports", "/dashboard", "/profile", f"/join/{world['cohort'].join_code}"],
    }


def _as(app, user, language: str):
    """A client logged in as ``user`` (None: a visitor), reading in ``language``."""
    client = app.test_client()
    if user is None:
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
        return client
    user.locale = language
    db.session.commit()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    return client


def _sent_back(client, language: str) -> dict[str, str]:
    """The pages a POST answers with: a registration form with its errors, a quiz's review step,
    and the quiz opened at its error summary (a number written in words)."""
    pages = {}
    html = client.get("/courses/sample-course/numbers").get_data(as_text=True)
    key = re.search(r'name="attempt_key" value="([0-9a-f]+)"', html).group(1)
    number = db.session.scalar(select(Question.id).where(Question.ident == "num-1"))
    pick = db.session.scalar(select(Question.id).where(Question.ident == "pick-1"))
    base = {"csrf_token": csrf_token_from(html), "attempt_key": key, f"q{pick}": "0"}
    for name, answer in (("review", "150"), ("error summary", "сто пятьдесят")):
        response = client.post("/courses/sample-course/numbers/review", data={**base, f"q{number}": answer})
        assert response.status_code in (200, 400, 422), (name, response.status_code)
        pages[f"POST /courses/sample-course/numbers/review ({name})"] = response.get_data(as_text=True)
    return pages


def test_every_main_page_is_valid_html_in_every_language(app, world, vnu, tmp_path):
    folder = tmp_path / "pages"
    folder.mkdir()
    files: dict[Path, str] = {}

    def keep(label: str, html: str, language: str) -> None:
        assert f'<html lang="{language}"' in html, label
        path = folder / f"{len(files):03d}-{re.sub(r'[^a-z0-9]+', '-', label.lower()).strip('-')[:80]}.html"
        path.write_text(html, encoding="utf-8")
        files[path] = label

    for language in LANGUAGES:
        for role, paths in _pages(world, language).items():
            client = _as(app, world.get(role), language)
            for path in paths:
                response = client.get(path)
                assert response.status_code == 200, f"{path} ({role}, {language}): {response.status_code}"
                keep(f"{path} ({role}, {language})", response.get_data(as_text=True), language)
            if role == "learner":
                for label, html in _sent_back(client, language).items():
                    keep(f"{label} ({role}, {language})", html, language)
        visitor = _as(app, None, language)
        token = csrf_token_from(visitor.get("/register").get_data(as_text=True))
        response = visitor.post("/register", data={"csrf_token": token, "email": "not an address"})
        keep(f"POST /register with errors (visitor, {language})", response.get_data(as_text=True), language)

    # Every module of every course, read in the course's own language.
    for language in LANGUAGES:
        client = _as(app, world["learner"], language)  # the saved language: one login each
        for course in (c for c in world["courses"] if c.language == language):
            for module in course.modules:
                path = f"/courses/{course.slug}/{module.slug}"
                response = client.get(path)
                assert response.status_code == 200, f"{path}: {response.status_code}"
                keep(f"{path} (learner, {language})", response.get_data(as_text=True), language)

    problems = check_html(vnu, files)
    assert not problems, f"The Nu HTML checker found {len(problems)} errors in {len(files)} pages:\n" + "\n".join(problems)


def test_the_check_finds_an_error_when_there_is_one(vnu, tmp_path):
    """The checker runs and its report is read: a page with two ids alike and an unclosed element fails."""
    good, bad = tmp_path / "good.html", tmp_path / "bad.html"
    good.write_text('<!DOCTYPE html><html lang="ky"><head><title>Сабак</title></head><body><p id="a">Ok</p></body></html>')
    bad.write_text('<!DOCTYPE html><html lang="ky"><head><title>Сабак</title></head>'
                   '<body><p id="a">1</p><p id="a">2</p><div></span></body></html>')
    problems = check_html(vnu, {good: "the good page", bad: "the bad page"})
    assert problems and all(p.startswith("the bad page: line 1: ") for p in problems), problems
    assert any("Duplicate ID" in p for p in problems), problems
