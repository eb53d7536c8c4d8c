"""GIFT (Moodle's quiz text format) parser: text in, questions and compiler-style diagnostics out.

It follows Moodle's importer (question/format/gift/format.php): questions are separated by blank
lines, ``//`` lines are comments (``[id:..]``/``[tag:..]`` read from them), the answer block is
the first ``{`` up to the first ``}``, ``####`` (the last one) starts the general feedback, and
the question type is decided in the same order as Moodle. Deliberate differences:

* Where Moodle silently imports a mistake we report an error on the line where it is and carry
  on with the next question, so one run shows every problem: a stray or second ``{``, ``}``
  before ``{``, a blank line inside the braces, an answer without ``=``/``~`` (or ``->``), a
  second unescaped ``#`` in one feedback, ``#`` in matching, a weight after ``=`` in a choice
  block (Moodle keeps it as answer text), bad or out-of-range weights, ``::`` in question
  text, a question glued to ``$CATEGORY:``, duplicate ``[id:..]``.
* Indentation inside multi-line text is kept (Moodle trims every line) so ``[markdown]`` lists
  survive; comment lines inside a question are dropped instead of left as a blank line.
* Numerical ranges keep both ends instead of Moodle's midpoint and tolerance.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.curriculum.diagnostics import Diagnostic, error, warning
from app.curriculum.gift_writer import write_gift
from app.curriculum.questions import (
    Choice, MatchPair, NumericAnswer, Question, QuestionType, TextFormat, derive_ident,
)

__all__ = ["GiftParse", "parse_gift", "write_gift"]

# Escaped characters become private-use placeholders (like Moodle's "&&058;") so the structure
# can be found with plain string searches; ``_unmask`` turns them into the real characters.
_ESCAPABLE = ":#={}~n"
_PLACEHOLDER = {c: chr(0xF0000 + i) for i, c in enumerate(_ESCAPABLE)}
_UNMASK = {ord(p): ("\n" if c == "n" else c) for c, p in _PLACEHOLDER.items()}

_WEIGHT = re.compile(r"%(-?(?:\d+(?:\.\d*)?|\.\d+))%")
_BAD_WEIGHT = re.compile(r"%[^%\n]{0,12}%")  # with a digit inside: a mistyped weight
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_ID = re.compile(r"\[id:((?:\\\]|[^\]\[\x00-\x1f\x7f])+)\]")
_TAG = re.compile(r"\[tag:((?:\\\]|[^\]<>`\x00-\x1f\x7f])+)\]")
_TF = {"T": True, "TRUE": True, "F": False, "FALSE": False}


@dataclass
class GiftParse:
    """What ``parse_gift`` found: the questions that parsed cleanly, and every problem."""

    questions: list[Question] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)


def parse_gift(text: str, path: str = "<gift>", first_line: int = 1) -> GiftParse:
    """Parse GIFT ``text`` into questions.

    ``path`` names the file in diagnostics; ``first_line`` is the file line of the text's first
    line (quizzes sit inside Markdown files), so every line number reported is a file line.
    Returns a ``GiftParse``; a question with an error is left out of ``questions``. Never raises
    on bad input: problems are diagnostics.
    """
    return _Parser(path).run(text, first_line)


def _mask(lines: list[tuple[int, str]]) -> tuple[str, list[int]]:
    """Join content lines with newlines, replacing escapes; also return each char's line."""
    out: list[str] = []
    line_of: list[int] = []
    for index, (number, line) in enumerate(lines):
        if index:
            out.append("\n")
            line_of.append(number)
        i = 0
        while i < len(line):
            ch = line[i]
            if ch == "\\" and i + 1 < len(line):
                nxt = line[i + 1]
                if nxt in _PLACEHOLDER:
                    out.append(_PLACEHOLDER[nxt])
                    line_of.append(number)
                    i += 2
                    continue
                if nxt == "\\":  # an escaped backslash is one backslash that escapes nothing
                    out.append("\\")
                    line_of.append(number)
                    i += 2
                    continue
            out.append(ch)
            line_of.append(number)
            i += 1
    return "".join(out), line_of


def _unmask(masked: str) -> str:
    return masked.translate(_UNMASK)


def _split_format(masked: str, default: TextFormat) -> tuple[TextFormat, str]:
    """Moodle's parse_text_with_format: a leading ``[html]``-style marker, then trimmed text."""
    masked = masked.strip()
    if masked.startswith("["):
        end = masked.find("]")
        try:
            fmt = TextFormat(masked[1:end]) if end > 0 else None
        except ValueError:
            fmt = None
        if fmt is not None:
            return fmt, _unmask(masked[end + 1:]).strip()
    return default, _unmask(masked).strip()


