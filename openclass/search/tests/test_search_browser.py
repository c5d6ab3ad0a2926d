"""Edu-Navi in a real browser, under the site's CSP, on a desktop and a phone: the header's box
suggests as one types and is used with the keyboard alone, the results page narrows by a facet
and corrects a typo; no sideways scroll, no serious axe-core violation."""

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
from openclass.core.tests.live_server import STUDENT, TEACHER

pytestmark = pytest.mark.browser

COURSE = "독도 바로 알기 (검색 시험)"


def seed_dokdo() -> None:
    """Run in the live server's Django (``server_shell``): a published school course about
    독도 with a lesson, and the index rebuilt."""
    from openclass.accounts.models import Organisation, User
    from openclass.catalog.models import Topic
    from openclass.courses.models import Course, Lesson, Section
    from openclass.search import services

    if not Course.objects.filter(title=COURSE).exists():
        teacher = User.objects.get(username=TEACHER.username)
        school = Organisation.objects.get(code="hanbit")
        course = Course.objects.create(
            title=COURSE,
            summary="독도의 역사와 지리를 배우는 강좌",
            topic=Topic.objects.get(code="dokdo"),
            scope=Course.Scope.SCHOOL,
            organisation=school,
            owner=teacher,
            is_published=True,
            delivery=Course.Delivery.RECORDED,
        )
        course.teachers.add(teacher)
        section = Section.objects.create(course=course, title="1단원 독도의 자연", position=1)
        Lesson.objects.create(
            section=section,
            title="독도의 동식물",
            kind=Lesson.Kind.LINK,
            url="https://example.org/dokdo",
            position=1,
        )
    services.reindex()


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_student_finds_dokdo_from_the_header_with_the_keyboard(
    open_page, server_shell, size: dict
) -> None:
    server_shell("openclass.search.tests.test_search_browser.seed_dokdo")
    page = open_page(**size)
    log_in(page, STUDENT)
    box = page.locator("#site-search-q")
    box.focus()
    page.keyboard.type("독도", delay=30)
    options = page.locator("#site-search-list [role=option]")
    # The server's first search loads the morphological analyser (about a second).
    expect(options.first).to_contain_text("독도 바로 알기", timeout=20_000)
    expect(box).to_have_attribute("aria-expanded", "true")
    assert_no_horizontal_scroll(page)
    page.keyboard.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")
    page.keyboard.type("를")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("검색")
    expect(page.locator(".hit h3 a").first).to_contain_text("독도 바로 알기")
    expect(page.locator(".hit h3 mark").first).to_have_text("독도")
    assert_no_horizontal_scroll(page)
    seen = [page.url]
    # A facet narrows to the course; a typo is searched as corrected.
    page.locator(".facets a", has_text="강좌").first.click()
    expect(page.locator(".hit")).to_have_count(1)
    seen.append(page.url)
    page.goto("/search/?q=둑도")
    expect(page.locator(".notice")).to_contain_text("독도")
    expect(page.locator(".hit").first).to_be_visible()
    seen.append(page.url)
    page.goto("/search/?q=양자역학")
    expect(page.locator("#results-h")).to_have_text("검색 결과가 없습니다")
    seen.append(page.url)
    assert_no_horizontal_scroll(page)
    # The suggestions, chosen with the arrow keys, open the course's own page.
    box = page.locator("#site-search-q")
    box.fill("")
    box.focus()
    page.keyboard.type("독도 바", delay=30)
    expect(options.first).to_contain_text("독도 바로 알기")
    page.keyboard.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text("독도 바로 알기")
    # axe-core is an inline script the CSP refuses: its own page lets it in.
    checker = open_page(**size, bypass_csp=True)
    log_in(checker, STUDENT)
    problems = []
    for url in seen:
        checker.goto(url)
        problems += serious_axe_violations(checker)
    teacher = open_page(**size, bypass_csp=True)
    log_in(teacher, TEACHER)
    teacher.goto("/search/?q=독도")
    teacher.locator("details.why summary").first.click()
    expect(teacher.locator("details.why dl").first).to_be_visible()
    problems += serious_axe_violations(teacher)
    assert problems == []
