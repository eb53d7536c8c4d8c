"""The catalog shows one card per course group (a course and its translations), its languages as
links in the reader's order, and the learner's status for the version they take."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app import caching
from app.extensions import db
from app.models import Course
from app.services import enrolment
from tests import factories
from tests.conftest import csrf_token_from

MANIFEST = """\
title: {title}
language: {language}
summary: {summary}
audience: students
track: information-literacy
hours: 2
pass_mark: 70
outcomes:
  - {title}
"""
LESSON = "---\ntitle: {title}\nminutes: 10\n---\n# {title}\n\n{body}\n"


def _course(root, slug, language, title, summary, body, original=None):
    manifest = MANIFEST.format(title=title, language=language, summary=summary)
    if original:
        manifest += f"translation_of: {original}\n"
    return factories.write_course(root, slug, manifest=manifest,
                                  modules={"01-intro.md": LESSON.format(title=title, body=body)})


@pytest.fixture
def courses(app, tmp_path):
    folders = [
        _course(tmp_path, "il-ru", "ru", "Информационная грамотность", "Курс по-русски.", "Каталог библиотеки и ресурс."),
        _course(tmp_path, "il-ky", "ky", "Маалыматтык сабаттуулук", "Кыргызча курс.", "Китепкананын каталогу.", "il-ru"),
        _course(tmp_path, "il-en", "en", "Information literacy", "A course in English.", "The zeppelin catalogue.",
                "il-ru"),
        _course(tmp_path, "alone-ru", "ru", "Авторское право", "Только по-русски.", "Лицензии."),
        _course(tmp_path, "alone-en", "en", "Open access", "Only in English.", "Repositories."),
    ]
    factories.sync_courses(*folders)
    return {c.slug: c for c in db.session.scalars(select(Course))}


def cards(html: str) -> list[str]:
    return re.findall(r'<li class="card course-card".*?</li>', html, re.S)


def languages(card: str) -> list[str]:
    return re.findall(r'hreflang="(\w+)"', card)


@pytest.mark.parametrize("locale, title, order", [
    ("ru", "Информационная грамотность", ["ru", "ky", "en"]),
    ("ky", "Маалыматтык сабаттуулук", ["ky", "ru", "en"]),
    ("en", "Information literacy", ["en", "ru", "ky"]),
])
def test_one_card_per_course_in_the_readers_language_with_its_languages_in_the_readers_order(
        client, courses, locale, title, order):
    for _view in range(2):  # rendered, then served from the kept page
        html = client.get("/courses", headers={"Accept-Language": locale}).get_data(as_text=True)
        found = cards(html)
        assert len(found) == 3, found
        group = next(c for c in found if "/courses/il-ky" in c)
        assert f">{title}</a></h2>" in group
        assert languages(group) == order
        for slug in ("il-ru", "il-ky", "il-en"):
            assert f'href="/courses/{slug}"' in group


def test_groups_with_the_readers_language_come_first(client, courses):
    titles = [re.search(r">([^<]+)</a></h2>", c)[1] for c in cards(
        client.get("/courses", headers={"Accept-Language": "en"}).get_data(as_text=True))]
    assert titles == ["Information literacy", "Open access", "Авторское право"]


def test_a_group_without_the_readers_language_shows_the_original(client, courses):
    html = client.get("/courses", headers={"Accept-Language": "ky"}).get_data(as_text=True)
    alone = next(c for c in cards(html) if "/courses/alone-ru" in c)
    assert ">Авторское право</a></h2>" in alone and languages(alone) == ["ru"]


def test_a_search_matching_any_version_shows_the_group_once(client, courses):
    html = client.get("/courses?q=zeppelin", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    found = cards(html)
    assert len(found) == 1
    assert ">Информационная грамотность</a></h2>" in found[0] and 'lang="en"' in found[0]
    assert "zeppelin" in found[0]
    both = cards(client.get("/courses?q=каталог", headers={"Accept-Language": "ru"}).get_data(as_text=True))
    assert len(both) == 1  # the ru and ky versions both match: one card


def test_the_language_filter_keeps_groups_with_that_language_and_shows_that_version(client, courses):
    found = cards(client.get("/courses?language=ky", headers={"Accept-Language": "ru"}).get_data(as_text=True))
    assert len(found) == 1 and ">Маалыматтык сабаттуулук</a></h2>" in found[0]
    found = cards(client.get("/courses?language=en", headers={"Accept-Language": "ru"}).get_data(as_text=True))
    assert len(found) == 2


def test_the_learners_status_is_shown_for_the_version_they_take(app, client, auth, courses, signed_in):
    learner = auth.login(role="learner")
    client.get("/courses")  # shows (and so ends) the welcome message
    client.get("/courses")  # kept now, before the learner enrols
    enrolment.enrol(learner, courses["il-en"])
    db.session.commit()
    html = client.get("/courses").get_data(as_text=True)
    group = next(c for c in cards(html) if "/courses/il-ky" in c)
    assert ">Информационная грамотность</a></h2>" in group
    assert "Вы записаны: пройдено 0 из 1" in group and "English" in group.split('class="taken"')[1][:60]
    # the kept page is what rendering it afresh gives
    token = csrf_token_from(html)
    caching.forget_all()
    fresh = client.get("/courses").get_data(as_text=True)
    assert html.replace(token, "T") == fresh.replace(csrf_token_from(fresh), "T")
    other = signed_in(role="learner")
    other.get("/courses")
    theirs = other.get("/courses").get_data(as_text=True)
    assert len(cards(theirs)) == 3 and "Вы записаны" not in theirs and 'class="taken"' not in theirs


def test_the_api_still_lists_each_course(client, courses):
    listed = client.get("/api/v1/courses").get_json()["courses"]
    assert sorted(c["slug"] for c in listed) == ["alone-en", "alone-ru", "il-en", "il-ky", "il-ru"]
    assert {c["group"] for c in listed if c["slug"].startswith("il-")} == {"il-ru"}


def test_a_new_translation_joins_its_group_at_the_next_view(client, courses, tmp_path):
    """The grouping is kept per curriculum revision: a sync that adds a version shows on the next view."""
    ky = client.get("/courses", headers={"Accept-Language": "ky"}).get_data(as_text=True)
    alone = next(c for c in cards(ky) if "/courses/alone-ru" in c)
    assert languages(alone) == ["ru"]
    folder = _course(tmp_path, "alone-ky", "ky", "Автордук укук", "Кыргызча гана.", "Лицензиялар.", "alone-ru")
    factories.sync_courses(folder)
    ky = client.get("/courses", headers={"Accept-Language": "ky"}).get_data(as_text=True)
    group = next(c for c in cards(ky) if "/courses/alone-ky" in c)
    assert ">Автордук укук</a></h2>" in group and languages(group) == ["ky", "ru"]
    assert len(cards(ky)) == 3
