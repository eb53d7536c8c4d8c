"""course.yml's authors, reviewers and sources: their shape, every problem at its line in one
run, the translation rule, and the shipped courses naming who wrote them and what they rest on."""
from __future__ import annotations

from pathlib import Path

import pytest

from app.curriculum.diagnostics import Severity
from app.curriculum.loader import load_course, load_courses
from app.curriculum.manifest import orcid_checksum_ok, validate_manifest

ROOT = Path(__file__).resolve().parents[2]
E, W = Severity.ERROR, Severity.WARNING
HEAD = "title: T\nlanguage: en\nsummary: S\n"
LESSON = "---\ntitle: One\n---\n# One\n\nText.\n"


def check(text: str):
    manifest, diags = validate_manifest(text, "c/course.yml", "c")
    return manifest, [(d.line, d.severity, d.message) for d in diags]


def test_people_and_sources_are_read_with_only_the_keys_given():
    manifest, diags = check(HEAD + """\
authors:
  - name: "Айгүл   Өмүрбекова"
    affiliation: Кыргыз улуттук университети
    orcid: https://orcid.org/0000-0002-1825-0097
  - name: Sabak curriculum team
    url: https://sabak.example.kg/team
reviewers:
  - name: Nurlan Usenbaev
    orcid: 0000-0002-9079-593X
sources:
  - "UNESCO. Media and Information Literate Citizens. Paris: UNESCO, 2021."
""")
    assert diags == []
    assert manifest.authors == [
        {"name": "Айгүл Өмүрбекова", "affiliation": "Кыргыз улуттук университети", "orcid": "0000-0002-1825-0097"},
        {"name": "Sabak curriculum team", "url": "https://sabak.example.kg/team"}]
    assert manifest.reviewers == [{"name": "Nurlan Usenbaev", "orcid": "0000-0002-9079-593X"}]
    assert manifest.sources == ["UNESCO. Media and Information Literate Citizens. Paris: UNESCO, 2021."]


def test_without_the_keys_a_course_names_nobody():
    manifest, diags = check(HEAD)
    assert diags == [] and (manifest.authors, manifest.reviewers, manifest.sources) == ([], [], [])


def test_every_problem_is_reported_at_its_line_in_one_run():
    manifest, diags = check(HEAD + """\
authors:
  - name: ""
  - Bob Smith
  - affiliation: KNU
  - name: Ann
    orcid: 0000-0002-1825-0098
    emial: ann@example.org
    url: www.example.org
  - name: Ben
    orcid: 1234
reviewers: Ann
sources: [fine, 3]
""")
    assert manifest is None
    assert diags == [
        (5, E, "'name' of a person in 'authors' must be non-empty text; put it in quotes"),
        (6, E, "each of 'authors' is a person written '- name: Bob Smith', with 'affiliation:', "
               "'orcid:' or 'url:' below it if known"),
        (7, E, "a person in 'authors' has no 'name'; write '- name: ...'"),
        (10, W, "unknown key 'emial' in a person of 'authors'; a person has only: name, affiliation, "
                "orcid, url"),
        (9, E, "'orcid' '0000-0002-1825-0098' has a wrong check digit (a digit is mistyped); write the "
               "16-character iD from the person's ORCID record, e.g. 0000-0002-1825-0097"),
        (11, E, "'url' 'www.example.org' of a person in 'authors' is not a web address; write it in "
                "full, starting with https://"),
        (13, E, "'orcid' '1234' is not an ORCID iD; write the 16-character iD from the person's ORCID "
                "record, e.g. 0000-0002-1825-0097"),
        (14, E, "'reviewers' must be a list of people, one '- name: ...' item per person"),
        (15, E, "'sources' must be a list of texts, one '- item' per line"),
    ]


def test_a_typo_in_a_person_key_gets_a_suggestion_and_a_repeated_key_an_error():
    _, diags = check(HEAD + "authors:\n  - name: A\n    afiliation: X\n    name: B\n")
    assert (6, W, "unknown key 'afiliation' in a person of 'authors'; did you mean 'affiliation'?") in diags
    assert (7, E, "key 'authors.0.name' appears twice (first at line 5); keep only one") in diags


