"""The one input rule: what every request, form or API, must look like before any view sees it.

Text is valid UTF-8 without control characters other than tab and line breaks, no field is
absurdly long, a JSON body is shallow and its numbers are finite, and a path segment with a
control character names nothing. Checked once, in the first ``before_request`` hook, before any
database work: a refused request stores nothing, and an HTML form gets a 400 page that names the
field, the API a JSON 400 (app/errors.py). PostgreSQL refuses NUL in text and lone surrogates
cannot be encoded at all, so without the rule each of them was a 500 there, and stored as sent
on SQLite.

Werkzeug is lenient by design: undecodable bytes in a query string or a urlencoded form stay as
literal ``%XX`` text, in a multipart field they become U+FFFD, and a JSON body nested a thousand
deep raises RecursionError. The request class here decodes strictly instead, so bad bytes are
refused rather than turned into other text.
"""
from __future__ import annotations

import codecs
import json
import math
import re
from typing import Any
from urllib.parse import parse_qsl, unquote_to_bytes

from flask import Flask, Request, abort, request
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict
from werkzeug.http import parse_options_header
from werkzeug.exceptions import BadRequest
from werkzeug.formparser import FormDataParser, MultiPartParser
from werkzeug.routing import IntegerConverter

# C0 controls but tab, LF and CR (a textarea sends line breaks), and UTF-16 surrogates (only a
# JSON escape like \ud800 can make one; no database can store it).
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
MAX_FIELD_CHARS = 100_000  # the longest text the app takes is an essay (grading.MAX_ESSAY)
MAX_JSON_DEPTH = 32  # the deepest body the API reads is 4 levels
# A JSON integer beyond 64 bits fits no database column and no float; a float beyond the
# doubles (1e400) would be read as infinity.
MAX_JSON_INT = 2**63 - 1
MAX_PATH_INT = 2**31 - 1  # the ids in our addresses are 32-bit integer columns
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class InvalidInput(BadRequest):
    """A request the input rule refuses; ``description`` says why, in the reader's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class _NotUTF8(BadRequest):
    """Raised while parsing a form: the field ``field`` (if known) is not valid UTF-8."""

    def __init__(self, field: str | None = None):
        super().__init__()
        self.field = field


# -- strict decoding ---------------------------------------------------------------------------

def _strict_utf8_decode(data, errors="strict"):
    # Werkzeug asks for errors="replace" when it decodes a multipart field; this codec ignores
    # that and refuses undecodable bytes.
    return codecs.utf_8_decode(data, "strict", True)


_STRICT_UTF8 = "sabak_strict_utf_8"
_STRICT_CODEC = codecs.CodecInfo(name=_STRICT_UTF8, encode=codecs.utf_8_encode, decode=_strict_utf8_decode)
codecs.register(lambda name: _STRICT_CODEC if name == _STRICT_UTF8 else None)


def _decode_query(text: str) -> list[tuple[str, str]]:
    """``parse_qsl`` refusing percent-escapes that are not UTF-8, naming the field that has one."""
    try:
        return parse_qsl(text, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        for part in text.split("&"):
            name, _sep, value = part.partition("=")
            try:
                unquote_to_bytes(value.replace("+", " ")).decode()
            except UnicodeDecodeError:
                raise _NotUTF8(_printable(unquote_to_bytes(name).decode(errors="replace"))) from None
        raise _NotUTF8() from None


class _StrictMultiPartParser(MultiPartParser):
    decoding: str | None = None  # the field whose value is being decoded, to name it if it fails

    def get_part_charset(self, headers) -> str:
        # Asked right before a field's value is decoded.
        self.decoding = parse_options_header(headers.get("content-disposition"))[1].get("name")
        charset = super().get_part_charset(headers)
        return _STRICT_UTF8 if charset == "utf-8" else charset


class _StrictFormDataParser(FormDataParser):
    """Werkzeug's form parser, decoding fields strictly as UTF-8."""

    def _parse_urlencoded(self, stream, mimetype, content_length, options):
        try:
            text = stream.read().decode()
        except UnicodeDecodeError:  # raw bytes where a browser sends percent-escapes
            raise _NotUTF8() from None
        return stream, self.cls(_decode_query(text)), self.cls()

    def _parse_multipart(self, stream, mimetype, content_length, options):
        parser = _StrictMultiPartParser(
            stream_factory=self.stream_factory, max_form_memory_size=self.max_form_memory_size,
            max_form_parts=self.max_form_parts, cls=self.cls)
        boundary = options.get("boundary", "").encode("ascii")
        if not boundary:
            raise ValueError("Missing boundary")
        try:
            form, files = parser.parse(stream, boundary, content_length)
        except UnicodeDecodeError:
            raise _NotUTF8(parser.decoding and _printable(parser.decoding)) from None
        return stream, form, files


