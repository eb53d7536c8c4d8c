"""YAML with line numbers, and validation of a course's course.yml manifest."""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from .diagnostics import Diagnostic, error, warning

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LANGUAGES = ("ru", "ky", "en")
AUDIENCES = ("students", "librarians", "all")
MANIFEST_KEYS = ("title", "language", "summary", "audience", "track", "hours", "pass_mark",
                 "outcomes", "tags", "translation_of", "practical_minutes", "pretest_feedback",
                 "authors", "reviewers", "sources")
# A person in ``authors`` or ``reviewers``: a name, and optionally where they work and an ORCID iD
# or a web page, so a reader can tell two people of one name apart. Nothing else: no e-mail or
# phone, which would publish personal data on every course page and certificate.
PERSON_KEYS = ("name", "affiliation", "orcid", "url")
ORCID_RE = re.compile(r"^(?:https?://orcid\.org/)?(\d{4}-\d{4}-\d{4}-\d{3}[\dX])$")
URL_RE = re.compile(r"^https?://[^\s/]+\.[^\s]+$")
# When a pretest's right answers and option feedback may be shown: only once the learner has
# taken the posttest (the default: seen earlier, they would teach the posttest's answers and
# inflate the gain), or right after each pretest attempt (a course that measures no gain).
PRETEST_FEEDBACK = ("after-posttest", "immediate")


@dataclass
class YamlMapping:
    """A parsed YAML mapping: ``data`` (None if unusable), ``lines`` maps each key (nested
    keys dotted, e.g. ``quiz.attempts``) to its 1-based file line, ``diagnostics`` the problems."""

    data: dict[str, Any] | None
    lines: dict[str, int] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def line(self, key: str, default: int) -> int:
        """File line of ``key``, or ``default`` when the key is absent."""
        return self.lines.get(key, default)


def _yaml_error_message(exc: yaml.MarkedYAMLError) -> str:
    problem = exc.problem or exc.context or "cannot be read"
    hint = "check the indentation"
    if "mapping values" in problem or "could not find expected ':'" in problem:
        hint = "put the value in quotes if it contains ':' or '#'"
    elif "\\t" in problem or "tab" in problem:
        hint = "indent with spaces, not tabs"
    return f"YAML syntax error: {problem}; {hint}"


def parse_yaml_mapping(text: str, path: str, first_line: int, what: str,
                       list_items: bool = False) -> YamlMapping:
    """Parse YAML that must be a mapping, keeping each key's line.

    Args:
        text: the YAML text.
        path: display path for diagnostics.
        first_line: file line of the first line of ``text`` (1 for course.yml, 2 for front
            matter), so every reported line is a line of the real file.
        what: how to call the document in messages ("course.yml", "front matter").
        list_items: also keep the lines of list items (``authors.0``) and of their keys
            (``authors.0.name``), and report a key repeated inside an item (course.yml's
            people); off where the caller walks its lists itself (tracks.yml's levels).
    Returns:
        A :class:`YamlMapping`; on syntax errors ``data`` is None and an error is reported at
        the offending line. Never raises for bad YAML.
    """
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.load(text, Loader=yaml.SafeLoader)  # noqa: S506 - SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + (mark.line if mark else 0)
        return YamlMapping(None, diagnostics=[error(path, line, _yaml_error_message(exc))])
    except yaml.YAMLError as exc:  # unmarked errors are rare (e.g. bad characters)
        return YamlMapping(None, diagnostics=[error(path, first_line, f"YAML error: {exc}")])
    if node is None:
        return YamlMapping({})
    if not isinstance(node, yaml.MappingNode) or not isinstance(data, dict):
        return YamlMapping(None, diagnostics=[error(
            path, first_line + node.start_mark.line,
            f"{what} must be a list of 'key: value' lines, not a single value or a list")])
    result = YamlMapping({str(k): v for k, v in data.items()})
    _collect_lines(node, "", first_line, path, result, list_items)
    return result


