"""The lesson form's page reads a YouTube video's length from YouTube's player into the hidden
field the server checks (F-08). The browser has no internet: YouTube's IFrame API is replaced by
a stand-in that answers like it (``YT.Player`` calling ``onReady``, ``getDuration()``). Nothing
is saved (the live server's course is shared by the other browser tests)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from openclass.core.tests.browser import DESKTOP, log_in
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
