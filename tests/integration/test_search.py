"""Full-text search over courses and modules, on the real database (SQLite FTS5 or PostgreSQL)."""
from __future__ import annotations

import itertools

import pytest
from sqlalchemy import delete, inspect, text

from app.extensions import db
from app.models.base import utcnow
from app.models.catalog import Course, Module
from app.models.search import SQLITE_FTS_TABLES, SearchDocument
from app.services.search import (
    SNIPPET_CHARS, make_snippet, query_words, reindex_all, reindex_course, search_course_ids,
    search_courses,
)

_serial = itertools.count(1)


def make_course(title: str, summary: str = "", *, language: str = "ru", modules=(),
                outcomes=(), tags=(), index: bool = True) -> Course:
    """A course with modules given as (title, search_text) pairs, indexed unless told not to."""
    n = next(_serial)
    course = Course(
        slug=f"course-{n}", title=title, language=language, summary=summary, outcomes=list(outcomes),
        tags=list(tags), content_hash="0" * 64, source_dir=f"/courses/course-{n}", synced_at=utcnow(),
    )
    db.session.add(course)
    db.session.flush()
    for position, (module_title, body) in enumerate(modules, start=1):
        db.session.add(Module(
            course_id=course.id, slug=f"m{position}", position=position, filename=f"{position:02}.md",
            title=module_title, body_html=f"<p>{body}</p>", search_text=body, source_hash="0" * 64,
        ))
    db.session.flush()
    if index:
        reindex_course(course)
    return course


def module_of(course: Course, position: int) -> Module:
    return db.session.scalar(
        db.select(Module).where(Module.course_id == course.id, Module.position == position)
    )


def ids(query: str, **kwargs) -> list[int]:
    return [hit.course_id for hit in search_courses(query, **kwargs)]


@pytest.fixture
def library(app):
    """Three courses in three languages, committed like a sync would."""
    courses = {
        "ru": make_course(
            "Информационная грамотность", "Как работает БИБЛИОТЕКА и каталог.",
            outcomes=["Находить источники"], tags=["медиа"],
            modules=[("Поиск в каталоге", "Электронная библиотека хранит книги и статьи."),
                     ("Оценка источников", "Проверка фактов и авторов.")],
        ),
        "ky": make_course(
            "Маалыматтык сабаттуулук", "Коомдун өнүгүү жолу жана Үй-бүлө.", language="ky",
            modules=[("Ишенимдүү булактар", "Маалыматты текшерүү: ким жазды, качан, эмне үчүн."),
                     ("Медиа жана коом", "Ңаңгыр деген сөз жок, бирок ң тамгасы бар.")],
        ),
        "en": make_course(
            "Media literacy", "Evaluating sources in the digital age.", language="en",
            modules=[("Fact checking", "Lateral reading and checking the author.")],
        ),
    }
    db.session.commit()
    return courses


# --- Languages and letters -------------------------------------------------------------------

def test_russian_words_find_the_course_and_the_module(library):
    ru = library["ru"]
    assert ids("грамотность") == [ru.id]
    hit, = search_courses("электронная")
    assert (hit.course_id, hit.module_id, hit.title) == (ru.id, module_of(ru, 1).id, "Поиск в каталоге")


@pytest.mark.parametrize("query", [
    "маалыматтык сабаттуулук", "өнүгүү", "ӨНҮГҮҮ", "Өнүгүү", "Үй-бүлө", "үй бүлө", "ҮЙ-БҮЛӨ",
    "ишенимдүү", "ИШЕНИМДҮҮ", "ң", "Ң", "ңаңгыр", "текшерүү",
])
def test_kyrgyz_letters_are_letters_and_fold_case(library, query):
    assert ids(query) == [library["ky"].id]


@pytest.mark.parametrize("query, stored", [("онугуу", "өнүгүү"), ("уй булу", "Үй-бүлө"),
                                           ("текшеруу", "текшерүү"), ("нангыр", "Ңаңгыр")])
