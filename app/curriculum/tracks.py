"""courses/tracks.yml: continuing-education tracks (levels with an hours threshold each)."""
from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .diagnostics import Diagnostic, error, has_errors, warning
from .manifest import (LANGUAGES, SLUG_RE, YamlMapping, is_number, parse_yaml_mapping,
                       unknown_key_warnings)
from .modules import decode_utf8

__all__ = ["TRACKS_FILE", "ParsedLevel", "ParsedTrack", "TrackUses", "load_tracks",
           "parse_tracks"]

TRACKS_FILE = "tracks.yml"
TRACK_KEYS = ("title", "summary", "levels")
LEVEL_KEYS = ("id", "title", "hours")
REQUIRED_LANGUAGES = ("ru", "en")

# Which tracks the courses name: a set of track ids, or each id with the places that name it,
# as (course.yml display path, line), so a wrong `track:` is reported in the course itself.
TrackUses = set[str] | frozenset[str] | Mapping[str, Sequence[tuple[str, int]]]


@dataclass(frozen=True)
class ParsedLevel:
    """One level of a track: ``id`` (slug, unique in the track), ``title`` ({language: text},
    ru and en always present) and ``hours`` (the threshold to reach it, above 0)."""

    id: str
    title: dict[str, str]
    hours: float
    line: int = field(default=0, compare=False)  # of its 'hours' in tracks.yml, for diagnostics


@dataclass(frozen=True)
class ParsedTrack:
    """One validated track: ``id`` (the value courses put in ``track:``), ``title`` and
    ``summary`` ({language: text}; summary may be empty), ``levels`` (strictly ascending in
    hours, at least one) and ``content_hash`` (sha256 hex over all of these, so any edit to the
    track changes it and an edit to another track does not)."""

    id: str
    title: dict[str, str]
    summary: dict[str, str]
    levels: list[ParsedLevel]
    content_hash: str


def track_hash(track_id: str, title: dict[str, str], summary: dict[str, str],
               levels: list[ParsedLevel]) -> str:
    """sha256 hex of a canonical JSON form of the track (key order and YAML layout ignored)."""
    payload = {"id": track_id, "title": title, "summary": summary,
               "levels": [{"id": lv.id, "title": lv.title, "hours": lv.hours} for lv in levels]}
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_tracks(path: Path, display_path: str,
                known_track_ids_used_by_courses: TrackUses | None = None,
                ) -> tuple[list[ParsedTrack], list[Diagnostic]]:
    """Load and check a tracks.yml file.

    Args:
        path: the file; when it does not exist there are no tracks and nothing to report.
        display_path: how to show the file in diagnostics, e.g. ``courses/tracks.yml``.
        known_track_ids_used_by_courses: the ``track:`` values of the courses next to the
            file, for the cross-check (warnings): a track no course uses, and a course naming
            a track the file does not define. A set reports the latter at line 0 of tracks.yml;
            a mapping {track id: [(course.yml display path, line), ...]} reports it at each
            course line. None skips the cross-check.
    Returns:
        ``(tracks, diagnostics)``; tracks is empty when the file has any error. OSError
        propagates for an unreadable file.
    """
    if not path.is_file():
        return [], []
    text, diags = decode_utf8(path.read_bytes(), display_path)
    if text is None:
        return [], diags
    tracks, defined, parse_diags = parse_tracks(text, display_path)
    diags += parse_diags
    if defined is not None and known_track_ids_used_by_courses is not None:
        diags += check_track_uses(defined, known_track_ids_used_by_courses, display_path)
    return tracks, sorted(diags)