def _collect_lines(node: yaml.MappingNode, prefix: str, first_line: int, path: str,
                   result: YamlMapping, list_items: bool = False) -> None:
    """Record every key's line; duplicate keys are errors because YAML keeps only the last."""
    for key_node, value_node in node.value:
        key = prefix + str(key_node.value)
        line = first_line + key_node.start_mark.line
        if key in result.lines:
            result.diagnostics.append(error(
                path, line, f"key '{key}' appears twice (first at line {result.lines[key]}); "
                            "keep only one"))
        result.lines.setdefault(key, line)
        if isinstance(value_node, yaml.MappingNode):
            _collect_lines(value_node, key + ".", first_line, path, result, list_items)
        elif list_items and isinstance(value_node, yaml.SequenceNode):
            _collect_item_lines(value_node, key, first_line, path, result)


def _collect_item_lines(node: yaml.SequenceNode, key: str, first_line: int, path: str,
                        result: YamlMapping) -> None:
    """Lines of list items as ``key.0``, ``key.1``..., and of the keys of an item that is a
    mapping as ``key.0.name``: a message about one author points at that author's line."""
    for index, item in enumerate(node.value):
        result.lines.setdefault(f"{key}.{index}", first_line + item.start_mark.line)
        if isinstance(item, yaml.MappingNode):
            _collect_lines(item, f"{key}.{index}.", first_line, path, result, True)


