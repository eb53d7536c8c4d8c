"""The curriculum as synced from course files: courses, their modules and quiz questions.

Rows are matched to files by identity (course slug, module slug, question id) and are retired,
never deleted, when their file or question disappears: learners' attempts and progress point at
them and must stay readable.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import TimestampMixin, UTCDateTime


class Course(TimestampMixin, db.Model):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    language: Mapped[str] = mapped_column(String(5), index=True)
    summary: Mapped[str] = mapped_column(Text)
    audience: Mapped[str] = mapped_column(String(20), default="all")
    track: Mapped[str | None] = mapped_column(String(100), index=True)
    hours: Mapped[float] = mapped_column(Float, default=0.0)
    pass_mark: Mapped[int] = mapped_column(Integer, default=70)
    outcomes: Mapped[list] = mapped_column(JSON, default=list)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    translation_of: Mapped[str | None] = mapped_column(String(100), index=True)
    # When a pretest's answers and option feedback are shown: "after-posttest" or "immediate"
    # (course.yml; app.services.attempts.feedback_withheld).
    pretest_feedback: Mapped[str] = mapped_column(String(20), default="after-posttest",
                                                  server_default=text("'after-posttest'"))
    # Who wrote and who reviewed the course (lists of {"name", and optionally "affiliation",
    # "orcid", "url"}) and the main works it rests on (reference texts): course.yml, shown on
    # the course page, in the API and in the certificate's achievement (app.services.certificates).
    authors: Mapped[list] = mapped_column(JSON, default=list, server_default=text("'[]'"))
    reviewers: Mapped[list] = mapped_column(JSON, default=list, server_default=text("'[]'"))
    sources: Mapped[list] = mapped_column(JSON, default=list, server_default=text("'[]'"))
    content_hash: Mapped[str] = mapped_column(String(64))
    source_dir: Mapped[str] = mapped_column(String(500))
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime())
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    modules: Mapped[list[Module]] = relationship(
        back_populates="course", order_by="Module.position", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Course {self.slug}>"


class Module(TimestampMixin, db.Model):
    __tablename__ = "course_modules"
    __table_args__ = (UniqueConstraint("course_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    minutes: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20), default="lesson")
    body_html: Mapped[str] = mapped_column(Text)
    search_text: Mapped[str] = mapped_column(Text)
    headings: Mapped[list] = mapped_column(JSON, default=list)
    source_hash: Mapped[str] = mapped_column(String(64))
    quiz_pass_mark: Mapped[int] = mapped_column(Integer, default=70)
    quiz_attempts: Mapped[int | None] = mapped_column(Integer)  # None: unlimited
    quiz_shuffle: Mapped[bool] = mapped_column(Boolean, default=False)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    course: Mapped[Course] = relationship(back_populates="modules")
    questions: Mapped[list[Question]] = relationship(
        back_populates="module", order_by="Question.position"
    )

    @property
    def is_active(self) -> bool:
        return self.retired_at is None

    def __repr__(self) -> str:
        return f"<Module {self.slug} of course {self.course_id}>"


class Question(TimestampMixin, db.Model):
    """A quiz question. ``data`` is the parsed question (``curriculum.questions.Question.to_dict``);
    ``rendered`` holds its sanitised HTML parts, made at sync so a page view never parses text."""

    __tablename__ = "quiz_questions"
    __table_args__ = (UniqueConstraint("course_id", "ident"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("course_modules.id", ondelete="CASCADE"), index=True)
    ident: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)
    qtype: Mapped[str] = mapped_column(String(20))
    data: Mapped[dict] = mapped_column(JSON)
    rendered: Mapped[dict] = mapped_column(JSON)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    source_line: Mapped[int] = mapped_column(Integer, default=0)
    content_hash: Mapped[str] = mapped_column(String(64))
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    module: Mapped[Module] = relationship(back_populates="questions")

    @property
    def is_active(self) -> bool:
        return self.retired_at is None
