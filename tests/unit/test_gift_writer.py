"""GIFT writer: what it writes, and parse(write(q)) == q for generated questions of every type."""
from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.curriculum.gift import parse_gift, write_gift
from app.curriculum.questions import (
    Choice, MatchPair, NumericAnswer, Question, QuestionType as T, TextFormat as F, derive_ident,
)

# Tricky characters: every GIFT control character, the escape, format and weight look-alikes,
# comment and title starts, newlines, and Kyrgyz letters.
ALPHABET = list("ab ~=#{}:\\[]%/*$-> \n\tКыргыз тили ө ү ң") + ["[html]", "//", "::", "->", "\\n", "####"]

text = st.lists(st.sampled_from(ALPHABET), max_size=12).map(lambda parts: "".join(parts).strip())
word = text.filter(bool)
formats = st.sampled_from(list(F))
weights = st.one_of(st.sampled_from([100.0, 50.0, 0.0, -50.0, 33.33333, -100.0, 12.5]),
                    st.floats(-100, 100, allow_nan=False).map(lambda w: round(w, 5)))
numbers = st.one_of(st.floats(-1e6, 1e6, allow_nan=False).map(lambda x: round(x, 6)),
                    st.sampled_from([1e-7, -2.5e-12, 1e20, 0.1 + 0.2, -0.0]))  # exponents, noise
no_arrow = lambda s: "->" not in s  # noqa: E731  (Moodle reads '=' + '->' as matching)


@st.composite
def choices(draw, single: bool):
    items = draw(st.lists(st.builds(Choice, word, weights, text, formats, formats), min_size=2, max_size=5))
    if single:  # '=' marks a 100% answer; without one Moodle makes it multiresponse
        at = draw(st.integers(0, len(items) - 1))
        items[at] = dataclasses.replace(items[at], weight=100.0)
    elif not any(c.weight > 0 for c in items):
        items[0] = dataclasses.replace(items[0], weight=draw(st.sampled_from([100.0, 50.0, 0.5])))
    return tuple(items)


@st.composite
def short_answers(draw, fmt):
    items = draw(st.lists(st.builds(Choice, word.filter(no_arrow), weights, text.filter(no_arrow),
                                    st.just(fmt), formats), min_size=1, max_size=4))
    if not any(c.weight > 0 for c in items):
        items[0] = dataclasses.replace(items[0], weight=100.0)
    return tuple(items)


@st.composite
def numeric_answers(draw):
    kind = draw(st.sampled_from(["exact", "tolerance", "range", "any"]))
    w, fb, ffmt = draw(weights), draw(text), draw(formats)
    if kind == "any":
        return NumericAnswer(weight=w, feedback=fb, feedback_format=ffmt)
    if kind == "range":
        low, high = sorted((draw(numbers), draw(numbers)))
        return NumericAnswer(low=low, high=high, weight=w, feedback=fb, feedback_format=ffmt)
    tol = draw(st.floats(0, 1000).map(lambda t: round(t, 4))) if kind == "tolerance" else 0.0
    return NumericAnswer(value=draw(numbers), tolerance=tol, weight=w, feedback=fb, feedback_format=ffmt)


@st.composite
def questions(draw, qtype: T):
    fmt = draw(formats)
    fields = dict(type=qtype, format=fmt, title=draw(text), text=draw(text),
                  category=draw(st.sampled_from(["", "Тема 1", "a/b: c"])),
                  tags=tuple(draw(st.lists(st.sampled_from(["fred", "barney-wilma", "тег"]), max_size=2))))
    if qtype is T.DESCRIPTION:
        if not fields["text"] and not fields["title"]:
            fields["text"] = draw(word)
        fields["general_feedback_format"] = fmt  # no answer block: Moodle gives it the text's
    else:
        fields.update(text_after=draw(text), general_feedback=draw(text),
                      general_feedback_format=draw(formats))
    if qtype in (T.MULTICHOICE, T.MULTIRESPONSE):
        fields["choices"] = draw(choices(qtype is T.MULTICHOICE))
    elif qtype is T.SHORTANSWER:
        fields["choices"] = draw(short_answers(fmt))
    elif qtype is T.NUMERICAL:
        fields["numbers"] = tuple(draw(st.lists(numeric_answers(), min_size=1, max_size=3)))
    elif qtype is T.MATCHING:
        pairs = draw(st.lists(st.builds(MatchPair, word.filter(no_arrow), word, formats), min_size=2, max_size=4))
        distractors = draw(st.lists(st.builds(MatchPair, st.just(""), word, formats), max_size=1))
        fields["pairs"] = tuple(pairs + distractors)
    elif qtype is T.TRUEFALSE:
        fields.update(answer=draw(st.booleans()), feedback_true=draw(text), feedback_false=draw(text),
                      feedback_true_format=draw(formats), feedback_false_format=draw(formats))
    derived = derive_ident(fields["title"], fields["text"], fields.get("text_after", ""))
    ident = draw(st.sampled_from([derived, "q-1", "Урок 3 / вопрос 7"]))
    return Question(ident=ident, **fields)


