"""The Flask class Sabak runs on: Flask with two methods answered its own way.

Why a subclass at all: both methods are ones Flask documents as meant to be overridden
(``ensure_sync``: "Override this method to change how the app runs async views";
``send_static_file`` is the static route's view). tests/integration/test_platform.py checks the
overridden methods against the pinned Flask and that the overrides keep Flask's behaviour.
"""
from __future__ import annotations

from inspect import iscoroutinefunction
from types import CodeType

from flask import Flask

from app.platform import assets


class Sabak(Flask):
    """Flask, answering ``ensure_sync`` from a dict.

    Flask asks of every hook, view and context processor on every request whether it is a
    coroutine function (``inspect.iscoroutinefunction``, ten times for a small page). For a
    function or a method the answer lies in its code object, which never changes, so it is
    remembered per code object (closures made per request share theirs: the dict stays small).
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._is_async: dict[CodeType, bool] = {}

    def ensure_sync(self, func):
        code = getattr(getattr(func, "__func__", func), "__code__", None)
        if code is None:  # a partial or a callable object: ask as Flask does
            return super().ensure_sync(func)
        is_async = self._is_async.get(code)
        if is_async is None:
            is_async = self._is_async[code] = iscoroutinefunction(func)
        return self.async_to_sync(func) if is_async else func

    def send_static_file(self, filename: str):
        """Static files by plain or content-hashed name (app.platform.assets)."""
        return assets.send_static_file(self, filename, super().send_static_file)
