"""Grader tables: each row is a GIFT question, a response and the mark Moodle would give."""
from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from app.curriculum.gift import parse_gift
from app.curriculum.questions import Choice, Question, QuestionType
from app.grading import GRADERS, PARSERS, ResponseError, Status, grade, parse_response

C, P, I = Status.CORRECT, Status.PARTIAL, Status.INCORRECT


def q(gift: str) -> Question:
    result = parse_gift(gift)
    assert [d for d in result.diagnostics if d.is_error] == []
    (question,) = result.questions
    return question


MC = "Colour? {=yellow#good ~red#no, yellow ~%50%lemon#close ~%-50%blue#far off}"
MR = "Which are prime? {~%50%2#yes ~%50%3#yes ~%-100%4#no ~%33.5%five-ish#odd}"
MR3 = "Continents? {~%33.33333%Africa ~%33.33333%Asia ~%33.33333%Antarctica ~%-100%China}"
TF_T = "The sun rises in the east.{T#It does rise in the east!#Right.}"
TF_F = "The sun rises in the west.{FALSE#wrong: it rises in the east#Right.}"
SA = "Best animal?{=Frog#Good! =%50%Cat#Cats... =%0%*#Completely wrong}"
SA_WILD = "Spell it:{=colo*r#either spelling =%25%c\\*t#literal star}"
NUM = "Grant born?{#=1822:0#exact =%50%1822:2#close ~#way off}"
NUM_RANGE = "Pick 1 to 5:{#1..5}"
NUM_TOL = "Pi?{#3.1415:0.0005}"
MATCH = "Match:{=Canada -> Ottawa =Italy -> Rome =Japan -> Tokyo = -> Paris}"
MISSING = "Grant is {~buried =entombed#yes ~living} in Grant's tomb."

GRADE_TABLE = [
    # multichoice: the fraction is the chosen answer's weight ('=' is 100%, '~' 0%)
    (MC, 0, 1.0, C, ["good"]),
    (MC, 1, 0.0, I, ["no, yellow"]),
    (MC, 2, 0.5, P, ["close"]),  # '~%50%' partial credit in a single-answer question
    (MC, 3, 0.0, I, ["far off"]),  # a negative weight never takes the mark below 0
    (MC, "2", 0.5, P, ["close"]),  # form values come as strings
    (MISSING, 1, 1.0, C, ["yes"]),  # missing word grades as its underlying multichoice
    # multiresponse: sum of chosen weights, clamped to 0..1, feedback of every chosen answer
    (MR, [0, 1], 1.0, C, ["yes", "yes"]),
    (MR, [0], 0.5, P, ["yes"]),
    (MR, [0, 1, 2], 0.0, I, ["yes", "yes", "no"]),  # -100% wipes out the right ones
    (MR, [0, 1, 3], 1.0, C, ["yes", "yes", "odd"]),  # 133.5% is clamped to 100%
    (MR, [2], 0.0, I, ["no"]),  # below zero is clamped to 0
    (MR, [3], 0.335, P, ["odd"]),  # decimal weight
    (MR, [], 0.0, I, []),  # nothing ticked
    (MR, "0,1", 1.0, C, ["yes", "yes"]),
    (MR3, [0, 1, 2], 0.9999999, C, []),  # 3 x 33.33333% counts as right, as in Moodle
    # truefalse: 1 or 0, and the feedback of the side the learner picked; GIFT's first '#'
    # text belongs to the wrong side
    (TF_T, True, 1.0, C, ["Right."]),
    (TF_T, False, 0.0, I, ["It does rise in the east!"]),
    (TF_F, False, 1.0, C, ["Right."]),
    (TF_F, True, 0.0, I, ["wrong: it rises in the east"]),
    (TF_T, "true", 1.0, C, ["Right."]),
    # shortanswer: case-insensitive, trimmed, whitespace collapsed, best matching weight
    (SA, "frog", 1.0, C, ["Good!"]),
    (SA, "  FROG ", 1.0, C, ["Good!"]),
    (SA, "cat", 0.5, P, ["Cats..."]),
    (SA, "dog", 0.0, I, ["Completely wrong"]),  # only the '*' catch-all matches
    (SA, "", 0.0, I, []),  # blank is not an answer, even for '*'
    ("Name?{=Ulysses S. Grant}", "ulysses   s.  grant", 1.0, C, []),
    (SA_WILD, "colour", 1.0, C, ["either spelling"]),  # '*' matches any run of characters
    (SA_WILD, "color", 1.0, C, ["either spelling"]),  # ... including an empty one
    (SA_WILD, "c*t", 0.25, P, ["literal star"]),  # '\*' in the answer is a literal star
    (SA_WILD, "cat", 0.0, I, []),
    # numerical: |x - value| <= tolerance or min <= x <= max, best weighted match
    (NUM, "1822", 1.0, C, ["exact"]),
    (NUM, 1823, 0.5, P, ["close"]),  # within the second answer's tolerance only
    (NUM, "1820", 0.5, P, ["close"]),  # tolerance edge is inclusive
    (NUM, "1819", 0.0, I, ["way off"]),  # '~#feedback' is Moodle's '*' answer worth 0
    (NUM_RANGE, "1", 1.0, C, []),
    (NUM_RANGE, "5", 1.0, C, []),
    (NUM_RANGE, "5.01", 0.0, I, []),
    (NUM_RANGE, " 3,5 ", 1.0, C, []),  # decimal comma and spaces
    (NUM_TOL, "3.1419", 1.0, C, []),
    (NUM_TOL, "3.1421", 0.0, I, []),
    (NUM_TOL, 3.141, 1.0, C, []),
    # matching: each subquestion (not the distractor) counts the same
    (MATCH, {0: "Ottawa", 1: "Rome", 2: "Tokyo"}, 1.0, C, []),
    (MATCH, {"0": "Ottawa", "1": "Paris", "2": "Tokyo"}, 2 / 3, P, []),
    (MATCH, {0: "Ottawa"}, 1 / 3, P, []),  # unanswered items are wrong
    (MATCH, {}, 0.0, I, []),
]


