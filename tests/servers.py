"""Real gunicorn servers for the tests that need several processes or hosts over one database."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_serving(proc: subprocess.Popen, base: str) -> None:
    """Wait for gunicorn to answer /healthz; fail with its output if it dies or takes over 120 s."""
    deadline = time.monotonic() + 120  # a fresh clone compiles every module on first import; a busy machine is slow
    while True:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=5)
            return
        except OSError:  # refused, reset or timed out while the workers start: wait and retry
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail("gunicorn did not start: " + proc.stdout.read().decode(errors="replace"))
            time.sleep(0.2)


@contextmanager
def gunicorn_servers(database_url: str, count: int = 1, workers: int = 1, args: tuple[str, ...] = (),
                     ports: list[int] | None = None, **environ: str) -> Iterator[list[str]]:
    """``count`` gunicorn servers of ``workers`` processes each over ``database_url``, as that many
    hosts; yields their base URLs and stops them afterwards. ``environ`` adds settings."""
    env = dict(os.environ, SABAK_ENV="testing", DATABASE_URL=database_url, **environ)
    gunicorn = Path(sys.executable).parent / "gunicorn"
    servers: list[tuple[subprocess.Popen, str]] = []
    try:
        for i in range(count):
            port = ports[i] if ports else free_port()
            proc = subprocess.Popen(
                [str(gunicorn), "--workers", str(workers), *args, "--bind", f"127.0.0.1:{port}",
                 "--log-level", "warning", "wsgi:app"],
                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            )
            servers.append((proc, f"http://127.0.0.1:{port}"))
        for proc, base in servers:
            wait_until_serving(proc, base)
        yield [base for _, base in servers]
    finally:
        for proc, _ in servers:
            proc.terminate()
            proc.wait(timeout=20)
