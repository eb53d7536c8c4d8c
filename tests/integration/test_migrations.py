"""The migrations build the schema from empty, and they agree with the models."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from app.extensions import db
from app.platform.migrations import include_in_migrations, render_migration_item


def test_upgrade_from_empty_matches_the_models(app):
    """Compared with the options the factory gives Flask-Migrate (app.platform.migrations), which
    ``flask db migrate`` and ``flask db check`` use."""
    options = app.extensions["migrate"].configure_args
    assert options["render_item"] is render_migration_item and options["include_name"] is include_in_migrations
    assert options["compare_type"] and options["render_as_batch"]
    db.drop_all()
    upgrade()
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts=dict(options))
        differences = compare_metadata(context, db.metadata)
    assert differences == [], f"models and migrations differ; run flask db migrate: {differences}"
    tables = set(inspect(db.engine).get_table_names())
    assert {"users", "institutions", "alembic_version"} <= tables


def _triggers() -> set[str]:
    from sqlalchemy import text

    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            return set(conn.scalars(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")))
        return set(conn.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")))


def test_the_migrations_make_the_same_triggers_as_the_models(app):
    """Triggers are outside the metadata comparison above: the learning revision's, made by the
    models' DDL events for the tests' schema, must be the migrations' too."""
    from_models = _triggers()
    assert {"cohort_members_learning_ai", "cohorts_learning_au", "quiz_attempts_learning_au"} <= from_models
    db.drop_all()
    upgrade()
    assert _triggers() == from_models


def test_downgrade_to_base_and_back(app):
    db.drop_all()
    upgrade()
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade()


def test_the_learning_revision_migration_keeps_every_row_and_makes_the_triggers(app, tmp_path):
    """Downgrading it copies ``users`` into a new table (a SQLite batch step) and drops the old:
    with foreign keys enforced that would delete every enrolment, progress row and attempt by
    cascade (migrations/env.py turns them off while migrating). Its triggers are not part of the
    models' comparison above, so they are checked by what they do."""
    from sqlalchemy import func, select

    from app.models import Course, Enrolment, ModuleProgress, User
    from app.services import enrolment
    from tests import factories

    db.drop_all()
    upgrade()
    factories.sync_courses(factories.write_course(tmp_path))
    course = db.session.scalar(select(Course))
    learner = factories.make_user()
    enrolment.enrol(learner, course)
    db.session.add(ModuleProgress(user_id=learner.id, module_id=course.modules[0].id, attempt_count=0))
    db.session.commit()
    learner_id, course_id = learner.id, course.id
    db.session.close()
    downgrade(revision="a4c7e2f91b36")  # the one before it
    upgrade()
    learner, course = db.session.get(User, learner_id), db.session.get(Course, course_id)
    assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 1
    assert db.session.scalar(select(func.count()).select_from(ModuleProgress)) == 1
    before = db.session.scalar(select(User.learning_revision).where(User.id == learner.id))
    enrolment.leave(learner, course)
    db.session.commit()
    assert db.session.scalar(select(User.learning_revision).where(User.id == learner.id)) == before + 1


def test_the_coordinators_migration_keeps_the_users_and_downgrades_coordinators_to_learners(app, tmp_path):
    """Adding users.coordinates_all_institutions alters `users` in place (a batch copy would break
    the learning-revision triggers that name it), and going back turns coordinators into
    learners, as the older code cannot read the role; enrolments and triggers survive both ways."""
    from sqlalchemy import func, select, text

    from app.models import Course, Enrolment, User
    from app.services import coordinator, enrolment
    from tests import factories

    db.drop_all()
    upgrade()
    factories.sync_courses(factories.write_course(tmp_path))
    inst = factories.make_institution("КНУ")
    coord = factories.make_user(role="coordinator")
    coordinator.set_coordinator_scope(coord, institutions=[inst], all_institutions=False)
    learner = factories.make_user()
    enrolment.enrol(learner, db.session.scalar(select(Course)))
    db.session.commit()
    coord_id, learner_id = coord.id, learner.id
    db.session.close()
    downgrade(revision="8e4b2d6f0a19")
    with db.engine.connect() as conn:
        assert conn.scalar(text("SELECT role FROM users WHERE id = :id"), {"id": coord_id}) == "learner"
        assert "coordinator_institutions" not in inspect(conn).get_table_names()
        assert "coordinates_all_institutions" not in {c["name"] for c in inspect(conn).get_columns("users")}
    upgrade()
    assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 1
    assert db.session.get(User, coord_id).coordinates_all_institutions is False
    learner = db.session.get(User, learner_id)
    before = learner.learning_revision
    enrolment.leave(learner, db.session.scalar(select(Course)))
    db.session.commit()
    assert db.session.scalar(select(User.learning_revision).where(User.id == learner_id)) == before + 1
