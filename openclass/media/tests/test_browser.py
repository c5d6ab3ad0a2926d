"""Upload and playback in a real browser: tus-js-client and hls.js against uvicorn, under the CSP.

A server of its own, with Huey in immediate mode, so the upload's transcode runs right when the
last byte arrives (the shared browser-test server has no Huey consumer).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from openclass.core.tests.browser import PHONE, serious_axe_violations
from openclass.core.tests.live_server import ROOT, TEACHER, LiveServer

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = LiveServer(Path(tmp_path_factory.mktemp("media-var")))
    server.env["OPENCLASS_HUEY_IMMEDIATE"] = "1"
    server.prepare()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def media_server(live: LiveServer) -> str:
    return live.url


def run_in_server_env(live: LiveServer, code: str, *, immediate: bool = True) -> str:
    """Python run by ``manage.py shell`` against the live server's database; returns stdout."""
    env = dict(live.env)
    if not immediate:
        env.pop("OPENCLASS_HUEY_IMMEDIATE")
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout.strip()


@pytest.fixture
def new_page(chromium, media_server: str) -> Iterator[Callable[..., Page]]:
    """Factory of pages in fresh contexts; the test fails on any console error left over."""
    contexts = []
    pages: list[Page] = []

    def factory(**options) -> Page:
        context = chromium.new_context(base_url=media_server, locale="ko-KR", **options)
        context.set_default_timeout(20_000)
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.console_errors = errors
        pages.append(page)
        return page

    yield factory
    problems = [error for page in pages for error in page.console_errors]
    for context in contexts:
        context.close()
    assert not problems, "Browser console errors:\n" + "\n".join(problems)


@pytest.fixture
def page(new_page) -> Page:
    return new_page()