class JSONRefused(ValueError):
    """A JSON body the rule refuses although it parses (too deep, a number out of range)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class StrictJSON:
    """The request class's ``json_module``: JSON as UTF-8, of bounded depth, with finite numbers."""

    _BRACKETS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')

    @classmethod
    def loads(cls, data: bytes | str) -> Any:
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogatepass")
        cls._check_depth(data)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise JSONRefused(not_utf8(None)) from None
        return json.loads(text, parse_constant=cls._constant, parse_float=cls._float,
                          parse_int=cls._int)

    @staticmethod
    def dumps(obj: Any, **kwargs) -> str:
        return json.dumps(obj, **kwargs)

    @classmethod
    def _check_depth(cls, data: bytes) -> None:
        # Cheap first: fewer opening brackets than the limit cannot nest deeper than it. Else
        # count them outside strings (the parser itself would hit Python's recursion limit).
        if data.count(b"[") + data.count(b"{") <= MAX_JSON_DEPTH:
            return
        depth = 0
        for match in cls._BRACKETS.finditer(data):
            token = match.group()
            if token in (b"[", b"{"):
                depth += 1
                if depth > MAX_JSON_DEPTH:
                    raise JSONRefused(_("The JSON body is nested more than %(limit)d levels deep.",
                                        limit=MAX_JSON_DEPTH))
            elif token in (b"]", b"}"):
                depth -= 1

    @staticmethod
    def _constant(name: str):
        raise JSONRefused(_("The JSON body contains %(value)s; numbers must be finite.", value=name))

    @staticmethod
    def _float(text: str) -> float:
        value = float(text)
        if not math.isfinite(value):
            raise JSONRefused(_("The JSON body contains the number %(value)s, which is too large.",
                                value=text[:40]))
        return value

    @staticmethod
    def _int(text: str) -> int:
        if len(text) > 20 or abs(value := int(text)) > MAX_JSON_INT:
            raise JSONRefused(_("The JSON body contains the number %(value)s, which is too large.",
                                value=text[:40]))
        return value


class SabakRequest(Request):
    """Flask's request, decoding the query string, forms and JSON strictly (see the module)."""

    form_data_parser_class = _StrictFormDataParser
    query_problem: str | None = None

    @property
    def json_module(self):
        return StrictJSON

    @json_module.setter
    def json_module(self, value) -> None:
        """Flask sets the app's JSON provider on every request; bodies are read strictly anyway."""

    @property
    def args(self) -> MultiDict[str, str]:
        cached = self.__dict__.get("_strict_args")
        if cached is None:
            try:
                cached = self.parameter_storage_class(_decode_query(self.query_string.decode()))
            except (_NotUTF8, UnicodeDecodeError) as exc:
                # Remembered for the rule's hook; the rest of the request sees no query at all.
                self.query_problem = getattr(exc, "field", None) or "?"
                cached = self.parameter_storage_class()
            self.__dict__["_strict_args"] = cached
        return cached

    def on_json_loading_failed(self, e: ValueError | None):
        if e is None:  # not a JSON content type: Flask's answer
            return super().on_json_loading_failed(e)
        if isinstance(e, JSONRefused):
            raise InvalidInput(e.message)
        raise InvalidInput(_("The body is not valid JSON."))


class BoundedIntegerConverter(IntegerConverter):
    """``<int:...>`` up to the largest id a column holds: a larger number names nothing (404)
    instead of overflowing the database driver."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_PATH_INT, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


# -- the rule ----------------------------------------------------------------------------------

def _printable(name: str) -> str:
    """A field's name as it can be shown back (a hostile name may itself hold the bad text)."""
    cleaned = FORBIDDEN.sub("", name)[:40]
    return cleaned or "?"


def text_problem(name: str, value: str) -> str | None:
    """Why ``value`` (of the field ``name``) is refused, or None when it is acceptable text."""
    if FORBIDDEN.search(value):
        return _("The field “%(field)s” contains a character that text may not contain (a control character "
                 "such as NUL). Please correct it and send it again.", field=_printable(name))
    if len(value) > MAX_FIELD_CHARS:
        return _("The field “%(field)s” is longer than %(limit)d characters.", field=_printable(name),
                 limit=MAX_FIELD_CHARS)
    return None


def not_utf8(name: str | None) -> str:
    if name:
        return _("The field “%(field)s” is not valid UTF-8 text. Please correct it and send it again.",
                 field=name)
    return _("The request contains text that is not valid UTF-8.")


def _check_fields(fields: MultiDict) -> None:
    for name, value in fields.items(multi=True):
        problem = text_problem(name, name) or text_problem(name, value)
        if problem:
            raise InvalidInput(problem)


def _check_json(value: Any, name: str = "") -> None:
    """Every string and key of a parsed JSON body (its depth is already bounded)."""
    if isinstance(value, str):
        problem = text_problem(name or "JSON", value)
        if problem:
            raise InvalidInput(problem)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_json(key, key)
            _check_json(item, key)
    elif isinstance(value, list):
        for item in value:
            _check_json(item, name)


def check_request() -> None:
    """The rule, as the app's first ``before_request`` hook. Raises InvalidInput (400), or
    aborts with 404 for a path segment that no resource can be named by."""
    for value in (request.view_args or {}).values():
        if isinstance(value, str) and FORBIDDEN.search(value):
            abort(404)
    args = request.args
    if request.query_problem is not None:
        raise InvalidInput(not_utf8(None if request.query_problem == "?" else request.query_problem))
    if args:
        _check_fields(args)
    if request.method not in BODY_METHODS:
        return
    try:
        form = request.form
    except _NotUTF8 as exc:
        raise InvalidInput(not_utf8(exc.field)) from None
    if form:
        _check_fields(form)
    if request.files:
        for name, upload in request.files.items(multi=True):
            problem = text_problem(name, name) or text_problem(name, upload.filename or "")
            if problem:
                raise InvalidInput(problem)
    if request.is_json and request.get_data(cache=True):
        _check_json(request.get_json())


def register(app: Flask) -> None:
    """Install the rule: the request class, the bounded ``int`` converter (before any route is
    added) and the hook (before any other, so nothing reads the database for a refused request)."""
    app.request_class = SabakRequest
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.before_request(check_request)
