"""A course's authors, reviewers and sources: stored at sync without touching learners' data,
shown on the course page and in the API, and named as the creator in its certificates."""
from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import func, inspect, select, text

from app.credentials import dataintegrity
from app.extensions import db
from app.models import Attempt, Certificate, Course, Enrolment
from tests import factories

PEOPLE = """\
authors:
  - name: Айгүл Өмүрбекова
    affiliation: Кыргыз улуттук университети
    orcid: "0000-0002-1825-0097"
  - name: Sabak curriculum team
    url: https://sabak.example.kg/team
reviewers:
  - name: Nurlan Usenbaev
    affiliation: KSTU
sources:
  - "ACRL. Framework for Information Literacy for Higher Education. Chicago: ACRL, 2016."
  - "UNESCO. Media and Information Literate Citizens. Paris: UNESCO, 2021."
"""


def test_a_sync_stores_them_and_a_resync_changes_them_keeping_learners_data(app, tmp_path):
    folder = factories.write_course(tmp_path, manifest=factories.SAMPLE_MANIFEST + PEOPLE)
    factories.sync_courses(folder)
    course = factories.course_named("sample-course")
    assert course.authors[0] == {"name": "Айгүл Өмүрбекова", "affiliation": "Кыргыз улуттук университети",
                                 "orcid": "0000-0002-1825-0097"}
    assert course.reviewers == [{"name": "Nurlan Usenbaev", "affiliation": "KSTU"}]
    assert len(course.sources) == 2
    learner = factories.make_user()
    from app.services import enrolment

    enrolment.enrol(learner, course)
    factories.take_quiz(learner, course.modules[1], factories.SAMPLE_RIGHT_ANSWERS, "k1")
    db.session.commit()

    (folder / "course.yml").write_text(factories.SAMPLE_MANIFEST + "authors:\n  - name: Other\n",
                                       encoding="utf-8")
    factories.sync_courses(folder)
    db.session.expire_all()
    course = factories.course_named("sample-course")
    assert (course.authors, course.reviewers, course.sources) == ([{"name": "Other"}], [], [])
    assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 1
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 1


