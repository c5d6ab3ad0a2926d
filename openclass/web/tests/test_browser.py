"""The shell in a real browser: Debian's chromium (Playwright) against uvicorn and a seeded DB.

Every page fails its test on a console error or an uncaught page error (see ``open_page`` in the
root conftest.py), so a CSP violation, a missing static file or a broken script shows up here.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from openclass.core.tests.browser import (
    DESKTOP,
    LOGIN_PATH,
    PHONE,
    assert_no_horizontal_scroll,
    log_in,
    menu_item,
    serious_axe_violations,
    switch_language,
)
from openclass.core.tests.live_server import (
    CLASS_NAME,
    OTHER_STUDENT,
    SCHOOL_NAME,
    STUDENT,
    TEACHER,
)

pytestmark = pytest.mark.browser


def test_student_on_a_phone_signs_in_and_switches_language(open_page) -> None:
    page = open_page(**PHONE)
    page.goto(LOGIN_PATH)
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    assert_no_horizontal_scroll(page)

    log_in(page, STUDENT)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("main h1")).to_contain_text(STUDENT.name)
    expect(page.locator("main")).to_contain_text(TEACHER.name)  # their homeroom teacher
    expect(page.locator("nav.main-nav .who")).to_contain_text(STUDENT.name)
    expect(page.locator("nav.main-nav button.link-button")).to_have_text("로그아웃")
    assert_no_horizontal_scroll(page)

    switch_language(page, "en")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("nav.main-nav button.link-button")).to_have_text("Log out")
    expect(page.locator("main h1")).to_have_text(f"Hello, {STUDENT.name}")
    assert_no_horizontal_scroll(page)

    switch_language(page, "ko")
    expect(page.locator("nav.main-nav button.link-button")).to_have_text("로그아웃")
    expect(page.locator("main h1")).to_contain_text(STUDENT.name)


def test_teacher_on_a_desktop_sees_their_class_and_people(open_page) -> None:
    page = open_page(**DESKTOP)
    log_in(page, TEACHER)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("main h1")).to_contain_text(TEACHER.name)
    row = page.locator("main table tbody tr", has_text=f"{SCHOOL_NAME} {CLASS_NAME}")
    expect(row).to_have_count(1)
    expect(row.locator("td").first).to_have_text("2")  # students in the class
    expect(row.locator(".tag")).to_be_visible()  # homeroom

    menu_item(page, "a[href='/accounts/people/']").click()
    expect(page).to_have_url(re.compile(r"/accounts/people/$"))
    expect(page.locator("nav.main-nav a[aria-current=page]")).to_have_attribute(
        "href", "/accounts/people/"
    )
    people = page.locator("main table tbody")
    expect(people).to_contain_text(STUDENT.name)
    expect(people).to_contain_text(OTHER_STUDENT.name)

    page.goto("/")
    row.locator("a").click()  # the class link filters the people page to that class
    expect(page.locator("main h1")).to_have_text(f"{SCHOOL_NAME} {CLASS_NAME}")
    expect(people.locator("tr")).to_have_count(2)


def test_wrong_password_shows_an_error_and_stays_on_the_login_page(open_page) -> None:
    page = open_page(**PHONE)
    log_in(page, OTHER_STUDENT, password="not-the-password")
    # A failed login re-renders the form with 200, so the browser logs no failed resource.
    expect(page).to_have_url(re.compile(re.escape(LOGIN_PATH) + "$"))
    alert = page.locator("main [role=alert]")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("비밀번호")
    expect(page.locator("#id_username")).to_have_value(OTHER_STUDENT.username)
    expect(page.locator("#id_password")).to_have_value("")
    expect(page.locator("nav.main-nav")).to_have_count(0)
    assert_no_horizontal_scroll(page)


def test_axe_finds_no_serious_violations(open_page) -> None:
    # axe is injected as an inline script, which the CSP rightly blocks: this context alone
    # bypasses the CSP (the other tests keep it and fail on any violation).
    problems: list[str] = []
    for options, person in ((PHONE, TEACHER), (DESKTOP, STUDENT)):
        page = open_page(bypass_csp=True, **options)
        page.goto(LOGIN_PATH)
        problems += serious_axe_violations(page)
        log_in(page, person)
        expect(page.locator("nav.main-nav")).to_have_count(1)
        problems += serious_axe_violations(page)
        switch_language(page, "en")
        problems += serious_axe_violations(page)
        if person is TEACHER:
            page.goto("/accounts/people/")
            problems += serious_axe_violations(page)
            # The five-column people table scrolls inside its wrapper, not the page.
            assert_no_horizontal_scroll(page)
        # Back to Korean before signing out: the switch is also the user's own language now
        # (User.language), which the other tests of this server expect to be the browser's.
        switch_language(page, "ko")
        menu_item(page, "button.link-button").click()
        expect(page).to_have_url(re.compile(re.escape(LOGIN_PATH)))
        switch_language(page, "en")
        problems += serious_axe_violations(page)  # the login page in English
    assert not problems, "axe-core serious/critical violations:\n" + "\n".join(problems)


FOCUSED = """() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    // What the outline is drawn on: the element just left of the focused one, as painted.
    const ring = parseFloat(style.outlineOffset) + parseFloat(style.outlineWidth) / 2;
    const x = Math.max(0, box.left - ring);
    let surface = document.elementsFromPoint(x, box.top + box.height / 2)
        .find((other) => other !== el && !el.contains(other));
    while (surface && getComputedStyle(surface).backgroundColor === "rgba(0, 0, 0, 0)") {
        surface = surface.parentElement;
    }
    return {tag: el.tagName, id: el.id, cls: el.className, href: el.getAttribute("href"),
            autofocus: document.querySelector("[autofocus]")?.id ?? null,
            outlineStyle: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth),
            outlineColor: style.outlineColor,
            surface: surface ? getComputedStyle(surface).backgroundColor : "rgb(255, 255, 255)",
            top: box.top, bottom: box.bottom, height: box.height};
}"""


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio of two computed ``rgb(r, g, b)`` colours."""

    def luminance(color: str) -> float:
        channels = [int(part) / 255 for part in re.findall(r"\d+", color)[:3]]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def assert_visible_focus(focused: dict) -> None:
    assert focused["outlineStyle"] != "none" and focused["outlineWidth"] >= 2, focused
    ratio = contrast(focused["outlineColor"], focused["surface"])
    assert ratio >= 3, f"focus outline contrast {ratio:.2f}:1 is under 3:1: {focused}"