def log_in(page: Page) -> None:
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(TEACHER.username)
    page.locator("#id_password").fill(TEACHER.password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def test_teacher_uploads_a_video_and_plays_it(page: Page, sample_video: Path) -> None:
    log_in(page)
    # The first PATCH dies on the way, as on a school's flaky Wi-Fi: the client asks the server
    # for the offset (HEAD) and sends the rest.
    methods: list[str] = []

    def flaky(route, request) -> None:
        methods.append(request.method)
        if request.method == "PATCH" and methods.count("PATCH") == 1:
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route(re.compile(r"/videos/uploads/\w+/$"), flaky)
    page.goto("/videos/")
    page.locator("#new-video-title").fill("물의 순환")
    page.locator("[data-upload-file]").set_input_files(str(sample_video))

    hidden = page.locator("[data-upload-video-id]")
    # The reset PATCH is retried after upload.js's backoff (RETRY_DELAYS), then the file is
    # sent and probed: more than expect's 5 s on a busy machine.
    expect(hidden).to_have_value(re.compile(r"^\d+$"), timeout=30_000)
    video_id = hidden.input_value()
    progress = page.locator("[data-upload-progress]")
    expect(progress).to_have_attribute("aria-valuenow", "100")
    # The final status comes from polling the JSON endpoint.
    ready_message = page.locator("[data-upload-widget]").get_attribute("data-msg-ready")
    expect(page.locator("[data-upload-status]")).to_have_text(ready_message)
    expect(page.locator("[data-upload-error]")).to_be_hidden()
    # Done: no retry or cancel button left beside a full bar.
    expect(page.locator("[data-upload-retry]")).to_be_hidden()
    expect(page.locator("[data-upload-cancel]")).to_be_hidden()
    expect(page.locator("[data-upload-widget]")).to_have_class(re.compile("upload-done"))
    assert methods[:3] == ["PATCH", "HEAD", "PATCH"]
    page.console_errors.remove("Failed to load resource: net::ERR_CONNECTION_RESET")

    page.goto(f"/videos/{video_id}/")
    expect(page.locator("h1")).to_have_text("물의 순환")
    assert_plays(page, "native")  # recent chromium plays HLS itself, as Safari does


def assert_plays(page: Page, mode: str) -> None:
    player = page.locator("video[data-hls-src]")
    expect(player).to_have_attribute("data-hls-attached", mode)
    page.wait_for_function(
        "() => document.querySelector('video[data-hls-src]').readyState >= 2", timeout=20_000
    )
    duration = page.evaluate("() => document.querySelector('video[data-hls-src]').duration")
    assert duration == pytest.approx(3.0, abs=0.2)
    expect(page.locator(".player-error")).to_have_count(0)


def test_hls_js_plays_where_the_browser_cannot(page: Page, sample_video: Path) -> None:
    # A browser without native HLS (Firefox, older Chrome): hls.js with its worker from our own
    # origin, which the CSP allows (a blob: worker would be refused and logged).
    page.add_init_script(
        "HTMLMediaElement.prototype.canPlayType = function (type) {"
        " return /mpegurl/i.test(type) ? '' : 'maybe'; };"
    )
    log_in(page)
    page.goto("/videos/")
    page.locator("[data-upload-file]").set_input_files(str(sample_video))
    hidden = page.locator("[data-upload-video-id]")
    expect(hidden).to_have_value(re.compile(r"^\d+$"), timeout=30_000)
    ready_message = page.locator("[data-upload-widget]").get_attribute("data-msg-ready")
    expect(page.locator("[data-upload-status]")).to_have_text(ready_message)
    page.goto(f"/videos/{hidden.input_value()}/")
    assert_plays(page, "hls.js")

    # A refused playlist (an expired link) ends in a message, not a silent black box.
    page.route(re.compile(r"/master\.m3u8$"), lambda route: route.fulfill(status=403))
    page.reload()
    alert = page.locator(".player-error[role=alert]")
    expect(alert).to_have_text(page.locator("video").get_attribute("data-msg-expired"))
    page.console_errors[:] = [e for e in page.console_errors if "403" not in e]


def test_a_large_non_video_goes_up_in_chunks_and_is_refused(page: Page, tmp_path: Path) -> None:
    # 20 MB: two PATCH requests of at most 16 MB, each spooled to disk by the ASGI handler and
    # streamed into the part file; then ffprobe refuses what is no video.
    fake = tmp_path / "lesson.mp4"
    fake.write_bytes(b"%PDF-1.4\n" + os.urandom(20 * 1024 * 1024))
    patches: list[str] = []
    page.on("request", lambda r: patches.append(r.url) if r.method == "PATCH" else None)
    log_in(page)
    page.goto("/videos/")
    page.locator("[data-upload-file]").set_input_files(str(fake))
    error = page.locator("[data-upload-error]")
    expect(error).to_be_visible(timeout=30_000)
    expect(error).to_have_attribute("role", "alert")
    expect(error).not_to_be_empty()
    assert len(patches) == 2


def test_the_list_follows_processing_until_ready_accessibly_on_a_phone(
    live: LiveServer, new_page, sample_video: Path
) -> None:
    # axe is injected as an inline script, which the CSP blocks: this context bypasses the CSP
    # (the other tests keep it, on the same pages, and fail on any violation).
    page = new_page(bypass_csp=True, **PHONE)
    # Queued but not converted (no Huey consumer in this shell): the page must poll by itself.
    video_id = run_in_server_env(
        live,
        "from openclass.accounts.models import User; from openclass.media import services; "
        f"v = services.create_video_from_file({str(sample_video)!r}, "
        f"User.objects.get(username={TEACHER.username!r}), '대기 중', transcode_now=False); "
        "print(v.pk)",
        immediate=False,
    )
    log_in(page)
    page.goto("/videos/")
    row = page.locator("tr", has_text="대기 중")
    expect(row.locator(".tag.status-queued")).to_be_visible()
    problems = serious_axe_violations(page)
    run_in_server_env(
        live, f"from openclass.media import services; services.transcode_video({video_id})"
    )
    # htmx asks again every 2 s and swaps the cell: no reload.
    expect(row.locator(".tag.status-ready")).to_be_visible(timeout=10_000)
    expect(row.locator(f"a[href='/videos/{video_id}/']")).to_have_count(2)
    problems += serious_axe_violations(page)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]
    row.locator("th a").click()
    expect(page.locator("video[data-hls-src]")).to_be_visible()
    problems += serious_axe_violations(page)
    assert not problems, "axe-core serious/critical violations:\n" + "\n".join(problems)