def parse_tracks(text: str, path: str) -> tuple[list[ParsedTrack], list[tuple[str, int]] | None,
                                                list[Diagnostic]]:
    """Parse and check the text of tracks.yml.

    Returns:
        ``(tracks, defined, diagnostics)``: the tracks (empty when any error was found),
        every track id written correctly with its line (None when the file is not readable
        YAML, so no cross-check is possible) and the problems found.
    """
    doc = parse_yaml_mapping(text, path, 1, TRACKS_FILE)
    if doc.data is None:
        return [], None, list(doc.diagnostics)
    root = yaml.compose(text, Loader=yaml.SafeLoader)  # parse_yaml_mapping proved it composes
    reader = _Reader(path, _without_echoes(doc.diagnostics, root))
    tracks: list[ParsedTrack] = []
    defined: list[tuple[str, int]] = []
    for key_node, value_node in root.value if root is not None else []:
        track_id, line = str(key_node.value), _line(key_node)
        if track_id in {d[0] for d in defined}:
            continue  # a duplicate key, already reported by parse_yaml_mapping
        if not isinstance(key_node, yaml.ScalarNode) or not SLUG_RE.match(track_id):
            reader.diags.append(error(path, line, f"track id '{track_id}' is not valid; use "
                                      "lowercase letters, digits and hyphens (e.g. librarian-ce)"))
            continue
        defined.append((track_id, line))
        track = reader.track(track_id, line, value_node)
        if track is not None:
            tracks.append(track)
    if has_errors(reader.diags):
        tracks = []
    return tracks, defined, reader.diags


def check_reachable_levels(tracks: list[ParsedTrack], course_hours: Mapping[str, float],
                           path: str) -> list[Diagnostic]:
    """Warnings for levels that the courses of their track cannot reach.

    Args:
        tracks: the parsed tracks.
        course_hours: {track id: the hours of its courses, each course counted once whatever
            its translations}.
        path: display path of tracks.yml.
    Why: a level above every course of its track promises a learner what the programme cannot
    give; it is reachable only with other learning, which the level's title does not say.
    """
    diags = []
    for track in tracks:
        total = course_hours.get(track.id, 0.0)
        for level in track.levels:
            if level.hours > total + 1e-9:
                diags.append(warning(path, level.line, (
                    f"level '{level.id}' of track '{track.id}' needs {level.hours:g} hours, but "
                    f"the track's courses give {total:g} (each course once, whatever its "
                    "translations); lower the level's hours or add courses to the track")))
    return diags


def check_track_uses(defined: list[tuple[str, int]], uses: TrackUses,
                     path: str) -> list[Diagnostic]:
    """Warnings: a track in tracks.yml that no course uses, a course track not in tracks.yml."""
    ids = [track_id for track_id, _ in defined]
    diags = [warning(path, line, f"track '{track_id}' is not used by any course; set 'track: "
                                 f"{track_id}' in a course.yml, or remove the track")
             for track_id, line in defined if track_id not in uses]
    for used in sorted(set(uses) - set(ids)):
        close = difflib.get_close_matches(used, ids, n=1)
        hint = f"did you mean '{close[0]}'?" if close else \
            f"add it to {path} or correct the course's 'track'"
        places = uses.get(used) if isinstance(uses, Mapping) else None
        if places:
            diags += [warning(course_path, line, f"track '{used}' is not defined in {path}; "
                                                 f"{hint}") for course_path, line in places]
        else:
            diags.append(warning(path, 0, f"courses use track '{used}', which is not defined "
                                          f"here; {hint}"))
    return diags


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _without_echoes(diags: list[Diagnostic], root: yaml.Node | None) -> list[Diagnostic]:
    """Drop the duplicate-key errors inside a track that is itself a duplicate: its keys
    repeat the first track's (``t.title``, ``t.levels``), which says nothing new."""
    spans, seen = [], set()
    for key_node, value_node in root.value if root is not None else []:
        if key_node.value in seen:
            end = value_node.end_mark  # at column 0 of the next line after a block
            spans.append((_line(key_node), end.line + (1 if end.column else 0)))
        seen.add(key_node.value)
    return [d for d in diags if not any(start < d.line <= end for start, end in spans)]


