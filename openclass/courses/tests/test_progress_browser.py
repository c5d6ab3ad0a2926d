"""A student watches a no-skip lesson in a real browser (Debian's chromium, the real server and
its WebSocket): what is played is credited by the server, seeking ahead snaps back, only the
course's speeds play, coming back starts the video where it was left (and offers to start again)
and shows the recorded progress, and watching to the end says the lesson is completed.
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
    page.get_by_role("link", name=LESSON_TITLE, exact=True).click()
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

    # Leave (the WebSocket closes, the server writes), come back from the home page: the video
    # is the next lesson not done, and it starts where it was left, not at 0 s.
    page.goto("/")
    resume = page.locator(".resume a.resume-button")
    expect(resume).to_have_text(LESSON_TITLE)
    resume.click()
    page.wait_for_function(f"() => {VIDEO} && {VIDEO}.readyState >= 1")
    assert percent_shown(page) >= credited  # rendered from what the server stored
    expect(page.locator("[data-progress-text]")).to_contain_text(str(percent_shown(page)))
    seconds = int(paused_at)
    page.wait_for_function(f"() => {VIDEO}.currentTime >= {seconds - 1}")
    assert video(page, "v.currentTime") <= paused_at + 1.5
    expect(status).to_contain_text(re.compile(rf"0:0?({seconds - 1}|{seconds}|{seconds + 1})\b"))
    # Starting again from the beginning is offered, and works from the keyboard.
    again = page.get_by_role("button", name=re.compile("처음부터|from the beginning"))
    expect(again).to_be_visible()
    again.focus()
    page.keyboard.press("Enter")
    expect(again).to_be_hidden()
    page.wait_for_function(f"() => {VIDEO}.currentTime < 3")

    # Watched to the end, the status line says the lesson is completed (not "진도율: 99%").
    video(page, f"(v.currentTime = {seconds}, v.playbackRate = 1.5, v.play(), 0)")
    page.wait_for_function(f"() => {VIDEO}.ended", timeout=45_000)
    expect(status).to_contain_text(re.compile("이수했습니다|Lesson completed"))
    expect(page.locator("[data-completed-tag]")).to_be_visible()

    # The course page lists the lesson as completed, and has nothing left to continue.
    page.get_by_role("link", name=COURSE_TITLE).first.click()
    expect(page.locator(".lesson-list")).to_contain_text(re.compile("이수|Completed"))
    expect(page.locator(".resume-done")).to_be_visible()

    # The lesson page on a phone: no serious accessibility problem, no sideways scrolling (axe
    # is injected as an inline script, so this page alone bypasses the CSP).
    phone = open_page(bypass_csp=True, **PHONE)
    log_in(phone, OTHER_STUDENT)
    phone.goto(page.url.split("#")[0])
    phone.get_by_role("link", name=LESSON_TITLE, exact=True).click()
    phone.wait_for_function(f"() => {VIDEO} && {VIDEO}.readyState >= 1")
    expect(phone.locator("[data-progress-text]")).not_to_be_empty()
    assert serious_axe_violations(phone) == []
    assert_no_horizontal_scroll(phone)