def unknown_key_warnings(data: dict[str, Any], known: tuple[str, ...], doc: YamlMapping,
                         path: str, where: str, prefix: str = "") -> list[Diagnostic]:
    """Warn about keys outside ``known``, suggesting the closest known key (typos)."""
    out = []
    for key in data:
        if key in known:
            continue
        close = difflib.get_close_matches(str(key), known, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else f"; known keys: {', '.join(known)}"
        out.append(warning(path, doc.line(prefix + str(key), 1),
                           f"unknown key '{key}' in {where}{hint}"))
    return out


def is_int(value: Any) -> bool:
    """True for YAML integers (``bool`` is a subclass of int in Python but not a number here)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    """True for YAML integers and floats, not booleans."""
    return is_int(value) or isinstance(value, float)


@dataclass(frozen=True)
class Manifest:
    """The validated values of course.yml, defaults applied (see ParsedCourse for meanings)."""

    title: str
    language: str
    summary: str
    audience: str
    track: str | None
    hours: float
    pass_mark: int
    outcomes: list[str]
    tags: list[str]
    translation_of: str | None
    practical_minutes: int = 0
    pretest_feedback: str = PRETEST_FEEDBACK[0]
    hours_line: int = 1
    authors: list[dict[str, str]] = field(default_factory=list)
    reviewers: list[dict[str, str]] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


def _text(doc: YamlMapping, key: str, path: str, diags: list[Diagnostic],
          required: bool) -> str | None:
    value = doc.data.get(key) if doc.data else None
    if value is None:
        if required:
            diags.append(error(path, 1, f"course.yml has no '{key}'; add a line '{key}: ...'"))
        return None
    if not isinstance(value, str) or not value.strip():
        diags.append(error(path, doc.line(key, 1),
                           f"'{key}' must be non-empty text; put it in quotes"))
        return None
    return value.strip()


def _choice(doc: YamlMapping, key: str, choices: tuple[str, ...], path: str,
            diags: list[Diagnostic], default: str | None) -> str | None:
    value = doc.data.get(key, default) if doc.data else default
    if value is None and default is None:
        diags.append(error(path, 1, f"course.yml has no '{key}'; add '{key}: "
                                    f"{choices[0]}' (one of: {', '.join(choices)})"))
        return None
    if value not in choices:
        diags.append(error(path, doc.line(key, 1),
                           f"'{key}' is '{value}'; use one of: {', '.join(choices)}"))
        return None
    return str(value)


def _string_list(doc: YamlMapping, key: str, path: str, diags: list[Diagnostic]) -> list[str]:
    value = doc.data.get(key) if doc.data else None
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        diags.append(error(path, doc.line(key, 1),
                           f"'{key}' must be a list of texts, one '- item' per line"))
        return []
    return [v.strip() for v in value]


def orcid_checksum_ok(orcid: str) -> bool:
    """ISO 7064 MOD 11-2, the check character ORCID puts last: a mistyped digit gives a valid-looking
    iD of someone else, which the checksum catches."""
    digits = orcid.replace("-", "")
    total = 0
    for char in digits[:-1]:
        total = (total + int(char)) * 2
    check = (12 - total % 11) % 11
    return digits[-1] == ("X" if check == 10 else str(check))


def _people(doc: YamlMapping, key: str, path: str, diags: list[Diagnostic]) -> list[dict[str, str]]:
    """``authors`` or ``reviewers``: a list of ``- name: ...`` items, each with optional
    ``affiliation``, ``orcid`` and ``url``. Every problem of every item is reported, at its line.
    Returns the people as plain dicts with only the keys given (ORCID as the bare iD)."""
    value = doc.data.get(key) if doc.data else None
    if value is None:
        return []
    if not isinstance(value, list):
        diags.append(error(path, doc.line(key, 1), f"'{key}' must be a list of people, one "
                                                   "'- name: ...' item per person"))
        return []
    people = []
    for index, item in enumerate(value):
        where = f"{key}.{index}"
        line = doc.line(where, doc.line(key, 1))
        if not isinstance(item, dict):
            hint = f"'- name: {item}'" if isinstance(item, str) and item.strip() else "'- name: ...'"
            diags.append(error(path, line, f"each of '{key}' is a person written {hint}, with "
                                           "'affiliation:', 'orcid:' or 'url:' below it if known"))
            continue
        person = _person(doc, item, key, where, line, path, diags)
        if person is not None:
            people.append(person)
    return people


def _person(doc: YamlMapping, item: dict, key: str, where: str, line: int, path: str,
            diags: list[Diagnostic]) -> dict[str, str] | None:
    person: dict[str, str] = {}
    ok = True
    for name in item:
        if name not in PERSON_KEYS:
            close = difflib.get_close_matches(str(name), PERSON_KEYS, n=1)
            hint = (f"did you mean '{close[0]}'?" if close
                    else f"a person has only: {', '.join(PERSON_KEYS)}")
            diags.append(warning(path, doc.line(f"{where}.{name}", line),
                                 f"unknown key '{name}' in a person of '{key}'; {hint}"))
    for name in ("name", "affiliation"):
        text = item.get(name)
        if text is None:
            continue
        if not isinstance(text, str) or not text.strip():
            diags.append(error(path, doc.line(f"{where}.{name}", line),
                               f"'{name}' of a person in '{key}' must be non-empty text; "
                               "put it in quotes"))
            ok = False
        else:
            person[name] = " ".join(text.split())
    if "name" not in item:
        diags.append(error(path, line, f"a person in '{key}' has no 'name'; write '- name: ...'"))
        ok = False
    orcid = item.get("orcid")
    if orcid is not None:
        match = ORCID_RE.match(orcid.strip()) if isinstance(orcid, str) else None
        if match is None or not orcid_checksum_ok(match.group(1)):
            problem = ("is not an ORCID iD" if match is None
                       else "has a wrong check digit (a digit is mistyped)")
            diags.append(error(path, doc.line(f"{where}.orcid", line),
                               f"'orcid' '{orcid}' {problem}; write the 16-character iD from the "
                               "person's ORCID record, e.g. 0000-0002-1825-0097"))
            ok = False
        else:
            person["orcid"] = match.group(1)
    url = item.get("url")
    if url is not None:
        if not isinstance(url, str) or not URL_RE.match(url.strip()):
            diags.append(error(path, doc.line(f"{where}.url", line),
                               f"'url' '{url}' of a person in '{key}' is not a web address; "
                               "write it in full, starting with https://"))
            ok = False
        else:
            person["url"] = url.strip()
    return person if ok else None


def _numbers(doc: YamlMapping, path: str, diags: list[Diagnostic]) -> tuple[float, int]:
    data = doc.data or {}
    hours = data.get("hours", 0)
    if not is_number(hours) or hours < 0:
        diags.append(error(path, doc.line("hours", 1),
                           f"'hours' is '{hours}'; use a number of hours, 0 or more (e.g. 1.5)"))
        hours = 0
    pass_mark = data.get("pass_mark", 70)
    if not is_int(pass_mark) or not 0 <= pass_mark <= 100:
        diags.append(error(path, doc.line("pass_mark", 1),
                           f"'pass_mark' is '{pass_mark}'; use a whole percentage from 0 to 100"))
        pass_mark = 70
    return float(hours), int(pass_mark)


def _practical_minutes(doc: YamlMapping, path: str, diags: list[Diagnostic]) -> int:
    """Time the course asks for outside its modules (a practical assignment), in minutes."""
    value = (doc.data or {}).get("practical_minutes", 0)
    if not is_int(value) or value < 0:
        diags.append(error(path, doc.line("practical_minutes", 1),
                           f"'practical_minutes' is '{value}'; use a whole number of minutes, 0 or "
                           "more, for practical work the course asks for outside its modules"))
        return 0
    return int(value)


def _identifier(doc: YamlMapping, key: str, path: str, diags: list[Diagnostic],
                what: str) -> str | None:
    value = doc.data.get(key) if doc.data else None
    if value is None:
        return None
    if not isinstance(value, str) or not SLUG_RE.match(value):
        diags.append(error(path, doc.line(key, 1),
                           f"'{key}' is '{value}'; a {what} uses lowercase letters, digits "
                           "and hyphens (e.g. information-literacy)"))
        return None
    return value


def validate_manifest(text: str, path: str, slug: str) -> tuple[Manifest | None,
                                                                 list[Diagnostic]]:
    """Parse and check course.yml.

    Args:
        text: the file's text.
        path: its display path for diagnostics.
        slug: the course's slug (folder name), to catch ``translation_of`` naming itself.
    Returns:
        ``(manifest, diagnostics)``; manifest is None when any error was found.
    """
    doc = parse_yaml_mapping(text, path, 1, "course.yml", list_items=True)
    diags = list(doc.diagnostics)
    if doc.data is None:
        return None, diags
    diags += unknown_key_warnings(doc.data, MANIFEST_KEYS, doc, path, "course.yml")
    title = _text(doc, "title", path, diags, required=True)
    language = _choice(doc, "language", LANGUAGES, path, diags, default=None)
    summary = _text(doc, "summary", path, diags, required=True)
    audience = _choice(doc, "audience", AUDIENCES, path, diags, default="all")
    track = _identifier(doc, "track", path, diags, "track")
    hours, pass_mark = _numbers(doc, path, diags)
    outcomes = _string_list(doc, "outcomes", path, diags)
    tags = _string_list(doc, "tags", path, diags)
    translation_of = _identifier(doc, "translation_of", path, diags, "course slug")
    practical_minutes = _practical_minutes(doc, path, diags)
    pretest_feedback = _choice(doc, "pretest_feedback", PRETEST_FEEDBACK, path, diags,
                               default=PRETEST_FEEDBACK[0])
    authors = _people(doc, "authors", path, diags)
    reviewers = _people(doc, "reviewers", path, diags)
    sources = _string_list(doc, "sources", path, diags)
    _author_also_reviewer(doc, authors, reviewers, path, diags)
    if translation_of == slug:
        diags.append(error(path, doc.line("translation_of", 1),
                           "'translation_of' names this course itself; give the original's slug"))
    if any(d.is_error for d in diags):
        return None, diags
    return Manifest(title or "", language or "", summary or "", audience or "all", track,
                    hours, pass_mark, outcomes, tags, translation_of, practical_minutes,
                    pretest_feedback or PRETEST_FEEDBACK[0], doc.line("hours", 1),
                    authors, reviewers, sources), diags


def _author_also_reviewer(doc: YamlMapping, authors: list[dict[str, str]],
                          reviewers: list[dict[str, str]], path: str,
                          diags: list[Diagnostic]) -> None:
    """A review is a reading by someone who did not write the course; an author named among the
    reviewers is usually a copied list."""
    names = {p["name"].casefold() for p in authors}
    for index, person in enumerate(reviewers):
        if person["name"].casefold() in names:
            diags.append(warning(path, doc.line(f"reviewers.{index}", doc.line("reviewers", 1)),
                                 f"'{person['name']}' is both an author and a reviewer; a "
                                 "reviewer is someone who did not write the course"))