def test_the_course_page_shows_them_and_a_course_without_them_shows_no_section(client, make_course):
    make_course(manifest=factories.SAMPLE_MANIFEST + PEOPLE)
    make_course("bare-course")
    html = client.get("/courses/sample-course", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "О курсе" in html and "Авторы" in html and "Рецензенты" in html and "Источники" in html
    assert "Айгүл Өмүрбекова</span>" not in html  # the ORCID link follows the name
    assert 'href="https://orcid.org/0000-0002-1825-0097"' in html
    assert '<a href="https://sabak.example.kg/team">Sabak curriculum team</a>' in html
    assert "(Кыргыз улуттук университети)" in html and "Nurlan Usenbaev (KSTU)" in html
    assert "<li>UNESCO. Media and Information Literate Citizens. Paris: UNESCO, 2021.</li>" in html
    bare = client.get("/courses/bare-course", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "credits-heading" not in bare and "Reviewed by" not in bare
    english = client.get("/courses/sample-course", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Reviewed by" in english and "Sources" in english


def test_the_page_follows_a_resync_at_once(client, app, tmp_path):
    """The course page reads the kept curriculum: the courses table's triggers bump its revision."""
    folder = factories.write_course(tmp_path, manifest=factories.SAMPLE_MANIFEST + PEOPLE)
    factories.sync_courses(folder)
    assert "Nurlan Usenbaev" in client.get("/courses/sample-course").get_data(as_text=True)
    (folder / "course.yml").write_text(factories.SAMPLE_MANIFEST + PEOPLE.replace("Nurlan", "Bakyt"),
                                       encoding="utf-8")
    factories.sync_courses(folder)
    html = client.get("/courses/sample-course").get_data(as_text=True)
    assert "Bakyt Usenbaev" in html and "Nurlan" not in html


def test_the_api_course_detail_gives_them(client, make_course):
    make_course(manifest=factories.SAMPLE_MANIFEST + PEOPLE)
    make_course("bare-course")
    data = client.get("/api/v1/courses/sample-course").get_json()
    assert data["authors"][1] == {"name": "Sabak curriculum team", "url": "https://sabak.example.kg/team"}
    assert data["reviewers"] == [{"name": "Nurlan Usenbaev", "affiliation": "KSTU"}]
    assert data["sources"][0].startswith("ACRL.")
    bare = client.get("/api/v1/courses/bare-course").get_json()
    assert (bare["authors"], bare["reviewers"], bare["sources"]) == ([], [], [])


def test_the_certificate_names_the_authors_and_reviewers_as_the_achievements_creator(client, keyed_app, make_course):
    manifest = factories.LIBRARIAN_MANIFEST + PEOPLE
    course = make_course("lib-course", manifest=manifest, modules={"01-intro.md": factories.LESSON})
    factories.make_librarian_track()
    learner = factories.make_user(name="Айгүл Өмүрбекова")
    factories.complete_course(learner, course)
    db.session.commit()
    cert = db.session.scalar(select(Certificate).where(Certificate.kind == "course"))
    badge = client.get(f"/certificates/{cert.code}/credential.json").get_json()
    achievement = badge["credentialSubject"]["achievement"]
    assert achievement["creator"] == {
        "id": achievement["id"] + "#creator", "type": ["Profile"],
        "name": "Айгүл Өмүрбекова; Sabak curriculum team",
        "description": "Авторы: Айгүл Өмүрбекова (Кыргыз улуттук университети), "
                       "https://orcid.org/0000-0002-1825-0097; Sabak curriculum team. "
                       "Рецензенты: Nurlan Usenbaev (KSTU).",
    }
    issuer = client.get("/issuer").get_json()
    keys = {vm["id"]: vm["publicKeyMultibase"] for vm in issuer["verificationMethod"]}
    assert dataintegrity.verify(badge, dataintegrity.key_resolver(keys)).ok
    tampered = {**badge, "credentialSubject": {**badge["credentialSubject"], "achievement": {
        **achievement, "creator": {**achievement["creator"], "name": "Someone else"}}}}
    assert not dataintegrity.verify(tampered, dataintegrity.key_resolver(keys)).ok


def test_one_author_with_an_orcid_is_the_creator_by_that_record(client, keyed_app, make_course):
    manifest = factories.LIBRARIAN_MANIFEST + 'authors:\n  - name: Ann Lee\n    orcid: "0000-0002-1825-0097"\n'
    course = make_course("lib-course", manifest=manifest, modules={"01-intro.md": factories.LESSON})
    factories.make_librarian_track()
    factories.complete_course(factories.make_user(), course)
    db.session.commit()
    cert = db.session.scalar(select(Certificate).where(Certificate.kind == "course"))
    creator = cert.credential["credentialSubject"]["achievement"]["creator"]
    assert creator["id"] == "https://orcid.org/0000-0002-1825-0097" and creator["name"] == "Ann Lee"


def test_a_course_without_authors_gives_a_certificate_without_a_creator(keyed_app, librarian_course):
    factories.complete_course(factories.make_user(), librarian_course)
    db.session.commit()
    cert = db.session.scalar(select(Certificate).where(Certificate.kind == "course"))
    assert "creator" not in cert.credential["credentialSubject"]["achievement"]


def _triggers() -> set[str]:
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            return set(conn.scalars(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")))
        return set(conn.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")))


def test_the_migration_keeps_the_courses_rows_and_their_triggers_both_ways(app, tmp_path):
    """Its columns are added and dropped in place: a SQLite batch step would recreate `courses`
    without the curriculum revision's triggers."""
    db.drop_all()
    upgrade()
    factories.sync_courses(factories.write_course(tmp_path, manifest=factories.SAMPLE_MANIFEST + PEOPLE))
    learner = factories.make_user()
    from app.services import enrolment

    enrolment.enrol(learner, factories.course_named("sample-course"))
    db.session.commit()
    triggers = _triggers()
    assert {"courses_curriculum_ai", "courses_curriculum_au", "courses_curriculum_ad"} <= triggers
    db.session.close()
    downgrade(revision="c4a7e2d91b36")
    assert "authors" not in {c["name"] for c in inspect(db.engine).get_columns("courses")}
    assert _triggers() == triggers
    upgrade()
    assert _triggers() == triggers
    course = db.session.scalar(select(Course))
    assert (course.slug, course.authors, course.reviewers, course.sources) == ("sample-course", [], [], [])
    assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 1
