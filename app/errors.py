"""Error pages for people and JSON errors for the API, from one set of handlers."""
from __future__ import annotations

from collections.abc import Callable, Mapping

from flask import Flask, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, SecurityError

from app.input_rule import InvalidInput
from app.services.errors import ServiceError

# How a front door words a service's refusals: the error's kind -> its message, given the error.
Wording = Mapping[type[ServiceError], Callable[[ServiceError], str]]


def wants_json() -> bool:
    return request.path.startswith("/api/")


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood."),
        401: _("Please log in first."),
        403: _("You do not have permission to see this page."),
        404: _("There is nothing at this address."),
        405: _("This address does not accept that kind of request."),
        409: _("This conflicts with the current state."),
        413: _("The upload is too large."),
        429: _("Too many attempts. Please wait a minute and try again."),
        500: _("Something went wrong on our side. Please try again later."),
    }


def error_response(status: int, message: str | None = None):
    message = message or _messages().get(status, _("Error"))
    if wants_json():
        return jsonify(error={"status": status, "message": message}), status
    return render_template("errors/error.html", status=status, message=message), status


def refusal_response(exc: ServiceError, wording: Wording):
    """A service's refusal as an error response. The status is the error's own, so the HTML form
    and the API answer one refusal alike; the words are each front door's (the API speaks of
    ``idempotency_key``, the form of a damaged form), the error's own when it has none there."""
    for kind in type(exc).__mro__:
        if kind in wording:
            return error_response(exc.status, wording[kind](exc))
    return error_response(exc.status, exc.message or None)


def register(app: Flask) -> None:
    from app.extensions import db, login_manager

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return error_response(
            400, _("The form has expired or was sent from elsewhere. Please reload the page and try again.")
        )

    @app.errorhandler(InvalidInput)
    def invalid_input(exc: InvalidInput):
        # The input rule's refusals name the field and the problem, for people and programs alike.
        return error_response(400, exc.message)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if exc.response is not None:  # e.g. the login redirect raised by require_role
            return exc.response
        if isinstance(exc, SecurityError):
            # A Host outside TRUSTED_HOSTS: Flask made no URL adapter for it, so no page that
            # links anywhere can be rendered. A short answer in plain text, naming nothing.
            return _("The request could not be understood."), 400, {"Content-Type": "text/plain; charset=utf-8"}
        message = exc.description if isinstance(exc.description, str) and wants_json() else None
        response, status = error_response(exc.code or 500, message if exc.code in (400, 409) else None)
        # What the exception says in headers stays: Allow on a 405, WWW-Authenticate on a 401.
        response = make_response(response, status)
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def unexpected_error(exc: Exception):
        if isinstance(exc, HTTPException):
            return http_error(exc)
        db.session.rollback()
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        return error_response(500)

    @login_manager.unauthorized_handler
    def unauthorized():
        if wants_json():
            return error_response(401)
        from flask import flash

        flash(str(login_manager.login_message), "info")
        return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))
