"""The office's accounts pages in a real browser, under the site's CSP, on a desktop and a phone:
a school admin adds a class from the keyboard, sees it in the tree in natural order, creates a
teacher and gives them the class; no sideways scroll, no serious axe-core violation."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from openclass.core.tests.browser import (
    DESKTOP,
    PHONE,
    assert_no_horizontal_scroll,
    follow,
    log_in,
    serious_axe_violations,
)
from openclass.core.tests.live_server import Person

pytestmark = pytest.mark.browser

SCHOOL_ADMIN = Person("hanbit-office-admin", "한교무")
SHOTS = os.environ.get("OPENCLASS_SCREENSHOTS", "")


def seed_school_admin() -> None:
    """Run in the live server's Django (``server_shell``): the seeded school's admin."""
    from openclass.accounts.models import Organisation, User

    school = Organisation.objects.get(code="hanbit")
    user, _ = User.objects.get_or_create(
        username=SCHOOL_ADMIN.username,
        defaults={
            "name": SCHOOL_ADMIN.name,
            "role": User.Role.SCHOOL_ADMIN,
            "organisation": school,
        },
    )
    user.set_password(SCHOOL_ADMIN.password)
    user.must_change_password = False
    user.save()


def _shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_school_admin_keeps_classes_and_teachers_in_the_products_pages(
    open_page, server_shell, size: dict
) -> None:
    server_shell("openclass.accounts.tests.test_office_browser.seed_school_admin")
    width = size["viewport"]["width"]
    page = open_page(**size)
    log_in(page, SCHOOL_ADMIN)
    page.goto("/accounts/organisations/")
    seen = [page.url]
    follow(page, page.locator("main .org-tree a", has_text="3학년").first)
    seen.append(page.url)
    grade_url = page.url
    page.locator("main a[href$='/add/']").click()
    # The keyboard alone: the number typed, the form sent by Enter.
    number = "10" if width > 500 else "2"
    page.locator("#id_number").fill(number)
    page.locator("#id_number").press("Enter")
    expect(page.locator("h1")).to_contain_text(f"{number}반")
    seen.append(page.url)
    assert_no_horizontal_scroll(page)
    _shot(page, f"class-{width}")
    page.goto(grade_url)
    names = page.locator("main table tbody th").all_inner_texts()
    numbers = [int(name.rstrip("반")) for name in names]
    assert numbers == sorted(numbers)
    page.goto("/accounts/staff/new/")
    seen.append(page.url)
    page.locator("#id_name").fill(f"새교사{width}")
    page.locator("main form.stacked button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text(f"새교사{width}")
    option = page.locator("#id_klass option", has_text=f"3학년 {number}반")
    page.locator("#id_klass").select_option(option.get_attribute("value"))
    page.locator("#id_subject").fill("영어")
    page.locator("form[action$='/assign/'] button[type=submit]").click()
    expect(page.locator("main table").first).to_contain_text("영어")
    assert_no_horizontal_scroll(page)
    seen.append(page.url)
    _shot(page, f"teacher-{width}")
    page.goto("/accounts/staff/")
    seen.append(page.url)
    assert_no_horizontal_scroll(page)
    page.goto("/accounts/staff/import/")
    seen.append(page.url)
    assert_no_horizontal_scroll(page)
    checker = open_page(**size, bypass_csp=True)
    log_in(checker, SCHOOL_ADMIN)
    problems = []
    for url in seen:
        checker.goto(url)
        problems += serious_axe_violations(checker)
    assert problems == []
