"""Institutions: the list learners choose from, managed by admins (pages and `flask institutions`).

Names are compared as people read them: spaces collapsed and case ignored (Python's casefold,
which knows Cyrillic; SQLite's lower() does not), so "КНУ" and "кну " cannot both exist.
Regions are the fixed list of Kyrgyzstan's regions and cities of republican significance
(app.models.people.Region): set by law, shown translated, so not edited here; a CSV or a command
may name one by its code or by its name in any of the interface's languages.

Write operations flush and leave the commit to the request or command that called them.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, insert, literal, select, update

from app.extensions import db
from app.models.cohorts import Cohort
from app.models.people import Institution, InstitutionKind, Region, User, coordinator_institutions

MAX_NAME_LENGTH = 200
LANGUAGES = ("ru", "ky", "en")

REGION_LABELS = {
    Region.BISHKEK: _l("Bishkek"), Region.OSH_CITY: _l("Osh (city)"), Region.BATKEN: _l("Batken Region"),
    Region.CHUY: _l("Chüy Region"), Region.ISSYK_KUL: _l("Issyk-Kul Region"),
    Region.JALAL_ABAD: _l("Jalal-Abad Region"), Region.NARYN: _l("Naryn Region"), Region.OSH: _l("Osh Region"),
    Region.TALAS: _l("Talas Region"),
}
KIND_LABELS = {
    InstitutionKind.UNIVERSITY: _l("University"),
    InstitutionKind.LIBRARY: _l("Library"),
    InstitutionKind.SCHOOL: _l("School"),
    InstitutionKind.OTHER: _l("Other"),
}


class InstitutionError(Exception):
    """A rule about institutions was broken; the message is safe to show."""


@dataclass
class Usage:
    institution: Institution
    learners: int = 0
    cohorts: int = 0
    coordinators: int = 0

    @property
    def in_use(self) -> bool:
        return bool(self.learners or self.cohorts or self.coordinators)


@dataclass
class ImportResult:
    """What an import did, or (``errors``) why it did nothing."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # "line N: message"

    @property
    def ok(self) -> bool:
        return not self.errors


def clean_name(name: str) -> str:
    return " ".join((name or "").split())


def _key(name: str) -> str:
    return clean_name(name).casefold()


# The Kyrgyz alphabet (the Russian one with ң, ө and ү): by code point ё, ң, ө and ү would sort
# after я, and a database's collation depends on how it was created; this order is the reader's.
ALPHABET = "абвгдеёжзийклмнңоөпрстуүфхцчшщъыьэюя"
_ORDER = str.maketrans({letter: chr(0xE000 + i) for i, letter in enumerate(ALPHABET)})


def sort_key(name: str) -> str:
    """Sort names as a Russian or Kyrgyz reader expects (Latin names come first)."""
    return clean_name(name).casefold().translate(_ORDER)


def list_institutions() -> list[Institution]:
    """Every institution, by name (the choices of the registration, profile and cohort forms)."""
    return sorted(db.session.scalars(select(Institution)), key=lambda i: sort_key(i.name))


def usage() -> list[Usage]:
    """Every institution with what refers to it (people, groups, coordinators), by name: one
    query per kind of reference, whatever the number of institutions."""
    counts = {}
    for name, stmt in (
        ("learners", select(User.institution_id, func.count()).group_by(User.institution_id)),
        ("cohorts", select(Cohort.institution_id, func.count()).group_by(Cohort.institution_id)),
        ("coordinators", select(coordinator_institutions.c.institution_id, func.count())
         .group_by(coordinator_institutions.c.institution_id)),
    ):
        counts[name] = dict(db.session.execute(stmt).all())
    return [Usage(inst, **{name: c.get(inst.id, 0) for name, c in counts.items()}) for inst in list_institutions()]


def usage_of(institution: Institution) -> Usage:
    def count(stmt) -> int:
        return db.session.scalar(stmt) or 0

    return Usage(
        institution,
        learners=count(select(func.count()).select_from(User).where(User.institution_id == institution.id)),
        cohorts=count(select(func.count()).select_from(Cohort).where(Cohort.institution_id == institution.id)),
        coordinators=count(select(func.count()).select_from(coordinator_institutions)
                           .where(coordinator_institutions.c.institution_id == institution.id)),
    )


def find_by_name(name: str) -> Institution | None:
    key = _key(name)
    return next((i for i in db.session.scalars(select(Institution)) if _key(i.name) == key), None)


def _check_name(name: str, *, other_than: Institution | None = None) -> str:
    name = clean_name(name)
    if not name:
        raise InstitutionError(_l("The name is empty."))
    if len(name) > MAX_NAME_LENGTH:
        raise InstitutionError(_l("The name is longer than %(count)d characters.", count=MAX_NAME_LENGTH))
    existing = find_by_name(name)
    if existing is not None and existing is not other_than:
        raise InstitutionError(_l("An institution named “%(name)s” already exists.", name=existing.name))
    return name


def add_institution(name: str, kind: InstitutionKind, region: Region) -> Institution:
    """Add an institution. Raises InstitutionError for an empty, too long or taken name."""
    institution = Institution(name=_check_name(name), kind=kind, region=region)
    db.session.add(institution)
    db.session.flush()
    return institution


def update_institution(institution: Institution, *, name: str, kind: InstitutionKind, region: Region) -> Institution:
    """Rename an institution or change its kind or region; people and groups keep pointing at it.
    Returns it, as add_institution does, so that a form can save either way alike."""
    institution.name = _check_name(name, other_than=institution)
    institution.kind = kind
    institution.region = region
    db.session.flush()
    return institution


