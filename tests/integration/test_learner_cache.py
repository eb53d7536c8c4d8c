"""The learning revision and what workers keep under it (app.caching.kept_for_learner, kept_while).

The database bumps ``users.learning_revision`` on every write to a learner's enrolments, progress
and attempts, whoever writes (ORM, Core, plain SQL); a kept progress answer is served only while
that revision and the curriculum's are the ones it was built from.
"""
from __future__ import annotations

import json
import urllib.request

from sqlalchemy import select, text

from app.extensions import db
from app.models import Module, User
from app.services import attempts, cohorts, enrolment, progress, tokens
from app.caching.kept import _LearnerStore, kept_while
from tests import factories
from tests.conftest import statements_run
from tests.integration.test_api import Api, make_token
from tests.integration.test_curriculum_cache import two_servers  # noqa: F401  (a fixture)

RIGHT = {"bool-and": 0, "bool-tf": True}


def revision_of(user: User) -> int:
    return db.session.scalar(select(User.learning_revision).where(User.id == user.id))


def bump_check(learner: User, other: User):
    """A function that commits, then asserts that the step just taken bumped ``learner``'s
    learning revision and left ``other``'s as it was when this was made."""
    seen = [revision_of(learner)]
    untouched = revision_of(other)

    def bumped(step: str) -> None:
        db.session.commit()
        now = revision_of(learner)
        assert now > seen[-1], f"{step} did not bump {learner.email}'s revision"
        assert revision_of(other) == untouched, f"{step} bumped {other.email}'s revision"
        seen.append(now)

    return bumped


def test_every_write_to_a_learners_history_bumps_their_revision_and_nobody_elses(app, course):
    learner, other = factories.make_user(email="learner@example.kg"), factories.make_user(email="other@example.kg")
    db.session.commit()
    intro, boolean = (db.session.scalar(select(Module).where(Module.slug == slug)) for slug in ("intro", "boolean"))
    bumped = bump_check(learner, other)

    enrolment.enrol(learner, course)  # ORM insert into enrolments
    bumped("enrolling")
    row = db.session.execute(text("SELECT id, left_at, last_module_id FROM enrolments WHERE user_id = :u"),
                             {"u": learner.id}).one()
    progress.record_visit(learner, intro, row)  # Core insert into module_progress, update of enrolments
    bumped("a first visit")
    db.session.execute(text("UPDATE module_progress SET best_score = 50 WHERE user_id = :u"), {"u": learner.id})
    bumped("plain SQL updating progress")
    attempts.submit(learner, boolean, _right_answers(boolean), "key-1")  # Core inserts and an update
    bumped("a quiz attempt")
    db.session.execute(text("DELETE FROM quiz_attempts WHERE user_id = :u"), {"u": learner.id})
    bumped("deleting attempts")
    db.session.execute(text("DELETE FROM module_progress WHERE user_id = :u"), {"u": learner.id})
    bumped("deleting progress")
    db.session.execute(text("DELETE FROM enrolments WHERE user_id = :u"), {"u": learner.id})
    bumped("deleting the enrolment")


def test_joining_leaving_and_renaming_a_group_bump_its_members_revisions(app, course):
    """The dashboard keeps the learner's groups under the learning revision: every change to the
    list it shows must bump it, for the members only."""
    instructor = factories.make_user(role="instructor", email="teacher@example.kg")
    learner, other = factories.make_user(email="learner@example.kg"), factories.make_user(email="other@example.kg")
    group = cohorts.create_cohort(instructor, name="ИБ-21", term="Күз 2026", institution_id=None)
    db.session.commit()
    bumped = bump_check(learner, other)  # other is not a member

    cohorts.join(learner, group.join_code)
    bumped("joining")
    group.name = "ИБ-21 (кечки)"
    bumped("renaming the group")
    group.term = "Жаз 2027"
    bumped("changing its term")
    cohorts.remove_member(group, learner.id)
    bumped("being removed")
    db.session.execute(text("DELETE FROM cohort_members WHERE user_id = :u"), {"u": learner.id})
    bumped("plain SQL deleting the membership")
    before = revision_of(learner)
    group.name = "ИБ-22"  # no longer a member
    db.session.commit()
    assert revision_of(learner) == before


