"""Load course folders into ParsedCourse objects with compiler-style diagnostics; no Flask, no DB."""
from __future__ import annotations

import difflib
import hashlib
import os
import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .diagnostics import Diagnostic, error, has_errors, warning
from .itemwriting import check_item_writing
from .hours import check_hours
from .manifest import SLUG_RE, Manifest, parse_yaml_mapping, validate_manifest
from .markdown import MODULE_FILE_RE, RENDER_VERSION, FragmentRef, LinkContext
from .modules import ModuleLoad, ParsedModule, QuizSettings, decode_utf8, load_module
from .tracks import TRACKS_FILE, ParsedTrack, check_reachable_levels, load_tracks

__all__ = [
    "CheckResult", "ParsedCourse", "ParsedModule", "QuizSettings", "content_hash",
    "display_root_for", "load_course", "load_courses",
]


@dataclass(frozen=True)
class ParsedCourse:
    """One course folder, fully validated.

    Fields: ``slug`` (folder name, the course's identity), ``title``, ``language`` (ru, ky,
    en), ``summary``, ``audience`` (students, librarians, all), ``track`` (identifier or None),
    ``hours`` (continuing-education hours), ``pass_mark`` (0-100), ``outcomes`` and ``tags``
    (lists of text), ``translation_of`` (slug of the original course or None), ``modules``
    (ordered by position), ``folder`` (path on disk), ``content_hash`` (sha256 hex over
    course.yml, every .md file and every media file, names included), ``practical_minutes``
    (declared work outside the modules, which with the modules' minutes supports ``hours``) and
    ``pretest_feedback`` ("after-posttest" or "immediate": when a pretest's answers are shown),
    ``authors`` and ``reviewers`` (people: dicts with ``name`` and optionally ``affiliation``,
    ``orcid``, ``url``) and ``sources`` (reference texts of the main works the course rests on).
    """

    slug: str
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
    modules: list[ParsedModule]
    folder: Path
    content_hash: str
    practical_minutes: int = 0
    pretest_feedback: str = "after-posttest"
    authors: list[dict[str, str]] = field(default_factory=list)
    reviewers: list[dict[str, str]] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


@dataclass
class CheckResult:
    """What :func:`load_courses` found.

    ``courses``: only the courses without any error (safe to sync); ``failed``: slugs of
    courses with at least one error; ``diagnostics``: every problem, sorted by path and line;
    ``tracks``: the tracks of each courses root's tracks.yml (none when that file has errors).
    """

    courses: list[ParsedCourse] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    checked: int = 0  # how many course folders were looked at
    tracks: list[ParsedTrack] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        """True when any diagnostic is an error (the checker then exits with status 1)."""
        return has_errors(self.diagnostics)


def _join(*parts: str) -> str:
    return posixpath.join(*[p for p in parts if p])


def _course_files(folder: Path) -> list[Path]:
    """course.yml, the top-level .md files and everything under media/, sorted by name."""
    files = [p for p in folder.iterdir() if p.is_file() and
             (p.name == "course.yml" or p.suffix == ".md")]
    media = folder / "media"
    if media.is_dir():
        files += [p for p in media.rglob("*") if p.is_file()]
    return sorted(files, key=lambda p: p.relative_to(folder).as_posix())


def _media_paths(folder: Path) -> frozenset[str]:
    """Every file under media/ as ``media/<path>``, exactly as named on disk."""
    media = folder / "media"
    if not media.is_dir():
        return frozenset()
    return frozenset(p.relative_to(folder).as_posix() for p in media.rglob("*") if p.is_file())