class _Block:
    """One question's text (comments removed, escapes masked) with a line for every char."""

    def __init__(self, lines: list[tuple[int, str]]):
        self.m, self._line_of = _mask(lines)

    def ln(self, pos: int) -> int:
        return self._line_of[max(0, min(pos, len(self._line_of) - 1))]


class _Parser:
    def __init__(self, path: str):
        self.path = path
        self.result = GiftParse()
        self.category = ""
        self.seen: dict[str, tuple[int, bool]] = {}

    # -- diagnostics -----------------------------------------------------------------------
    def err(self, line: int, message: str) -> None:
        self.result.diagnostics.append(error(self.path, line, message))

    def warn(self, line: int, message: str) -> None:
        self.result.diagnostics.append(warning(self.path, line, message))

    # -- blocks ----------------------------------------------------------------------------
    def run(self, text: str, first_line: int) -> GiftParse:
        text = text[1:] if text.startswith("\ufeff") else text  # a BOM would hide a first '//'
        raw = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        blocks: list[list[tuple[int, str]]] = []
        current: list[tuple[int, str]] = []
        for index, line in enumerate(raw):
            if line.strip():
                current.append((first_line + index, line))
            elif current:
                blocks.append(current)
                current = []
        if current:
            blocks.append(current)

        parsed = [self._split_comments(b) for b in blocks]
        i = 0
        while i < len(parsed):
            comments, block = parsed[i]
            if block is None:
                i += 1
                continue
            closing = self._closing_block(parsed, i) if _unclosed(block.m) else None
            if closing is not None:
                # Moodle would cut the question at the blank line; the '}' in a later block
                # shows the author meant one question, so say that instead of vaguer errors.
                blank = blocks[i][-1][0] + 1
                self.err(blank, "blank line inside '{...}': remove it (a blank line ends a question)")
                i = closing + 1
                continue
            self._question(comments, block)
            i += 1
        # Compiler order: by line (stable, so one question's problems keep their order).
        self.result.diagnostics.sort(key=lambda d: d.line)
        return self.result

    @staticmethod
    def _closing_block(parsed: list, i: int) -> int | None:
        """Index of the later block whose '}' closes block i's '{', if no '{' comes first."""
        for j in range(i + 1, len(parsed)):
            block = parsed[j][1]
            if block is None:
                continue
            if _closes_first(block.m):
                return j
            if "{" in block.m:
                return None
        return None

    @staticmethod
    def _split_comments(lines: list[tuple[int, str]]) -> tuple[list[str], _Block | None]:
        # Moodle blanks out every line starting with '//' (after trimming), even inside braces.
        comments = [l.strip() for _, l in lines if l.strip().startswith("//")]
        content = [(n, l) for n, l in lines if not l.strip().startswith("//")]
        return comments, (_Block(content) if content else None)

    # -- one question ----------------------------------------------------------------------
    def _question(self, comments: list[str], b: _Block) -> None:
        m = b.m
        start = len(m) - len(m.lstrip())
        first = b.ln(start)
        if m.startswith("$CATEGORY:", start):
            self._category(b, start)
            return
        errors_before = len(self.result.diagnostics)
        pos, title = start, ""
        if m.startswith("::", start):
            end = m.find("::", start + 2)
            if end < 0:
                self.err(first, "title opened with '::' is not closed: add '::' after the title")
                return
            title = _unmask(m[start + 2:end]).strip()
            pos = end + 2

        ob, cb = m.find("{", pos), m.find("}", pos)
        if cb >= 0 and (ob < 0 or cb < ob):
            self.err(b.ln(cb), "unmatched '}': escape it as '\\}' or open the answers with '{'")
            return
        if ob >= 0 and cb < 0:
            self.err(b.ln(ob), "unclosed '{': add '}' to end the answers")
            return
        if ob >= 0:
            inner_ob = m.find("{", ob + 1, cb)
            if inner_ob >= 0:
                self.err(b.ln(inner_ob), "unescaped '{' inside the answers: write '\\{'")
                return
            after = m[cb + 1:]
            stray = min((p for p in (after.find("{"), after.find("}")) if p >= 0), default=-1)
            if stray >= 0:
                where = b.ln(cb + 1 + stray)
                if after[stray] == "{":
                    self.err(where, "second '{' in one question: escape it as '\\{', "
                                    "or end the question with a blank line")
                else:
                    self.err(where, "unmatched '}': escape it as '\\}'")
                return

        pre = m[pos:ob] if ob >= 0 else m[pos:]
        self._check_text(b, pos, pre)
        fmt, text = _split_format(pre, TextFormat.MOODLE)
        q: dict = {"text": text, "format": fmt, "title": title}
        if ob < 0:
            q["type"] = QuestionType.DESCRIPTION
        else:
            after = m[cb + 1:]
            self._check_text(b, cb + 1, after)
            q["text_after"] = _unmask(after).strip()
            self._answers(b, ob, cb, q)
        if len([d for d in self.result.diagnostics[errors_before:] if d.is_error]):
            return
        self._finish(comments, first, q)

    def _category(self, b: _Block, start: int) -> None:
        m = b.m
        newline = m.find("\n", start)
        line_end = len(m) if newline < 0 else newline
        self.category = _unmask(m[start + len("$CATEGORY:"):line_end]).strip()
        if newline >= 0 and m[newline:].strip():
            self.err(b.ln(newline + 1), "question right after '$CATEGORY:': put a blank line between them")

    def _check_text(self, b: _Block, base: int, masked: str) -> None:
        """Question text may hold '=' and '~' for Moodle, but stricter tools reject them."""
        dcolon = masked.find("::")
        if dcolon >= 0:
            self.err(b.ln(base + dcolon), "'::' inside question text: a title is written "
                                          "'::title::' at the start; escape ':' as '\\:'")
        for ch in "=~":
            at = masked.find(ch)
            if at >= 0:
                self.warn(b.ln(base + at), f"unescaped '{ch}' in question text: write '\\{ch}' "
                                           "(Moodle keeps it, other GIFT tools reject it)")

    def _finish(self, comments: list[str], line: int, q: dict) -> None:
        comment = "\n".join(comments)
        found = _ID.search(comment)
        explicit = found.group(1).strip().replace("\\]", "]") if found else ""
        q["tags"] = tuple(t.strip().replace("\\]", "]") for t in _TAG.findall(comment))
        ident = explicit or derive_ident(q["title"], q["text"], q.get("text_after", ""))
        if ident in self.seen:
            other, other_explicit = self.seen[ident]
            if explicit or other_explicit:
                self.err(line, f"duplicate id '{ident}' (also on line {other}): ids must be unique")
                return
            self.warn(line, f"same identity '{ident}' as the question on line {other}: "
                            "add '// [id:...]' to tell them apart")
        else:
            self.seen[ident] = (line, bool(explicit))
        q.setdefault("general_feedback_format", q["format"])
        self.result.questions.append(Question(ident=ident, category=self.category, line=line, **q))

    # -- answers ---------------------------------------------------------------------------
    def _answers(self, b: _Block, ob: int, cb: int, q: dict) -> None:
        inner, base = b.m[ob + 1:cb], ob + 1
        qfmt = q["format"]
        gf = inner.rfind("####")
        q["general_feedback_format"] = qfmt
        if gf >= 0:
            q["general_feedback_format"], q["general_feedback"] = _split_format(inner[gf + 4:], qfmt)
            inner = inner[:gf]
        base += len(inner) - len(inner.lstrip())
        a = inner.strip()
        ctx = _Answers(self, b, base, ob, qfmt)
        if a == "":
            q["type"] = QuestionType.ESSAY
        elif a[0] == "#":
            q["type"] = QuestionType.NUMERICAL
            q["numbers"] = ctx.numerical(a)
        elif "~" in a:
            q["type"], q["choices"] = ctx.choices(a)
        elif "=" in a and "->" in a:
            q["type"] = QuestionType.MATCHING
            q["pairs"] = ctx.matching(a)
        else:
            check = a[:a.find("#")].strip() if "#" in a else a
            if check in _TF:
                q["type"] = QuestionType.TRUEFALSE
                q.update(ctx.truefalse(a))
            else:
                word = _unmask(check).strip()
                if word.upper() in _TF:  # Moodle's check is case-sensitive: {True} is not T/F
                    fix = "{T} or {TRUE}" if _TF[word.upper()] else "{F} or {FALSE}"
                    self.warn(b.ln(base), f"'{{{word}}}' is a short answer in Moodle: "
                                          f"write {fix} for a true/false question")
                q["type"] = QuestionType.SHORTANSWER
                q["choices"] = ctx.shortanswer(a)


