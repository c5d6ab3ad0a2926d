"""Saved lists in a real browser, under the site's CSP, on a desktop and a phone: a teacher saves
a search result into a new list from the results page and is back on the results, orders and
annotates it and shares it with her class; her student finds it on her home and opens it; no
sideways scroll, no serious axe-core violation on the lists' pages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from openclass.core.tests.browser import (
    DESKTOP,
    PHONE,
    assert_no_horizontal_scroll,
    log_in,
    serious_axe_violations,
)
from openclass.core.tests.live_server import COURSE_TITLE, STUDENT, TEACHER

pytestmark = pytest.mark.browser


def index_everything() -> None:
    """Run in the live server's Django (``server_shell``): the search index rebuilt, so the seeded
    class course is found."""
    from openclass.search import services

    services.reindex()


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_teacher_saves_a_result_and_shares_the_list_with_her_class(
    open_page, server_shell, size: dict
) -> None:
    name = f"등하굣길 수업 자료 ({'phone' if size is PHONE else 'desktop'})"
    server_shell("openclass.lists.tests.test_lists_browser.index_everything")
    page = open_page(**size)
    log_in(page, TEACHER)
    origin = "/".join(page.url.split("/")[:3])
    results = "/search/?q=%EB%93%B1%ED%95%98%EA%B5%A3%EA%B8%B8"  # 등하굣길
    page.goto(results)
    expect(page.locator(".hit").first).to_contain_text(COURSE_TITLE, timeout=20_000)
    page.locator('.hit a[href^="/lists/save/"]').first.click()
    expect(page.locator("main")).to_contain_text(COURSE_TITLE)
    seen = [page.url]
    assert_no_horizontal_scroll(page)
    page.locator("#new-name").fill(name)
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(f"{origin}{results}")
    # The list: the item links to the course; a note; shared with the class; the link on.
    page.goto("/lists/")
    seen.append(page.url)
    page.locator("main a", has_text=name).click()
    item = page.locator(".saved-item").first
    expect(item.locator("a")).to_contain_text(COURSE_TITLE)
    item.locator("textarea").fill("횡단보도 건너기 전에 볼 것")
    item.locator(".note-form button").click()
    expect(page.locator(".saved-item textarea").first).to_have_value("횡단보도 건너기 전에 볼 것")
    page.locator("input[name=classes]").first.check()
    page.locator('form[action$="/share/"] button[type=submit]').click()
    expect(page.locator("input[name=classes]").first).to_be_checked()
    page.locator('form[action$="/link/"] button[value=on]').click()
    expect(page.locator("#list-link")).to_have_value(re.compile(r"/lists/shared/[-\w]{32,}/$"))
    assert_no_horizontal_scroll(page)
    list_path = page.url.split("#")[0].removeprefix(origin)
    seen.append(page.url)
    # Her student finds it on her home and opens it, read-only, with the note.
    student = open_page(**size)
    log_in(student, STUDENT)
    student.goto("/")
    student.locator(f'main a[href="{list_path}"]').first.click()
    expect(student.locator("main")).to_contain_text(COURSE_TITLE)
    expect(student.locator("main")).to_contain_text("횡단보도 건너기 전에 볼 것")
    expect(student.locator(".saved-item textarea")).to_have_count(0)
    assert_no_horizontal_scroll(student)
    # axe-core is an inline script the CSP refuses: its own page lets it in.
    checker = open_page(**size, bypass_csp=True)
    log_in(checker, TEACHER)
    problems = []
    for url in seen:
        checker.goto(url)
        problems += serious_axe_violations(checker)
    checker = open_page(**size, bypass_csp=True)
    log_in(checker, STUDENT)
    for url in ("/", list_path, "/lists/"):
        checker.goto(url)
        problems += serious_axe_violations(checker)
    assert problems == []