def content_hash(folder: Path) -> str:
    """sha256 hex over the course's files (relative name and bytes of each), so renaming,
    adding, removing or editing any course.yml, module or media file changes it."""
    digest = hashlib.sha256()
    # The renderer's version too: files unchanged but rendered differently must be synced again.
    digest.update(b"render-%d\n" % RENDER_VERSION)
    for file in _course_files(folder):
        data = file.read_bytes()
        name = file.relative_to(folder).as_posix().encode("utf-8")
        # Length-prefixed so that no two different file sets can produce the same stream.
        digest.update(len(name).to_bytes(8, "big") + name)
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def _scan_modules(folder: Path, base: str) -> tuple[dict[str, Path], list[Diagnostic]]:
    """Module files by name; errors for misnamed .md files, duplicate numbers, no modules."""
    modules: dict[str, Path] = {}
    diags: list[Diagnostic] = []
    positions: dict[int, str] = {}
    for file in sorted(folder.iterdir(), key=lambda p: p.name):
        if file.name.startswith(".") or file.name == "course.yml":
            continue
        if file.is_dir():
            if file.name != "media":
                diags.append(warning(_join(base, file.name), 0, "folder is ignored; "
                                     "put images and files in media/"))
            continue
        if file.suffix != ".md":
            diags.append(warning(_join(base, file.name), 0, "file is ignored; only course.yml, "
                                 "NN-slug.md modules and media/ belong in a course folder"))
            continue
        match = MODULE_FILE_RE.match(file.name)
        if not match:
            diags.append(error(_join(base, file.name), 0, "module file name must look like "
                               "NN-slug.md (e.g. 01-intro.md): a number, a hyphen, then "
                               "lowercase letters, digits and hyphens"))
            continue
        position = int(match.group(1))
        if position in positions:
            diags.append(error(_join(base, file.name), 0, f"module number {match.group(1)} is "
                               f"already used by {positions[position]}; renumber one of them"))
        positions.setdefault(position, file.name)
        modules[file.name] = file  # still loaded, so its own mistakes show in the same run
    return modules, diags


def _read_manifest(folder: Path, base: str) -> tuple[Manifest | None, list[Diagnostic]]:
    path = _join(base, "course.yml")
    file = folder / "course.yml"
    if not file.is_file():
        return None, [error(path, 0, "course folder has no course.yml; add one with title, "
                                     "language and summary")]
    text, diags = decode_utf8(file.read_bytes(), path)
    if text is None:
        return None, diags
    return validate_manifest(text, path, folder.name)


def load_course(folder: Path, display_root: str) -> tuple[ParsedCourse | None, list[Diagnostic]]:
    """Load and check one course folder.

    Args:
        folder: the course folder (its name is the slug).
        display_root: how to show the folder's parent in diagnostics, e.g. ``courses`` gives
            paths like ``courses/<slug>/02-search.md``; ``""`` gives ``<slug>/02-search.md``.
    Returns:
        ``(course, diagnostics)``; course is None when any error was found in the course
        (cross-course checks are done by :func:`load_courses`). OSError propagates for an
        unreadable folder.
    """
    base = _join(display_root, folder.name)
    diags: list[Diagnostic] = []
    if not SLUG_RE.match(folder.name):
        diags.append(error(_join(base, "course.yml"), 0, f"course folder name '{folder.name}' "
                           "is not a valid slug; use lowercase letters, digits and hyphens"))
    manifest, manifest_diags = _read_manifest(folder, base)
    files, scan_diags = _scan_modules(folder, base)
    diags += manifest_diags + scan_diags
    if not files:
        diags.append(error(_join(base, "course.yml"), 0, "course has no modules; add a file "
                           "like 01-introduction.md"))
    links = LinkContext(folder.name, {name: MODULE_FILE_RE.match(name).group(2)  # type: ignore
                                      for name in files}, folder, _media_paths(folder))
    pass_mark = manifest.pass_mark if manifest else 70
    loads = {name: load_module(file, _join(base, name), links, pass_mark)
             for name, file in files.items()}
    for result in loads.values():
        diags += result.diagnostics
    diags += _check_fragments(loads, base)
    diags += _check_question_ids(loads, base)
    diags += check_item_writing(loads, base)
    modules = sorted((r.module for r in loads.values() if r.module), key=lambda m: m.position)
    if manifest is not None:
        diags += check_hours(manifest, modules, _join(base, "course.yml"))
    if manifest is None or has_errors(diags):
        return None, sorted(diags)
    course = ParsedCourse(folder.name, manifest.title, manifest.language, manifest.summary,
                          manifest.audience, manifest.track, manifest.hours, manifest.pass_mark,
                          manifest.outcomes, manifest.tags, manifest.translation_of, modules,
                          folder, content_hash(folder), manifest.practical_minutes,
                          manifest.pretest_feedback, manifest.authors, manifest.reviewers,
                          manifest.sources)
    return course, sorted(diags)


def _check_fragments(loads: dict[str, ModuleLoad], base: str) -> list[Diagnostic]:
    """Warn about ``NN-slug.md#anchor`` links whose anchor is no heading of that module."""
    diags = []
    for name, result in loads.items():
        for ref, line in result.fragment_refs:
            target = loads.get(ref.filename)
            if target is None or target.module is None:
                continue  # the target module has its own errors
            ids = {h[1] for h in target.module.headings}
            if ref.fragment not in ids:
                diags.append(warning(_join(base, name), line, _fragment_message(ref, ids)))
    return diags