def test_an_author_among_the_reviewers_is_warned_about():
    _, diags = check(HEAD + "authors:\n  - name: Ann Lee\nreviewers:\n  - name: Bo\n  - name: ann lee\n")
    assert diags == [(8, W, "'ann lee' is both an author and a reviewer; a reviewer is someone who "
                            "did not write the course")]


@pytest.mark.parametrize("orcid, ok", [
    ("0000-0002-1825-0097", True), ("0000-0001-5109-3700", True), ("0000-0002-1694-233X", True),
    ("0000-0002-1825-0079", False), ("0000-0002-1694-2330", False),
])
def test_the_orcid_check_digit(orcid, ok):
    assert orcid_checksum_ok(orcid) is ok


def _course(root: Path, slug: str, manifest: str) -> None:
    folder = root / slug
    folder.mkdir(parents=True)
    (folder / "course.yml").write_text(manifest, encoding="utf-8")
    (folder / "01-one.md").write_text(LESSON, encoding="utf-8")


def test_a_translation_states_its_own_authors(tmp_path):
    """Nothing is inherited: a translation that names no authors while its original does is warned
    about, and one that names them (the translators among them) is not."""
    _course(tmp_path, "orig", "title: T\nlanguage: ru\nsummary: S\nauthors:\n  - name: A\n")
    _course(tmp_path, "orig-en", "title: T\nlanguage: en\nsummary: S\ntranslation_of: orig\n")
    _course(tmp_path, "orig-ky", "title: T\nlanguage: ky\nsummary: S\ntranslation_of: orig\n"
                                 "authors:\n  - name: A\n  - name: Translator\n")
    result = load_courses([tmp_path])
    warned = [(d.path.rsplit("/", 2)[-2], d.line, d.severity, d.message)
              for d in result.diagnostics if "names its authors" in d.message]
    assert warned == [("orig-en", 4, W, "'orig' names its authors but this translation names none; "
                                        "list the original's authors and the translators under 'authors'")]
    ky = next(c for c in result.courses if c.slug == "orig-ky")
    assert ky.authors == [{"name": "A"}, {"name": "Translator"}]
    en = next(c for c in result.courses if c.slug == "orig-en")
    assert en.authors == []


def test_the_people_reach_the_parsed_course(tmp_path):
    _course(tmp_path, "demo", HEAD + "authors:\n  - name: A\nreviewers:\n  - name: B\nsources:\n  - R\n")
    course, diags = load_course(tmp_path / "demo", "")
    assert diags == []
    assert (course.authors, course.reviewers, course.sources) == ([{"name": "A"}], [{"name": "B"}], ["R"])


def test_every_shipped_course_names_its_authors_and_sources():
    """#26: each course.yml says who wrote the course and which works it rests on; nobody is named
    as a reviewer before a review has happened."""
    result = load_courses([ROOT / "courses"])
    assert not result.has_errors and result.courses
    for course in result.courses:
        assert course.authors and all(p["name"] for p in course.authors), course.slug
        assert len(course.sources) >= 3, course.slug
        assert course.reviewers == [], course.slug
    text = (ROOT / "courses" / "ai-information-en" / "course.yml").read_text(encoding="utf-8")
    assert not text.startswith("#"), "the authorship comment became the authors and sources fields"


def test_every_message_about_people_and_sources_is_explained_in_the_doc(tmp_path):
    import re

    section = (ROOT / "docs" / "authoring.md").read_text("utf-8").split("## 11.")[1]
    cells = [line.split(" | ")[0] for line in section.split("\n") if line.startswith("| `")]
    fragments = [f for cell in cells for f in re.findall(r"`([^`]+)`", cell)]
    _, diags = check(HEAD + "authors:\n  - name: ''\n  - Bob\n  - affiliation: K\n  - name: A\n"
                            "    orcid: 0000-0002-1825-0098\n    mail: x\n    url: w\n  - name: B\n"
                            "    orcid: '12'\n  - name: C\nreviewers:\n  - name: C\nsources: 3\n")
    _, more = check(HEAD + "reviewers: A\n")
    _course(tmp_path, "orig", HEAD + "authors:\n  - name: A\n")
    _course(tmp_path, "orig-ru", "title: T\nlanguage: ru\nsummary: S\ntranslation_of: orig\n")
    messages = [m for _, _, m in diags + more] + [d.message for d in load_courses([tmp_path]).diagnostics]
    assert len(messages) == 11
    assert [m for m in messages if not any(f in m for f in fragments)] == []