def test_kyrgyz_letters_are_not_folded_to_russian_ones(library, query, stored):
    # ө ү ң are separate letters of the Kyrgyz alphabet, not о у н with a mark: "өнүгүү" and
    # "онугуу" are different words, so neither finds the other (nor does й/и fold; ё/е does, below).
    assert ids(query) == []
    assert ids(stored) == [library["ky"].id]


def test_o_u_n_spellings_do_not_find_kyrgyz_letters_and_back(app):
    ky = make_course("Өнүгүү", language="ky")
    ru = make_course("Онугуу", language="ru")
    assert ids("өнүгүү") == [ky.id]
    assert ids("онугуу") == [ru.id]


@pytest.mark.parametrize("query, expected", [
    ("учет", {"yo", "ye"}), ("учёт", {"yo", "ye"}), ("УЧЕТ", {"yo", "ye"}), ("УЧЁТ", {"yo", "ye"}),
    ("её", {"yo", "ye"}), ("ее", {"yo", "ye"}), ("учётн", {"ye"}),
])
def test_yo_and_ye_find_each_other(app, query, expected):
    # Russian is mostly typed with е for ё; both spellings must find both, in titles and bodies.
    courses = {"yo": make_course("Учёт фондов", "Как вести её учёт."),
               "ye": make_course("Каталог", modules=[("Модуль", "Учетные документы и ее порядок.")])}
    assert set(ids(query)) == {courses[name].id for name in expected}


def test_yo_folding_keeps_the_text_and_the_title_tier(app):
    titled = make_course("Учёт", modules=[("Модуль", "Разное.")])
    body = make_course("Каталог", modules=[("Модуль", "Вступление. " * 30 + "Здесь учёт фондов." + " Хвост." * 30)])
    hits = search_courses("учет")
    assert [h.course_id for h in hits] == [titled.id, body.id]  # a title hit still ranks first
    assert "учёт фондов" in hits[1].snippet  # shown as written, found through е


def test_only_yo_is_folded(app):
    yod = make_course("Йод и йогурт")
    assert ids("иод") == [] and ids("йод") == [yod.id]


def test_an_updated_document_with_yo_is_reindexed(app):
    # The SQLite triggers must delete exactly the folded text they indexed, or FTS5 keeps ghosts.
    course = make_course("Отчёт")
    document = db.session.scalar(db.select(SearchDocument).where(SearchDocument.course_id == course.id))
    document.title = "Счёт"
    db.session.commit()
    assert ids("отчет") == [] and ids("счет") == [course.id]
    db.session.delete(document)
    db.session.commit()
    assert ids("счет") == []


def test_english(library):
    en = library["en"]
    assert ids("media literacy") == [en.id]
    assert ids("LATERAL Reading") == [en.id]


@pytest.mark.parametrize("query, stored", [
    ("БИБЛИОТЕКА", "библиотека"), ("библиотека", "БИБЛИОТЕКА"), ("ИНФОРМАЦИОННАЯ", "Информационная"),
    ("медиа", "МЕДИА"), ("EVALUATING", "Evaluating"),
])
def test_case_insensitive_in_every_script(library, query, stored):
    assert ids(query), f"{query!r} should find {stored!r}"


def test_cafe_with_or_without_accent(app):
    # Latin accents are dropped on SQLite (remove_diacritics 2) but kept on PostgreSQL ('simple'
    # has no unaccent); both find the word as written.
    course = make_course("Café culture", language="en")
    assert ids("café") == [course.id]
    assert ids("CAFÉ") == [course.id]


# --- Query semantics -------------------------------------------------------------------------

@pytest.mark.parametrize("query", ["библиот", "грам", "инф грам", "маал", "Үй", "med lit"])
def test_every_word_is_a_prefix(library, query):
    assert ids(query)


def test_a_prefix_does_not_match_inside_a_word(library):
    assert ids("блиотека") == []


def test_all_words_must_match_in_one_document(app):
    both = make_course("Яблоки и груши")
    make_course("Яблоки", modules=[("Груши", "Про груши.")])  # the words are in two documents
    make_course("Груши")
    assert ids("яблоки груши") == [both.id]
    assert ids("яблоки груши сливы") == []


