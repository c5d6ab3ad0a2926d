"""The office's pages of outside catalogs in a real browser, under the site's CSP, on a desktop
and a phone: the list, a catalog's entries page by page, registering one with the keyboard (a
non-web address refused first), disabling it; no sideways scroll, no serious axe-core
violation."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from openclass.core.tests.browser import (
    DESKTOP,
    PHONE,
    assert_no_horizontal_scroll,
    log_in,
    serious_axe_violations,
)
from openclass.core.tests.live_server import Person

pytestmark = pytest.mark.browser

OFFICE = Person("office-feeds", "한교육")
CATALOG = "진로진학정보센터 (시험)"


def seed_catalog() -> None:
    """Run in the live server's Django (``server_shell``): the office's admin and a fetched
    catalog of 60 entries."""
    from django.utils import timezone

    from openclass.accounts.models import Organisation, User
    from openclass.feeds.models import OutsideCatalog, OutsideEntry

    office = Organisation.objects.filter(kind=Organisation.Kind.OFFICE).first()
    user, _ = User.objects.get_or_create(
        username=OFFICE.username,
        defaults={"name": OFFICE.name, "role": User.Role.OFFICE_ADMIN, "organisation": office},
    )
    user.set_password(OFFICE.password)
    user.must_change_password = False
    user.save()
    now = timezone.now()
    catalog, made = OutsideCatalog.objects.get_or_create(
        name=CATALOG,
        defaults={
            "site_name": "진로진학정보센터",
            "url": "https://jinro.example.org/feed.json",
            "last_fetched_at": now,
            "last_outcome": OutsideCatalog.Outcome.OK,
            "entry_count": 60,
            "created_by": user,
        },
    )
    if made:
        for n in range(60):
            OutsideEntry.objects.create(
                catalog=catalog,
                identifier=f"e{n:02d}",
                title=f"진로 탐색 {n:02d}: 간호사가 되려면 알아야 할 아주 긴 제목의 진로 자료",
                url=f"https://jinro.example.org/career/a-rather-long-address-{n:02d}",
                tags="진로\n진로 탐색\n보건",
                fetched_at=now,
                published_at=now,
            )


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_office_reads_registers_and_disables_catalogs(
    open_page, server_shell, size: dict
) -> None:
    server_shell("openclass.feeds.tests.test_office_browser.seed_catalog")
    page = open_page(**size)
    log_in(page, OFFICE)
    page.goto("/catalogs/")
    seen = [page.url]
    assert_no_horizontal_scroll(page)
    page.get_by_role("link", name=CATALOG).click()
    expect(page.locator("h1")).to_have_text(CATALOG)
    expect(page.locator("table.entries tbody tr")).to_have_count(50)
    seen.append(page.url)
    assert_no_horizontal_scroll(page)
    page.locator("nav.pagination a").last.click()
    expect(page.locator("table.entries tbody tr")).to_have_count(10)
    seen.append(page.url)

    page.goto("/catalogs/new/")
    seen.append(page.url)
    assert_no_horizontal_scroll(page)
    name = f"사이버논술 {size['viewport']['width']}"
    page.locator("#id_name").fill(name)
    page.locator("#id_site_name").fill("사이버논술")
    page.locator("#id_url").fill("ftp://nonsul.example.org/feed.csv")
    page.locator("form.catalog-form button[type=submit]").click()
    expect(page.locator(".errorlist").first).to_be_visible()
    assert_no_horizontal_scroll(page)
    page.locator("#id_url").fill("https://nonsul.example.org/feed.csv")
    # The keyboard alone: the kind chosen with the arrows, the form sent by Enter.
    page.locator("#id_kind").focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    page.locator("#id_interval_hours").focus()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text(name)
    seen.append(page.url)
    assert_no_horizontal_scroll(page)
    page.get_by_role("button", name="사용 중지").click()
    expect(page.locator(".alert.warning")).to_be_visible()
    expect(page.get_by_role("button", name="다시 사용")).to_be_visible()

    checker = open_page(**size, bypass_csp=True)
    log_in(checker, OFFICE)
    problems = []
    for url in seen:
        checker.goto(url)
        problems += serious_axe_violations(checker)
    assert problems == []
