"""The lesson form's page reads a YouTube video's length from YouTube's player into the hidden
field the server checks (F-08). The browser has no internet: YouTube's IFrame API is replaced by
a stand-in that answers like it (``YT.Player`` calling ``onReady``, ``getDuration()``). Nothing
is saved (the live server's course is shared by the other browser tests)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from openclass.core.tests.browser import DESKTOP, follow, log_in
from openclass.core.tests.live_server import COURSE_TITLE, TEACHER

pytestmark = pytest.mark.browser

FAKE_YOUTUBE = """
window.YT = {
  Player: class {
    constructor(target, options) {
      this.videoId = options.videoId;
      window.__youtubePlayers = (window.__youtubePlayers || 0) + 1;
      setTimeout(() => options.events.onReady({ target: this }), 50);
    }
    getDuration() { return this.videoId === "dQw4w9WgXcQ" ? 212.5 : 61; }
    destroy() {}
  },
};
"""


def test_the_youtube_players_length_fills_the_hidden_field(open_page) -> None:
    page = open_page(**DESKTOP)
    page.add_init_script(FAKE_YOUTUBE)
    log_in(page, TEACHER)
    page.get_by_role("link", name=COURSE_TITLE).first.click()
    content = page.locator("a[href$='/content/']").first
    page.goto(content.get_attribute("href") or "")
    page.locator("a[href$='/lessons/new/']").first.click()
    reported = page.locator("[data-reported-length]")
    expect(reported).to_have_value("")
    page.locator("#id_kind").select_option("youtube")
    page.locator("#id_url").fill("https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    page.locator("#id_url").dispatch_event("change")
    expect(reported).to_have_value("212.500")
    # Another address, another video: the earlier figure goes, the new one comes.
    page.locator("#id_url").fill("https://youtu.be/aaaaaaaaaaa")
    page.locator("#id_url").dispatch_event("change")
    expect(reported).to_have_value("61.000")
    # Not YouTube: nothing is reported.
    page.locator("#id_kind").select_option("video_url")
    expect(reported).to_have_value("")
    expect(page.get_by_label(re.compile("영상 길이|Video length"))).to_be_visible()


def test_the_lesson_form_shows_only_the_fields_of_the_chosen_kind(open_page) -> None:
    page = open_page(**DESKTOP)
    log_in(page, TEACHER)
    page.get_by_role("link", name=COURSE_TITLE).first.click()
    content = page.locator("a[href$='/content/']").first
    page.goto(content.get_attribute("href") or "")
    page.locator("a[href$='/lessons/new/']").first.click()
    url, length = page.locator("#id_url"), page.locator("#id_length")
    document, upload = page.locator("#id_document"), page.locator("[data-upload-file]")
    page.locator("#id_kind").select_option("document")
    expect(document).to_be_visible()
    for hidden in (url, length, upload):
        expect(hidden).to_be_hidden()
    page.locator("#id_kind").select_option("video")
    expect(upload).to_be_visible()
    for hidden in (url, length, document):
        expect(hidden).to_be_hidden()
    page.locator("#id_kind").select_option("link")
    expect(url).to_be_visible()
    for hidden in (length, document, upload):
        expect(hidden).to_be_hidden()
    page.locator("#id_kind").select_option("quiz")
    for hidden in (url, length, document, upload):
        expect(hidden).to_be_hidden()
    expect(page.locator("p[data-kinds~=quiz]")).to_be_visible()
    expect(page.locator("#id_title")).to_be_visible()


def test_the_new_course_form_moves_focus_to_its_errors(open_page) -> None:
    """The first save without 개설 대상: the summary at the top has the focus, and its link
    focuses the field; nothing is saved."""
    page = open_page(**DESKTOP)
    log_in(page, TEACHER)
    page.goto("/courses/new/")
    page.locator("#id_title").fill("브라우저 강좌")
    page.locator("main form button[type=submit]").click()
    summary = page.locator("[data-form-errors]")
    expect(summary).to_be_focused()
    summary.locator("a[href='#id_organisation']").click()
    expect(page.locator("#id_organisation")).to_be_focused()


def test_the_content_element_picker_filters_by_name_and_topic(open_page) -> None:
    page = open_page(**DESKTOP)
    log_in(page, TEACHER)
    follow(page, page.get_by_role("link", name=COURSE_TITLE).first)
    page.goto(page.url.split("?")[0].rstrip("/") + "/edit/")
    groups = page.locator(".element-group")
    visible = groups.locator("visible=true")
    # Only the course topic's area shows (plus anything already ticked).
    topic = page.locator("#id_topic").input_value()
    expect(visible.first).to_have_attribute("data-topic", topic)
    items = page.locator(".element-options li:visible")
    before = items.count()
    assert before > 0
    first_label = items.first.get_attribute("data-label") or ""
    page.locator("[data-filter-box] input").fill(first_label)
    expect(items.first).to_have_attribute("data-label", first_label)
    assert items.count() <= before
    page.locator("[data-filter-box] input").fill("없는 내용 요소 zzz")
    expect(page.locator("[data-filter-empty]")).to_be_visible()