def _unclosed(masked: str) -> bool:
    ob = masked.find("{")
    return ob >= 0 and masked.find("}", ob) < 0


def _closes_first(masked: str) -> bool:
    cb = masked.find("}")
    return cb >= 0 and not (0 <= masked.find("{") < cb)


def _split_marked(a: str, base: int, markers: str) -> list[tuple[str, str, int]]:
    """Cut ``a`` before every marker char: (marker or '', piece after it, offset of the piece)."""
    pieces, mark, begin = [], "", 0
    for i, ch in enumerate(a):
        if ch in markers:
            pieces.append((mark, a[begin:i], base + begin))
            mark, begin = ch, i + 1
    pieces.append((mark, a[begin:], base + begin))
    return pieces


def _number(text: str) -> float | None:
    text = text.strip()
    return float(text) if _NUMBER.fullmatch(text) else None


class _Answers:
    """Parsers for the inside of one answer block; errors go to the owning ``_Parser``."""

    def __init__(self, parser: _Parser, b: _Block, base: int, ob: int, qfmt: TextFormat):
        self.p, self.b, self.base, self.ob, self.qfmt = parser, b, base, ob, qfmt

    def err(self, pos: int, message: str) -> None:
        self.p.err(self.b.ln(pos), message)

    def weight(self, piece: str, off: int, default: float) -> tuple[float, str, int]:
        """A leading ``%n%`` weight (percent): returns (weight, rest of piece, offset of rest)."""
        lead = len(piece) - len(piece.lstrip())
        body, off = piece[lead:], off + lead
        found = _WEIGHT.match(body)
        if found:
            value = float(found.group(1))
            if not -100 <= value <= 100:
                self.err(off, f"weight {found.group(1)}% is outside -100..100")
            return value, body[found.end():], off + found.end()
        bad = _BAD_WEIGHT.match(body)
        if bad and any(ch.isdigit() for ch in bad.group(0)):
            self.err(off, f"bad weight '{bad.group(0)}': write a number of percent like %50% or %-33.3%")
        return default, body, off

    def feedback(self, piece: str, off: int, limit: int = 1) -> list[tuple[TextFormat, str]]:
        """Split ``text#feedback`` (``limit`` feedbacks allowed) into formatted texts."""
        parts = piece.split("#")
        if len(parts) > limit + 1:
            extra = off + len("#".join(parts[:limit + 1]))
            self.err(extra, "unescaped '#' in feedback: write '\\#' (one '#' starts the feedback)")
        parts = parts[:limit + 1] + [""] * (limit + 1 - len(parts))
        return [_split_format(part, self.qfmt) for part in parts]

    def choices(self, a: str) -> tuple[QuestionType, tuple[Choice, ...]]:
        pieces = _split_marked(a, self.base, "~=")
        if pieces[0][1].strip():
            self.err(pieces[0][2], "answer without '=' or '~': start each answer with "
                                   "'=' (right) or '~' (wrong)")
        result = []
        for mark, piece, off in pieces[1:]:
            w, rest, roff = self.weight(piece, off, 100.0 if mark == "=" else 0.0)
            if mark == "=" and _WEIGHT.match(piece.lstrip()):
                # Moodle reads no weight after '=' here and would show '%n%' as answer text.
                self.err(off, "'=' takes no weight in a choice question: write '~%n%' instead")
                w = 100.0
            (fmt, text), (ffmt, fb) = self.feedback(rest, roff)
            if not text:
                self.err(off, f"empty answer after '{mark}': write its text or remove the '{mark}'")
            result.append(Choice(text, w, fb, fmt, ffmt))
        single = any(mark == "=" for mark, _, _ in pieces[1:])
        kind = QuestionType.MULTICHOICE if single else QuestionType.MULTIRESPONSE
        if len(result) < 2:
            self.err(self.ob, "a choice question needs at least two answers")
        elif not any(c.weight > 0 for c in result):
            self.err(self.ob, "no correct answer: mark one with '=' or give weights like '~%50%'")
        elif not single:
            total = sum(c.weight for c in result if c.weight > 0)
            if abs(total - 100) > 0.5:
                self.p.warn(self.b.ln(self.ob), f"positive weights add up to {total:g}%, not 100%")
        return kind, tuple(result)

    def shortanswer(self, a: str) -> tuple[Choice, ...]:
        pieces = _split_marked(a, self.base, "=")
        if not pieces[0][1].strip():  # Moodle accepts one answer without '=' ("{One}")
            pieces = pieces[1:]
        result = []
        for _, piece, off in pieces:
            w, rest, roff = self.weight(piece, off, 100.0)
            (_, text), (ffmt, fb) = self.feedback(rest, roff)
            if not text:
                self.err(off, "empty answer after '=': write its text or remove the '='")
            # Moodle keeps no format for a short answer's text: it is matched, not shown.
            result.append(Choice(text, w, fb, self.qfmt, ffmt))
        if result and not any(c.weight > 0 for c in result):
            self.err(self.ob, "no correct answer: give one answer a positive weight")
        return tuple(result)

    def numerical(self, a: str) -> tuple[NumericAnswer, ...]:
        a, base = a[1:], self.base + 1
        wrong = a.find("~")
        other = None
        if wrong >= 0:
            head, _, fb = a[wrong + 1:].partition("#")
            if head.strip():
                self.err(base + wrong, "after '~' a numerical question takes only '#feedback'")
            ffmt, text = _split_format(fb, self.qfmt)
            other = NumericAnswer(weight=0.0, feedback=text, feedback_format=ffmt)
            a = a[:wrong]
        pieces = _split_marked(a, base, "=")
        if not pieces[0][1].strip():
            pieces = pieces[1:]
        result = []
        for _, piece, off in pieces:
            w, rest, roff = self.weight(piece, off, 100.0)
            (_, value), (ffmt, fb) = self.feedback(rest, roff)
            answer = self._numeric_value(value, roff)
            if answer is not None:
                result.append(NumericAnswer(answer[0], answer[1], answer[2], answer[3], w, fb, ffmt))
        if not pieces:
            self.err(self.ob, "numerical question without an answer: write {#42} or {#3.14:0.01}")
        if other is not None:
            result.append(other)
        return tuple(result)

    def _numeric_value(self, value: str, off: int
                       ) -> tuple[float | None, float, float | None, float | None] | None:
        """(value, tolerance, low, high) for 'n', 'n:t', 'a..b' or '*'; None after an error."""
        bad = f"numerical answer '{value}' is not a number: write n, n:tolerance or min..max"
        if value == "*":
            return None, 0.0, None, None
        if value.find("..") > 0:
            low, high = (_number(v) for v in value.split("..", 1))
            if low is None or high is None:
                self.err(off, bad)
                return None
            if low > high:
                self.err(off, f"range {value}: the minimum comes first")
                return None
            return None, 0.0, low, high
        if value.find(":") > 0:
            val, tol = (_number(v) for v in value.split(":", 1))
            if val is None or tol is None:
                self.err(off, bad)
                return None
            if tol < 0:
                self.err(off, f"tolerance in '{value}' must not be negative")
                return None
            return val, tol, None, None
        val = _number(value)
        if val is None:
            self.err(off, bad)
            return None
        return val, 0.0, None, None

    def matching(self, a: str) -> tuple[MatchPair, ...]:
        if "#" in a:
            self.err(self.base + a.find("#"), "matching answers have no feedback: escape '#' as '\\#'")
        pieces = _split_marked(a, self.base, "=")
        if pieces[0][1].strip():
            self.err(pieces[0][2], "answer without '=': start each pair with '='")
        result = []
        for _, piece, off in pieces[1:]:
            arrow = piece.find("->")
            if arrow < 0:
                self.err(off, "matching answer needs 'question -> answer'")
                continue
            fmt, left = _split_format(piece[:arrow], self.qfmt)
            right = _unmask(piece[arrow + 2:]).strip()
            if not right:
                self.err(off, "empty answer after '->': write the match")
            result.append(MatchPair(left, right, fmt))
        if sum(1 for pair in result if pair.left) < 2:
            self.err(self.ob, "matching needs at least two pairs '=question -> answer'")
        return tuple(result)

    def truefalse(self, a: str) -> dict:
        (_, value), (wfmt, wrong), (rfmt, right) = self.feedback(a, self.base, limit=2)
        truth = _TF[value]
        # GIFT writes {T#wrong#right}: the first feedback is for the learner who answered wrong.
        if truth:
            return {"answer": True, "feedback_true": right, "feedback_true_format": rfmt,
                    "feedback_false": wrong, "feedback_false_format": wfmt}
        return {"answer": False, "feedback_true": wrong, "feedback_true_format": wfmt,
                "feedback_false": right, "feedback_false_format": rfmt}
