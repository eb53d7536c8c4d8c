"""The figures learners and instructors read: an essay's own mark, a pretest that keeps its
answers until the posttest, learning gain from first attempts in two decimals, and every flag of
the question analysis, each against a small data set worked out by hand (issue #22, items 4-6).
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Answer, CohortMember, Course, Module
from app.services import enrolment, essays
from app.services import tokens as token_service
from tests import factories
from tests.integration.test_api import Api

EN = {"Accept-Language": "en"}

ESSAY_QUIZ = factories.QUIZ.replace(
    "```quiz\n", "```quiz\n// [id:essay-1]\nExplain in your own words why AND narrows a search. {}\n\n")


def module_of(course: Course, slug: str) -> Module:
    return next(m for m in course.modules if m.slug == slug)


def page(client, path: str) -> str:
    response = client.get(path, headers=EN)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def review_part(html: str) -> str:
    return html.split('<ol class="review"', 1)[1].split("</ol>", 1)[0]


# --- Item 4: an essay's own mark ------------------------------------------------------------------

def test_an_essays_mark_and_comment_reach_the_learner_on_the_page_and_in_the_api(app, client, auth, make_course, signed_in):
    course = make_course(modules={"01-intro.md": factories.LESSON, "02-boolean.md": ESSAY_QUIZ})
    learner = factories.make_user()
    enrolment.enrol(learner, course)
    # essay-1 waits; bool-and answered OR (wrong, 0); bool-tf answered TRUE (right, 1).
    # Automatic part: (0 + 1) / 2 = 50%. Score, the essay counted 0 until graded: (0 + 1 + 0) / 3 = 33.3%.
    factories.take_quiz(learner, module_of(course, "boolean"),
         {"essay-1": "Because both words must be in the record.", "bool-and": "1", "bool-tf": "true"}, "k1")
    db.session.commit()
    learner_web = signed_in(learner)
    path = f"/courses/{course.slug}/boolean/attempts/1"

    waiting = page(learner_web, path)
    assert "Waiting for your instructor’s grading" in waiting
    assert "The automatically graded part scored 50%." in waiting
    assert "Not passed yet" not in waiting and "result-summary failed" not in waiting
    assert "automatic part 50%" in page(learner_web, "/attempts")
    assert "automatic part 50% — waiting for grading" in page(learner_web, "/dashboard")

    admin = factories.make_user(role="admin")
    essay = db.session.scalar(select(Answer).where(Answer.status == "pending"))
    essays.grade_essay(admin, essay.id, 40, "Add an example.")
    db.session.commit()

    # Graded 40: score (0.4 + 0 + 1) / 3 = 1.4 / 3 = 46.67% -> 46.7%, below the pass mark of 60.
    graded = page(learner_web, path)
    assert "Score: 46.7%" in graded and "Not passed yet: the pass mark is 60%." in graded
    review = review_part(graded)
    marks = re.findall(r'<p class="mark"[^>]*>Mark: ([\d.]+)%</p>', review)
    assert marks == ["40", "0", "100"]  # essay-1, bool-and, bool-tf in the quiz's order
    assert "Add an example." in review
    # The dashboard the worker kept while the essay waited shows the grade on the next view:
    # round(46.67) = 47.
    assert "47% — not passed" in page(learner_web, "/dashboard")

    _row, token = token_service.create_token(learner, "tests")
    db.session.commit()
    api = Api(app.test_client(), token)
    body = api.get(f"/courses/{course.slug}/modules/boolean/attempts/1", status=200).get_json()
    answers = {a["question_id"]: a for a in body["answers"]}
    assert (body["score"], body["auto_score"], body["passed"], body["pending"]) == (pytest.approx(46.67), 50.0,
                                                                                     False, False)
    assert {k: (a["status"], a["fraction"], a["mark"], a["comment"]) for k, a in answers.items()} == {
        "essay-1": ("partial", 0.4, 40.0, "Add an example."),
        "bool-and": ("incorrect", 0.0, 0.0, None),
        "bool-tf": ("correct", 1.0, 100.0, None),
    }
    assert body["feedback_withheld"] is False
    api.get(f"/courses/{course.slug}/modules/boolean/attempts/2", status=404)
    other = Api(app.test_client(), token_service.create_token(factories.make_user(), "t")[1])
    db.session.commit()
    other.get(f"/courses/{course.slug}/modules/boolean/attempts/1", status=404)  # not theirs


# --- Item 5: a pretest keeps its answers until the posttest ---------------------------------------

def form(kind: str, prefix: str) -> str:
    up = prefix.upper()
    return f"""---
