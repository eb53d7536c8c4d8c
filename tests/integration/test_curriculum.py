"""The shared curriculum in courses/: its structure is asserted so it cannot silently shrink."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from app.curriculum.loader import load_courses
from app.curriculum.questions import QuestionType

COURSES = Path(__file__).resolve().parents[2] / "courses"
FRAMES = {"acrl-authority", "acrl-creation", "acrl-value", "acrl-inquiry", "acrl-conversation", "acrl-searching"}
LIBRARIAN_COURSES = ["teaching-il", "union-catalogues", "e-resources", "young-readers", "copyright",
                     "mil-misinformation"]


@pytest.fixture(scope="module")
def curriculum():
    result = load_courses([COURSES])
    return result, {c.slug: c for c in result.courses}


def test_the_curriculum_checks_with_no_error_and_no_warning(curriculum):
    result, _ = curriculum
    assert [d.format() for d in result.diagnostics] == []
    assert result.failed == []


def test_seven_courses_in_russian_english_and_kyrgyz(curriculum):
    _, courses = curriculum
    # Every course in all three languages: a Kyrgyz-speaking librarian reaches every level of the
    # librarian track in Kyrgyz (#26).
    expected = {"il-foundations-ru", "il-foundations-en", "il-foundations-ky"}
    for base in LIBRARIAN_COURSES:
        expected |= {f"{base}-ru", f"{base}-en", f"{base}-ky"}
    assert expected <= set(courses)
    for slug in expected:
        assert courses[slug].language == slug.rsplit("-", 1)[1]


def test_translations_are_linked_and_share_module_slugs_and_question_ids(curriculum):
    _, courses = curriculum
    for slug, course in courses.items():
        if course.language == "ru":
            assert course.translation_of is None, slug
            continue
        original = courses[course.translation_of]
        assert original.language == "ru" and slug.rsplit("-", 1)[0] == original.slug.rsplit("-", 1)[0]
        assert [m.slug for m in course.modules] == [m.slug for m in original.modules], slug
        assert [[q.ident for q in m.questions] for m in course.modules] == \
               [[q.ident for q in m.questions] for m in original.modules], slug


def test_librarian_courses_carry_credit_hours(curriculum):
    _, courses = curriculum
    for base in LIBRARIAN_COURSES:
        course = courses[f"{base}-ru"]
        assert course.audience == "librarians" and course.track == "librarian-ce" and course.hours > 0


@pytest.mark.parametrize("language", ["ru", "en", "ky"])
def test_foundations_has_a_module_per_frame_and_parallel_tagged_pre_and_post_tests(curriculum, language):
    _, courses = curriculum
    course = courses[f"il-foundations-{language}"]
    assert course.audience == "students" and course.track == "information-literacy"
    kinds = [m.kind for m in course.modules]
    assert kinds[0] == "pretest" and kinds[-1] == "posttest" and kinds.count("lesson") == 7
    pre, post = course.modules[0], course.modules[-1]
    for test in (pre, post):
        frames = Counter(tag for q in test.questions for tag in q.tags if tag in FRAMES)
        assert set(frames) == FRAMES and min(frames.values()) >= 2, (test.slug, frames)
        assert all(q.type is not QuestionType.ESSAY for q in test.questions)
    assert len(pre.questions) == len(post.questions)
    assert {q.ident for q in pre.questions}.isdisjoint({q.ident for q in post.questions})  # parallel forms


def test_every_module_has_a_quiz_with_ids_and_substance(curriculum):
    _, courses = curriculum
    for slug, course in courses.items():
        types = Counter()
        for module in course.modules:
            assert 5 <= len(module.questions) <= 12, (slug, module.slug, len(module.questions))
            for q in module.questions:
                assert not q.ident.startswith("h-"), f"{slug}/{module.filename}:{q.line} has no // [id:...]"
                types[q.type] += 1
            if module.kind == "lesson":
                assert len(module.search_text.split()) >= 600, (slug, module.slug)
        # The full range of GIFT question types across each course.
        assert len(types) >= 6, (slug, types)


@pytest.mark.parametrize("language", ["ru", "ky", "en"])
def test_every_level_of_every_track_is_reachable_in_each_language(curriculum, language):
    """A learner who reads only one language can reach the top level of each track with the
    courses shipped in it (a course counts once, as credit does)."""
    result, courses = curriculum
    for track in result.tracks:
        hours = sum(c.hours for c in courses.values() if c.track == track.id and c.language == language)
        top = max(level.hours for level in track.levels)
        assert hours >= top, f"{track.id} in {language}: {hours} h of courses for a {top} h level"
