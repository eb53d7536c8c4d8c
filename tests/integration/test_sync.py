"""Course sync: imports courses, keeps history through edits, writes nothing when nothing changed."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Answer, Attempt, Course, Enrolment, Module, ModuleProgress, Question
from app.services import attempts, catalog, enrolment, progress
from tests import factories

pytestmark = pytest.mark.usefixtures("app")


def sync(*paths: Path, retire_missing: bool = False):
    """The sync's report, whatever it says: these tests read it."""
    return factories.sync_courses(*paths, retire_missing=retire_missing, check=False)


def stored() -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order: what the database holds."""
    db.session.expire_all()
    with db.engine.connect() as conn:
        return {table.name: sorted(map(tuple, conn.execute(table.select())), key=repr)
                for table in db.metadata.sorted_tables}


def answer(user, module, responses, key):
    submitted = attempts.submit(user, module, responses, key)
    db.session.commit()
    return db.session.get(Attempt, submitted.id)


def question(ident: str) -> Question:
    return db.session.scalar(select(Question).where(Question.ident == ident))


def test_sync_imports_a_course(tmp_path):
    folder = factories.write_course(tmp_path)
    report = sync(folder)
    assert report.ok and report.count("created") == 1
    course = db.session.scalar(select(Course).where(Course.slug == "sample-course"))
    assert [m.slug for m in course.modules] == ["intro", "boolean"]
    boolean = course.modules[1]
    assert (boolean.quiz_pass_mark, boolean.quiz_attempts) == (60, 3)
    assert "<h1" in boolean.body_html and "```quiz" not in boolean.body_html
    assert "AND" not in boolean.body_html.split("</h1>", 1)[1].split("сужает")[1]  # the quiz is not in the lesson
    q = question("bool-and")
    assert q.qtype == "multichoice" and q.source_line > 0
    assert q.rendered["choices"] == ["AND", "OR", "NOT"]


def test_resync_of_an_unchanged_tree_writes_nothing(tmp_path):
    """Nothing stored changes, the revisions the caches are kept under included (a write to the
    curriculum bumps them)."""
    folder = factories.write_course(tmp_path)
    sync(folder)
    before = stored()
    report = sync(folder)
    assert report.ok and report.count("unchanged") == 1
    assert stored() == before


def test_editing_a_course_keeps_every_attempt_and_progress_record(tmp_path):
    folder = factories.write_course(tmp_path)
    sync(folder)
    course = db.session.scalar(select(Course))
    intro, boolean = course.modules
    learner = factories.make_user()
    enrolment.enrol(learner, course)
    progress.mark_done(learner, intro)
    db.session.commit()
    q_and, q_tf = question("bool-and"), question("bool-tf")
    first = answer(learner, boolean, {q_and.id: "1", q_tf.id: "true"}, "k1")   # OR: wrong
    second = answer(learner, boolean, {q_and.id: "0", q_tf.id: "true"}, "k2")  # both right
    assert (first.score, second.score) == (50.0, 100.0)

    # The author rewords a question, removes the lesson and adds a new module.
    reworded = factories.QUIZ.replace("Какой оператор сужает поиск?", "Какой оператор делает поиск уже?")
    new_module = factories.LESSON.replace("Введение", "Фразовый поиск")
    factories.write_course(tmp_path, modules={"02-boolean.md": reworded, "03-phrases.md": new_module})
    report = sync(folder)
    assert report.ok and report.count("updated") == 1
    db.session.expire_all()

    modules = {m.slug: m for m in db.session.scalars(select(Module).where(Module.course_id == course.id))}
    assert modules["intro"].retired_at is not None          # retired, not deleted
    assert modules["phrases"].retired_at is None
    assert question("bool-and").id == q_and.id               # same identity, same row
    assert "делает поиск уже" in question("bool-and").rendered["stem"]

    # Every attempt, answer and progress record is still there and readable as answered.
    assert db.session.query(Attempt).filter_by(user_id=learner.id).count() == 2
    assert db.session.query(Answer).count() == 4
    old = db.session.get(Attempt, first.id)
    assert "сужает поиск" in old.answers[0].rendered_snapshot["stem"]
    assert old.answers[0].question_snapshot["text"].startswith("Какой оператор сужает")
    review = attempts.review(old)
    assert review[0].chosen_html == ["OR"] and review[0].answer.status == "incorrect"
    done = db.session.scalar(select(ModuleProgress).where(ModuleProgress.module_id == intro.id))
    assert done.done_at is not None
    assert db.session.scalar(select(Enrolment)).completed_at is not None  # completed before the edit

    # The retired lesson no longer counts for the course: the page lists only active modules.
    statuses = catalog.course_page(learner, course.slug).modules
    assert [s.module.slug for s in statuses] == ["boolean", "phrases"]


def test_a_removed_question_is_retired_and_restored_when_it_comes_back(tmp_path):
    folder = factories.write_course(tmp_path)
    sync(folder)
    without_tf = factories.QUIZ.split("\n// [id:bool-tf]")[0] + "\n```\n"
    factories.write_course(tmp_path, modules={"01-intro.md": factories.LESSON, "02-boolean.md": without_tf})
    report = sync(folder)
    assert "retired: question bool-tf" in "\n".join(report.lines())
    assert question("bool-tf").retired_at is not None
    factories.write_course(tmp_path)
    sync(folder)
    assert question("bool-tf").retired_at is None


def test_a_broken_course_keeps_its_last_good_version(tmp_path):
    folder = factories.write_course(tmp_path)
    sync(folder)
    broken = factories.QUIZ.replace("  =AND#", "  AND#")  # an answer line without = or ~
    factories.write_course(tmp_path, modules={"01-intro.md": "no front matter", "02-boolean.md": broken})
    report = sync(folder)
    assert not report.ok and report.failed == ["sample-course"]
    assert any(d.path.endswith("02-boolean.md") and d.is_error for d in report.diagnostics)
    assert any(d.path.endswith("01-intro.md") and d.is_error for d in report.diagnostics)
    course = db.session.scalar(select(Course))
    assert [m.slug for m in course.modules if m.retired_at is None] == ["intro", "boolean"]
    assert question("bool-and").rendered["choices"] == ["AND", "OR", "NOT"]


def test_a_course_whose_folder_is_gone_is_retired_when_syncing_the_whole_tree(tmp_path):
    factories.write_course(tmp_path, "first-course")
    factories.write_course(tmp_path, "second-course")
    sync(tmp_path, retire_missing=True)
    import shutil

    shutil.rmtree(tmp_path / "second-course")
    report = sync(tmp_path, retire_missing=True)
    assert report.count("retired") == 1
    gone = db.session.scalar(select(Course).where(Course.slug == "second-course"))
    assert gone.retired_at is not None


def test_cli_sync_and_check(runner, tmp_path):
    factories.write_course(tmp_path, "good-course")
    factories.write_course(tmp_path, "bad-course", modules={"01-x.md": "---\ntitle: [unclosed\n---\n"})
    check = runner.invoke(args=["courses", "check", str(tmp_path)])
    assert check.exit_code == 1
    assert "bad-course/01-x.md:2: error:" in check.output
    assert "1 error" in check.output.splitlines()[-1]
    result = runner.invoke(args=["courses", "sync", str(tmp_path)])
    assert result.exit_code == 1
    assert "good-course: created" in result.output and "bad-course" in result.output
    assert db.session.scalar(select(Course).where(Course.slug == "good-course")) is not None
    good_only = runner.invoke(args=["courses", "check", str(tmp_path / "good-course")])
    assert good_only.exit_code == 0 and "0 errors, 0 warnings in 1 course" in good_only.output


def test_the_real_curriculum_checks_clean(runner, app):
    result = runner.invoke(args=["courses", "check"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1].startswith("0 errors, 0 warnings")


def test_media_is_served_from_the_course_folder_only(client, tmp_path):
    folder = factories.write_course(tmp_path, media={"diagram.svg": b"<svg xmlns='http://www.w3.org/2000/svg'/>"})
    (tmp_path / "secret.txt").write_text("not for the web")
    sync(folder)
    ok = client.get("/courses/sample-course/media/diagram.svg")
    assert ok.status_code == 200 and "max-age=86400" in ok.headers["Cache-Control"]
    for path in ["../course.yml", "../../secret.txt", "%2e%2e/course.yml", "/etc/passwd"]:
        response = client.get(f"/courses/sample-course/media/{path}", follow_redirects=True)
        assert response.status_code == 404, path


def test_tracks_are_synced_and_a_broken_tracks_file_changes_nothing(tmp_path):
    from app.models import Track

    factories.write_course(tmp_path)
    (tmp_path / "tracks.yml").write_text(
        "information-literacy:\n  title: {ru: \"ИГ\", en: \"IL\"}\n  levels:\n"
        "    - {id: done, title: {ru: \"Пройдено\", en: \"Done\"}, hours: 2}\n", encoding="utf-8")
    report = sync(tmp_path, retire_missing=True)
    assert report.ok
    track = db.session.scalar(select(Track))
    assert track.slug == "information-literacy" and track.levels[0]["hours"] == 2
    (tmp_path / "tracks.yml").write_text("information-literacy: [broken\n", encoding="utf-8")
    report = sync(tmp_path, retire_missing=True)
    assert any(d.path.endswith("tracks.yml") and d.is_error for d in report.diagnostics)
    assert not report.ok and report.failed == ["tracks.yml"]
    db.session.expire_all()
    assert db.session.scalar(select(Track)).retired_at is None


def test_a_new_renderer_re_renders_stored_lessons_of_unchanged_files(app, tmp_path, monkeypatch):
    """Module HTML is stored at sync, and a sync skips a course whose content hash is unchanged:
    the renderer's version is part of the hash, so HTML made by an older renderer is replaced."""
    from app.curriculum import loader
    from app.models import Module

    folder = factories.write_course(tmp_path / "courses", modules={
        "01-intro.md": factories.LESSON + "\n| Где искать | Что там есть |\n|---|---|\n| Каталог | Книги |\n"})
    assert sync(folder).ok
    module = db.session.scalar(select(Module).where(Module.slug == "intro"))
    assert 'class="table-scroll"' in module.body_html
    module.body_html = module.body_html.replace('<div class="table-scroll"', "<div")  # an older renderer's
    db.session.commit()
    assert sync(folder).ok
    assert 'class="table-scroll"' not in db.session.get(Module, module.id).body_html  # unchanged: skipped
    monkeypatch.setattr(loader, "RENDER_VERSION", loader.RENDER_VERSION + 1)
    assert sync(folder).ok
    assert 'class="table-scroll"' in db.session.get(Module, module.id).body_html
