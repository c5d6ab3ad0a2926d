"""The office's learning-record pages in a real browser, under the site's CSP, on a desktop and a
phone: the outside LRSs with their outbox, one LRS's failed statements and batches, its form,
the LRS clients and registering one (the secret shown once); no sideways scroll, no serious
axe-core violation."""

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
from openclass.core.tests.live_server import STUDENT, Person

pytestmark = pytest.mark.browser

OFFICE = Person("office-xapi", "한기록")
HUB = "국가 학습데이터 허브 (시험)"


def seed_outbox() -> None:
    """Run in the live server's Django (``server_shell``): the office's admin, an outside LRS
    (nightly, at a closed port) with statements pending, sent and failed, and a batch."""
    from django.utils import timezone

    from openclass.accounts.models import Organisation, User
    from openclass.xapi import services
    from openclass.xapi.models import Delivery, Destination, ForwardBatch

    office = Organisation.objects.filter(kind=Organisation.Kind.OFFICE).first()
    user, _ = User.objects.get_or_create(
        username=OFFICE.username,
        defaults={"name": OFFICE.name, "role": User.Role.OFFICE_ADMIN, "organisation": office},
    )
    user.set_password(OFFICE.password)
    user.must_change_password = False
    user.save()
    hub, made = Destination.objects.get_or_create(
        name=HUB,
        defaults={
            "endpoint": "http://127.0.0.1:9/a-rather-long-path-of-the-national-hub/xapi/",
            "mode": Destination.Mode.NIGHTLY,
        },
    )
    if not made:
        return
    student = User.objects.get(username=STUDENT.username)
    for n in range(6):
        services.record(student, "completed", services.Activity("lesson", n + 1, f"{n + 1}차시"))
    rows = list(Delivery.objects.filter(destination=hub).order_by("pk"))
    Delivery.objects.filter(pk__in=[row.pk for row in rows[:2]]).update(
        state=Delivery.State.SENT, sent_at=timezone.now(), attempts=1
    )
    Delivery.objects.filter(pk__in=[row.pk for row in rows[2:4]]).update(
        state=Delivery.State.FAILED,
        attempts=10,
        last_error='HTTP 400: {"error": "a very long refusal of the statement by the outside '
        'LRS, which must wrap on a phone instead of widening the page"}',
    )
    ForwardBatch.objects.create(
        destination=hub, statements=4, outcome=ForwardBatch.Outcome.RETRY, error="ConnectError"
    )


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_office_follows_an_outside_lrs_and_registers_a_client(
    open_page, server_shell, size: dict
) -> None:
    server_shell("openclass.xapi.tests.test_forwarding_browser.seed_outbox")
    page = open_page(**size)
    log_in(page, OFFICE)
    page.goto("/xapi/office/")
    seen = [page.url]
    assert_no_horizontal_scroll(page)
    page.get_by_role("link", name=HUB).click()
    expect(page.locator("h1")).to_have_text(HUB)
    expect(page.locator("table.failed tbody tr")).to_have_count(2)
    seen.append(page.url)
    assert_no_horizontal_scroll(page)
    page.locator("a.button[href$='/edit/']").click()
    expect(page.locator("#id_password")).to_have_value("")
    seen.append(page.url)
    assert_no_horizontal_scroll(page)

    page.goto("/xapi/office/clients/new/")
    seen.append(page.url)
    assert_no_horizontal_scroll(page)
    name = f"학습 분석 대시보드 {size['viewport']['width']}"
    page.locator("#id_name").fill(name)
    page.locator("input[name=scopes][value='statements/read']").check()
    page.locator("form.lrs-form button[type=submit]").click()
    expect(page.locator("#client-secret")).to_be_visible()
    assert_no_horizontal_scroll(page)
    page.locator("main a.button[href$='/xapi/office/clients/']").click()
    expect(page.get_by_role("rowheader", name=name)).to_be_visible()
    seen.append(page.url)
    assert_no_horizontal_scroll(page)

    checker = open_page(**size, bypass_csp=True)
    log_in(checker, OFFICE)
    problems = []
    for url in seen:
        checker.goto(url)
        problems += serious_axe_violations(checker)
    assert problems == []
