"""The API against its OpenAPI document: every response the tests get conforms, and schemathesis
finds no server error and no non-conforming response on any operation, with positive data (valid
by the document, which states the input rule's limits) and negative data (invalid by it)."""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

import jsonschema_rs
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis import checks as st_checks

from app.api.openapi import openapi_document
from app.extensions import db
from app.services import enrolment, tokens
from tests import factories

# -- response conformance, used by every request of test_api.py -----------------------------

@lru_cache(maxsize=1)
def _document() -> dict:
    return openapi_document()


def _operation(method: str, path: str) -> dict:
    doc = _document()
    path = path.split("?", 1)[0]
    for template, item in doc["paths"].items():
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path) and method.lower() in item:
            return item[method.lower()]
    return {}


@lru_cache(maxsize=None)
def _validator(ref: str):
    doc = _document()
    return jsonschema_rs.validator_for(
        {"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": ref,
         "components": doc["components"]},
        validate_formats=True,
    )


def assert_conforms(method: str, path: str, response) -> None:
    """The response's status is documented for this operation and its JSON body matches."""
    operation = _operation(method, path)
    status = response.status_code
    if not operation:  # an unknown address: the API's JSON 404/405
        assert status in (404, 405), (method, path, status)
        _validator("#/components/schemas/Error").validate(response.get_json())
        return
    documented = operation["responses"].get(str(status))
    assert documented is not None, f"{method} {path}: status {status} is not documented"
    if "$ref" in documented:
        documented = _document()["components"]["responses"][documented["$ref"].rsplit("/", 1)[1]]
    if "content" not in documented:
        assert response.get_data() == b"", f"{method} {path}: {status} must have no body"
        return
    assert response.mimetype == "application/json", response.mimetype
    schema = documented["content"]["application/json"]["schema"]
    body = response.get_json()
    if "$ref" in schema:
        _validator(schema["$ref"]).validate(body)
    else:
        jsonschema_rs.validator_for(schema).validate(body)


def test_the_document_is_valid_openapi_3_1_and_names_every_api_route(app):
    doc = openapi_document()
    assert doc["openapi"] == "3.1.0"
    routes = {
        (re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), method.lower())
        for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {(path, method) for path, item in doc["paths"].items() for method in item}
    assert routes == documented
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            assert operation["responses"], (path, method)
            if operation["security"] != [{}, {"bearerAuth": []}, {"cookieAuth": []}]:
                assert "401" in operation["responses"], (path, method)
    # schemathesis refuses an invalid document
    schema = schemathesis.openapi.from_dict(doc)
    assert len([r.ok() for r in schema.get_all_operations()]) == len(documented)


# -- schemathesis over the live app ----------------------------------------------------------

CHECKS = [
    st_checks.not_a_server_error,
    st_checks.status_code_conformance,
    st_checks.content_type_conformance,
    st_checks.response_schema_conformance,
]
# Every operation is fuzzed; a few need a real course's names in their path to reach past a 404.


@pytest.fixture
def fuzz_world(make_course):
    """A synced sample course, a learner enrolled in it, and their bearer token."""
    from tests.integration.test_api import MODULES  # here: test_api imports this module

    course = make_course(modules=MODULES)
    user = factories.make_user()
    enrolment.enrol(user, course)
    _row, plaintext = tokens.create_token(user, "schemathesis")
    db.session.commit()
    return plaintext