def assert_tab_reaches_skip_link_first(page: Page) -> None:
    page.keyboard.press("Tab")
    focused = page.evaluate(FOCUSED)
    assert focused["cls"] == "skip-link", (
        f"first Tab on {page.url} focused {focused}; an autofocus attribute moves the start "
        "of the keyboard order past the skip link and the language switch"
    )
    assert focused["href"] == "#main"
    assert_visible_focus(focused)
    assert focused["top"] >= 0 and focused["height"] > 0, f"skip link off screen: {focused}"
    assert focused["bottom"] <= page.viewport_size["height"]
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
    assert page.evaluate("document.activeElement.id") == "main"


def test_keyboard_reaches_the_skip_link_first_with_a_visible_outline(open_page) -> None:
    page = open_page(**DESKTOP)
    page.goto(LOGIN_PATH)
    assert_tab_reaches_skip_link_first(page)
    # From the main landmark, Tab goes on to the form fields, each with a visible outline.
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "id_username":
            break
    else:
        pytest.fail("Tab never reached the user name field")
    assert_visible_focus(page.evaluate(FOCUSED))
    page.keyboard.press("Tab")  # the password field
    assert_visible_focus(page.evaluate(FOCUSED))

    log_in(page, TEACHER)
    expect(page.locator("nav.main-nav")).to_be_visible()
    assert_tab_reaches_skip_link_first(page)


def test_service_worker_manifest_and_offline_page(open_page, server_url: str) -> None:
    page = open_page(**PHONE)
    log_in(page, STUDENT)
    expect(page.locator("main h1")).to_contain_text(STUDENT.name)

    state = page.evaluate(
        """() => Promise.race([
            navigator.serviceWorker.ready.then((r) => ({scope: r.scope, state: r.active.state})),
            new Promise((_, reject) => setTimeout(() => reject(new Error("sw timeout")), 8000)),
        ])"""
    )
    assert state["scope"] == f"{server_url}/"
    assert state["state"] in {"activating", "activated"}

    href = page.locator("link[rel=manifest]").get_attribute("href")
    response = page.request.get(href)
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()
    assert manifest["name"]
    assert manifest["start_url"] == "/"
    for icon in manifest["icons"]:
        icon_response = page.request.get(icon["src"])
        assert icon_response.status == 200, icon["src"]
        assert icon_response.headers["content-type"] == "image/png"

    # Offline, a navigation gets the offline page the service worker cached at install.
    page.goto("/offline/")
    offline_heading = page.locator("main h1").inner_text()
    page.goto("/")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.context.set_offline(True)
    try:
        response = page.goto("/accounts/password/")
        assert response is not None and response.from_service_worker
        expect(page.locator("main h1")).to_have_text(offline_heading)
        # The shell's stylesheet came from the cache too: the header is painted blue.
        header = page.evaluate(
            "getComputedStyle(document.querySelector('.site-header')).backgroundColor"
        )
        assert header == "rgb(29, 78, 216)"
    finally:
        page.context.set_offline(False)
