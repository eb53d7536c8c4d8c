"""GIFT writer: questions back to text that Moodle (and ``parse_gift``) import unchanged."""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Iterable

from app.curriculum.questions import Question, QuestionType, TextFormat, derive_ident

__all__ = ["write_gift"]

_CONTROL = str.maketrans({c: "\\" + c for c in "~=#{}:"} | {"\n": "\\n", "\\": "\\\\"})
_ID_OK = re.compile(r"[^\[\]\\\x00-\x1f\x7f]+")
_TAG_OK = re.compile(r"[^\[\]\\<>`\x00-\x1f\x7f]+")


def write_gift(questions: Iterable[Question]) -> str:
    """Write ``questions`` as GIFT, blank-line separated, ``$CATEGORY:`` lines where it changes.

    Everything GIFT treats as syntax is escaped, newlines become ``\\n``, and a format marker is
    written whenever a text's format differs from its question's. Raises ``ValueError`` for a
    question GIFT cannot express (e.g. a short answer containing '->', which Moodle would read
    as a matching question, or a single-answer multichoice with no 100% answer).
    """
    out: list[str] = []
    category = ""
    for q in questions:
        if q.category != category:
            out.append("$CATEGORY: " + _esc(q.category))
            category = q.category
        out.append(_question(q))
    return "\n\n".join(out) + "\n" if out else ""


def _esc(text: str) -> str:
    return text.translate(_CONTROL)


def _num(x: float) -> str:
    """Shortest exact positional form (Moodle's weight pattern has no exponents)."""
    if float(x).is_integer():
        return str(int(x))
    return format(Decimal(repr(float(x))), "f")


def _rich(text: str, fmt: TextFormat, default: TextFormat, force: bool = False) -> str:
    """Escaped text with a ``[format]`` marker when needed.

    The marker also protects a text that would otherwise be misread: one starting with '[' (a
    marker of its own) or '//' (a comment line).
    """
    if force or fmt != default or text.startswith("[") or text.startswith("//"):
        return f"[{fmt.value}]" + _esc(text)
    return _esc(text)


def _fb(text: str, fmt: TextFormat, default: TextFormat) -> str:
    return "#" + _rich(text, fmt, default) if text or fmt != default else ""


def _general(q: Question, indent: str = "\t", end: str = "\n") -> str:
    if not q.general_feedback and q.general_feedback_format == q.format:
        return ""
    return f"{indent}####{_rich(q.general_feedback, q.general_feedback_format, q.format)}{end}"


def _question(q: Question) -> str:
    head: list[str] = []
    if q.ident != derive_ident(q.title, q.text, q.text_after):
        if not _ID_OK.fullmatch(q.ident) or q.ident != q.ident.strip():
            raise ValueError(f"ident {q.ident!r} cannot be written as '// [id:...]'")
        head.append(f"// [id:{q.ident}]")
    if q.tags:
        if not all(_TAG_OK.fullmatch(t) and t == t.strip() for t in q.tags):
            raise ValueError(f"tags {q.tags!r} cannot be written as '// [tag:...]'")
        head.append("// " + " ".join(f"[tag:{t}]" for t in q.tags))
    stem = f"::{_esc(q.title)}::" if q.title else ""
    lonely = q.type is QuestionType.DESCRIPTION and not q.title and not q.text
    stem += _rich(q.text, q.format, TextFormat.MOODLE, force=lonely)
    body = _BODY[q.type](q)
    if q.type is QuestionType.DESCRIPTION:
        if q.general_feedback or q.text_after:
            raise ValueError("a description has no answer block to hold feedback or text after it")
    elif q.text_after:
        body += " " + _esc(q.text_after)
    head.append(stem + body)
    return "\n".join(head)


def _description(q: Question) -> str:
    return ""


def _essay(q: Question) -> str:
    return "{" + _general(q, "", "") + "}"


def _truefalse(q: Question) -> str:
    if q.answer is None:
        raise ValueError("a true/false question needs answer=True or False")
    if q.answer:
        right = (q.feedback_true, q.feedback_true_format)
        wrong = (q.feedback_false, q.feedback_false_format)
    else:
        right = (q.feedback_false, q.feedback_false_format)
        wrong = (q.feedback_true, q.feedback_true_format)
    out = "TRUE" if q.answer else "FALSE"
    has_right = right[0] or right[1] != q.format
    if has_right or wrong[0] or wrong[1] != q.format:
        out += "#" + _rich(wrong[0], wrong[1], q.format)
    if has_right:
        out += "#" + _rich(right[0], right[1], q.format)
    return "{" + out + _general(q, "", "") + "}"


def _choices(q: Question) -> str:
    single = q.type is QuestionType.MULTICHOICE
    full = [i for i, c in enumerate(q.choices) if c.weight == 100]
    if single and not full:
        raise ValueError("a single-answer multichoice needs a 100% answer to write '='")
    # Moodle only sees a choice question when some answer starts with '~'.
    as_tilde = {full[-1]} if single and len(full) == len(q.choices) else set()
    lines = []
    for i, c in enumerate(q.choices):
        # A text starting with '%' would be read as a weight: after '~' an explicit weight
        # protects it; after '=' (where Moodle reads no weight) a format marker does.
        protect = c.text.startswith("%")
        marker = False
        if single and c.weight == 100 and i not in as_tilde:
            mark, marker = "=", protect
        elif c.weight == 0 and not protect:
            mark = "~"
        else:
            mark = f"~%{_num(c.weight)}%"
        text = _rich(c.text, c.format, q.format, force=marker)
        lines.append(f"\t{mark}{text}{_fb(c.feedback, c.feedback_format, q.format)}\n")
    return "{\n" + "".join(lines) + _general(q) + "}"


def _shortanswer(q: Question) -> str:
    lines = []
    for c in q.choices:
        if "->" in c.text or "->" in c.feedback:
            raise ValueError("a short answer cannot contain '->': Moodle would read a matching question")
        weight = f"%{_num(c.weight)}%" if c.weight != 100 or c.text.startswith("%") else ""
        lines.append(f"\t={weight}{_rich(c.text, q.format, q.format)}{_fb(c.feedback, c.feedback_format, q.format)}\n")
    return "{\n" + "".join(lines) + _general(q) + "}"


def _numerical(q: Question) -> str:
    lines = []
    for n in q.numbers:
        weight = f"%{_num(n.weight)}%" if n.weight != 100 else ""
        if n.is_catch_all:
            value = "*"
        elif n.is_range:
            value = f"{_num(n.low)}..{_num(n.high)}"
        else:
            value = _num(n.value) + (f":{_num(n.tolerance)}" if n.tolerance else "")
        lines.append(f"\t={weight}{value}{_fb(n.feedback, n.feedback_format, q.format)}\n")
    return "{#\n" + "".join(lines) + _general(q) + "}"


def _matching(q: Question) -> str:
    lines = []
    for p in q.pairs:
        if "->" in p.left:
            raise ValueError("the left side of a matching pair cannot contain '->'")
        lines.append(f"\t={_rich(p.left, p.format, q.format)} -> {_esc(p.right)}\n")
    return "{\n" + "".join(lines) + _general(q) + "}"


_BODY = {
    QuestionType.DESCRIPTION: _description,
    QuestionType.ESSAY: _essay,
    QuestionType.TRUEFALSE: _truefalse,
    QuestionType.MULTICHOICE: _choices,
    QuestionType.MULTIRESPONSE: _choices,
    QuestionType.SHORTANSWER: _shortanswer,
    QuestionType.NUMERICAL: _numerical,
    QuestionType.MATCHING: _matching,
}