def _fragment_message(ref: FragmentRef, ids: set[str]) -> str:
    close = difflib.get_close_matches(ref.fragment, sorted(ids), n=1)
    hint = f"did you mean '#{close[0]}'?" if close else "link to an existing heading"
    return f"'{ref.filename}' has no heading '#{ref.fragment}'; {hint}"


def _is_explicit(question: Any) -> bool:
    """True when the ident came from ``// [id:...]`` rather than the title or a text hash."""
    from .questions import derive_ident

    return question.ident != derive_ident(question.title, question.text,
                                          getattr(question, "text_after", ""))


def _check_question_ids(loads: dict[str, ModuleLoad], base: str) -> list[Diagnostic]:
    """Question ids must be unique in a course: progress and answers are stored by id.

    Like the GIFT parser inside one block: an error when either question has an explicit
    ``// [id:...]``, a warning when both identities come from equal titles or texts.
    """
    seen: dict[str, tuple[str, bool]] = {}
    blocks_with: dict[str, set[tuple[str, int]]] = {}
    diags = []
    for name in sorted(loads, key=lambda n: int(MODULE_FILE_RE.match(n).group(1))):  # type: ignore
        load = loads[name]
        for question, block in zip(load.questions, load.question_blocks):
            ident, explicit = str(question.ident), _is_explicit(question)
            in_blocks = blocks_with.setdefault(ident, set())
            if (name, block) in in_blocks:
                continue  # a twin in the same quiz block: the GIFT parser reported it
            in_blocks.add((name, block))
            if ident not in seen:
                seen[ident] = (f"{name}:{question.line}", explicit)
                continue
            first, first_explicit = seen[ident]
            if explicit or first_explicit:
                diags.append(error(_join(base, name), question.line,
                                   f"duplicate question id '{ident}' (first used at {first}); "
                                   "give each question its own // [id:...]"))
            else:
                diags.append(warning(_join(base, name), question.line,
                                     f"same identity '{ident}' as the question at {first}; "
                                     "add '// [id:...]' to tell them apart"))
    return diags


def display_root_for(path: Path) -> str:
    """The courses root as the caller wrote it, normalised (``./courses`` -> ``courses``)."""
    text = os.path.normpath(str(path)).replace(os.sep, "/")
    return "" if text == "." else text


def _course_folders(path: Path) -> tuple[list[tuple[Path, str]], list[Diagnostic]]:
    """(course folder, display root) pairs for a path that is one course or a courses root."""
    if not path.is_dir():
        return [], [error(display_root_for(path), 0, "no such folder; give the courses folder "
                                                     "or one course folder")]
    if (path / "course.yml").exists():
        # resolve(): a course folder given as "." still needs its real name as the slug.
        return [(path.resolve(), posixpath.dirname(display_root_for(path)))], []
    root = display_root_for(path)
    folders = [(p.resolve(), root) for p in sorted(path.iterdir(), key=lambda p: p.name)
               if p.is_dir() and not p.name.startswith(".")]
    if not folders:
        return [], [error(root, 0, "no course folders here; each course is a folder "
                                   "with course.yml")]
    return folders, []


def load_courses(paths: list[Path]) -> CheckResult:
    """Load and check every course under ``paths``, then check courses against each other.

    Args:
        paths: each one a courses root (a folder of course folders) or a single course folder.
            Diagnostics show paths as written here (``courses/<slug>/01-intro.md``).
    Returns:
        A :class:`CheckResult`. A course with any error, including cross-course errors (a
        ``translation_of`` naming no course, two folders with one slug), is listed in
        ``failed`` and left out of ``courses``, so a broken course never replaces a good one.
    """
    diags: list[Diagnostic] = []
    loaded: list[tuple[str, str, ParsedCourse | None]] = []  # (slug, base, course)
    infos: list[_FolderInfo] = []
    seen: set[Path] = set()
    for path in paths:
        folders, folder_diags = _course_folders(Path(path))
        diags += folder_diags
        for folder, root in folders:
            if folder.resolve() in seen:
                continue  # the same folder given twice (root and course) is one course
            seen.add(folder.resolve())
            course, course_diags = load_course(folder, root)
            diags += course_diags
            loaded.append((folder.name, _join(root, folder.name), course))
            infos.append(_folder_info(folder, _join(root, folder.name)))
    cross = _check_duplicates(loaded) + _check_translations(infos, paths)
    diags += cross
    tracks, track_diags = _load_root_tracks(paths, infos, _broken_bases(infos, diags))
    diags += track_diags
    bad = {d.path for d in diags if d.is_error}
    failed, good = [], []
    for slug, base, course in loaded:
        broken = course is None or any(p == base or p.startswith(base + "/") for p in bad)
        (failed if broken else good).append(slug if broken else course)
    return CheckResult(good, sorted(set(failed)), sorted(set(diags)), len(loaded), tracks)


