"""The OpenAPI 3.1 description of API v1, written by hand as data (served at /api/v1/openapi.json).

The test suite validates every response against it and runs schemathesis over it, so a change
to an endpoint's JSON that is not made here too fails the tests.
"""
from __future__ import annotations

import copy
from typing import Any

from app import learning_rules
from app.models.people import Role

SLUG_PATTERN = "^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"
KEY_PATTERN = "^[A-Za-z0-9._:-]{1,64}$"
# The input rule (app/input_rule.py) for every text the API reads: no control characters but
# tab and line breaks, at most MAX_FIELD_CHARS characters; refused with 400.
TEXT_PATTERN = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f]*$"


def _text(max_length: int = 100_000, **extra) -> dict[str, Any]:
    return {"type": "string", "pattern": TEXT_PATTERN, "maxLength": max_length, **extra}


def _nullable(type_: str, **extra) -> dict[str, Any]:
    return {"type": [type_, "null"], **extra}


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {"type": "object", "properties": properties,
            "required": list(properties) if required is None else required}


TIMESTAMP = {"type": "string", "format": "date-time", "description": "ISO 8601, UTC"}
SCORE = _nullable("number", minimum=0, maximum=100)

SCHEMAS: dict[str, Any] = {
    "Error": _obj({"error": _obj({"status": {"type": "integer"}, "message": {"type": "string"}})}),
    "Me": _obj({"id": {"type": "integer"}, "name": {"type": "string"}, "email": {"type": "string"},
                "role": {"type": "string", "enum": [role.value for role in Role]},
                "locale": _nullable("string")}),
    "EnrolmentStatus": {"type": "string", "enum": list(learning_rules.ENROLMENT_STATUSES),
                        "description": "Present only when the request is authenticated."},
    "ModuleStatus": {"type": "string", "enum": list(learning_rules.MODULE_STATUSES)},
    "CourseSummary": _obj({
        "slug": {"type": "string"}, "title": {"type": "string"}, "language": {"type": "string"},
        "summary": {"type": "string"}, "audience": {"type": "string"}, "track": _nullable("string"),
        "hours": {"type": "number"}, "pass_mark": {"type": "integer"}, "module_count": {"type": "integer"},
        "translation_of": _nullable("string"),
        "group": {"type": "string", "description": "The course group: the original's slug, shared by a course and "
                  "its translations (one course for credit; the catalog page shows one card per group). "
                  "The list itself stays one entry per course."},
        "my_status": _ref("EnrolmentStatus"),
    }, required=["slug", "title", "language", "summary", "audience", "track", "hours", "pass_mark",
                 "module_count", "translation_of", "group"]),
    "CourseList": _obj({"courses": {"type": "array", "items": _ref("CourseSummary")}}),
    "ModuleEntry": _obj({
        "slug": {"type": "string"}, "position": {"type": "integer"}, "title": {"type": "string"},
        "minutes": _nullable("integer"), "kind": {"type": "string"}, "has_quiz": {"type": "boolean"},
        "my_status": _ref("ModuleStatus"), "my_best_score": SCORE,
    }, required=["slug", "position", "title", "minutes", "kind", "has_quiz"]),
    "CourseDetail": _obj({
        "slug": {"type": "string"}, "title": {"type": "string"}, "language": {"type": "string"},
        "summary": {"type": "string"}, "audience": {"type": "string"}, "track": _nullable("string"),
        "hours": {"type": "number"}, "pass_mark": {"type": "integer"}, "translation_of": _nullable("string"),
        "outcomes": {"type": "array", "items": {"type": "string"}},
        "tags": {"type": "array", "items": {"type": "string"}},
        "authors": {"type": "array", "items": _ref("Person"),
                    "description": "Who wrote the course (course.yml); a translation names its translators too."},
        "reviewers": {"type": "array", "items": _ref("Person"),
                      "description": "Who reviewed the course; empty until a review has been done."},
        "sources": {"type": "array", "items": {"type": "string"},
                    "description": "References to the main works the course rests on."},
        "translations": {"type": "array", "items": _obj({"slug": {"type": "string"}, "language": {"type": "string"}})},
        "modules": {"type": "array", "items": _ref("ModuleEntry")},
        "my_status": _ref("EnrolmentStatus"),
    }, required=["slug", "title", "language", "summary", "audience", "track", "hours", "pass_mark",
                 "translation_of", "outcomes", "tags", "authors", "reviewers", "sources", "translations",
                 "modules"]),
    "Person": {**_obj({
        "name": {"type": "string"},
        "affiliation": {"type": "string"},
        "orcid": {"type": "string", "pattern": r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$",
                  "description": "The ORCID iD, without https://orcid.org/."},
        "url": {"type": "string", "format": "uri"},
    }, required=["name"]), "additionalProperties": False},
    "Enrolment": _obj({"course": {"type": "string"}, "enrolled_at": TIMESTAMP,
                       "completed_at": {**TIMESTAMP, "type": ["string", "null"]}}),
    "QuizQuestion": {
        **_obj({
            "id": {"type": "string", "description": "The question's id in the course files; key of `answers`."},
            "number": {"type": "integer", "minimum": 1},
            "type": {"type": "string", "enum": ["multichoice", "multiresponse", "truefalse", "shortanswer",
                                                "numerical", "matching", "essay", "description"]},
            "stem_html": {"type": "string"},
            "choices": {"type": "array", "description": "multichoice and multiresponse, in display order",
                        "items": _obj({"index": {"type": "integer", "minimum": 0}, "html": {"type": "string"}})},
            "items": {"type": "array", "description": "matching: the left-hand items",
                      "items": _obj({"index": {"type": "integer", "minimum": 0}, "html": {"type": "string"}})},
            "options": {"type": "array", "description": "matching: the right-hand texts to choose from",
                        "items": {"type": "string"}},
        }, required=["id", "number", "type", "stem_html"]),
        "additionalProperties": False,
    },
    "Quiz": _obj({
        "course": {"type": "string"}, "module": {"type": "string"},
        "pass_mark": {"type": "integer"}, "attempts_allowed": _nullable("integer", description="null: unlimited"),
        "attempts_used": {"type": "integer", "minimum": 0}, "attempts_left": _nullable("integer"),
        "best_score": SCORE,
        "idempotency_key": {"type": "string", "pattern": KEY_PATTERN,
                            "description": "A fresh key to send with this attempt."},
        "questions": {"type": "array", "items": _ref("QuizQuestion")},
    }),
    "Response": {
        "description": (
            "One answer, by question type: multichoice an integer choice index; multiresponse a list "
            "of indexes; truefalse a boolean; shortanswer and essay a string; numerical a number or a "
            "string (a decimal comma is accepted); matching an object {item index as string: chosen "
            "option text}; null leaves the question unanswered."
        ),
        "oneOf": [
            {"type": "null"}, {"type": "boolean"}, {"type": "integer", "minimum": -(2**63 - 1), "maximum": 2**63 - 1},
            {"type": "number", "not": {"type": "integer"}},
            _text(),
            {"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 2**63 - 1}, "maxItems": 100},
            {"type": "object", "propertyNames": _text(64), "additionalProperties": _text(2000)},
        ],
    },
    "AttemptRequest": {
        "type": "object",
        "properties": {
            "idempotency_key": {"type": "string", "pattern": KEY_PATTERN,
                                "description": "Repeat a submission with the same key to get the same attempt."},
            "answers": {"type": "object", "propertyNames": _text(200), "additionalProperties": _ref("Response"),
                        "description": "{question id: response}; missing questions count as unanswered."},
        },
        "required": ["answers"],
    },
    "AnswerResult": _obj({
        "question_id": {"type": "string"},
        "status": {"type": "string", "enum": ["correct", "partial", "incorrect", "pending", "ungraded", "unanswered",
                                              "withheld"],
                   "description": "withheld: a pre-test's result, held back until the learner takes the post-test."},
        "fraction": _nullable("number", minimum=0, maximum=1),
        "mark": _nullable("number", minimum=0, maximum=100,
                          description="The question's own mark in percent (an essay's: the instructor's grade); "
                                      "null while it waits for grading, when not graded or withheld."),
        "comment": _nullable("string", description="The instructor's comment on this answer."),
        "feedback_html": {"type": "array", "items": {"type": "string"}},
        "general_feedback_html": {"type": "string"},
    }),
    "AttemptSummary": _obj({
        "course": {"type": "string"}, "module": {"type": "string"}, "number": {"type": "integer", "minimum": 1},
        "score": {"type": "number", "description": "Percent over the graded questions; a waiting essay counts 0."},
        "auto_score": {"type": "number", "description": "Percent over the automatically graded questions."},
        "passed": {"type": "boolean"}, "pending": {"type": "boolean"},
        "submitted_at": TIMESTAMP,
    }),
    "AttemptList": _obj({"attempts": {"type": "array", "items": _ref("AttemptSummary")}}),
    "ModuleProgress": _obj({"slug": {"type": "string"}, "title": {"type": "string"},
                            "status": _ref("ModuleStatus"), "best_score": SCORE}),
    "CourseProgress": _obj({
        "course": {"type": "string"}, "title": {"type": "string"},
        "modules_total": {"type": "integer"}, "modules_done": {"type": "integer"},
        "percent": {"type": "integer", "minimum": 0, "maximum": 100},
        "enrolled_at": TIMESTAMP, "completed_at": {**TIMESTAMP, "type": ["string", "null"]},
        "modules": {"type": "array", "items": _ref("ModuleProgress")},
    }),
    "ProgressList": _obj({"courses": {"type": "array", "items": _ref("CourseProgress")}}),
    "CreditEntry": _obj({
        "source": {"type": "string", "enum": ["course", "external"]}, "course": _nullable("string"),
        "title": {"type": "string"}, "track": _nullable("string"),
        "activity_date": {"type": "string", "format": "date"}, "hours": {"type": "number"},
        "status": {"type": "string", "enum": ["approved", "pending", "rejected", "revoked"]},
        "counted": {"type": "boolean"}, "revoked_at": {**TIMESTAMP, "type": ["string", "null"]},
    }),
    "CreditCertificate": _obj({
        "code": {"type": "string"}, "kind": {"type": "string", "enum": ["course", "track-level"]},
        "course": _nullable("string"), "track": _nullable("string"), "level": _nullable("string"),
        "hours": {"type": "number"}, "language": {"type": "string"},
        "other_languages": {"type": "array", "items": {"type": "string"}},
        "issued_at": TIMESTAMP, "revoked_at": {**TIMESTAMP, "type": ["string", "null"]},
    }),
    "Credit": _obj({
        "total_hours": {"type": "number", "description": "Counted hours: approved, not revoked, a course and "
                                                          "its translations once"},
        "by_year": {"type": "array", "items": _obj({"year": {"type": "integer"}, "hours": {"type": "number"}})},
        "tracks": {"type": "array", "items": _obj({
            "track": {"type": "string"}, "hours": {"type": "number"}, "level": _nullable("string"),
            "next_level": _nullable("string"), "hours_left": {"type": "number"}})},
        "entries": {"type": "array", "items": _ref("CreditEntry")},
        "certificates": {"type": "array", "items": _ref("CreditCertificate")},
    }),
    "MatrixCell": _obj({"status": _ref("ModuleStatus"), "best_score": SCORE,
                        "attempts": {"type": "integer", "minimum": 0}}),
    "MatrixLearner": _obj({
        "id": {"type": "integer"}, "name": {"type": "string"}, "email": {"type": "string"},
        "completed": {"type": "boolean"}, "modules_done": {"type": "integer", "minimum": 0},
        "mean_score": SCORE, "cells": {"type": "array", "items": _ref("MatrixCell")},
    }),
    "CohortProgress": _obj({
        "cohort": _obj({"id": {"type": "integer"}, "name": {"type": "string"}}),
        "course": {"type": "string"},
        "modules": {"type": "array", "items": _obj({"slug": {"type": "string"}, "title": {"type": "string"}})},
        "learners": {"type": "array", "items": _ref("MatrixLearner")},
        "totals": {"type": "array", "items": _obj({
            "module": {"type": "string"}, "done": {"type": "integer"}, "attempted": {"type": "integer"},
            "mean_best": SCORE})},
    }),
}
SCHEMAS["AttemptResult"] = _obj({
    **SCHEMAS["AttemptSummary"]["properties"],
    "pass_mark": {"type": "integer"},
    "feedback_withheld": {"type": "boolean",
                          "description": "A pre-test before the post-test: right answers and feedback are held back."},
    "answers": {"type": "array", "items": _ref("AnswerResult")},
})

ERROR_TEXT = {
    400: ("Bad request: text with a control character (such as NUL) or not valid UTF-8, a text longer than "
          "100,000 characters, JSON that is malformed, nested more than 32 levels or holds a number that is not "
          "finite (NaN, Infinity, 1e400) or beyond 64 bits, a wrong answer format (the message names the "
          "question), or a missing CSRF token"),
    401: "Not authenticated, or the API token is invalid or revoked",
    403: "Not allowed: for example, not enrolled in the course",
    404: "No such course, module or quiz",
    409: "Conflict: the attempt limit is reached, the module has no quiz, or the key was used for another quiz",
}


def _json(schema_name: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema_name)}}}


