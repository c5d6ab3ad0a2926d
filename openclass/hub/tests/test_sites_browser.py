"""The office's pages of registered sites and the authentication log in a real browser, under
the site's CSP, on a desktop and a phone: registering a site with the keyboard, its secret shown
once, disabling it after the confirmation; no sideways scroll, no serious axe-core violation."""

from __future__ import annotations

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

OFFICE = Person("office-sites", "최교육")


def seed_office_admin() -> None:
    """Run in the live server's Django (``server_shell``): the office and its admin."""
    from openclass.accounts.models import Organisation, User

    office = Organisation.objects.filter(kind=Organisation.Kind.OFFICE).first()
    user, _ = User.objects.get_or_create(
        username=OFFICE.username,
        defaults={"name": OFFICE.name, "role": User.Role.OFFICE_ADMIN, "organisation": office},
    )
    user.set_password(OFFICE.password)
    user.must_change_password = False
    user.save()


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_office_registers_a_site_sees_its_secret_once_and_disables_it(
    open_page, server_shell, size: dict
) -> None:
    server_shell("openclass.hub.tests.test_sites_browser.seed_office_admin")
    page = open_page(**size)
    log_in(page, OFFICE)
    page.goto("/hub/sites/")
    seen = [page.url]
    follow(page, page.locator("main a[href='/hub/sites/register/']"))
    seen.append(page.url)
    assert_no_horizontal_scroll(page)
    name = f"진로센터 {size['viewport']['width']}"
    page.locator("#id_name").fill(name)
    page.locator("#id_redirect_uris").fill("javascript:alert(1)")
    page.locator("form.site-form button[type=submit]").click()
    expect(page.locator("#id_redirect_uris_error, .errorlist").first).to_be_visible()
    assert_no_horizontal_scroll(page)
    page.locator("#id_redirect_uris").fill("https://career.example.org/callback")
    # The keyboard alone: the trusted box and the scopes by Space, the form sent by Enter.
    page.locator("#id_trusted").focus()
    page.keyboard.press("Space")
    page.locator("input[name=scopes][value=profile]").focus()
    page.keyboard.press("Space")
    page.locator("form.site-form button[type=submit]").focus()
    page.keyboard.press("Enter")
    secret = page.locator("#client-secret")
    expect(secret).to_be_visible()
    shown = secret.inner_text().strip()
    assert len(shown) >= 40
    assert_no_horizontal_scroll(page)
    page.locator("main a.button").last.click()
    expect(page.locator("h1")).to_contain_text(name)
    assert shown not in page.content()
    assert_no_horizontal_scroll(page)
    seen.append(page.url)
    follow(page, page.locator("main a[href$='/disable/']"))
    seen.append(page.url)
    assert_no_horizontal_scroll(page)
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".alert.warning")).to_be_visible()
    page.goto("/hub/auth-log/")
    seen.append(page.url)
    assert_no_horizontal_scroll(page)
    # axe-core is an inline script the CSP refuses: its own page lets it in.
    checker = open_page(**size, bypass_csp=True)
    log_in(checker, OFFICE)
    problems = []
    for url in seen:
        checker.goto(url)
        problems += serious_axe_violations(checker)
    assert problems == []