def test_language_filter(library):
    assert ids("медиа", language="ky") == [library["ky"].id]
    assert ids("медиа", language="ru") == [library["ru"].id]
    assert ids("media", language="en") == [library["en"].id]
    assert ids("медиа", language="en") == []
    assert set(ids("медиа")) == {library["ru"].id, library["ky"].id}


def test_each_course_appears_once_with_its_best_hit(app):
    course = make_course("Курс", "Слово архив в описании.",
                         modules=[("Архив", "Про архив."), ("Другое", "И тут архив.")])
    hits = search_courses("архив")
    assert [h.course_id for h in hits] == [course.id]
    assert hits[0].module_id == module_of(course, 1).id  # the module whose title matches
    assert hits[0].title == "Архив"


def test_a_course_title_hit_is_reported_without_module(app):
    course = make_course("Архивное дело", modules=[("Введение", "Архив и его фонды.")])
    hit, = search_courses("архив")
    assert (hit.course_id, hit.module_id, hit.title) == (course.id, None, "Архивное дело")


def test_a_title_hit_ranks_above_a_body_hit(app):
    in_body = make_course("Общий курс", "Много слов. Архив упомянут здесь один раз среди прочего.")
    in_title = make_course("Архив", "Описание без этого слова.")
    in_module_title = make_course("Третий курс", modules=[("Архив города", "Текст.")])
    in_module_body = make_course("Четвёртый курс", modules=[("Текст", "Городской архив.")])
    repeated_in_body = make_course("Пятый курс", modules=[("Текст", "архивы архиву " * 500)])
    order = ids("архив")
    assert set(order[:2]) == {in_title.id, in_module_title.id}
    assert set(order[2:]) == {in_body.id, in_module_body.id, repeated_in_body.id}
    assert search_course_ids("архив") == order


def test_limit(app):
    for n in range(5):
        make_course(f"Архив {n}")
    assert len(search_courses("архив", limit=3)) == 3
    assert len(search_course_ids("архив")) == 5


# --- What is published -----------------------------------------------------------------------

def test_retired_modules_are_not_indexed(library):
    ru = library["ru"]
    module_of(ru, 1).retired_at = utcnow()
    reindex_course(ru)
    db.session.commit()
    assert ids("электронная") == []
    assert ids("проверка") == [ru.id]
    assert db.session.scalar(
        db.select(db.func.count()).select_from(SearchDocument).where(SearchDocument.course_id == ru.id)
    ) == 2  # the course and its one active module


def test_retired_module_or_course_hidden_even_before_a_reindex(library):
    module_of(library["ru"], 1).retired_at = utcnow()
    library["en"].retired_at = utcnow()
    db.session.commit()
    assert ids("электронная") == []
    assert ids("media") == []
    assert search_course_ids("lateral") == []


def test_reindex_replaces_the_old_text(library):
    ru = library["ru"]
    ru.title = "Цифровая гигиена"
    module_of(ru, 2).search_text = "Пароли и двухфакторная защита."
    reindex_course(ru)
    reindex_course(ru)  # twice: still one document per course and module
    db.session.commit()
    assert ids("грамотность") == []
    assert ids("проверка") == []
    assert ids("гигиена") == [ru.id]
    assert ids("двухфакторная") == [ru.id]
    assert ids("электронная") == [ru.id]
    assert db.session.scalar(db.select(db.func.count()).select_from(SearchDocument)) == 8


def test_deleting_a_course_removes_its_documents(library):
    en = library["en"]
    db.session.execute(delete(Course).where(Course.id == en.id))
    db.session.commit()
    assert ids("media") == []
    assert db.session.scalar(db.select(db.func.count()).select_from(SearchDocument)) == 6


def test_an_updated_document_is_reindexed(app):
    # reindex_course deletes and inserts; the SQLite UPDATE trigger covers any other writer.
    course = make_course("Архив")
    document = db.session.scalar(db.select(SearchDocument).where(SearchDocument.course_id == course.id))
    document.title = "Фонды"
    db.session.commit()
    assert ids("архив") == []
    assert ids("фонды") == [course.id]