@pytest.mark.parametrize("gift, response, fraction, status, feedback", GRADE_TABLE)
def test_grade(gift, response, fraction, status, feedback):
    score = grade(q(gift), response)
    assert score.fraction == pytest.approx(fraction)
    assert score.status is status
    assert score.feedback == feedback


def test_essay_waits_for_an_instructor_and_description_is_not_graded():
    essay = grade(q("Write about Dag Hammarskjöld.{}"), "He was...")
    assert (essay.fraction, essay.status) == (0.0, Status.PENDING)
    description = grade(q("Read the next questions carefully."), None)
    assert (description.fraction, description.status) == (0.0, Status.UNGRADED)


def test_parts_show_each_pair_and_each_chosen_answer():
    score = grade(q(MATCH), {0: "Ottawa", 1: "Paris"})
    assert [(p.key, p.correct, p.response) for p in score.parts] == [
        (0, True, "Ottawa"), (1, False, "Paris"), (2, False, None)]
    score = grade(q(MR), [2, 0])
    assert [(p.key, p.fraction, p.correct) for p in score.parts] == [(0, 0.5, True), (2, -1.0, False)]


PARSE_TABLE = [
    # each row: question, raw response, what grade() receives
    (MC, 3, 3),
    (MC, ["1"], 1),  # a one-element form list
    (MR, ["0", 2, "2"], frozenset({0, 2})),
    (MR, "", frozenset()),
    (TF_T, "F", False),
    (TF_T, 1, True),
    (NUM, "−2,5", -2.5),  # unicode minus and decimal comma
    (NUM, "1e3", 1000.0),
    (NUM, "1 000,5", 1000.5),  # thousands space
    ("Essay{}", "x" * 50_000, "x" * 50_000),  # essays may be long
    (SA, "  text ", "  text "),  # kept as typed; grading normalises
    (MATCH, {"2": "Tokyo", "1": ""}, {2: "Tokyo"}),  # "" means not answered
]


@pytest.mark.parametrize("gift, raw, parsed", PARSE_TABLE)
def test_parse_response(gift, raw, parsed):
    question = q(gift)
    assert parse_response(question, raw) == parsed
    # grade() parses again, so an already-parsed response must come back unchanged
    assert parse_response(question, parsed) == parsed


BAD_RESPONSES = [
    (MC, 4, "does not exist"),  # index past the last answer
    (MC, -1, "does not exist"),
    (MC, "b", "must be a number"),
    (MC, True, "must be a number"),  # a bool is not an index
    (MC, [0, 1], "must be a number"),  # one answer only
    (MR, [0, 9], "does not exist"),
    (MR, {"0": 1}, "must be a number"),
    (TF_T, "maybe", "true or false"),
    (TF_T, 2, "true or false"),
    (NUM, "twelve", "must be a number"),
    (NUM, "1,2,3", "must be a number"),
    (NUM, float("nan"), "finite"),
    (NUM, float("-inf"), "finite"),
    (NUM, "1e400", "finite"),  # a number as text, read as infinity
    (NUM, "-1e400", "finite"),
    (NUM, 10**400, "finite"),  # an integer beyond the doubles: OverflowError before
    (NUM, None, "must be text"),
    (NUM, True, "must be a number"),
    (SA, 42, "must be text"),
    (SA, "x" * 2_001, "longer than"),
    ("Essay{}", "x" * 100_001, "longer than"),
    (MATCH, ["Ottawa"], "map each item"),
    (MATCH, {3: "Paris"}, "not a question to match"),  # the distractor row
    (MATCH, {7: "Paris"}, "does not exist"),
    (MATCH, {0: "Berlin"}, "not one of the choices"),
    (MATCH, {0: 5}, "must be text"),
]


@pytest.mark.parametrize("gift, raw, message", BAD_RESPONSES)
def test_bad_response_is_a_response_error(gift, raw, message):
    with pytest.raises(ResponseError) as caught:
        grade(q(gift), raw)
    assert message in caught.value.message
    with pytest.raises(ResponseError):  # already when read, before anything keeps the value
        parse_response(q(gift), raw)


def test_every_question_type_has_a_parser_and_a_grader():
    # The registry is the extension point: a new type without both would fail at run time.
    assert set(PARSERS) == set(QuestionType) == set(GRADERS)


@given(st.lists(st.floats(-100, 100, allow_nan=False), min_size=2, max_size=6), st.data())
def test_multiresponse_fraction_is_the_clamped_sum(weights, data):
    # Moodle: sum of the chosen weights, never below 0 or above 1.
    question = Question(type=QuestionType.MULTIRESPONSE, ident="p", text="?",
                        choices=tuple(Choice(f"c{i}", w) for i, w in enumerate(weights)))
    chosen = data.draw(st.sets(st.integers(0, len(weights) - 1)))
    score = grade(question, list(chosen))
    expected = min(1.0, max(0.0, sum(weights[i] for i in chosen) / 100))
    assert 0.0 <= score.fraction <= 1.0
    assert score.fraction == pytest.approx(expected)