def _operations(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


REAL_PATHS = {
    "/api/v1/courses/{slug}": [{"slug": "sample-course"}],
    "/api/v1/courses/{slug}/enrolment": [{"slug": "sample-course"}],
    "/api/v1/courses/{slug}/modules/{module}/quiz": [
        {"slug": "sample-course", "module": m} for m in ("intro", "boolean", "types")],
    "/api/v1/courses/{slug}/modules/{module}/attempts": [
        {"slug": "sample-course", "module": m} for m in ("intro", "boolean", "types")],
}
EXAMPLES = 15
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


# Schemathesis calls the app in process and reads the body as sent: it asks for it uncompressed
# (compression is tested in test_assets.py).
PLAIN = {"Accept-Encoding": "identity"}


def _fuzz(operation, mode: GenerationMode, headers, path_parameters=None) -> Counter:
    """The statuses of EXAMPLES generated calls; empty when the mode cannot make any case (an
    operation whose only parameters are fixed has no negative data)."""
    statuses: Counter = Counter()
    strategy = operation.as_strategy(mode, path_parameters=path_parameters)

    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def run(case):
        response = case.call(headers=headers)
        statuses[response.status_code] += 1
        case.validate_response(response, checks=CHECKS, headers=headers)
        db.session.rollback()  # the test's open app context must not keep a stale transaction

    try:
        run()
    except Unsatisfiable:
        assert mode is GenerationMode.NEGATIVE and not statuses, (operation.path, mode)
    return statuses


def test_schemathesis_finds_no_server_error_and_no_nonconforming_response(app, fuzz_world):
    """Positive and negative data on every operation, with random path parameters and with the
    real course's ones, as the enrolled learner's bearer token."""
    headers = {"Authorization": f"Bearer {fuzz_world}", **PLAIN}
    operations = _operations(app)
    documented = {(method.upper(), path) for path, item in openapi_document()["paths"].items() for method in item}
    # schemathesis leaves out the document's own address
    assert {(op.method.upper(), op.path) for op in operations} == documented - {("GET", "/api/v1/openapi.json")}
    seen: Counter = Counter()
    # Leaving the course last: the operations before it need the learner enrolled.
    for operation in sorted(operations, key=lambda op: op.method.upper() == "DELETE"):
        for params in [None, *REAL_PATHS.get(operation.path, [])]:
            for mode in MODES:
                seen.update({(operation.method.upper(), operation.path, mode, status): n
                             for status, n in _fuzz(operation, mode, headers, params).items()})
    # The fuzzing reached the real data, not only 404s.
    positive, negative = MODES
    assert seen[("GET", "/api/v1/courses/{slug}", positive, 200)]
    assert seen[("GET", "/api/v1/courses/{slug}/modules/{module}/quiz", positive, 200)]
    assert seen[("POST", "/api/v1/courses/{slug}/modules/{module}/attempts", positive, 201)]
    # Negative data was sent where the document constrains something, and refused.
    assert seen[("POST", "/api/v1/courses/{slug}/modules/{module}/attempts", negative, 400)]
    assert seen[("GET", "/api/v1/courses", negative, 400)]


# Values of every shape the Response schema allows, and some it does not.
ANY_RESPONSE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30) | st.sampled_from(["3,5", "бишкек", "информировать", "true", "0", "1,2", " 4 "]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(["0", "1", "2", "x"]), inner, max_size=3),
    max_leaves=6,
)


def test_answers_of_every_shape_to_a_real_quiz_never_break_the_server(app, fuzz_world):
    """The attempt endpoint with real question ids and responses of any shape: 201 or 400."""
    headers = {"Authorization": f"Bearer {fuzz_world}", **PLAIN}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    submit = schema.find_operation_by_id("submitAttempt")
    idents = ["mc", "mr", "tf", "sa", "num", "match", "essay", "desc"]
    statuses: Counter = Counter()

    @settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(answers=st.dictionaries(st.sampled_from(idents), ANY_RESPONSE, max_size=8))
    def run(answers):
        case = submit.Case(path_parameters={"slug": "sample-course", "module": "types"},
                           body={"answers": answers}, media_type="application/json")
        response = case.call(headers=headers)
        statuses[response.status_code] += 1
        assert response.status_code in (201, 400), response.text
        case.validate_response(response, checks=CHECKS, headers=headers)
        db.session.rollback()

    run()
    assert statuses[201] and statuses[400]