def _broken_bases(infos: list[_FolderInfo], diags: list[Diagnostic]) -> set[str]:
    """The course folders (display paths) with at least one error."""
    bad = {d.path for d in diags if d.is_error}
    return {info.base for info in infos
            if any(p == info.base or p.startswith(info.base + "/") for p in bad)}


def _load_root_tracks(paths: list[Path], infos: list[_FolderInfo], broken: set[str],
                      ) -> tuple[list[ParsedTrack], list[Diagnostic]]:
    """tracks.yml of each courses root given, cross-checked with the ``track:`` of its courses:
    which tracks they name, and whether their hours reach every level. A track that no course
    uses (already reported) or that a course with errors uses (its hours are not known) is not
    judged on its levels."""
    tracks: list[ParsedTrack] = []
    diags: list[Diagnostic] = []
    seen: set[Path] = set()
    for path in map(Path, paths):
        if not path.is_dir() or (path / "course.yml").exists() or path.resolve() in seen:
            continue  # a single course folder has no tracks.yml of its own
        seen.add(path.resolve())
        root = display_root_for(path)
        uses: dict[str, list[tuple[str, int]]] = {}
        for info in infos:
            if info.track and posixpath.dirname(info.base) == root:
                uses.setdefault(info.track, []).append((_join(info.base, "course.yml"),
                                                        info.track_line))
        found, found_diags = load_tracks(path / TRACKS_FILE, _join(root, TRACKS_FILE), uses)
        tracks += found
        diags += found_diags
        siblings = [info for info in infos if posixpath.dirname(info.base) == root]
        unknown = {info.track for info in siblings if info.base in broken}
        judged = [t for t in found if t.id in uses and t.id not in unknown]
        diags += check_reachable_levels(judged, _track_hours(siblings), _join(root, TRACKS_FILE))
    return tracks, diags


def _track_hours(infos: list[_FolderInfo]) -> dict[str, float]:
    """{track id: hours of its courses}, a course and its translations counted once (at the
    most any of them gives: the checker warns separately when they disagree)."""
    courses: dict[tuple[str, str], float] = {}
    for info in infos:
        if info.track is None or not _number(info.hours) or info.hours < 0:
            continue
        key = (info.track, info.translation_of or info.slug)
        courses[key] = max(courses.get(key, 0.0), float(info.hours))
    totals: dict[str, float] = {}
    for (track, _), hours in courses.items():
        totals[track] = totals.get(track, 0.0) + hours
    return totals


def _check_duplicates(loaded: list[tuple[str, str, ParsedCourse | None]]) -> list[Diagnostic]:
    """Two folders with one slug (from different roots) would overwrite each other."""
    by_slug: dict[str, list[str]] = {}
    for slug, base, _ in loaded:
        by_slug.setdefault(slug, []).append(base)
    diags = []
    for slug, bases in by_slug.items():
        for base in bases[1:] if len(set(bases)) > 1 else []:
            diags.append(error(_join(base, "course.yml"), 0, f"course slug '{slug}' is also "
                               f"used by {bases[0]}; rename one of the folders"))
        if len(set(bases)) > 1:
            diags.append(error(_join(bases[0], "course.yml"), 0, f"course slug '{slug}' is "
                               f"also used by {bases[1]}; rename one of the folders"))
    return diags


@dataclass(frozen=True)
class _FolderInfo:
    """What cross-course checks need from a folder, read even when the course has errors."""

    slug: str
    base: str
    translation_of: str | None
    line: int
    language: Any
    module_slugs: tuple[str, ...]
    track: str | None = None  # only a value written like a slug (else manifest.py reports it)
    track_line: int = 1
    hours: Any = None  # as written (manifest.py judges it)
    hours_line: int = 1
    names_authors: bool = False


