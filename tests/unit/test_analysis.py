"""Item analysis and learning gain against numbers computed by hand for small fixed data sets.

Every expected value is written out with its arithmetic in a comment, as the issue asks.
"""
from __future__ import annotations

import math

import pytest
from hypothesis import given, strategies as st

from app.analysis import (
    AnswerRow,
    AttemptPolicy,
    AttemptRow,
    FormAttempt,
    QuestionMeta,
    Thresholds,
    analyse_quiz,
    cronbach_alpha,
    group_size,
    learning_gain,
    normalized_gain,
    pearson,
    select_attempts,
    upper_lower_index,
)
from app.curriculum.questions import QuestionType

approx = pytest.approx
SRC = "courses/info-lit/evaluating-sources.md"


def ans(fraction, chosen=None, status=None):
    if status is None:
        status = "pending" if fraction is None else {1: "correct", 0: "incorrect"}.get(fraction, "partial")
    return AnswerRow(fraction, chosen, status)


# --- Data set 1: six learners, four questions (the upper-lower path, n < 30) ---------------------
# Q1 multichoice [A*, B, C, D]; Q2 truefalse [True*, False]; Q3 multichoice [A, B*, C];
# Q4 multiresponse [A*, B*, C, D] (A alone or A+B... see the fractions). Score = 25 x sum.
#         Q1       Q2        Q3       Q4                 sum    score
# L1      A 1      True 1    C 0      A+B 1              3      75
# L2      A 1      True 1    B 1      A+B 1              4      100
# L3      A 1      False 0   A 0      A 0.5              1.5    37.5
# L4      A 1      True 1    A 0      unanswered 0       2      50
# L5      B 0      False 0   B 1      A+C 0              1      25
# L6      A 1      True 1    C 0      A 0.5              2.5    62.5
# L5 also has a second attempt (all right, 100) that the FIRST policy must ignore.
QUESTIONS = [
    QuestionMeta("q1", QuestionType.MULTICHOICE, ("A", "B", "C", "D"), frozenset({0}), SRC, 3),
    QuestionMeta("q2", "truefalse", ("True", "False"), frozenset({0}), SRC, 9),
    QuestionMeta("q3", "multichoice", ("A", "B", "C"), frozenset({1}), SRC, 15),
    QuestionMeta("q4", "multiresponse", ("A", "B", "C", "D"), frozenset({0, 1}), SRC, 21),
]


def attempt(learner, score, q1, q2, q3, q4, number=1):
    return AttemptRow(learner, score, {"q1": q1, "q2": q2, "q3": q3, "q4": q4}, number)


ATTEMPTS = [
    attempt("L5", 100, ans(1, [0]), ans(1, [0]), ans(1, [1]), ans(1, [0, 1]), number=2),
    attempt("L1", 75, ans(1, [0]), ans(1, [0]), ans(0, [2]), ans(1, [0, 1])),
    attempt("L2", 100, ans(1, [0]), ans(1, [0]), ans(1, [1]), ans(1, [0, 1])),
    attempt("L3", 37.5, ans(1, [0]), ans(0, [1]), ans(0, [0]), ans(0.5, [0])),
    attempt("L4", 50, ans(1, [0]), ans(1, [0]), ans(0, [0]), ans(0, None, "unanswered")),
    attempt("L5", 25, ans(0, [1]), ans(0, [1]), ans(1, [1]), ans(0, [0, 2])),
    attempt("L6", 62.5, ans(1, [0]), ans(1, [0]), ans(0, [2]), ans(0.5, [0])),
]


@pytest.fixture(scope="module")
def report():
    return analyse_quiz(ATTEMPTS, QUESTIONS)


def test_first_attempts_only(report):
    assert report.policy is AttemptPolicy.FIRST
    assert report.quiz.n_attempts == 6  # L1..L6; L5's second attempt is left out
    assert analyse_quiz(ATTEMPTS, QUESTIONS, policy="all").quiz.n_attempts == 7


