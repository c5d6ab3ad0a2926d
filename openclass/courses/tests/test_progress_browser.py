"""A student watches a no-skip lesson in a real browser (Debian's chromium, the real server and
its WebSocket): what is played is credited by the server, seeking ahead snaps back, only the
course's speeds play, and coming back offers the resume point and shows the recorded progress.
The live server's lesson is a 30 s video made by ffmpeg and transcoded to HLS
(``live_server.seed_course``)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from openclass.core.tests.browser import (
    DESKTOP,
    PHONE,
    assert_no_horizontal_scroll,
    log_in,
    serious_axe_violations,
)
from openclass.core.tests.live_server import COURSE_TITLE, LESSON_TITLE, OTHER_STUDENT

pytestmark = pytest.mark.browser
VIDEO = "document.querySelector('#lesson-video')"


def video(page: Page, expression: str) -> object:
    return page.evaluate(f"() => {{ const v = {VIDEO}; return {expression}; }}")


def percent_shown(page: Page) -> int:
    return int(page.locator("[data-progress-bar]").get_attribute("value") or 0)


def test_student_watches_cannot_skip_and_resumes(open_page) -> None:
    page = open_page(**DESKTOP)
    log_in(page, OTHER_STUDENT)
    page.get_by_role("link", name=COURSE_TITLE).first.click()
    page.get_by_role("link", name=LESSON_TITLE).click()
    page.wait_for_function(f"() => {VIDEO} && {VIDEO}.readyState >= 1")
    status = page.locator("[data-player-status]")
    expect(status).to_have_attribute("aria-live", "polite")

    # Only the course's speeds are offered, and another one set by script is undone.
    speed = page.get_by_label(re.compile("재생 속도|Speed"))
    expect(speed.locator("option")).to_have_text(["1.0×", "1.25×", "1.5×"])
    video(page, "(v.playbackRate = 2, 0)")
    expect(status).to_contain_text(re.compile("재생 속도를 쓸 수 없|speed is not allowed"))
    assert video(page, "v.playbackRate") == 1

    video(page, "(v.muted = true, v.play(), 0)")
    page.wait_for_function(f"() => {VIDEO}.currentTime > 7", timeout=20_000)
    # Seeking far ahead in a no-skip lesson snaps back to what has been watched.
    video(page, "(v.currentTime = 28, 0)")
    expect(status).to_contain_text(re.compile("시청한 곳까지만|already watched"))
    assert video(page, "v.currentTime") < 15
    # Pausing sends a beat at once; the page shows the server's answer, not its own count.
    video(page, "(v.pause(), 0)")
    expect(status).to_contain_text(re.compile(r"진도율: \d+|Watched: \d+"))
    bar = "document.querySelector('[data-progress-bar]')"
    page.wait_for_function(f"() => Number({bar}.value) >= 20")
    credited = percent_shown(page)
    assert 20 <= credited <= 50  # about 8 to 10 of 30 seconds
    paused_at = video(page, "v.currentTime")

    # Leave (the WebSocket closes, the server writes), come back from the home page.
    page.goto("/")
    resume = page.locator(".resume a.resume-button")
    expect(resume).to_have_text(LESSON_TITLE)
    resume.click()
    page.wait_for_function(f"() => {VIDEO} && {VIDEO}.readyState >= 1")
    assert percent_shown(page) >= credited  # rendered from what the server stored
    expect(page.locator("[data-progress-text]")).to_contain_text(str(percent_shown(page)))
    offer = page.get_by_role("button", name=re.compile("이어서 보기|Continue from"))
    expect(offer).to_be_visible()
    seconds = int(paused_at)
    expect(offer).to_contain_text(re.compile(rf"0:0?({seconds - 1}|{seconds}|{seconds + 1})\b"))
    offer.focus()
    page.keyboard.press("Enter")  # keyboard works
    expect(offer).to_be_hidden()
    assert video(page, "v.currentTime") >= seconds - 1

    # The course page lists the lesson with the percentage the server recorded.
    video(page, "(v.pause(), 0)")
    page.get_by_role("link", name=COURSE_TITLE).first.click()
    expect(page.locator(".lesson-list")).to_contain_text(re.compile(r"\d+ ?% 시청|\d+ % watched"))

    # The lesson page on a phone: no serious accessibility problem, no sideways scrolling (axe
    # is injected as an inline script, so this page alone bypasses the CSP).
    phone = open_page(bypass_csp=True, **PHONE)
    log_in(phone, OTHER_STUDENT)
    phone.goto(page.url.split("#")[0])
    phone.get_by_role("link", name=LESSON_TITLE).click()
    phone.wait_for_function(f"() => {VIDEO} && {VIDEO}.readyState >= 1")
    expect(phone.locator("[data-progress-text]")).not_to_be_empty()
    assert serious_axe_violations(phone) == []
    assert_no_horizontal_scroll(phone)