class _Reader:
    """Walks the composed YAML of tracks.yml, collecting diagnostics with exact lines."""

    def __init__(self, path: str, diags: list[Diagnostic]) -> None:
        self.path = path
        self.diags = diags
        self._loader = yaml.SafeLoader("")

    def _err(self, line: int, message: str) -> None:
        self.diags.append(error(self.path, line, message))

    def _value(self, node: yaml.Node) -> Any:
        """The Python value of a node, built as yaml.safe_load would."""
        return self._loader.construct_document(node)

    def _keys(self, node: yaml.MappingNode,
              report_twice: bool = False) -> dict[str, tuple[int, yaml.Node]]:
        """{key: (line, value node)} of a mapping, the first of two equal keys winning.

        Duplicate keys in mappings nested in mappings are reported by parse_yaml_mapping;
        ``report_twice`` reports them for mappings inside lists (levels), which it skips.
        """
        keys: dict[str, tuple[int, yaml.Node]] = {}
        for key_node, value_node in node.value:
            key, line = str(key_node.value), _line(key_node)
            if key in keys:
                if report_twice:
                    self._err(line, f"key '{key}' appears twice (first at line {keys[key][0]}); "
                                    "keep only one")
                continue
            keys[key] = (line, value_node)
        return keys

    def _unknown(self, keys: dict[str, tuple[int, yaml.Node]], known: tuple[str, ...],
                 where: str) -> None:
        doc = YamlMapping({k: None for k in keys}, {k: line for k, (line, _) in keys.items()})
        self.diags.extend(unknown_key_warnings(doc.data or {}, known, doc, self.path, where))

    def track(self, track_id: str, line: int, node: yaml.Node) -> ParsedTrack | None:
        where = f"track '{track_id}'"
        if not isinstance(node, yaml.MappingNode):
            self._err(line, f"{where} must hold indented keys 'title' and 'levels' (and "
                            "optionally 'summary')")
            return None
        keys = self._keys(node)
        self._unknown(keys, TRACK_KEYS, where)
        title = self.texts(keys, "title", where, line, required=True)
        summary = self.texts(keys, "summary", where, line, required=False)
        levels = self.levels(keys, track_id, line)
        if title is None or summary is None or levels is None:
            return None
        return ParsedTrack(track_id, title, summary, levels,
                           track_hash(track_id, title, summary, levels))

    def texts(self, keys: dict[str, tuple[int, yaml.Node]], key: str, where: str,
              owner_line: int, required: bool) -> dict[str, str] | None:
        """A {language: text} value; None after an error, {} when optional and absent."""
        if key not in keys:
            if required:
                self._err(owner_line, f"{where} has no '{key}'; add '{key}: {{ru: \"...\", "
                                      "ky: \"...\", en: \"...\"}' (ru and en are required)")
                return None
            return {}
        line, node = keys[key]
        if not isinstance(node, yaml.MappingNode):
            self._err(line, f"'{key}' of {where} must give one text per language, e.g. "
                            f"{key}: {{ru: \"...\", ky: \"...\", en: \"...\"}}")
            return None
        texts: dict[str, str] = {}
        ok = True
        for language, (lang_line, value_node) in self._keys(node).items():
            value = self._value(value_node)
            if language not in LANGUAGES:
                close = difflib.get_close_matches(language, LANGUAGES, n=1, cutoff=0.5)
                hint = f"did you mean '{close[0]}'?" if close else "use ru, ky or en"
                self.diags.append(warning(self.path, lang_line, f"unknown language "
                                          f"'{language}' in '{key}' of {where}; {hint}"))
            elif not isinstance(value, str) or not value.strip():
                self._err(lang_line, f"'{key}.{language}' of {where} must be non-empty text; "
                                     "put it in quotes")
                ok = False
            else:
                texts[language] = value.strip()
        for language in REQUIRED_LANGUAGES:
            if ok and language not in texts:
                self._err(line, f"'{key}' of {where} has no '{language}' text; add "
                                f"'{language}: ...' (ru and en are required, ky is optional)")
                ok = False
        return {lang: texts[lang] for lang in LANGUAGES if lang in texts} if ok else None

    def levels(self, keys: dict[str, tuple[int, yaml.Node]], track_id: str,
               track_line: int) -> list[ParsedLevel] | None:
        """The levels of a track: each valid, ids unique, hours strictly ascending."""
        where = f"track '{track_id}'"
        no_levels = (f"{where} has no levels; add 'levels:' with at least one '- id: ...' "
                     "item that has 'title' and 'hours'")
        if "levels" not in keys:
            self._err(track_line, no_levels)
            return None
        line, node = keys["levels"]
        if isinstance(node, yaml.ScalarNode) and self._value(node) is None or \
                isinstance(node, yaml.SequenceNode) and not node.value:
            self._err(line, no_levels)
            return None
        if not isinstance(node, yaml.SequenceNode):
            self._err(line, f"'levels' of {where} must be a list: one '- id: ...' item per "
                            "level, with 'title' and 'hours' indented below it")
            return None
        levels: list[ParsedLevel] = []
        ok = True
        ids: dict[str, int] = {}
        previous: ParsedLevel | None = None
        for number, item in enumerate(node.value, start=1):
            level = self.level(item, number, track_id, ids)
            if level is None:
                ok = False
                continue
            if previous is not None and level.hours <= previous.hours:
                self._err(self._hours_line(item), f"level '{level.id}' of {where} needs "
                          f"{level.hours:g} hours, not more than level '{previous.id}' "
                          f"({previous.hours:g}); list the levels from fewest to most hours")
                ok = False
            previous = level
            levels.append(level)
        return levels if ok else None

    @staticmethod
    def _hours_line(item: yaml.MappingNode) -> int:
        return next(_line(k) for k, _ in item.value if k.value == "hours")

    def level(self, item: yaml.Node, number: int, track_id: str,
              ids: dict[str, int]) -> ParsedLevel | None:
        """One ``- id: ...`` item; ``ids`` (level id -> line) catches duplicate ids."""
        line = _line(item)
        where = f"level {number} of track '{track_id}'"
        if not isinstance(item, yaml.MappingNode):
            self._err(line, f"{where} must hold 'id', 'title' and 'hours', e.g. "
                            "'- id: basic' with 'title:' and 'hours:' indented below it")
            return None
        keys = self._keys(item, report_twice=True)
        self._unknown(keys, LEVEL_KEYS, where)
        level_id = self._level_id(keys, where, line, track_id, ids)
        if level_id is not None:
            where = f"level '{level_id}' of track '{track_id}'"
        title = self.texts(keys, "title", where, line, required=True)
        hours = self._hours(keys, where, line)
        if level_id is None or title is None or hours is None:
            return None
        return ParsedLevel(level_id, title, hours, self._hours_line(item))

    def _level_id(self, keys: dict[str, tuple[int, yaml.Node]], where: str, line: int,
                  track_id: str, ids: dict[str, int]) -> str | None:
        found = self._required(keys, "id", line, f"{where} has no 'id'; add e.g. 'id: basic' "
                                                 "(lowercase letters, digits and hyphens)")
        if found is None:
            return None
        id_line, value = found
        if not isinstance(value, str) or not SLUG_RE.match(value):
            self._err(id_line, f"level id '{value}' in track '{track_id}' is not valid; use "
                               "lowercase letters, digits and hyphens (e.g. basic)")
            return None
        if value in ids:
            self._err(id_line, f"level id '{value}' is already used in track '{track_id}' "
                               f"(line {ids[value]}); give each level its own id")
            return None
        ids[value] = id_line
        return value

    def _required(self, keys: dict[str, tuple[int, yaml.Node]], key: str, line: int,
                  missing: str) -> tuple[int, Any] | None:
        """The line and value of a key a level must have; ``missing`` reported at the level's
        ``line`` (and None) when it has none, since the key has no line of its own to point at."""
        if key not in keys:
            self._err(line, missing)
            return None
        key_line, node = keys[key]
        return key_line, self._value(node)

    def _hours(self, keys: dict[str, tuple[int, yaml.Node]], where: str,
               line: int) -> float | None:
        found = self._required(keys, "hours", line, f"{where} has no 'hours'; add the hours "
                                                    "needed to reach it, e.g. 'hours: 20'")
        if found is None:
            return None
        hours_line, value = found
        if not is_number(value) or not value > 0 or value != value or value == float("inf"):
            self._err(hours_line, f"'hours' of {where} is '{value}'; use a number of hours "
                                  "above 0 (e.g. 20 or 12.5)")
            return None
        return float(value)
