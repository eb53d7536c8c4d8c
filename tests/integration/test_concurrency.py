"""Twenty submissions at once for one learner and one quiz, through a real threaded HTTP server."""
from __future__ import annotations

import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from app.extensions import db
from app.models import Attempt, ModuleProgress
from app.services import enrolment
from tests import factories
from tests.conftest import csrf_token_from

THREADS = 20


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def server(app):
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()


def setup_course(tmp_path, attempts_line: str):
    quiz = factories.QUIZ.replace("  attempts: 3\n", attempts_line)
    course = factories.make_course(tmp_path, modules={"02-boolean.md": quiz})
    learner = factories.make_user(email="racer@example.kg")
    enrolment.enrol(learner, course)
    db.session.commit()
    return learner


def submit_all_at_once(base: str) -> list[int | str]:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    login_page = opener.open(base + "/login").read().decode()
    body = urllib.parse.urlencode({"email": "racer@example.kg", "password": factories.PASSWORD,
                                   "csrf_token": csrf_token_from(login_page)}).encode()
    try:
        opener.open(base + "/login", data=body)
    except urllib.error.HTTPError as exc:
        assert exc.code == 302
    page = opener.open(base + "/courses/sample-course/boolean").read().decode()
    token = csrf_token_from(page)
    q_and = re.search(r'name="(q\d+)" id="q\d+-0" value="0"', page).group(1)
    barrier = threading.Barrier(THREADS)
    outcomes: list[int | str] = [None] * THREADS

    def run(i: int) -> None:
        data = urllib.parse.urlencode({"csrf_token": token, "attempt_key": f"tab-{i}", q_and: "0"}).encode()
        barrier.wait()
        try:
            opener.open(base + "/courses/sample-course/boolean/attempts", data=data, timeout=60)
            outcomes[i] = "no redirect"
        except urllib.error.HTTPError as exc:
            location = exc.headers.get("Location", "")
            outcomes[i] = "accepted" if "/attempts/" in location else (exc.code if exc.code != 302 else "refused")
        except Exception as exc:  # noqa: BLE001 - the test reports any failure below
            outcomes[i] = repr(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return outcomes


def stored_attempts(learner_id: int) -> list[Attempt]:
    db.session.expire_all()
    return list(db.session.scalars(select(Attempt).where(Attempt.user_id == learner_id).order_by(Attempt.number)))


def test_twenty_concurrent_submissions_respect_the_attempt_limit(server, tmp_path):
    learner = setup_course(tmp_path, "  attempts: 3\n")
    outcomes = submit_all_at_once(server)
    assert set(outcomes) <= {"accepted", "refused"}, outcomes  # nothing errored
    attempts = stored_attempts(learner.id)
    assert outcomes.count("accepted") == len(attempts) == 3
    assert [a.number for a in attempts] == [1, 2, 3]
    row = db.session.scalar(select(ModuleProgress).where(ModuleProgress.user_id == learner.id))
    assert row.attempt_count == 3


def test_twenty_concurrent_submissions_without_a_limit_are_all_kept(server, tmp_path):
    learner = setup_course(tmp_path, "")
    outcomes = submit_all_at_once(server)
    assert outcomes.count("accepted") == THREADS, outcomes
    attempts = stored_attempts(learner.id)
    assert [a.number for a in attempts] == list(range(1, THREADS + 1))
    assert {a.idempotency_key for a in attempts} == {f"tab-{i}" for i in range(THREADS)}
    assert all(len(a.answers) == 2 for a in attempts)
    row = db.session.scalar(select(ModuleProgress).where(ModuleProgress.user_id == learner.id))
    assert row.attempt_count == THREADS
