"""Focused GIFT parser tests: each feature, each error message and its exact line."""
from __future__ import annotations

import json
import textwrap

import pytest
from hypothesis import given, settings, strategies as st

from app.curriculum.diagnostics import Severity
from app.curriculum.gift import parse_gift
from app.curriculum.questions import (
    Choice, MatchPair, NumericAnswer, Question, QuestionType as T, TextFormat as F, derive_ident,
)


def gift(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def one(text: str) -> Question:
    result = parse_gift(gift(text))
    assert [d for d in result.diagnostics if d.is_error] == []
    (question,) = result.questions
    return question


def problems(text: str, first_line: int = 1, severity=Severity.ERROR) -> list[tuple[int, str]]:
    result = parse_gift(gift(text), "quiz.md", first_line)
    return [(d.line, d.message) for d in result.diagnostics if d.severity is severity]


# -- question types ----------------------------------------------------------------------------

def test_multichoice_keeps_answer_order_weights_and_feedback():
    q = one("Who's buried in Grant's tomb?{~Grant#no ~%50%Jefferson =no one#yes ~%-25%Lincoln}")
    assert q.type is T.MULTICHOICE
    assert q.text == "Who's buried in Grant's tomb?"
    assert q.choices == (Choice("Grant", 0, "no"), Choice("Jefferson", 50), Choice("no one", 100, "yes"),
                         Choice("Lincoln", -25))


def test_multiresponse_when_no_answer_is_marked_with_equals():
    q = one("""
        What two people are entombed in Grant's tomb? {
            ~%-100%No one
            ~%33.33333%Grant
            ~%66.66667%Grant's wife
        }""")
    assert q.type is T.MULTIRESPONSE
    assert [c.weight for c in q.choices] == [-100, 33.33333, 66.66667]


def test_truefalse_feedbacks_belong_to_the_side_that_shows_them():
    # {T#wrong#right}: the first text is for a learner who answered wrong (picked False).
    q = one("The sun rises in the east.{T#You picked false.#You picked true.}")
    assert (q.type, q.answer, q.feedback_true, q.feedback_false) == (
        T.TRUEFALSE, True, "You picked true.", "You picked false.")
    q = one("The sun rises in the west.{FALSE#You picked true.#You picked false.}")
    assert (q.answer, q.feedback_true, q.feedback_false) == (False, "You picked true.", "You picked false.")
    assert one("X{TRUE}").answer is True and one("X{F}").answer is False


def test_shortanswer_with_weights_and_a_bare_single_answer():
    q = one("Who?{=no one#yes =%50%nobody =%0%*#wrong}")
    assert q.type is T.SHORTANSWER
    assert q.choices == (Choice("no one", 100, "yes"), Choice("nobody", 50), Choice("*", 0, "wrong"))
    assert one("Write 1 in words: {One}").choices == (Choice("One", 100),)


def test_numerical_forms():
    q = one("""
        Grant? {#
            =1822:0#exact
            =%50%1822:2
            =%25%1810..1830
            ~#way off
        }""")
    assert q.type is T.NUMERICAL
    assert q.numbers == (
        NumericAnswer(1822, 0, weight=100, feedback="exact"), NumericAnswer(1822, 2, weight=50),
        NumericAnswer(low=1810, high=1830, weight=25), NumericAnswer(weight=0, feedback="way off"))
    assert one("Pi? {#3.1415:0.0005}").numbers == (NumericAnswer(3.1415, 0.0005),)
    assert one("Neg? {#-5..-3}").numbers == (NumericAnswer(low=-5, high=-3),)
    assert one("Big? {#1e3}").numbers == (NumericAnswer(1000.0),)


def test_matching_with_distractor():
    q = one("Capitals? {=Canada -> Ottawa =Italy->Rome = -> Paris}")
    assert q.type is T.MATCHING
    assert q.pairs == (MatchPair("Canada", "Ottawa"), MatchPair("Italy", "Rome"), MatchPair("", "Paris"))


def test_essay_description_and_general_feedback():
    q = one("Write a short biography. {####Mention his Nobel prize.}")
    assert (q.type, q.general_feedback) == (T.ESSAY, "Mention his Nobel prize.")
    assert one("::Intro::Use pencil and paper.").type is T.DESCRIPTION


def test_missing_word_keeps_text_after_the_braces():
    q = one("Grant is {~buried =entombed ~living} in Grant's tomb.")
    assert (q.text, q.text_after, q.is_missing_word) == ("Grant is", "in Grant's tomb.", True)
    assert one("Who? {=me}").is_missing_word is False


def test_escapes_and_newline():
    q = one(r"Escapes \~ \= \# \{ \} \: \\ line\nbreak and a\tliteral backslash {=a\=b\#c#x\#y}")
    assert q.text == "Escapes ~ = # { } : \\ line\nbreak and a\\tliteral backslash"
    assert q.choices == (Choice("a=b#c", 100, "x#y"),)


def test_title_id_tags_category_and_formats():
    result = parse_gift(gift("""
        $CATEGORY: Unit 1/Basics

        // question: 12 name: ignored comment
        // [id:kg-01]
        // [tag:кыргыз] [tag:easy]
        ::Тил::[markdown]Кыргыз тили **ө ү ң**?{
            =[html]<b>ооба</b>#[plain]жакшы
            ~жок
        ####[html]<i>general</i>}

        ::Second::[html]Plain <p>text</p>{T}
    """))
    first, second = result.questions
    assert (first.ident, first.title, first.tags, first.category) == ("kg-01", "Тил", ("кыргыз", "easy"), "Unit 1/Basics")
    assert (first.format, first.text) == (F.MARKDOWN, "Кыргыз тили **ө ү ң**?")
    assert first.choices[0] == Choice("<b>ооба</b>", 100, "жакшы", F.HTML, F.PLAIN)
    assert first.choices[1] == Choice("жок", 0, "", F.MARKDOWN, F.MARKDOWN)  # inherits the question's
    assert (first.general_feedback, first.general_feedback_format) == ("<i>general</i>", F.HTML)
    assert (second.ident, second.format, second.category, first.line, second.line) == (
        "Second", F.HTML, "Unit 1/Basics", 6, 11)


def test_ident_falls_back_to_a_hash_of_the_normalised_text():
    q = one("Who's  buried\nin Grant's tomb?{=no one}")
    assert q.ident == derive_ident("", "Who's buried in Grant's tomb?") and q.ident.startswith("h-")
    assert len(q.ident) == 14


def test_lines_are_file_lines_with_first_line_offset():
    text = "// a comment\n\nFirst?{T}\n\n\n::T::\nSecond\n{F}\n"
    assert [q.line for q in parse_gift(text, first_line=10).questions] == [12, 15]


def test_crlf_and_comment_lines_inside_a_question():
    q = one("Question\r\n// not part of it\r\n{\r\n=yes\r\n// nor this\r\n~no\r\n}\r\n")
    assert (q.text, [c.text for c in q.choices]) == ("Question", ["yes", "no"])


def test_model_round_trips_through_json():
    result = parse_gift(gift("""
        ::A::X{=a#f ~%50%b}

        Y{#=1..2 =%50%3:0.5 ~#no}

        Z{=a -> b =c -> d = -> e}

        W{F#no#yes}
    """), first_line=3)
    for q in result.questions:
        data = json.loads(json.dumps(q.to_dict()))
        back = Question.from_dict(data)
        assert back == q and back.line == q.line


# -- errors: exact lines, first_line offsets, everything reported in one run -------------------

ERRORS = [
    ("Q {\n=a\n~b", [(1, "unclosed '{': add '}' to end the answers")]),
    ("Text } more", [(1, "unmatched '}'")]),
    ("Q {=a ~b}\nthen } again", [(2, "unmatched '}'")]),
    ("Q {\n~a\n~ {b\n=c}", [(3, "unescaped '{' inside the answers")]),
    ("Q {=a ~b} and\n{=c}", [(2, "second '{' in one question")]),
    ("Q {\n~a # fine\n~b # not # fine\n=c}", [(3, "unescaped '#' in feedback")]),
    ("Q {T#wrong#right#extra}", [(1, "unescaped '#' in feedback")]),
    ("Q {\n=a -> b\n=c -> d # note\n}", [(3, "matching answers have no feedback")]),
    ("Q {\nright\n~wrong\n=ok}", [(2, "answer without '=' or '~'")]),
    ("Q {\n~a\n~%-50%b}", [(1, "no correct answer")]),
    ("Q {~only}", [(1, "a choice question needs at least two answers")]),
    ("Q {\n=a -> b\n= -> c\n}", [(1, "matching needs at least two pairs")]),
    ("Q {\n=a -> b\n=c d\n=e -> f}", [(3, "matching answer needs 'question -> answer'")]),
    ("Q {#\n=12\n=twelve\n}", [(3, "numerical answer 'twelve' is not a number")]),
    ("Q {#\n=1..x}", [(2, "numerical answer '1..x' is not a number")]),
    ("Q {#5..1}", [(1, "range 5..1: the minimum comes first")]),
    ("Q {#5:-1}", [(1, "tolerance in '5:-1' must not be negative")]),
    ("Q {#}", [(1, "numerical question without an answer")]),
    ("Q {\n~%150%a\n=b}", [(2, "weight 150% is outside -100..100")]),
    ("Q {\n~%-101%a\n=b}", [(2, "weight -101% is outside -100..100")]),
    ("Q {\n~%5O%a\n=b}", [(2, "bad weight '%5O%'")]),
    ("Q {\n~% 50%a\n=b}", [(2, "bad weight '% 50%'")]),
    ("Q {\n=%50%a\n~b}", [(2, "'=' takes no weight in a choice question")]),
    ("Q {\n~b\n=%100%a}", [(3, "'=' takes no weight in a choice question")]),
    ("Q {\n=a\n~}", [(3, "empty answer after '~'")]),
    ("::Title\nQ {T}", [(1, "title opened with '::' is not closed")]),
    (":Title:: {T}", [(1, "'::' inside question text")]),
    ("Q {\n=a\n\n~b\n}\n\nNext {T}", [(3, "blank line inside '{...}'")]),
    ("Q {\n=a\n\n~b\n\n~c\n}", [(3, "blank line inside '{...}'")]),
    ("// [id:x]\nA {T}\n\n// [id:x]\nB {F}", [(5, "duplicate id 'x' (also on line 2)")]),
    ("::x::A {T}\n\n// [id:x]\nB {F}", [(4, "duplicate id 'x' (also on line 1)")]),
    ("$CATEGORY: a\nQ {T}", [(2, "question right after '$CATEGORY:'")]),
    ("Q {#1~x#no}", [(1, "after '~' a numerical question takes only '#feedback'")]),
]


@pytest.mark.parametrize("text, expected", ERRORS, ids=[e[1][0][1][:40] for e in ERRORS])
def test_error_message_and_line(text, expected):
    found = problems(text)
    for line, message in expected:
        assert any(l == line and message in m for l, m in found), found
    # the same text inside a Markdown file: every line moves with first_line
    shifted = problems(text, first_line=20)
    assert [l - 19 for l, _ in shifted] == [l for l, _ in found]


def test_every_problem_in_one_run_and_good_questions_survive():
    text = gift("""
        Good one {T}

        Bad {
        ~a

        Another good one {=x ~y}

        ::Broken title
        text {T}

        Weights {~%200%a =b}

        Last good {#1}
    """)
    result = parse_gift(text, "m.md", first_line=5)
    assert [(d.line, d.message[:16]) for d in result.diagnostics if d.is_error] == [
        (7, "unclosed '{': ad"), (12, "title opened wit"), (15, "weight 200% is o")]
    assert [q.text for q in result.questions] == ["Good one", "Another good one", "Last good"]
    assert all(d.path == "m.md" for d in result.diagnostics)


def test_messages_say_how_to_fix():
    messages = [m for text, _ in ERRORS for _, m in problems(text)]
    assert all(len(m) < 120 for m in messages)
    assert all(any(w in m for w in ("add", "write", "escape", "remove", "put", "give", "mark",
                                    "start", "needs", "must", "comes first", "outside", "takes only"))
               for m in messages), messages


# -- warnings -----------------------------------------------------------------------------------

WARNINGS = [
    ("Q {~%50%a ~%40%b ~c}", (1, "positive weights add up to 90%, not 100%")),
    ("Q {~%33.3%a ~%33.3%b ~%33.3%c}", None),  # 99.9 is within 0.5 of 100
    ("1+1=2 {T}", (1, "unescaped '=' in question text")),
    ("Roads ~ rivers {T}", (1, "unescaped '~' in question text")),
    ("Q\n{True}", (2, "'{True}' is a short answer in Moodle: write {T} or {TRUE}")),
    ("Q {f#no}", (1, "'{f}' is a short answer in Moodle: write {F} or {FALSE}")),
    ("::A::X {T}\n\n::A::Y {F}", (3, "same identity 'A' as the question on line 1")),
    ("Same? {T}\n\nSame? {F}", (3, "same identity 'h-")),
]


@pytest.mark.parametrize("text, expected", WARNINGS)
def test_warnings(text, expected):
    assert problems(text) == []
    found = problems(text, severity=Severity.WARNING)
    if expected is None:
        assert found == []
    else:
        assert len(found) == 1 and found[0][0] == expected[0] and expected[1] in found[0][1], found


def test_no_feedback_and_plain_questions_stay_silent():
    assert parse_gift("Capital of Kyrgyzstan? {=Bishkek ~Osh}").diagnostics == []
    # '%' without a digit is text, as in Moodle (there is no way to escape '%')
    q = one("Which prints text? {=%s and %d ~%x}")
    assert [c.text for c in q.choices] == ["%s and %d", "%x"]


# -- robustness ---------------------------------------------------------------------------------
GIFT_BITS = st.sampled_from(["{", "}", "=", "~", "#", "####", "->", "::", ":", "\\", "%50%", "%x%",
                             "\n", "\n\n", "//", "[html]", "$CATEGORY:", "T", "#1..2", "a", "ө ", " "])


@settings(max_examples=500, deadline=None)
@given(st.lists(GIFT_BITS, max_size=40).map("".join), st.integers(1, 500))
def test_any_text_parses_without_raising_and_lines_stay_in_the_text(text, first_line):
    result = parse_gift(text, "q.md", first_line)
    last = first_line + text.replace("\r\n", "\n").count("\n")
    assert all(first_line <= d.line <= last for d in result.diagnostics)
    assert all(first_line <= q.line <= last for q in result.questions)