title: {kind.title()}
minutes: 5
kind: {kind}
quiz:
  pass_mark: 0
---
# {kind.title()}

```quiz
// [id:{prefix}-1]
{up} one: 2 + 2 = 4. {{TRUE#{up}-FB-WRONG#{up}-FB-RIGHT####{up}-GENERAL}}

// [id:{prefix}-2]
{up} two: 2 + 3 = 5. {{TRUE}}

// [id:{prefix}-3]
{up} three: which operator narrows a search? {{
  =AND#{up}-MC-RIGHT
  ~OR#{up}-MC-WRONG
}}
```
"""


FORMS = {"01-pre.md": form("pretest", "pre"), "02-post.md": form("posttest", "post")}
SECRETS = ["PRE-FB-WRONG", "PRE-FB-RIGHT", "PRE-GENERAL", "PRE-MC-RIGHT", "PRE-MC-WRONG"]


def test_a_pretest_shows_no_answers_or_feedback_until_the_posttest(app, client, auth, make_course, signed_in):
    optout = factories.SAMPLE_MANIFEST.replace("pass_mark: 70", "pass_mark: 70\npretest_feedback: immediate")
    gated, opened = make_course("gated", modules=FORMS), make_course("open", modules=FORMS, manifest=optout)
    assert (gated.pretest_feedback, opened.pretest_feedback) == ("after-posttest", "immediate")
    learner = factories.make_user()
    # pre-1 answered FALSE (wrong), pre-2 TRUE (right), pre-3 AND (right): 2 / 3 = 66.7%
    answers = {"pre-1": "false", "pre-2": "true", "pre-3": "0"}
    for course in (gated, opened):
        enrolment.enrol(learner, course)
        factories.take_quiz(learner, module_of(course, "pre"), answers, f"pre-{course.slug}")
    db.session.commit()
    web = signed_in(learner)
    _row, token = token_service.create_token(learner, "tests")
    db.session.commit()
    api = Api(app.test_client(), token)

    held = page(web, "/courses/gated/pre/attempts/1")
    review = review_part(held)
    assert "Score: 66.7%" in held
    assert "shown after you take the course’s post-test" in held
    for secret in SECRETS:  # not hidden: not in the page at all
        assert secret not in held
    assert "badge-done" not in review and "badge-wrong" not in review and "Mark:" not in review
    body = api.get("/courses/gated/modules/pre/attempts/1", status=200).get_json()
    assert body["feedback_withheld"] is True
    assert [(a["status"], a["fraction"], a["mark"], a["feedback_html"], a["general_feedback_html"])
            for a in body["answers"]] == [("withheld", None, None, [], "")] * 3
    assert not any(s in str(body) for s in SECRETS)

    # Opted out in course.yml: the same pretest shows its feedback at once.
    shown = page(web, "/courses/open/pre/attempts/1")
    assert "PRE-FB-WRONG" in shown and "PRE-GENERAL" in shown and "PRE-MC-RIGHT" in shown

    factories.take_quiz(learner, module_of(gated, "post"), {"post-1": "true"}, "post-gated")
    db.session.commit()
    after = page(web, "/courses/gated/pre/attempts/1")  # the next view, once the posttest is taken
    review = review_part(after)
    assert "PRE-FB-WRONG" in review and "PRE-GENERAL" in review and "PRE-MC-RIGHT" in review
    assert re.findall(r'<p class="mark"[^>]*>Mark: ([\d.]+)%</p>', review) == ["0", "100", "100"]
    body = api.get("/courses/gated/modules/pre/attempts/1", status=200).get_json()
    assert body["feedback_withheld"] is False
    assert [a["status"] for a in body["answers"]] == ["incorrect", "correct", "correct"]


def test_a_course_without_a_posttest_has_nothing_to_withhold(app, client, auth, make_course, signed_in):
    course = make_course("pre-only", modules={"01-pre.md": FORMS["01-pre.md"]})
    learner = factories.make_user()
    enrolment.enrol(learner, course)
    factories.take_quiz(learner, module_of(course, "pre"), {"pre-1": "false"}, "k")
    db.session.commit()
    assert "PRE-FB-WRONG" in page(signed_in(learner), "/courses/pre-only/pre/attempts/1")


# --- Item 5: learning gain ------------------------------------------------------------------------

def tf_form(kind: str, prefix: str) -> str:
    return f"---\ntitle: {kind}\nminutes: 5\nkind: {kind}\nquiz:\n  pass_mark: 0\n---\n# {kind}\n\n```quiz\n" + "".join(
        f"// [id:{prefix}-{n}]\n{prefix} {n}: 2 + {n} = {n + 2}. {{TRUE}}\n\n" for n in (1, 2, 3)) + "```\n"


def test_gain_uses_the_first_posttest_attempt_and_shows_two_decimals_with_n(app, client, auth, make_course, signed_in):
    course = make_course(modules={"01-pre.md": tf_form("pretest", "pre"), "02-post.md": tf_form("posttest", "post")})
    pre, post = module_of(course, "pre"), module_of(course, "post")
    instructor = auth.login(role="instructor")
    cohort = factories.make_cohort(instructor, course, "Group A", "Autumn 2026")
    right, wrong = "true", "false"
    # Aida: pre 0 of 3 = 0%; post attempt 1: 2 of 3 = 66.67%, attempt 2: 3 of 3 = 100%.
    #   First attempt: g = (66.67 - 0) / (100 - 0) = 0.667 -> "0.67" (one decimal read "0.7").
    #   The best attempt would give (100 - 0) / 100 = 1.00.
    # Bakyt: pre 1 of 3 = 33.33%; post 2 of 3 = 66.67%: g = 33.33 / 66.67 = 0.5 -> "0.50".
    # Mean of individual gains: (0.667 + 0.5) / 2 = 0.583 -> "0.58", n = 2.
    # Gain of the means: pre (0 + 33.33) / 2 = 16.67, post (66.67 + 66.67) / 2 = 66.67:
    #   (66.67 - 16.67) / (100 - 16.67) = 50 / 83.33 = 0.6 -> "0.60", n = 2.
    plan = {"Aida": ([wrong] * 3, [[right, right, wrong], [right] * 3]),
            "Bakyt": ([right, wrong, wrong], [[right, right, wrong]])}
    for name, (before, afters) in plan.items():
        user = factories.make_user(name=name)
        db.session.add(CohortMember(cohort_id=cohort.id, user_id=user.id))
        enrolment.enrol(user, course)
        factories.take_quiz(user, pre, {f"pre-{n}": a for n, a in enumerate(before, 1)}, f"pre-{name}")
        for number, after in enumerate(afters, 1):
            factories.take_quiz(user, post, {f"post-{n}": a for n, a in enumerate(after, 1)}, f"post-{name}-{number}")
    db.session.commit()

    html = page(client, f"/teach/cohorts/{cohort.id}/courses/{course.slug}/gain")
    assert "first pre-test and first post-test attempt" in html
    rows = dict(re.findall(r'<tr><th scope="row">(\w+)</th>.*?<td class="num">([^<]+)</td></tr>', html))
    assert rows == {"Aida": "0.67", "Bakyt": "0.50"}
    assert '0.60 <span class="muted">(n=2)</span>' in html  # gain of the means
    assert '0.58 <span class="muted">(n=2)</span>' in html  # mean of individual gains
    assert "1.00" not in html and "0.7<" not in html

    auth.logout()
    auth.login(role="admin")
    report = page(client, "/admin/reports")
    # Coordinators: the mean of the same two gains, from the same first attempts: 0.583 -> "0.58".
    assert '0.58 <span class="muted">(n=2)</span>' in report
    assert "from their first attempt at each" in report


# --- Item 6: every flag of the question analysis --------------------------------------------------

ITEMS_QUIZ = """---
title: Items
minutes: 10
---
# Items

