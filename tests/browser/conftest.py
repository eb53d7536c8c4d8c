"""A live Sabak server in a thread and Debian's chromium driven by Playwright.

Skipped, with the reason, when /usr/bin/chromium is missing (`make test` installs it as root).
"""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db

CHROMIUM = Path(os.environ.get("SABAK_CHROMIUM", "/usr/bin/chromium"))
# Flags that keep chromium from reaching out to the network this machine does not have.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    data = tmp_path_factory.mktemp("live")
    from app.credentials.multikey import generate_keypair

    app = create_app(
        "testing",
        CREDENTIALS_SIGNING_KEY=generate_keypair()[0],
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{data / 'browser.db'}",
        COURSES_DIR=str(Path(__file__).resolve().parents[2] / "courses"),
    )
    with app.app_context():
        db.create_all()
        # The real curriculum, plus a small course whose answers the tests know.
        from app.services.sync import sync_all
        from tests import factories

        sample = factories.write_course(data / "courses")
        essay_quiz = factories.QUIZ.replace(
            "```quiz\n", "```quiz\n// [id:essay-1]\nExplain why AND narrows a search. {}\n\n")
        teaching = factories.write_course(
            data / "courses", "essay-course", modules={"01-boolean.md": essay_quiz},
            manifest=factories.SAMPLE_MANIFEST.replace("Поиск информации", "Курс с эссе"))
        report = sync_all([Path(app.config["COURSES_DIR"]), sample, teaching], commit=db.session.commit,
                          rollback=db.session.rollback)
        assert report.ok, report.lines()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.app_ref = app
    yield server
    server.shutdown()


@pytest.fixture(scope="session")
def base_url(live_server):
    return f"http://127.0.0.1:{live_server.server_port}"


@pytest.fixture(scope="session")
def live_app(live_server):
    return live_server.app_ref


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is not installed (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message + ": CI must run the browser tests")  # never a silently green CI
        pytest.skip(message + "; browser tests skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, base_url):
    context = browser.new_context(base_url=base_url, locale="ru-RU")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    """Where this run's screenshots go: $SABAK_SCREENSHOTS, or tests/browser/screenshots/<timestamp>
    (ignored by git), made once per session."""
    folder = os.environ.get("SABAK_SCREENSHOTS")
    path = Path(folder) if folder else Path(__file__).resolve().parent / "screenshots" / time.strftime("%Y%m%d-%H%M%S")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture
def assert_accessible(axe):
    """Run axe-core on the page as it is now and fail on any WCAG 2.1 A/AA violation."""

    def check(page, label: str = ""):
        results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS},
                                         "resultTypes": ["violations"]})
        violations = results.response["violations"]
        details = "\n".join(
            f"- {v['id']} ({v['impact']}): {v['help']} at "
            + ", ".join(str(n["target"]) for n in v["nodes"][:5])
            for v in violations
        )
        assert not violations, f"axe found violations on {label or page.url}:\n{details}"

    return check


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Where the run put its screenshots of the main pages (test_phone_browser.py), for a reviewer."""
    folder = getattr(config, "sabak_screenshots", None)
    if folder is not None:
        terminalreporter.write_line(f"Screenshots of the main pages: {folder}")
