"""Flask-Limiter, checking limits only where a view declares them.

A subclass because Flask-Limiter has no setting for it: its before-request pass cannot be turned
off while its per-view decorator keeps working. tests/integration/test_platform.py checks the
replaced method against the pinned Flask-Limiter, and that a declared limit still counts.
"""
from __future__ import annotations

from flask_limiter import Limiter


class DeclaredLimitsOnly(Limiter):
    """Flask-Limiter, checking limits only on the views that declare them.

    Flask-Limiter also runs a check before *every* request, for default, application-wide and
    blueprint limits. Sabak has none of those: the login and registration views declare their
    limits with ``@limiter.limit``, whose wrapper checks them itself (and records the conditional
    deductions the after-request hook applies). The before-request pass only resolved an empty
    list, a noticeable share of the cheapest logged-in request. Declaring a default
    or blueprint limit would need this class removed; the test of the login limit proves the
    declared limits still count.
    """

    def _check_request_limit(self, callable_name: str | None = None, in_middleware: bool = True) -> None:
        if not in_middleware:
            super()._check_request_limit(callable_name=callable_name, in_middleware=in_middleware)