def test_reindex_all(app):
    course = make_course("Архив", index=False)
    assert ids("архив") == []
    assert reindex_all() == 1
    assert ids("архив") == [course.id]


# --- Hostile input ---------------------------------------------------------------------------

@pytest.mark.parametrize("query", [
    "", " ", "\t\n", '"', "'", "*", "**", "AND (", "OR", "NOT", "-", "- архив", "NEAR", "NEAR(a b)",
    "a:*", "title:архив", "архив*", '"архив', "архив'", "(", ")", "&", "|", "!", "<->", "\\", "^",
    "{title}: x", "%", "_", "архив AND", "архив OR медиа", "x" * 500, "архив " * 100, "ё" * 500,
    "\x00", "🙂 архив", "a b c d e f g h i j k l", "1", "0:*",
])
def test_hostile_input_never_errors(library, query):
    make_course("Архив")
    assert isinstance(search_courses(query), list)
    assert isinstance(search_course_ids(query, language="ru"), list)


def test_operator_words_are_searched_as_words(app):
    course = make_course("Near and far", language="en")
    assert ids("NEAR") == [course.id]
    assert ids("and far") == [course.id]
    assert ids("- архив") == []


# --- Snippets and query words (pure) ---------------------------------------------------------

def test_snippet_is_plain_text_around_the_first_match(app):
    body = ("Вступление. " * 30) + "Здесь <b>главное</b>: Архивное дело & фонды. " + ("Хвост. " * 30)
    make_course("Курс", modules=[("Модуль", body)])
    hit, = search_courses("архив")
    assert "Архивное дело" in hit.snippet
    assert len(hit.snippet) <= SNIPPET_CHARS + 2
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert "<b>главное</b>" in hit.snippet  # stored text comes back as is; the template escapes


def test_make_snippet():
    assert make_snippet("  short\n text ", ["text"]) == "short text"
    long = " ".join(f"w{n}" for n in range(200))
    assert make_snippet(long, ["w150"]).startswith("…")
    assert "w150" in make_snippet(long, ["w150"])
    assert make_snippet(long, ["nothing"]).startswith("w0 ")
    assert "өнүгүү" in make_snippet("ы " * 200 + "ӨНҮГҮҮ өнүгүү" + " ы" * 200, ["өнүгүү"]).lower()
    assert "Ёлка" in make_snippet("ы " * 200 + "Ёлка" + " ы" * 200, ["елка"])


def test_query_words():
    assert query_words('  "Үй-бүлө" AND (near)* -x ') == ["үй", "бүлө", "and", "near", "x"]
    assert query_words("a a A") == ["a"]
    assert query_words("и\u0306од") == ["йод"]  # a decomposed й is one letter
    assert query_words("Ещё ЁЛКА") == ["еще", "елка"]  # ё is searched as е
    assert len(query_words("слово " * 100)) == 1
    assert len(query_words(" ".join(map(str, range(100))))) == 8


# --- The index itself ------------------------------------------------------------------------

def test_index_objects_exist_for_this_database(app):
    tables = set(inspect(db.engine).get_table_names())
    if db.engine.dialect.name == "sqlite":
        assert SQLITE_FTS_TABLES <= tables
        triggers = db.session.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
        assert {"search_documents_ai", "search_documents_ad", "search_documents_au"} <= set(triggers)
    else:
        assert not SQLITE_FTS_TABLES & tables
        indexes = {i["name"] for i in inspect(db.engine).get_indexes("search_documents")}
        assert "ix_search_documents_tsv" in indexes


def test_drop_all_removes_the_fts_objects(app):
    db.drop_all()
    left = set(inspect(db.engine).get_table_names())
    assert not SQLITE_FTS_TABLES & left
    db.create_all()


def test_postgresql_uses_the_gin_index(library):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    from app.services.search import _best_per_course

    statement = _best_per_course(["библиот"], None, 50)
    with db.engine.connect() as conn:
        conn.exec_driver_sql("SET enable_seqscan = off")
        compiled = statement.compile(conn, compile_kwargs={"literal_binds": True})
        plan = "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {compiled}"))
    assert "ix_search_documents_tsv" in plan, plan