def test_quiz_level_figures(report):
    quiz = report.quiz
    # scores = 12.5 x (6, 8, 3, 4, 2, 5); sum = 12.5 x 28 = 350
    assert quiz.mean == approx(350 / 6)  # 58.333
    # sorted 25, 37.5, 50, 62.5, 75, 100 -> (50 + 62.5) / 2
    assert quiz.median == approx(56.25)
    # in units of 12.5: sum x^2 = 36+64+9+16+4+25 = 154, n mean^2 = 28^2/6 = 130.667,
    # SS = 70/3, sample variance = (70/3)/5 = 14/3 -> sd = 12.5 x sqrt(14/3) = 27.003
    assert quiz.sd == approx(12.5 * math.sqrt(14 / 3))
    # Cronbach's alpha on the 6 x 4 fractions (Q4 has halves, so not KR-20):
    # item variances (population): Q1 p=5/6 -> 5/36; Q2 p=4/6 -> 8/36; Q3 p=2/6 -> 8/36;
    # Q4 1,1,.5,0,0,.5 mean .5 -> (4 x .25)/6 = 6/36; sum = 27/36 = 0.75
    # totals 3, 4, 1.5, 2, 1, 2.5: sum x^2 = 38.5, 14^2/6 = 32.667, SS = 35/6 -> var 35/36
    # alpha = 4/3 x (1 - 0.75 / (35/36)) = 4/3 x (1 - 27/35) = 4/3 x 8/35 = 32/105 = 0.3048
    assert quiz.reliability == approx(32 / 105)
    assert quiz.reliability_method == "alpha"
    assert (quiz.reliability_n, quiz.reliability_items) == (6, 4)


def test_easy_multichoice(report):
    q1 = report.items[0]
    assert (q1.ident, q1.type, q1.source) == ("q1", "multichoice", f"{SRC}:3")
    assert q1.n == 6
    assert q1.facility == approx(5 / 6)  # five of six right = 0.833 (not above 0.9)
    assert q1.discrimination_method == "upper-lower"
    # group size max(1, round(0.27 x 6 = 1.62)) = 2; upper L2 (100), L1 (75): (1 + 1)/2 = 1;
    # lower L5 (25), L3 (37.5): (0 + 1)/2 = 0.5; D = 1 - 0.5 = 0.5
    assert q1.discrimination == approx(0.5)
    a, b, c, d = q1.options
    assert (a.count, a.is_key, a.share) == (5, True, approx(5 / 6))
    assert a.mean_total == approx(65)  # (75 + 100 + 37.5 + 50 + 62.5) / 5 = 325 / 5
    assert (b.count, b.share, b.mean_total) == (1, approx(1 / 6), approx(25))  # L5 alone
    assert (c.count, c.share, c.mean_total) == (0, 0.0, None)
    assert d.count == 0
    # n = 6 < 10: "few responses"; C and D are chosen by 0 of 6 (n >= 5): "nobody chooses"
    assert q1.flag_codes == ("few-responses", "unused-distractor", "unused-distractor")
    assert q1.flags[0].numbers == {"n": 6}
    assert [(f.option, f.numbers) for f in q1.flags[1:]] == [(2, {"n": 6, "count": 0}),
                                                             (3, {"n": 6, "count": 0})]


def test_truefalse(report):
    q2 = report.items[1]
    assert q2.facility == approx(4 / 6)  # L1, L2, L4, L6 right
    # upper L2 1, L1 1 -> 1; lower L5 0, L3 0 -> 0; D = 1
    assert q2.discrimination == approx(1.0)
    true, false = q2.options
    assert true.mean_total == approx(71.875)  # (75 + 100 + 50 + 62.5) / 4 = 287.5 / 4
    assert false.mean_total == approx(31.25)  # (37.5 + 25) / 2
    assert q2.full_marks_mean_total == approx(71.875)
    assert q2.flag_codes == ("few-responses",)


def test_strong_learners_pick_a_distractor(report):
    q3 = report.items[2]
    assert q3.facility == approx(2 / 6)  # L2 and L5 right = 0.333 (not below 0.2)
    # upper L2 1, L1 0 -> 0.5; lower L5 1, L3 0 -> 0.5; D = 0.5 - 0.5 = 0 -> low (0 is not < 0)
    assert q3.discrimination == approx(0.0)
    a, b, c = q3.options
    assert a.mean_total == approx(43.75)  # L3, L4: (37.5 + 50) / 2
    assert b.mean_total == approx(62.5)  # the key, L2, L5: (100 + 25) / 2
    assert c.mean_total == approx(68.75)  # L1, L6: (75 + 62.5) / 2 > 62.5 -> check the key
    assert q3.full_marks_mean_total == approx(62.5)
    assert q3.flag_codes == ("few-responses", "low-discrimination", "distractor-chosen-by-strong")
    strong = q3.flags[2]
    assert strong.option == 2
    assert strong.numbers == {"count": 2, "mean_total": approx(68.75), "key_mean_total": approx(62.5)}


