"""A student watches a no-skip lesson in a real browser: the server credits what was played,
seeking ahead is refused, and coming back offers the resume point and shows the progress."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from openclass.web.tests.live_server import COURSE_TITLE, LESSON_TITLE, OTHER_STUDENT
from openclass.web.tests.test_browser import DESKTOP, log_in

pytestmark = pytest.mark.browser
VIDEO = "document.querySelector('#lesson-video')"


def video_time(page: Page) -> float:
    return page.evaluate("() => document.querySelector('#lesson-video').currentTime")


def test_student_watches_cannot_skip_and_resumes(open_page) -> None:
    page = open_page(**DESKTOP)
    log_in(page, OTHER_STUDENT)
    page.get_by_role("link", name=COURSE_TITLE).first.click()
    page.get_by_role("link", name=LESSON_TITLE).click()
    page.wait_for_function(f"() => {VIDEO} && {VIDEO}.readyState >= 1")
    page.evaluate(
        "() => { const v = document.querySelector('#lesson-video'); v.muted = true; v.play(); }"
    )
    page.wait_for_function(
        "() => document.querySelector('#lesson-video').currentTime > 7", timeout=20_000
    )
    # Seeking to the end of a no-skip lesson snaps back to what has been watched.
    page.evaluate("() => { document.querySelector('#lesson-video').currentTime = 28; }")
    page.wait_for_timeout(1000)
    assert video_time(page) < 15
    status = page.locator("[data-player-status]")
    expect(status).to_contain_text(re.compile("시청한 곳까지만|already watched"))
    # Pausing sends the beat at once; the server answers with its own figures.
    page.evaluate("() => document.querySelector('#lesson-video').pause()")
    expect(status).to_contain_text(re.compile(r"진도율: \d+|Watched: \d+"), timeout=10_000)
    credited = int(page.locator("[data-progress-bar]").get_attribute("value") or 0)
    assert credited >= 20  # about 8 of 30 seconds

    # Leave, come back: home offers to continue, the lesson offers the resume point.
    page.goto("/")
    resume = page.locator(".resume a.resume-button")
    expect(resume).to_have_text(LESSON_TITLE)
    resume.click()
    offer = page.locator("[data-resume]")
    expect(offer).to_be_visible()
    expect(offer).to_contain_text(re.compile(r"0:0\d|0:1\d"))
    page.wait_for_function("() => document.querySelector('#lesson-video').readyState >= 1")
    offer.click()
    assert video_time(page) > 5
    page.get_by_role("link", name=COURSE_TITLE).click()
    expect(page.locator(".lesson-list")).to_contain_text(re.compile(r"\d+% 시청|\d+ % watched"))
