"""The GIFT parser against real GIFT files from other projects (../shared/testdata/gift)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.curriculum.gift import parse_gift, write_gift
from app.curriculum.questions import Question, QuestionType, stem_key

DATA = Path(__file__).resolve().parents[3] / "shared" / "testdata" / "gift"

if not DATA.is_dir():
    pytest.skip(f"shared GIFT test data not found at {DATA}", allow_module_level=True)

VALID_FOLDERS = [
    "fuhrmanator-GIFT-grammar-PEG.js", "moodle", "mtommasi-pygiftparser", "jamalhansen-gipper",
    "stuart-gift-parser", "rgmf-pygiftparser-AGPL",
]
ETHAN = DATA / "ethan-ou-gift-parser-ide-errors"

# Files in the "valid" folders that are not valid GIFT by Moodle's rules. Keep this short.
NOT_VALID = {
    # Its last question holds two '####' markers ("{=eo\nero\#\n####anything #### \}\n}").
    # Moodle splits at the LAST one, so the answer silently gets the feedback "###anything":
    # surely not what was meant. The GIFT docs say '#' in text must be written '\#', and we
    # report the stray '#' (line 16) instead of importing garbage.
    "mtommasi-pygiftparser/specials.gift": [16],
}

# ethan-ou files that only the strict PEG grammar rejects; Moodle's importer accepts them.
PEG_ONLY_INVALID = {
    # '=' in question text ("1+1=2 {T}", lines 2 and 18). Moodle only looks for '=' inside the
    # braces, and the same line is in stuart's valid examples, so it cannot be an error for
    # us too: we warn on exactly the lines the PEG parser reports.
    "unescapedCharacters2.gift": [2, 18],
    # An unescaped ':' inside multiple-choice answers (URLs). Moodle gives ':' a meaning only
    # in '::title::' and numerical 'n:tolerance', so the question is valid (SOURCES.md agrees).
    "unescapedLink.gift": [],
}


def _gift_files(folder: str) -> list[Path]:
    return sorted(p for p in (DATA / folder).iterdir()
                  if p.suffix in (".gift", ".txt") and not p.name.startswith("LICEN"))


def _rel(path: Path) -> str:
    return path.relative_to(DATA).as_posix()


VALID_FILES = [p for folder in VALID_FOLDERS for p in _gift_files(folder)]
VALID_FILES += [ETHAN / "emptyLines.gift", ETHAN / "escapeBracket.gift"]


def _parse(path: Path):
    return parse_gift(path.read_text(encoding="utf-8"), _rel(path))


@pytest.mark.parametrize("path", VALID_FILES, ids=_rel)
def test_valid_file_parses_without_errors(path):
    result = _parse(path)
    errors = [d for d in result.diagnostics if d.is_error]
    expected = NOT_VALID.get(_rel(path))
    if expected is not None:
        assert [d.line for d in errors] == expected
        return
    assert errors == []
    assert result.questions or "$CATEGORY" in path.read_text(encoding="utf-8")


def test_question_counts_checked_by_hand():
    # Counted by reading the files: every blank-line separated block with text is a question.
    counts = {
        "moodle/questions_in_category.gift.txt": 4,
        "moodle/questions.gift.txt": 9,
        "stuart-gift-parser/GIFT-examples.txt": 8,
        "jamalhansen-gipper/true_or_false.gift": 6,
        "mtommasi-pygiftparser/categories.gift": 6,
        "rgmf-pygiftparser-AGPL/test1.txt": 4,
    }
    for rel, count in counts.items():
        assert len(_parse(DATA / rel).questions) == count, rel


def test_types_and_categories_in_real_files():
    qs = _parse(DATA / "rgmf-pygiftparser-AGPL/gift_file_categories.txt").questions
    assert [q.type.value for q in qs[:4]] == ["multichoice", "multiresponse", "truefalse", "truefalse"]
    assert qs[0].category == "" and qs[4].category == "TrueFalseCategory"
    # Moodle's truefalse check is case-sensitive: "{t#bien}" is a short answer "t".
    assert qs[5].type is QuestionType.SHORTANSWER and qs[5].choices[0].text == "t"
    assert qs[-1].type is QuestionType.DESCRIPTION and qs[-1].category == "EssayDescriptionCategory"
    stuart = _parse(DATA / "stuart-gift-parser/GIFT-examples.txt").questions
    assert [q.type.value for q in stuart] == [
        "truefalse", "multichoice", "shortanswer", "matching", "numerical", "numerical",
        "numerical", "essay"]
    assert [q.ident for q in stuart] == [f"Q{i}" for i in range(1, 9)]
    # Moodle's fixture keeps a stray '";' after '}': it becomes the text after a blank.
    moodle = _parse(DATA / "moodle/questions.gift.txt").questions
    assert [q.text_after for q in moodle if q.text_after] == ['";', '";']


# -- ethan-ou: invalid files --------------------------------------------------------------------

ETHAN_INVALID = sorted(p for p in ETHAN.glob("*.gift") if json.loads(p.with_suffix(".json").read_text()))


@pytest.mark.parametrize("path", ETHAN_INVALID, ids=lambda p: p.name)
def test_invalid_file_reports_an_error_near_the_reference_line(path):
    expected_lines = {e["location"]["start"]["line"] for e in json.loads(path.with_suffix(".json").read_text())}
    n_lines = len(path.read_text(encoding="utf-8").splitlines())
    result = _parse(path)
    if path.name in PEG_ONLY_INVALID:
        assert not [d for d in result.diagnostics if d.is_error]
        unescaped = [d.line for d in result.diagnostics if "unescaped" in d.message]
        assert unescaped == PEG_ONLY_INVALID[path.name]
        return
    errors = [d for d in result.diagnostics if d.is_error]
    assert errors, path.name
    for d in errors:
        assert 1 <= d.line <= n_lines
    # The PEG parser points at the character it choked on, which can be the line after ours.
    assert any(abs(d.line - ref) <= 1 for d in errors for ref in expected_lines)


def test_invalid_file_lines_follow_first_line_offset():
    path = ETHAN / "missingAnswer.gift"
    plain = [d.line for d in _parse(path).diagnostics]
    shifted = [d.line for d in parse_gift(path.read_text(), "x.md", first_line=41).diagnostics]
    assert shifted == [n + 40 for n in plain]


# -- fuhrmanator: field-by-field agreement with gift-pegjs ---------------------------------------

def _ws(text: str) -> str:
    # gift-pegjs joins continuation lines with a space (except in some markdown cases), while
    # Moodle and we keep the newline; whitespace has no meaning in moodle/html text, so compare
    # with whitespace collapsed.
    return " ".join(text.split())


def _text(text: str, fmt) -> dict:
    return {"format": fmt.value, "text": _ws(text)}


def _opt(text: str, fmt):
    # gift-pegjs writes null for an absent or empty feedback.
    return _text(text, fmt) if text else None


_KIND = {
    QuestionType.MULTICHOICE: "MC", QuestionType.MULTIRESPONSE: "MC", QuestionType.TRUEFALSE: "TF",
    QuestionType.SHORTANSWER: "Short", QuestionType.NUMERICAL: "Numerical",
    QuestionType.MATCHING: "Matching", QuestionType.ESSAY: "Essay",
    QuestionType.DESCRIPTION: "Description",
}


def _ours(q: Question) -> dict:
    out = {"type": _KIND[q.type], "title": q.title or None, "tags": list(q.tags) or None,
           "stem": _text(stem_key(q.text, q.text_after), q.format),
           "hasEmbeddedAnswers": q.is_missing_word}
    if q.type is not QuestionType.DESCRIPTION:
        out["globalFeedback"] = _opt(q.general_feedback, q.general_feedback_format)
    if q.type in (QuestionType.MULTICHOICE, QuestionType.MULTIRESPONSE, QuestionType.SHORTANSWER):
        out["choices"] = [(c.weight, _text(c.text, c.format), _opt(c.feedback, c.feedback_format))
                          for c in q.choices]
    elif q.type is QuestionType.NUMERICAL:
        out["choices"] = [(n.weight, _num_ours(n), _opt(n.feedback, n.feedback_format)) for n in q.numbers]
    elif q.type is QuestionType.MATCHING:
        out["matchPairs"] = [(_text(p.left, p.format), p.right) for p in q.pairs]
    elif q.type is QuestionType.TRUEFALSE:
        # gift-pegjs names the feedbacks by position: "trueFeedback" is the first '#' text,
        # which Moodle shows to the learner who answered wrong, i.e. picked the other side.
        wrong, right = ((q.feedback_false, q.feedback_false_format), (q.feedback_true, q.feedback_true_format))
        if not q.answer:
            wrong, right = right, wrong
        out.update(isTrue=q.answer, trueFeedback=_opt(*wrong), falseFeedback=_opt(*right))
    return out


def _num_ours(n):
    if n.is_catch_all:
        return "*"
    if n.is_range:
        return ("low-high", n.low, n.high)
    return (n.value, n.tolerance)


def _num_theirs(obj):
    if obj.get("text") == "*":
        return "*"
    if obj["type"] == "simple":
        return (obj["number"], 0)
    if obj["type"] == "range":
        return (obj["number"], obj["range"])
    return ("low-high", obj["numberLow"], obj["numberHigh"])


def _theirs(item: dict) -> dict:
    out = {k: item[k] for k in ("type", "title", "tags", "hasEmbeddedAnswers")}
    out["stem"] = {"format": item["stem"]["format"], "text": _ws(item["stem"]["text"])}
    fix = lambda t: None if t is None or not t["text"] else {"format": t["format"], "text": _ws(t["text"])}  # noqa: E731
    if item["type"] != "Description":
        out["globalFeedback"] = fix(item.get("globalFeedback"))
    kind = item["type"]
    if kind in ("MC", "Short"):
        out["choices"] = []
        for c in item["choices"]:
            # Weights are percent; without one, '=' is 100 and '~' is 0 (every short answer
            # is "correct" to gift-pegjs, which is Moodle's 100 by default).
            weight = c["weight"] if c["weight"] is not None else (100 if c["isCorrect"] else 0)
            if kind == "MC" and c["isCorrect"]:
                assert weight == 100
            out["choices"].append((weight, {"format": c["text"]["format"], "text": _ws(c["text"]["text"])},
                                   fix(c["feedback"])))
    elif kind == "Numerical":
        # One answer written without '=' ({#1822:5}) is a bare object; several are a list.
        choices = item["choices"] if isinstance(item["choices"], list) else [
            {"isCorrect": True, "weight": None, "text": item["choices"], "feedback": None}]
        out["choices"] = [
            (c["weight"] if c["weight"] is not None else (100 if c["isCorrect"] else 0),
             _num_theirs(c["text"]), fix(c["feedback"]))
            for c in choices]
    elif kind == "Matching":
        out["matchPairs"] = [({"format": p["subquestion"]["format"], "text": _ws(p["subquestion"]["text"])},
                              p["subanswer"]) for p in item["matchPairs"]]
    elif kind == "TF":
        out.update(isTrue=item["isTrue"], trueFeedback=fix(item["trueFeedback"]),
                   falseFeedback=fix(item["falseFeedback"]))
    return out


FUHRMANATOR = sorted((DATA / "fuhrmanator-GIFT-grammar-PEG.js").glob("*.gift"))


@pytest.mark.parametrize("path", FUHRMANATOR, ids=lambda p: p.stem)
def test_agrees_with_gift_pegjs(path):
    expected = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    result = _parse(path)
    questions = iter(result.questions)
    category = ""
    for item in expected:
        if item["type"] == "Category":
            category = item["title"]
            continue
        q = next(questions)
        assert q.category == category
        assert _ours(q) == _theirs(item), q.line
        if item.get("id") is not None:
            assert q.ident == item["id"]
        elif item["title"]:
            assert q.ident == item["title"]
        else:
            assert q.ident.startswith("h-") and len(q.ident) == 14
    assert next(questions, None) is None


@pytest.mark.parametrize("path", VALID_FILES, ids=_rel)
def test_real_questions_survive_write_and_parse(path):
    # The writer must express everything real authors wrote (formats, escapes, weights...).
    for q in _parse(path).questions:
        back = parse_gift(write_gift([q]))
        assert back.ok and back.questions == [q], q.line