def test_the_dashboard_shows_a_groups_new_name_at_once(app, client, auth, course):
    instructor = factories.make_user(role="instructor", email="teacher@example.kg")
    group = cohorts.create_cohort(instructor, name="Топ А", term=None, institution_id=None)
    db.session.commit()
    user = auth.login(role="learner")
    cohorts.join(user, group.join_code)
    db.session.commit()
    client.get("/dashboard")  # shows the welcome message: rendered for this request alone
    assert "Топ А" in client.get("/dashboard").get_data(as_text=True)
    with statements_run() as run:
        assert "Топ А" in client.get("/dashboard").get_data(as_text=True)
    assert not any("cohort_members" in s for s in run), "the kept groups were not used"
    db.session.execute(text("UPDATE cohorts SET name = 'Топ Б' WHERE id = :c"), {"c": group.id})
    db.session.commit()
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Топ Б" in page and "Топ А" not in page


def _right_answers(module: Module) -> dict[int, object]:
    """The sample quiz's right answers, by question id, as the quiz form sends them."""
    from app.models import Question

    ids = dict(db.session.execute(select(Question.ident, Question.id).where(Question.module_id == module.id)).all())
    return {ids["bool-and"]: "0", ids["bool-tf"]: "true"}


def learner_api(client) -> Api:
    user, plaintext = make_token()
    api = Api(client, plaintext)
    api.user = user
    return api


def statuses(api: Api) -> dict[str, tuple]:
    entry = api.get("/me/progress", status=200).get_json()["courses"][0]
    return {m["slug"]: (m["status"], m["best_score"]) for m in entry["modules"]}


def test_the_progress_answer_is_kept_until_the_learners_data_changes(app, client, course):
    api = learner_api(client)
    api.post("/courses/sample-course/enrolment", status=201)
    first = statuses(api)
    assert first["boolean"] == ("not-started", None)
    with statements_run() as run:
        assert statuses(api) == first
    assert not any("module_progress" in s for s in run), "the kept answer was not used"

    # Plain SQL, outside every service: the trigger still bumps the revision.
    boolean = db.session.scalar(select(Module).where(Module.slug == "boolean"))
    db.session.execute(text("INSERT INTO module_progress (user_id, module_id, attempt_count, best_score, "
                            "created_at, updated_at) VALUES (:u, :m, 1, 40, :t, :t)"),
                       {"u": api.user.id, "m": boolean.id, "t": "2026-12-04 00:00:00"})
    db.session.commit()
    assert statuses(api)["boolean"] == ("started", 40.0)

    # Through the API: a passing attempt.
    api.post("/courses/sample-course/modules/boolean/attempts", {"answers": RIGHT}, status=201)
    assert statuses(api)["boolean"] == ("done", 100.0)

    # Leaving the course empties the answer.
    api.delete("/courses/sample-course/enrolment", status=204)
    assert api.get("/me/progress", status=200).get_json() == {"courses": []}