def test_multiresponse_with_an_unanswered_learner(report):
    q4 = report.items[3]
    assert (q4.n, q4.n_unanswered, q4.n_pending) == (6, 1, 0)  # L4 unanswered counts as 0
    assert q4.facility == approx(0.5)  # (1 + 1 + .5 + 0 + 0 + .5) / 6 = 3 / 6
    # upper L2 1, L1 1 -> 1; lower L5 0, L3 0.5 -> 0.25; D = 0.75
    assert q4.discrimination == approx(0.75)
    a, b, c, d = q4.options
    assert (a.count, a.mean_total) == (5, approx(60))  # L1 L2 L3 L5 L6: 300 / 5
    assert (b.count, b.share, b.mean_total) == (2, approx(1 / 3), approx(87.5))  # L1, L2
    assert (c.count, c.mean_total) == (1, approx(25))  # L5; one chooser is below the minimum 2
    assert d.count == 0
    assert q4.full_marks_mean_total == approx(87.5)  # L1 and L2 have full marks
    # D: chosen by 0 of 6 (L4's unanswered row counts in n, choosing nothing)
    assert q4.flag_codes == ("few-responses", "unused-distractor")
    assert q4.flags[1].option == 3


# --- Data set 2: ten learners, the flags that need n >= 10 ---------------------------------------
def test_too_easy_too_hard_and_unused_distractors():
    easy = QuestionMeta("easy", "multichoice", ("A", "B", "C"), frozenset({0}), SRC, 30)
    hard = QuestionMeta("hard", "truefalse", ("True", "False"), frozenset({0}), SRC, 36)
    # everyone picks A on "easy"; only learner 0 gets "hard" right: score 100 vs 50
    attempts = [AttemptRow(i, 100 if i == 0 else 50,
                           {"easy": ans(1, [0]), "hard": ans(1, [0]) if i == 0 else ans(0, [1])})
                for i in range(10)]
    e, h = analyse_quiz(attempts, [easy, hard]).items
    assert e.facility == 1.0  # 10 / 10
    assert e.discrimination is None  # zero variance: nothing to discriminate with
    assert e.flag_codes == ("too-easy", "unused-distractor", "unused-distractor")
    assert [f.option for f in e.flags[1:]] == [1, 2]
    assert e.flags[1].numbers == {"n": 10, "count": 0}
    assert h.facility == approx(0.1)  # 1 / 10 < 0.2
    # group size round(2.7) = 3. Upper: 100 (1), then 9 tied at 50 (all 0) share 2 places:
    # (1 + 2 x 0) / 3 = 1/3. Lower: 3 places among the 9 tied at 50, mean 0 -> 0. D = 1/3
    assert h.discrimination == approx(1 / 3)
    assert h.flag_codes == ("too-hard",)  # true/false has no distractor to replace


def test_pending_essay_and_reliability_on_complete_rows():
    mc = QuestionMeta("mc", "multichoice", ("A", "B"), frozenset({0}), SRC, 40)
    essay = QuestionMeta("essay", "essay", (), frozenset(), SRC, 44)
    attempts = [
        AttemptRow("a", 50, {"mc": ans(1, [0]), "essay": ans(None)}),  # essay pending
        AttemptRow("b", 25, {"mc": ans(0, [1]), "essay": ans(0.5)}),
        AttemptRow("c", 100, {"mc": ans(1, [0]), "essay": ans(1)}),
    ]
    result = analyse_quiz(attempts, [mc, essay])
    m, e = result.items
    assert (m.n, m.facility) == (3, approx(2 / 3))
    assert (e.n, e.n_pending, e.options) == (2, 1, ())
    assert e.facility == approx(0.75)  # (0.5 + 1) / 2; the pending essay is not a zero
    quiz = result.quiz
    assert quiz.mean == approx(175 / 3)  # (50 + 25 + 100) / 3 = 58.333
    assert quiz.median == 50
    # reliability over b and c only (a has no essay fraction): rows (0, .5), (1, 1)
    # item variances: mc (0, 1) -> .25; essay (.5, 1) -> .0625; sum .3125
    # totals .5, 2 -> mean 1.25, variance (.75^2 x 2)/2 = .5625
    # alpha = 2/1 x (1 - .3125/.5625) = 2 x (1 - 5/9) = 8/9
    assert (quiz.reliability_n, quiz.reliability) == (2, approx(8 / 9))