def _folder_info(folder: Path, base: str) -> _FolderInfo:
    """Read translation_of, language and module slugs without judging anything else."""
    slugs = tuple(m.group(2) for m in sorted(
        (MODULE_FILE_RE.match(p.name) for p in folder.iterdir() if p.is_file()),
        key=lambda m: int(m.group(1)) if m else 0) if m)
    translation_of, line, language, track, hours = None, 1, None, None, None
    try:
        text = (folder / "course.yml").read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        text = ""  # already reported by load_course
    doc = parse_yaml_mapping(text, "", 1, "course.yml")
    if doc.data:
        value = doc.data.get("translation_of")
        translation_of = value if isinstance(value, str) else None
        line, language = doc.line("translation_of", 1), doc.data.get("language")
        value = doc.data.get("track")
        track = value if isinstance(value, str) and SLUG_RE.match(value) else None
        hours = doc.data.get("hours", 0)
    names_authors = bool(doc.data and doc.data.get("authors"))
    return _FolderInfo(folder.name, base, translation_of, line, language, slugs, track,
                       doc.line("track", 1), hours, doc.line("hours", line), names_authors)


def _check_translations(infos: list[_FolderInfo], paths: list[Path]) -> list[Diagnostic]:
    """``translation_of`` must name an original course (not another translation); a translation
    should have the same modules."""
    by_slug = {info.slug: info for info in infos}
    # A course checked on its own may translate a sibling folder that was not loaded.
    siblings = {yml.parent.name for path in map(Path, paths) if (path / "course.yml").is_file()
                for yml in path.resolve().parent.glob("*/course.yml")}
    diags = []
    for info in infos:
        if info.translation_of is None or info.translation_of == info.slug:
            continue
        path = _join(info.base, "course.yml")
        original = by_slug.get(info.translation_of)
        if original is None and info.translation_of not in siblings:
            diags.append(error(path, info.line, f"translation_of '{info.translation_of}' names "
                               "no course; give the folder name of the original course"))
        elif original is not None and original.translation_of not in (None, original.slug):
            # A course and its translations are one course for credit, named by the original's
            # slug (app.services.credit): a chain would split them into two.
            diags.append(error(path, info.line, f"translation_of '{info.translation_of}' names a "
                               f"translation of '{original.translation_of}'; name the original "
                               f"course: translation_of: {original.translation_of}"))
        elif original is not None:
            diags += _compare_translation(info, original, path)
    return diags


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _compare_translation(info: _FolderInfo, original: _FolderInfo,
                         path: str) -> list[Diagnostic]:
    """Warnings when a translation's modules or language do not match its original."""
    mine, theirs = info.module_slugs, original.module_slugs
    diags = []
    if mine != theirs:
        missing = [s for s in theirs if s not in mine]
        extra = [s for s in mine if s not in theirs]
        detail = "; ".join(part for part in (
            f"missing: {', '.join(missing)}" if missing else "",
            f"not in the original: {', '.join(extra)}" if extra else "",
            "same modules in another order" if not missing and not extra else "") if part)
        diags.append(warning(path, info.line, f"modules differ from '{original.slug}' "
                             f"({detail}); a translation uses the same module slugs"))
    if _number(info.hours) and _number(original.hours) and float(info.hours) != float(original.hours):
        # Another language of the same course is the same work: the same credit, whichever a
        # learner takes.
        diags.append(warning(path, info.hours_line, f"'hours' is {float(info.hours):g} but "
                             f"'{original.slug}' gives {float(original.hours):g}; a translation "
                             "is the same course and gives the same hours"))
    if info.track != original.track:
        diags.append(warning(path, info.line, f"track differs from '{original.slug}' "
                             f"({info.track or 'none'} vs {original.track or 'none'}); a "
                             "translation is the same course for credit, on the same track"))
    if original.names_authors and not info.names_authors:
        # Each folder states its own authorship (docs/authoring.md, "Translations"): a course is
        # checked, synced and exported on its own, so nothing is inherited from the original.
        diags.append(warning(path, info.line, f"'{original.slug}' names its authors but this "
                             "translation names none; list the original's authors and the "
                             "translators under 'authors'"))
    if info.language is not None and info.language == original.language:
        diags.append(warning(path, info.line, f"translation has the same language as "
                             f"'{original.slug}' ({info.language}); check 'language'"))
    return diags