def delete_institution(institution: Institution) -> None:
    """Delete an institution nobody refers to. Raises InstitutionError naming what still does:
    deleting would silently move people to "No institution" and shrink a coordinator's scope."""
    used = usage_of(institution)
    if used.in_use:
        raise InstitutionError(_l(
            "“%(name)s” is in use (people: %(learners)d, groups: %(cohorts)d, coordinators: %(coordinators)d)"
            " and cannot be deleted. Rename it instead, or move them first.",
            name=institution.name, learners=used.learners, cohorts=used.cohorts, coordinators=used.coordinators))
    db.session.delete(institution)
    db.session.flush()


def merge_institution(source: Institution, target: Institution) -> int:
    """Move everyone and every group of ``source`` to ``target`` and delete ``source``: for two
    entries of one institution ("КНУ" and its full name). Coordinators given ``source`` are
    given ``target``. Returns how many people moved. Raises InstitutionError for a merge into itself.
    """
    if source.id == target.id:
        raise InstitutionError(_l("An institution cannot be merged into itself."))
    moved = db.session.execute(
        update(User).where(User.institution_id == source.id).values(institution_id=target.id)).rowcount
    db.session.execute(update(Cohort).where(Cohort.institution_id == source.id).values(institution_id=target.id))
    scopes = coordinator_institutions.c
    already = select(scopes.user_id).where(scopes.institution_id == target.id)
    db.session.execute(insert(coordinator_institutions).from_select(
        ["user_id", "institution_id"],
        select(scopes.user_id, literal(target.id)).where(scopes.institution_id == source.id,
                                                            scopes.user_id.not_in(already))))
    db.session.execute(delete(coordinator_institutions).where(scopes.institution_id == source.id))
    db.session.execute(delete(Institution).where(Institution.id == source.id))
    # Objects loaded before these statements (the source, people's and groups' institution) are stale.
    db.session.expire_all()
    return moved


def _names_in_every_language(labels: dict) -> dict[str, object]:
    """Each member by its code and by its label in ru, ky and en, case-folded."""
    names: dict[str, object] = {}
    for member, label in labels.items():
        names[member.value.casefold()] = member
        for language in LANGUAGES:
            with force_locale(language):
                names[str(label).casefold()] = member
    return names


def parse_region(text: str) -> Region:
    """A region by its code ("chuy") or its name in ru, ky or en ("Чуйская область")."""
    return _member_named(text, Region, REGION_LABELS, lambda value, codes: _l(
        "Unknown region “%(value)s”. Use a code: %(codes)s.", value=value, codes=codes))


def parse_kind(text: str) -> InstitutionKind:
    """A kind by its code ("library") or its name in ru, ky or en."""
    return _member_named(text, InstitutionKind, KIND_LABELS, lambda value, codes: _l(
        "Unknown kind “%(value)s”. Use a code: %(codes)s.", value=value, codes=codes))


def _member_named(text: str, members: type[Enum], labels: dict, unknown: Callable[[str, str], object]):
    """The member of ``members`` that ``text`` names by code or label in any language; a CSV
    written in Kyrgyz and one written in English must import alike. ``unknown`` words the
    refusal, given the text and the codes to use instead."""
    found = _names_in_every_language(labels).get(clean_name(text).casefold())
    if found is None:
        raise InstitutionError(unknown(text.strip(), ", ".join(m.value for m in members)))
    return found


COLUMNS = ("name", "kind", "region")


def import_csv(data: bytes) -> ImportResult:
    """Add or update institutions from a CSV file: UTF-8 (a BOM is fine), a header row naming the
    columns name, kind and region (in any order), comma- or semicolon-separated (Excel writes
    semicolons in Russian settings). A name already known updates that institution's kind and
    region. All or nothing: if any line is bad, nothing is imported and every bad line is in
    ``errors`` as "line N: message", so a half-imported list never has to be untangled.
    """
    result = ImportResult()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        result.errors.append(str(_l("line %(line)d: the file is not UTF-8 text; save it as “CSV UTF-8”.", line=line)))
        return result
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        result.errors.append(str(_l("line 1: the header row is missing (name, kind, region).")))
        return result
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().casefold() for h in next(reader)]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        result.errors.append(str(_l("line 1: the header row lacks the columns: %(columns)s.",
                                    columns=", ".join(missing))))
        return result
    where = {c: header.index(c) for c in COLUMNS}
    existing = {_key(i.name): i for i in db.session.scalars(select(Institution))}
    seen: dict[str, int] = {}
    rows = []
    for row in reader:
        number = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        try:
            if len(row) < len(header):
                raise InstitutionError(_l("expected %(count)d columns, found %(found)d.",
                                          count=len(header), found=len(row)))
            name = clean_name(row[where["name"]])
            if not name:
                raise InstitutionError(_l("The name is empty."))
            if len(name) > MAX_NAME_LENGTH:
                raise InstitutionError(_l("The name is longer than %(count)d characters.", count=MAX_NAME_LENGTH))
            if _key(name) in seen:
                raise InstitutionError(_l("“%(name)s” is already on line %(line)d.", name=name, line=seen[_key(name)]))
            seen[_key(name)] = number
            rows.append((name, parse_kind(row[where["kind"]]), parse_region(row[where["region"]])))
        except InstitutionError as exc:
            result.errors.append(str(_l("line %(line)d: %(message)s", line=number, message=str(exc))))
    if result.errors:
        return result
    for name, kind, region in rows:
        institution = existing.get(_key(name))
        if institution is None:
            db.session.add(Institution(name=name, kind=kind, region=region))
            result.added.append(name)
        elif (institution.kind, institution.region) != (kind, region):
            institution.kind, institution.region = kind, region
            result.updated.append(institution.name)
        else:
            result.unchanged.append(institution.name)
    db.session.flush()
    return result