# --- Data set 3: the point-biserial path (threshold lowered to 4 learners) -----------------------
#        Q1 Q2 Q3
# A       1  1  1
# B       1  1  0
# C       0  1  0
# D       0  0  1
def test_point_biserial_against_the_rest_score():
    rows = {"A": (1, 1, 1), "B": (1, 1, 0), "C": (0, 1, 0), "D": (0, 0, 1)}
    attempts = [AttemptRow(k, 100 * sum(v) / 3, {f"q{i + 1}": ans(f) for i, f in enumerate(v)})
                for k, v in rows.items()]
    questions = [QuestionMeta(f"q{i}", "shortanswer", source_path=SRC, line=i) for i in (1, 2, 3)]
    result = analyse_quiz(attempts, questions, thresholds=Thresholds(point_biserial_min_n=4))
    q1, q2, q3 = result.items
    assert q1.discrimination_method == "point-biserial"
    # Q1 x = 1,1,0,0; rest (mean of Q2, Q3 in %) = 100, 50, 50, 50. dx = ±.5, dy = 37.5, -12.5 x3
    # sxy = 18.75 - 6.25 + 6.25 + 6.25 = 25; sxx = 1; syy = 1406.25 + 3 x 156.25 = 1875
    # r = 25 / sqrt(1875) = 1/sqrt(3) = 0.577
    assert q1.discrimination == approx(1 / math.sqrt(3))
    # Q2 x = 1,1,1,0 (mean .75); rest (Q1, Q3) = 100, 50, 0, 50 (mean 50)
    # sxy = .25 x 50 + .25 x 0 + .25 x -50 + -.75 x 0 = 0 -> r = 0 -> weak
    assert q2.discrimination == approx(0.0)
    assert q2.flag_codes == ("few-responses", "low-discrimination")
    # Q3 x = 1,0,0,1; rest (Q1, Q2) = 100, 100, 50, 0 (mean 62.5); dy = 37.5, 37.5, -12.5, -62.5
    # sxy = 18.75 - 18.75 + 6.25 - 31.25 = -25; sxx = 1; syy = 2 x 1406.25 + 156.25 + 3906.25 = 6875
    # r = -25 / sqrt(6875) = -25 / (25 sqrt 11) = -1/sqrt(11) = -0.302
    assert q3.discrimination == approx(-1 / math.sqrt(11))
    assert q3.flag_codes == ("few-responses", "negative-discrimination")
    assert q3.flags[1].numbers == {"discrimination": approx(-1 / math.sqrt(11))}
    # KR-20: p = .5, .75, .5 -> pq = .25 + .1875 + .25 = .6875; totals 3, 2, 1, 1 (mean 1.75),
    # variance (1.5625 + .0625 + .5625 + .5625) / 4 = .6875 -> 3/2 x (1 - 1) = 0
    assert result.quiz.reliability_method == "KR-20"
    assert result.quiz.reliability == approx(0.0, abs=1e-12)


def test_rest_score_includes_a_retired_question():
    # "old" is no longer in the quiz but was part of the test: rest = % over the other answers
    attempts = [
        AttemptRow("A", 100, {"q": ans(1), "old": ans(1)}),  # rest 100
        AttemptRow("B", 0, {"q": ans(0), "old": ans(0)}),  # rest 0
        AttemptRow("C", 50, {"q": ans(1), "old": ans(0)}),  # rest 0
    ]
    (item,) = analyse_quiz(attempts, [QuestionMeta("q", "shortanswer")],
                           thresholds=Thresholds(point_biserial_min_n=3)).items
    # x = 1,0,1 (mean 2/3), y = 100,0,0 (mean 100/3); dx = 1/3,-2/3,1/3; dy = 200/3,-100/3,-100/3
    # sxy = 200/9 + 200/9 - 100/9 = 100/3; sxx = 6/9; syy = 60000/9
    # r = (100/3) / sqrt(6/9 x 60000/9) = (100/3) / (200/3) = 0.5
    assert item.discrimination == approx(0.5)
    assert item.source == ""  # no path known: nothing invented