def test_a_lesson_page_keeps_the_learners_row_until_their_data_changes(app, client, auth, course):
    """The module page keeps the learner's enrolment and progress in the module per worker; any
    write to them, whoever makes it, shows on the next view."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    user = auth.login(role="learner")
    enrolment.enrol(user, course)
    db.session.commit()
    client.get("/courses/sample-course/intro")  # the first visit writes: the next view reads anew
    page = client.get("/courses/sample-course/intro").get_data(as_text=True)
    assert "Mark as done" in page
    with statements_run() as run:
        again = client.get("/courses/sample-course/intro").get_data(as_text=True)
    assert "Mark as done" in again
    assert not any("module_progress" in s or "enrolments" in s for s in run), "the kept row was not used"

    # Plain SQL, outside every service: the trigger bumps the revision, the page follows.
    db.session.execute(text("UPDATE module_progress SET done_at = :t WHERE user_id = :u"),
                       {"u": user.id, "t": "2026-12-04 00:00:00"})
    db.session.commit()
    page = client.get("/courses/sample-course/intro").get_data(as_text=True)
    assert "You have finished this module." in page and "Mark as done" not in page

    db.session.execute(text("UPDATE enrolments SET left_at = :t WHERE user_id = :u"),
                       {"u": user.id, "t": "2026-12-04 00:00:01"})
    db.session.commit()
    page = client.get("/courses/sample-course/intro").get_data(as_text=True)
    assert "You have finished this module." not in page and "Mark as done" not in page


def test_the_kept_answer_follows_the_curriculum(app, client, course):
    api = learner_api(client)
    api.post("/courses/sample-course/enrolment", status=201)
    assert api.get("/me/progress").get_json()["courses"][0]["title"] == course.title
    course.title = "Правленое название"  # bumps the curriculum revision, not the learner's
    db.session.commit()
    assert api.get("/me/progress").get_json()["courses"][0]["title"] == "Правленое название"


def test_each_learner_gets_their_own_answer(app, client, course):
    first, second = learner_api(client), learner_api(app.test_client())
    for api in (first, second):
        api.post("/courses/sample-course/enrolment", status=201)
        statuses(api)  # kept for both
    first.post("/courses/sample-course/modules/boolean/attempts", {"answers": RIGHT}, status=201)
    assert statuses(first)["boolean"] == ("done", 100.0)
    assert statuses(second)["boolean"] == ("not-started", None)


def test_the_store_is_bounded_in_bytes_and_drops_the_least_recently_used():
    store = _LearnerStore(max_bytes=100)
    store.put("a", 1, "x" * 40, 40)
    store.put("b", 1, "y" * 40, 40)
    assert store.get("a", 1) == "x" * 40  # a is now the most recently used
    store.put("c", 1, "z" * 40, 40)  # 120 bytes: b goes
    assert store.get("b", 1) != "y" * 40 and store.get("a", 1) == "x" * 40 and store.get("c", 1) == "z" * 40
    assert store.get("a", 2) != "x" * 40  # another revision: not served
    store.put("huge", 1, "h" * 101, 101)
    assert store.get("huge", 1) != "h" * 101 and len(store._items) == 2


def _get_json(base: str, path: str, token: str, method: str = "GET", body: dict | None = None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + "/api/v1" + path, data=data, method=method, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


def test_a_write_through_one_server_is_seen_by_the_other_at_once(app, two_servers):  # noqa: F811
    """Two long-lived workers over one database, each keeping the learner's answer: a quiz
    passed through one is in the other's next answer, with nothing told to invalidate."""
    (one, other), _folder, _env = two_servers
    user = factories.make_user()
    _row, token = tokens.create_token(user, "tests")
    db.session.commit()
    _get_json(one, "/courses/sample-course/enrolment", token, "POST")

    def boolean_on(base: str) -> str:
        entry = _get_json(base, "/me/progress", token)["courses"][0]
        return next(m["status"] for m in entry["modules"] if m["slug"] == "boolean")

    assert [boolean_on(base) for base in (one, other, one, other)] == ["not-started"] * 4  # both keep it
    _get_json(one, "/courses/sample-course/modules/boolean/attempts", token, "POST", {"answers": RIGHT})
    assert [boolean_on(base) for base in (other, one)] == ["done", "done"]


def test_only_get_requests_keep_or_serve(app):
    """A request that writes could keep what its own, uncommitted, transaction changed."""
    built = []
    stamp = [1]

    @kept_while(stamp=lambda name: stamp[0])
    def answer(name: str) -> str:
        built.append(1)
        return f"{name} {len(built)}"

    with app.test_request_context("/api/v1/me/progress", method="POST"):
        assert answer("k") == "k 1"
        assert answer("k") == "k 2"
    with app.test_request_context("/api/v1/me/progress"):
        assert answer("k") == "k 3"
        assert answer("k") == "k 3"
        assert answer("other") == "other 4"  # another argument
        stamp[0] = 2
        assert answer("k") == "k 5"  # another stamp
    assert answer("k") == "k 6"  # no request
