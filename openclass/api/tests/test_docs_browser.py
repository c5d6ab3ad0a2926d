"""The interactive docs page in a real browser under the site's CSP: Swagger UI renders the
document from our static files, with no console error (a CSP violation would be one)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from openclass.core.tests.browser import (
    DESKTOP,
    LOGIN_PATH,
    PHONE,
    assert_no_horizontal_scroll,
    log_in,
    menu_item,
    serious_axe_violations,
)
from openclass.core.tests.live_server import STUDENT

pytestmark = pytest.mark.browser


def test_the_docs_page_renders_under_the_csp(open_page) -> None:
    page = open_page(**DESKTOP)
    page.goto("/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("openclass Open API")
    expect(page.locator(".opblock-tag-section").first).to_be_visible()
    expect(page.get_by_text("/api/v1/people", exact=True).first).to_be_attached()
    expect(page.locator("button.authorize")).to_be_visible()


def test_a_student_makes_a_token_on_a_phone(open_page) -> None:
    """The token page at 360 px, by keyboard-reachable labelled fields: the token shown once,
    then listed by name only; no serious accessibility violation."""
    page = open_page(**PHONE)
    page.goto(LOGIN_PATH)
    log_in(page, STUDENT)
    page.goto("/")
    menu_item(page, "a[href='/api/tokens/']").click()
    expect(page).to_have_url(re.compile(r"/api/tokens/$"))
    page.locator("#id_name").fill("숙제 알림 스크립트")
    page.locator("input[name=scopes][value=profile]").check()
    page.locator("form[action='/api/tokens/'] button[type=submit]").click()
    token = page.locator("#new-token")
    expect(token).to_have_value(re.compile(r"^ocp_"))
    assert_no_horizontal_scroll(page)
    page.goto("/api/tokens/")
    expect(page.locator("#new-token")).to_have_count(0)
    expect(page.locator("main table")).to_contain_text("숙제 알림 스크립트")
    # bypass_csp only lets the axe checker in (the page above ran under the CSP).
    checker = open_page(bypass_csp=True, **PHONE)
    checker.goto(LOGIN_PATH)
    log_in(checker, STUDENT)
    checker.goto("/api/tokens/")
    assert serious_axe_violations(checker) == []