# --- The statistics on their own -----------------------------------------------------------------
@pytest.mark.parametrize("n, size", [
    (1, 1),  # round(0.27) = 0 -> at least 1
    (6, 2),  # 1.62 -> 2
    (10, 3),  # 2.7 -> 3
    (30, 8),  # 8.1 -> 8
    (50, 14),  # 13.5 -> halves round up to 14 (0.27 x 50 is 13.500000000000002 in floats)
])
def test_group_size(n, size):
    assert group_size(n) == size


def test_upper_lower_ties_share_the_last_places():
    pairs = [(90, 1), (80, 1), (80, 0), (80, 0), (50, 1), (40, 0), (30, 0)]
    # n = 7 -> group size round(1.89) = 2. Upper: 90 (1) + one place shared by the three 80s
    # (1, 0, 0 -> mean 1/3): (1 + 1/3) / 2 = 2/3. Lower: 30 (0) + 40 (0) -> 0. D = 2/3
    assert upper_lower_index(pairs) == approx(2 / 3)
    assert upper_lower_index(list(reversed(pairs))) == approx(2 / 3)  # order does not matter


def test_zero_variance_gives_none_not_a_division_error():
    assert upper_lower_index([(50, 1), (50, 0), (50, 1)]) is None  # all totals equal
    assert upper_lower_index([(90, 1), (50, 1)]) is None  # everyone right
    assert upper_lower_index([(90, 1)]) is None  # one learner
    assert pearson([1, 1, 1], [10, 20, 30]) is None
    assert pearson([0, 1], [5, 5]) is None
    assert cronbach_alpha([[1, 0], [1, 0]]) is None  # totals 1, 1
    assert cronbach_alpha([[1, 0]]) is None  # one learner
    assert cronbach_alpha([[1], [0]]) is None  # one item


def test_no_answers_at_all():
    result = analyse_quiz([], [QuestionMeta("q", "multichoice", ("A", "B"), frozenset({0}))])
    (item,) = result.items
    assert (item.n, item.facility, item.discrimination) == (0, None, None)
    assert all(o.share is None for o in item.options)
    assert item.flag_codes == ("few-responses",)
    assert (result.quiz.mean, result.quiz.median, result.quiz.sd, result.quiz.reliability) == (None,) * 4


# --- Attempt selection ---------------------------------------------------------------------------
class Att:
    def __init__(self, learner_id, number, score):
        self.learner_id, self.number, self.score = learner_id, number, score


TRIES = [Att(1, 2, 80), Att(2, 1, 40), Att(1, 1, 60), Att(1, 3, 80)]


@pytest.mark.parametrize("policy, picked", [
    ("first", [(1, 1), (2, 1)]),
    ("last", [(1, 3), (2, 1)]),
    ("best", [(1, 2), (2, 1)]),  # 80 twice: the earlier attempt, number 2
    ("all", [(1, 2), (2, 1), (1, 1), (1, 3)]),
])
def test_select_attempts(policy, picked):
    chosen = select_attempts(TRIES, policy, score=lambda a: a.score)
    assert [(a.learner_id, a.number) for a in chosen] == picked


# --- Data set 4: learning gain -------------------------------------------------------------------
# Pretest p1 p2 [authority], p3 [search], p4 [search, value]; posttest q1 q2 [authority],
# q3 [search], q4 [search, scholarship].
PRE_TAGS = {"p1": ["authority"], "p2": ["authority"], "p3": ["search"], "p4": ["search", "value"]}
POST_TAGS = {"q1": ["authority"], "q2": ["authority"], "q3": ["search"], "q4": ["search", "scholarship"]}


def pre(learner, f, number=1):
    return FormAttempt(learner, dict(zip(("p1", "p2", "p3", "p4"), f)), number)


def post(learner, f, number=1):
    return FormAttempt(learner, dict(zip(("q1", "q2", "q3", "q4"), f)), number)


#            pre           %     post          %    g
# Ana        1 0 0 0       25    1 1 0 1       75   (75-25)/(100-25) = 50/75 = 2/3
# Bek        1 1 1 1       100   1 1 1 0       75   None (pre = 100)
# Cholpon    1 1 0 0       50    0 1 1 0       50   0/50 = 0
# Dana       pretest only; Erlan posttest only.
# Ana's second pretest (100) is ignored (FIRST); her first posttest (75) counts (FIRST), not
# her later one (25), listed first here so the order of the rows cannot decide.
PRE = [pre("Ana", (1, 0, 0, 0)), pre("Bek", (1, 1, 1, 1)), pre("Cholpon", (1, 1, 0, 0)),
       pre("Ana", (1, 1, 1, 1), number=2), pre("Dana", (0, 0, 0, 0))]