```quiz
// [id:q1]
Q1 stem. {TRUE}

// [id:q2]
Q2 stem. {=Alpha2 ~Beta2 ~Gamma2}

// [id:q3]
Q3 stem. {TRUE}

// [id:q4]
Q4 stem. {TRUE}

// [id:q5]
Q5 stem. {=Alpha5 ~Beta5 ~Gamma5 ~Delta5}

// [id:q6]
Q6 stem. {=Alpha6 ~Beta6 ~Gamma6}

// [id:q7]
Q7 stem. {TRUE}

// [id:q8]
Q8 stem. {TRUE}
```
"""

T, F = "true", "false"
#       q1  q2   q3  q4  q5        q6        q7  q8     right  score (8 questions)
# L1    T   Beta F   T   Beta5     Alpha6    T   T      5      62.5
# L2    T   Gam  F   F   Beta5     Alpha6    T   T      4      50
# L3    T   Beta F   F   Alpha5    Alpha6    T   F      4      50
# L4    T   Gam  F   T   Alpha5    Beta6     T   F      4      50
# L5    T   Beta T   T   Gamma5    Gamma6    F   F      3      37.5
ANSWERS = {
    "L1": [T, "1", F, T, "1", "0", T, T],
    "L2": [T, "2", F, F, "1", "0", T, T],
    "L3": [T, "1", F, F, "0", "0", T, F],
    "L4": [T, "2", F, T, "0", "1", T, F],
    "L5": [T, "1", T, T, "2", "2", F, F],
}
FEW = "Few responses (5): read these figures with care."
LOW = "This question barely tells stronger and weaker learners apart."
# n = 5 everywhere (< 10: "few responses"). Upper and lower groups: max(1, round(0.27 x 5 = 1.35))
# = 1 learner each, L1 (62.5) and L5 (37.5); D = L1's fraction - L5's fraction.
EXPECTED_FLAGS = {
    # facility 5/5 = 1.0 > 0.9; D undefined (everyone right). True/false: no distractor flag.
    "Q1": [FEW, "Almost everyone gets this right (facility 100%)."],
    # facility 0/5 = 0 < 0.2; Beta2 and Gamma2 both chosen; nobody has full marks to compare.
    "Q2": [FEW, "Almost nobody gets this right (facility 0%): check the key and the lesson."],
    # facility 1/5 = 0.2 (not below 0.2); D = 0 - 1 = -1. "False" chosen by L1-L4, mean total
    # (62.5 + 50 + 50 + 50) / 4 = 53.125 > the key's L5 alone, 37.5, with 4 >= 2 choosers.
    "Q3": [FEW, "Weaker learners do better here than stronger ones: check the key and the wording.",
           "Strong learners pick a wrong option (“False”): check the key."],
    # facility 3/5 = 0.6; D = 1 - 1 = 0 < 0.2. "False": L2, L3 mean 50, not above the key's
    # (62.5 + 50 + 37.5) / 3 = 50.
    "Q4": [FEW, LOW],
    # facility 2/5 = 0.4; D = 0 - 0 = 0. Beta5: L1, L2 mean (62.5 + 50) / 2 = 56.25 > the key's
    # L3, L4 mean 50, 2 choosers. Gamma5: L5 only. Delta5: chosen by 0 of 5 -> nobody.
    "Q5": [FEW, LOW, "Strong learners pick a wrong option (“Beta5”): check the key.",
           "Nobody chooses the wrong option “Delta5”: replace it with a likelier mistake."],
    # facility 3/5 = 0.6; D = 1 - 0 = 1; Beta6 and Gamma6 one chooser each.
    "Q6": [FEW],
    # facility 4/5 = 0.8; D = 1 - 0 = 1; "False" one chooser.
    "Q7": [FEW],
    # facility 2/5 = 0.4; D = 1 - 0 = 1; "False": L3, L4, L5 mean 45.8 < the key's 56.25.
    "Q8": [FEW],
}


def test_every_flag_the_question_analysis_promises_appears_where_it_should(app, client, auth, make_course, signed_in):
    course = make_course(modules={"01-items.md": ITEMS_QUIZ})
    module = module_of(course, "items")
    instructor = auth.login(role="instructor")
    cohort = factories.make_cohort(instructor, course, "Group A", "Autumn 2026")
    for name, answers in ANSWERS.items():
        user = factories.make_user(name=name)
        db.session.add(CohortMember(cohort_id=cohort.id, user_id=user.id))
        enrolment.enrol(user, course)
        factories.take_quiz(user, module, {f"q{n}": a for n, a in enumerate(answers, 1)}, f"k-{name}")
    db.session.commit()
    html = page(client, f"/teach/cohorts/{cohort.id}/courses/{course.slug}/items")
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    found = {}
    for row in body.split("<tr>")[1:]:
        stem = re.search(r"(Q\d) stem", row).group(1)
        found[stem] = re.findall(r'<p class="flag">([^<]*)</p>', row)
    assert found == EXPECTED_FLAGS
    # The flag codes the page promises, each seen at least once in this data set.
    from app.analysis import FLAG_CODES
    kinds = {f.split("(")[0].split("“")[0] for flags in found.values() for f in flags}
    assert len(FLAG_CODES) == 7 and len(kinds) == 7
    # Discrimination in two decimals: Q3 D = -1, Q6 D = 1.
    assert re.search(r'Q3 stem.*?<td class="num">-1\.00<br>', body, re.S)
    assert re.search(r'Q6 stem.*?<td class="num">1\.00<br>', body, re.S)
