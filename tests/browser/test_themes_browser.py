"""The print stylesheet and the dark theme, in a real browser: what prints, what hides, and AA
contrast in the dark palette (axe-core), with a screenshot of each page in the run's folder."""
from __future__ import annotations

import re

import pytest

from tests.browser.test_accounts_browser import certificate_code, log_in, make_account

pytestmark = pytest.mark.browser

CHROME = ["header.site-header", "footer.site-footer", ".language-switcher", "nav[aria-label]"]


def _enrol(page, slug):
    page.goto(f"/courses/{slug}")
    if page.locator("form[action$='/enrol'] button").count():
        page.locator("form[action$='/enrol'] button").click()
        page.wait_for_load_state()


def _shot(page, folder, name):
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 1000
    return path


def _luminance(page, selector: str, prop: str = "background-color") -> float:
    """The relative luminance of an element's computed colour (0 black, 1 white)."""
    rgb = page.evaluate(f"""() => getComputedStyle(document.querySelector({selector!r}))[{prop!r}]""")
    r, g, b = (int(x) / 255 for x in re.findall(r"\d+", rgb)[:3])
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def test_a_quiz_prints_as_questions_with_their_options_and_no_menus_or_buttons(
        browser, base_url, live_app, screenshot_dir):
    context = browser.new_context(base_url=base_url, locale="ru-RU", color_scheme="dark")
    page = context.new_page()
    try:
        log_in(page, make_account(live_app))
        _enrol(page, "sample-course")
        page.goto("/courses/sample-course/boolean")
        options = page.locator(".quiz .choices li")
        assert options.count() >= 4
        page.emulate_media(media="print")
        _shot(page, screenshot_dir, "print-quiz-ru")
        for selector in [*CHROME, ".quiz-form button[type=submit]", ".breadcrumbs"]:
            assert page.locator(selector).first.is_hidden(), selector
        for i in range(options.count()):  # every option readable, with a box to tick
            assert options.nth(i).locator("label").is_visible()
            box = options.nth(i).locator("input")
            assert box.is_visible() and box.evaluate("e => getComputedStyle(e).borderTopStyle") == "solid"
        assert page.locator(".quiz legend").first.is_visible()
        # Paper is white whatever the screen's theme.
        assert _luminance(page, "html") > 0.9 and _luminance(page, "main", "color") < 0.05
        page.emulate_media(media="screen")
        assert page.locator("header.site-header").is_visible()
    finally:
        context.close()


def test_a_lesson_prints_cleanly_with_the_addresses_of_its_links(browser, base_url, screenshot_dir):
    context = browser.new_context(base_url=base_url, locale="ru-RU")
    page = context.new_page()
    try:
        page.goto("/courses/il-foundations-ru/authority")
        page.emulate_media(media="print")
        _shot(page, screenshot_dir, "print-lesson-ru")
        for selector in CHROME:
            assert page.locator(selector).first.is_hidden(), selector
        assert page.locator("main h1").is_visible()
        # The curriculum's lessons cite their sources as text for now: a link like an author's
        # is added to the lesson as it is, to see what the stylesheet prints for it.
        page.evaluate("""() => { const a = document.createElement('a'); a.href = 'https://orcid.org/';
            a.textContent = 'ORCID'; document.querySelector('main .lesson, main').append(a); }""")
        external = page.locator("main a[href^='http']").first
        after = external.evaluate("e => getComputedStyle(e, '::after').content")
        assert "http" in after and external.get_attribute("href") in after
        internal = page.locator("main a[href^='/']").first
        if internal.count():
            assert internal.evaluate("e => getComputedStyle(e, '::after').content") in ("none", "normal")
    finally:
        context.close()


def test_a_matching_question_prints_its_options(browser, base_url, live_app, screenshot_dir):
    context = browser.new_context(base_url=base_url, locale="en-US")
    page = context.new_page()
    try:
        log_in(page, make_account(live_app))
        _enrol(page, "copyright-en")
        page.goto("/courses/copyright-en/what-copyright-protects")
        matching = page.locator(".question:has(.matching)").first
        assert matching.locator(".print-only").is_hidden()  # on screen the list boxes hold them
        page.emulate_media(media="print")
        printed = matching.locator(".print-only")
        assert printed.is_visible() and printed.inner_text().count(";") >= 1
        _shot(page, screenshot_dir, "print-matching-en")
    finally:
        context.close()


DARK_PAGES = ["/", "/login", "/courses", "/courses/il-foundations-ru", "/courses/il-foundations-ru/authority",
              "/dashboard", "/attempts", "/credentials", "/profile", "/teach/", "/admin/", "/admin/courses",
              "/admin/certificates"]


@pytest.mark.parametrize("locale", ["ru", "ky", "en"])
def test_the_dark_theme_follows_the_system_and_keeps_aa_contrast(
        browser, base_url, live_app, assert_accessible, screenshot_dir, locale):
    context = browser.new_context(base_url=base_url, color_scheme="dark",
                                  extra_http_headers={"Accept-Language": locale})
    page = context.new_page()
    try:
        page.goto("/")
        assert _luminance(page, "html") < 0.05 and _luminance(page, "main", "color") > 0.7
        log_in(page, make_account(live_app, role="admin"))
        _enrol(page, "sample-course")
        pages = [*DARK_PAGES, f"/certificates/{certificate_code(live_app)}", "/courses/sample-course/boolean"]
        for path in pages:
            page.goto(path)
            assert page.locator("html").get_attribute("lang") == locale
            assert _luminance(page, "html") < 0.05, path
            assert_accessible(page, f"{path} (dark, {locale})")
            if locale == "ru" or path in ("/courses", "/courses/sample-course/boolean"):
                _shot(page, screenshot_dir, f"dark-{locale}-" + (path.strip("/").replace("/", "-") or "home"))
        # A failed attempt: the result box and the wrong-answer badges.
        page.goto("/courses/sample-course/boolean")
        page.get_by_label("OR", exact=True).check()
        page.locator(".quiz-form button[type=submit]").click()
        assert_accessible(page, f"the quiz's review step (dark, {locale})")
        page.locator(".review-actions .button:not([formaction])").click()  # the summary, then grading
        page.wait_for_url(re.compile(r"/attempts/\d+$"))
        assert_accessible(page, f"attempt result (dark, {locale})")
        _shot(page, screenshot_dir, f"dark-{locale}-attempt")
        # The same browser in the light theme is light again.
        page.emulate_media(color_scheme="light")
        assert _luminance(page, "html") > 0.9
    finally:
        context.close()