POST = [post("Ana", (1, 0, 0, 0), number=2), post("Erlan", (1, 1, 1, 1)), post("Ana", (1, 1, 0, 1)),
        post("Bek", (1, 1, 1, 0)), post("Cholpon", (0, 1, 1, 0))]


@pytest.fixture(scope="module")
def gains():
    return learning_gain(PRE, POST, PRE_TAGS, POST_TAGS)


def test_learner_gains(gains):
    ana, bek, cholpon = gains.learners
    assert [lg.learner_id for lg in gains.learners] == ["Ana", "Bek", "Cholpon"]
    assert (ana.overall.pre, ana.overall.post, ana.overall.gain) == (25, 75, approx(2 / 3))
    assert (bek.overall.pre, bek.overall.post, bek.overall.gain) == (100, 75, None)
    assert (cholpon.overall.pre, cholpon.overall.post, cholpon.overall.gain) == (50, 50, 0)
    # Ana authority: pre (1+0)/2 = 50, post (1+1)/2 = 100, g = 50/50 = 1;
    #     search: pre (0+0)/2 = 0, post (0+1)/2 = 50, g = 50/100 = 0.5
    assert ana.by_tag["authority"].gain == approx(1.0)
    assert (ana.by_tag["search"].pre, ana.by_tag["search"].post, ana.by_tag["search"].gain) == (0, 50, 0.5)
    # tags in one form only have no pair for a learner
    assert set(ana.by_tag) == {"authority", "search"}
    # Cholpon authority 100 -> 50: g None (pre 100); search 0 -> (1+0)/2 = 50: g 0.5
    assert cholpon.by_tag["authority"].gain is None
    assert cholpon.by_tag["search"].gain == approx(0.5)


def test_cohort_gains(gains):
    assert (gains.n_pre_only, gains.n_post_only) == (1, 1)  # Dana; Erlan
    overall = gains.overall
    assert overall.n == 3
    assert overall.mean_pre == approx(175 / 3)  # (25 + 100 + 50) / 3 = 58.333
    assert overall.mean_post == approx(200 / 3)  # (75 + 75 + 50) / 3 = 66.667
    # Hake <g> = (200/3 - 175/3) / (100 - 175/3) = (25/3) / (125/3) = 0.2
    assert overall.gain_of_means == approx(0.2)
    # average of individual gains over Ana and Cholpon (Bek's is undefined): (2/3 + 0) / 2 = 1/3
    assert (overall.mean_of_gains, overall.n_gains) == (approx(1 / 3), 2)
    # authority: Ana 50 -> 100, Bek 100 -> 100, Cholpon 100 -> 50; means 250/3 and 250/3
    # -> <g> = 0 / (100 - 250/3) = 0, while the only defined individual gain (Ana's) is 1
    authority = gains.by_tag["authority"]
    assert (authority.n, authority.mean_pre, authority.mean_post) == (3, approx(250 / 3), approx(250 / 3))
    assert (authority.gain_of_means, authority.mean_of_gains, authority.n_gains) == (approx(0), 1.0, 1)
    # search: Ana 0 -> 50, Bek 100 -> 50, Cholpon 0 -> 50; means 100/3 and 150/3 = 50
    # <g> = (50 - 100/3) / (100 - 100/3) = (50/3) / (200/3) = 0.25; mean of gains (.5 + .5)/2 = .5
    search = gains.by_tag["search"]
    assert (search.mean_pre, search.mean_post) == (approx(100 / 3), approx(50))
    assert (search.gain_of_means, search.mean_of_gains, search.n_gains) == (approx(0.25), approx(0.5), 2)
    # forms not parallel for these tags: reported, with nobody paired
    assert (gains.pre_only_tags, gains.post_only_tags) == (("value",), ("scholarship",))
    assert gains.by_tag["value"].n == 0 and gains.by_tag["value"].gain_of_means is None