@pytest.mark.parametrize("qtype", list(T), ids=lambda t: t.value)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_parse_of_write_is_identity(qtype, data):
    q = data.draw(questions(qtype))
    written = write_gift([q])
    result = parse_gift(written)
    assert [d for d in result.diagnostics if d.is_error] == [], written
    assert result.questions == [q], written
    assert [d for d in result.diagnostics if "unescaped" in d.message] == []


def test_several_questions_keep_order_categories_and_lines():
    qs = [parse_gift(g).questions[0] for g in ("A?{T}", "B?{=x ~y}", "C.")]
    qs = [dataclasses.replace(qs[0], category="one"), dataclasses.replace(qs[1], category="one"), qs[2]]
    written = write_gift(qs)
    assert written.count("$CATEGORY:") == 2
    back = parse_gift(written).questions
    assert back == qs
    assert [q.line for q in back] == [3, 5, 12]


def test_escapes_and_markers_in_output():
    q = Question(type=T.SHORTANSWER, ident="x", title="a::b", text="1+1=2 {ok} #1 ~ \\",
                 choices=(Choice("[html] tag", 100.0), Choice("%50% off", 50.0)))
    assert write_gift([q]) == (
        "// [id:x]\n"
        "::a\\:\\:b::1+1\\=2 \\{ok\\} \\#1 \\~ \\\\{\n"
        "\t=[moodle][html] tag\n"  # the marker keeps '[html]' as text
        "\t=%50%%50% off\n"  # an explicit weight keeps '%50%' as text
        "}\n")
    assert parse_gift(write_gift([q])).questions == [q]


def test_moodle_style_output_for_common_types():
    gift = ("::Q2::What's between orange and green?{=yellow#right; good! ~red#wrong}\n\n"
            "Grant is buried in Grant's tomb.{FALSE#No one is buried there.#Right.}\n\n"
            "When was Grant born?{#=1822:0#Exact =%50%1822:2}\n")
    assert write_gift(parse_gift(gift).questions) == (
        "::Q2::What's between orange and green?{\n\t=yellow#right; good!\n\t~red#wrong\n}\n\n"
        "Grant is buried in Grant's tomb.{FALSE#No one is buried there.#Right.}\n\n"
        "When was Grant born?{#\n\t=1822#Exact\n\t=%50%1822:2\n}\n")


@pytest.mark.parametrize("q, message", [
    (Question(type=T.SHORTANSWER, ident="i", text="t", choices=(Choice("a->b", 100.0),)), "'->'"),
    (Question(type=T.MULTICHOICE, ident="i", text="t", choices=(Choice("a", 50.0), Choice("b"))), "100%"),
    (Question(type=T.MATCHING, ident="i", text="t", pairs=(MatchPair("a->b", "c"), MatchPair("d", "e"))), "'->'"),
    (Question(type=T.TRUEFALSE, ident="i", text="t"), "answer=True"),
    (Question(type=T.ESSAY, ident="bad]id", text="t"), "ident"),
    (Question(type=T.ESSAY, ident="h", text="t", tags=("<b>",)), "tags"),
    (Question(type=T.DESCRIPTION, ident="h", text="t", general_feedback="g"), "description"),
])
def test_unwritable_questions_raise(q, message):
    with pytest.raises(ValueError, match=message):
        write_gift([q])