def _error(status: int) -> dict[str, Any]:
    return {"$ref": f"#/components/responses/Error{status}"}


PUBLIC = [{}, {"bearerAuth": []}, {"cookieAuth": []}]
LOGIN = [{"bearerAuth": []}, {"cookieAuth": []}]
CSRF_HEADER = {
    "name": "X-CSRFToken", "in": "header", "required": False, "schema": {"type": "string"},
    "description": "Required with cookie authentication (the page's CSRF token); not used with a Bearer token.",
}
SLUG_PARAM = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"},
              "description": "Course slug"}
MODULE_PARAM = {"name": "module", "in": "path", "required": True, "schema": {"type": "string"},
                "description": "Module slug"}


def _get(summary: str, op_id: str, schema: str, *, security, errors, parameters=()) -> dict[str, Any]:
    responses = {"200": _json(schema, "OK")}
    responses.update({str(s): _error(s) for s in (400, *errors)})  # 400: the input rule
    return {"get": {"summary": summary, "operationId": op_id, "security": security,
                    "parameters": list(parameters), "responses": responses}}


def _paths() -> dict[str, Any]:
    filters = [
        {"name": name, "in": "query", "required": False, "schema": _text(200), "description": text}
        for name, text in (("language", "ru, ky or en"), ("audience", "students, librarians or all"),
                           ("track", "a track name"), ("q", "search words"))
    ]
    attempts_post = {
        "summary": "Submit a quiz attempt",
        "operationId": "submitAttempt",
        "security": LOGIN,
        "parameters": [SLUG_PARAM, MODULE_PARAM, CSRF_HEADER],
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("AttemptRequest")}}},
        "responses": {
            "201": _json("AttemptResult", "The attempt was graded and stored"),
            "200": _json("AttemptResult", "This idempotency_key was already used: the same attempt"),
            **{str(s): _error(s) for s in (400, 401, 403, 404, 409)},
        },
    }
    enrolment = {
        "post": {
            "summary": "Enrol in a course (again after leaving)", "operationId": "enrol", "security": LOGIN,
            "parameters": [SLUG_PARAM, CSRF_HEADER],
            "responses": {"201": _json("Enrolment", "Enrolled"), "200": _json("Enrolment", "Already enrolled"),
                          **{str(s): _error(s) for s in (400, 401, 404)}},
        },
        "delete": {
            "summary": "Leave a course (progress and attempts are kept)", "operationId": "leave", "security": LOGIN,
            "parameters": [SLUG_PARAM, CSRF_HEADER],
            "responses": {"204": {"description": "Left (or was not enrolled)"},
                          **{str(s): _error(s) for s in (400, 401, 404)}},
        },
    }
    return {
        "/api/v1/openapi.json": {"get": {
            "summary": "This document", "operationId": "openapi", "security": PUBLIC,
            "responses": {"200": {"description": "OpenAPI 3.1 document",
                                  "content": {"application/json": {"schema": {"type": "object"}}}},
                          "400": _error(400)},
        }},
        "/api/v1/me": _get("The authenticated user", "me", "Me", security=LOGIN, errors=(401,)),
        "/api/v1/courses": _get("Published courses", "listCourses", "CourseList", security=PUBLIC,
                                errors=(401,), parameters=filters),
        "/api/v1/courses/{slug}": _get("A course with its modules", "getCourse", "CourseDetail",
                                       security=PUBLIC, errors=(401, 404), parameters=[SLUG_PARAM]),
        "/api/v1/courses/{slug}/enrolment": enrolment,
        "/api/v1/courses/{slug}/modules/{module}/quiz": _get(
            "A module's quiz: questions without answers or feedback", "getQuiz", "Quiz", security=LOGIN,
            errors=(401, 403, 404), parameters=[SLUG_PARAM, MODULE_PARAM]),
        "/api/v1/courses/{slug}/modules/{module}/attempts": {"post": attempts_post},
        "/api/v1/courses/{slug}/modules/{module}/attempts/{number}": _get(
            "One of my attempts with each answer's mark, comment and feedback (a pre-test's held back "
            "until I take the post-test)", "getAttempt", "AttemptResult", security=LOGIN, errors=(401, 404),
            parameters=[SLUG_PARAM, MODULE_PARAM,
                        {"name": "number", "in": "path", "required": True,
                         "schema": {"type": "integer", "minimum": 1}}]),
        "/api/v1/me/progress": _get("Progress in my active courses", "myProgress", "ProgressList",
                                    security=LOGIN, errors=(401,)),
        "/api/v1/me/credit": _get("My credit hours, track levels and certificates (the transcript's figures)",
                                  "myCredit", "Credit", security=LOGIN, errors=(401,)),
        "/api/v1/me/attempts": _get("My quiz attempts, newest first", "myAttempts", "AttemptList",
                                    security=LOGIN, errors=(401,)),
        "/api/v1/teach/cohorts/{cohort_id}/courses/{slug}/progress": _get(
            "A cohort's progress matrix in a course (the cohort's instructors and admins)", "cohortProgress",
            "CohortProgress", security=LOGIN, errors=(401, 403, 404),
            parameters=[{"name": "cohort_id", "in": "path", "required": True, "schema": {"type": "integer"}},
                        SLUG_PARAM,
                        {"name": "sort", "in": "query", "required": False,
                         "schema": {"type": "string", "enum": ["name", "progress", "score"]}}]),
    }


DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Sabak API", "version": "1.0.0",
        "description": (
            "The learning platform's JSON API. Authenticate with the browser session cookie (unsafe "
            "methods then need the X-CSRFToken header) or with a personal API token created on the "
            "profile page, sent as `Authorization: Bearer sbk_...`. Errors are "
            "`{\"error\": {\"status\": N, \"message\": \"...\"}}`."
        ),
    },
    "servers": [{"url": "/"}],
    "paths": _paths(),
    "components": {
        "schemas": SCHEMAS,
        "responses": {
            f"Error{status}": _json("Error", text) for status, text in ERROR_TEXT.items()
        },
        "securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "sbk_ token",
                           "description": "A personal API token from the profile page."},
            "cookieAuth": {"type": "apiKey", "in": "cookie", "name": "session",
                           "description": "The browser session after logging in."},
        },
    },
}


def openapi_document() -> dict[str, Any]:
    """A copy, so nobody can change the served document by accident."""
    return copy.deepcopy(DOCUMENT)