def test_the_first_posttest_attempt_counts_not_the_best():
    # Timur: pre 1 of 4 = 25%; posttest attempt 1: 2 of 4 = 50%, attempt 2: 4 of 4 = 100%.
    # First attempt: g = (50 - 25) / (100 - 25) = 25 / 75 = 0.333; the best would give
    # (100 - 25) / 75 = 1.0, a gain the learner showed only after seeing the feedback.
    report = learning_gain([pre("Timur", (1, 0, 0, 0))],
                           [post("Timur", (1, 1, 1, 1), number=2), post("Timur", (1, 1, 0, 0))],
                           PRE_TAGS, POST_TAGS)
    (timur,) = report.learners
    assert report.post_policy is AttemptPolicy.FIRST
    assert (timur.overall.pre, timur.overall.post, timur.overall.gain) == (25, 50, approx(1 / 3))


def test_unused_distractor_from_five_answers():
    # [A*, B, C, D]; five learners: A, A, A, B, C. D is chosen by 0 of 5 -> flagged; with four
    # learners (A, A, B, C) D is chosen by 0 of 4, below the minimum of 5 -> not flagged.
    q = QuestionMeta("q", "multichoice", ("A", "B", "C", "D"), frozenset({0}), SRC, 1)
    picks = [0, 0, 0, 1, 2]
    five = [AttemptRow(i, 100 if c == 0 else 0, {"q": ans(1 if c == 0 else 0, [c])}) for i, c in enumerate(picks)]
    (item,) = analyse_quiz(five, [q]).items
    assert item.flag_codes == ("few-responses", "unused-distractor")
    assert (item.flags[1].option, item.flags[1].numbers) == (3, {"n": 5, "count": 0})
    (item4,) = analyse_quiz(five[1:], [q]).items
    assert item4.flag_codes == ("few-responses",)


def test_gain_policies_are_parameters():
    report = learning_gain(PRE, POST, PRE_TAGS, POST_TAGS, pre_policy="best")
    ana = report.learners[0]
    assert (ana.overall.pre, ana.overall.gain) == (100, None)  # her best pretest is 100
    report = learning_gain(PRE, POST, PRE_TAGS, POST_TAGS, post_policy="last")
    assert report.learners[0].overall.post == 25  # her last posttest, number 2: 1 of 4 = 25
    with pytest.raises(ValueError):
        learning_gain(PRE, POST, PRE_TAGS, POST_TAGS, post_policy="all")


def test_gain_with_pending_and_empty_attempts():
    # a pending pretest question is left out: (1 + 0 + 0) / 3 = 33.33; post 100: g = 1
    # an attempt with nothing graded does not count as taken: Zarina is "pretest only"
    report = learning_gain(
        [pre("Farida", (1, None, 0, 0)), pre("Zarina", (1, 0, 0, 0))],
        [post("Farida", (1, 1, 1, 1)), post("Zarina", (None, None, None, None))],
        PRE_TAGS, POST_TAGS)
    (farida,) = report.learners
    assert farida.overall.pre == approx(100 / 3)
    assert farida.overall.gain == approx(1.0)  # (100 - 33.33) / (100 - 33.33)
    assert farida.by_tag["authority"].pre == 100  # p1 only; p2 is pending
    assert (report.n_pre_only, report.n_post_only) == (1, 0)


@pytest.mark.parametrize("pre_score, post_score, g", [
    (25, 75, 2 / 3),  # 50 / 75
    (0, 0, 0.0),  # 0 / 100
    (95, 80, -3.0),  # -15 / 5: negative gains are allowed, and large near the ceiling
    (100, 80, None),  # no room to gain
    (None, 50, None),
])
def test_normalized_gain(pre_score, post_score, g):
    assert normalized_gain(pre_score, post_score) == (None if g is None else approx(g))


# --- Properties ----------------------------------------------------------------------------------
PAIRS = st.lists(st.tuples(st.sampled_from([0, 12.5, 25, 50, 75, 100]), st.sampled_from([0, 0.5, 1])),
                 min_size=2, max_size=40)


@given(PAIRS, st.randoms(use_true_random=False))
def test_discrimination_is_bounded_and_order_free(pairs, rnd):
    d = upper_lower_index(pairs)
    shuffled = list(pairs)
    rnd.shuffle(shuffled)
    assert upper_lower_index(shuffled) == (None if d is None else approx(d))
    assert d is None or -1 <= d <= 1
    r = pearson([f for _, f in pairs], [t for t, _ in pairs])
    assert r is None or -1 <= r <= 1


@given(st.lists(st.lists(st.sampled_from([0, 1]), min_size=3, max_size=3), min_size=2, max_size=20))
def test_alpha_never_exceeds_one(rows):
    alpha = cronbach_alpha(rows)
    assert alpha is None or alpha <= 1 + 1e-12
