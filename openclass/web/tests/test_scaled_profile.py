"""The scaled profile end to end (issue 15, item 6): PostgreSQL, Redis, two uvicorn workers, two
Janus servers and Debian's nginx with ``deploy/nginx.conf`` as shipped (``scaled.py``). Every
request goes through nginx over HTTPS, as in production (``OPENCLASS_ENV=production``: secure
``__Host-`` cookies, the HTTPS redirect, HSTS).

Run by ``make test`` as its own pass, under ``scripts/with_postgres.sh``: ``pytest -m scaled``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect
from websockets.sync.client import connect

from openclass.core.tests.browser import log_in
from openclass.core.tests.chromium import CHROMIUM, CHROMIUM_ARGS
from openclass.core.tests.live_server import (
    COURSE_TITLE,
    LESSON_TITLE,
    OTHER_STUDENT,
    STUDENT,
    TEACHER,
)
from openclass.live.tests.test_classroom_browser import wait_for_remote_video

from .scaled import (
    ScaledStack,
    browser_session,
    insecure,
    running,
    signed_in,
)

pytestmark = pytest.mark.scaled


def chromium_taking_the_certificate(chromium) -> Browser:
    """chromium told to take the stack's self-signed certificate everywhere (the service
    worker's script too, which ``ignore_https_errors`` does not cover)."""
    return chromium.browser_type.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[*CHROMIUM_ARGS, "--ignore-certificate-errors"],
    )


TIMEOUT = 15


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScaledStack]:
    yield from running(tmp_path_factory, "scaled")


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_nginx_serves_the_platform_as_shipped(stack: ScaledStack) -> None:
    anonymous = browser_session()
    home = anonymous.get(stack.url + "/", timeout=TIMEOUT, allow_redirects=False)
    assert home.status_code == 302 and "/accounts/login/" in home.headers["Location"]
    assert "max-age=31536000" in home.headers.get("Strict-Transport-Security", "")
    # Static files come from nginx itself, cached for good.
    page = anonymous.get(stack.url + "/accounts/login/", timeout=TIMEOUT)
    style = re.search(r'href="(/static/[^"]+\.css)"', page.text)
    assert style
    css = anonymous.get(stack.url + style[1], timeout=TIMEOUT)
    assert css.status_code == 200 and "immutable" in css.headers["Cache-Control"]
    # Janus's API is proxied, its info and admin endpoints are not.
    assert anonymous.get(stack.url + "/janus/info", timeout=TIMEOUT).status_code == 404
    assert anonymous.get(stack.url + "/janus/admin", timeout=TIMEOUT).status_code == 404
    created = anonymous.post(
        stack.url + "/janus", json={"janus": "create", "transaction": "t1"}, timeout=TIMEOUT
    )
    assert created.status_code == 200 and created.json()["janus"] in ("success", "error")


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_a_student_signs_in_watches_and_the_progress_is_stored(stack: ScaledStack) -> None:
    browser = signed_in(stack, STUDENT.username)
    home = browser.get(stack.url + "/", timeout=TIMEOUT)
    assert home.status_code == 200 and STUDENT.name in home.text
    lesson_link = re.search(r'href="(/courses/\d+/lessons/(\d+)/)"', home.text)
    if lesson_link is None:
        course = re.search(r'href="(/courses/\d+/)"', home.text)
        assert course, "the home page links to no course"
        course_page = browser.get(stack.url + course[1], timeout=TIMEOUT)
        lesson_link = re.search(r'href="(/courses/\d+/lessons/(\d+)/)"', course_page.text)
    assert lesson_link, "no lesson to open"
    lesson_page = browser.get(stack.url + lesson_link[1], timeout=TIMEOUT)
    assert lesson_page.status_code == 200 and LESSON_TITLE in lesson_page.text
    # The video's playlist is checked by the app and sent by nginx (X-Accel-Redirect).
    playlist = re.search(r'"(/videos/play/[^"]+?\.m3u8)"', lesson_page.text)
    assert playlist, "no playlist on the lesson page"
    served = browser.get(stack.url + playlist[1].replace("&amp;", "&"), timeout=TIMEOUT)
    assert served.status_code == 200 and served.text.startswith("#EXTM3U")

    lesson = int(lesson_link[2])
    cookie = f"__Host-sessionid={browser.cookies['__Host-sessionid']}"
    with connect(
        stack.url.replace("https", "wss") + "/ws/progress/",
        origin=stack.url,
        additional_headers={"Cookie": cookie},
        ssl=insecure(),
        open_timeout=TIMEOUT,
    ) as socket:
        socket.send(json.dumps({"type": "open", "lesson": lesson}))
        state = json.loads(socket.recv(timeout=TIMEOUT))
        assert state["type"] == "state"
        beat = {
            "type": "beat",
            "lesson": lesson,
            "seq": state["seq"] + 1,
            "intervals": [[0.0, 1.0]],
            "position": 1.0,
            "speed": 1.0,
        }
        socket.send(json.dumps(beat))
        ack = json.loads(socket.recv(timeout=TIMEOUT))
        assert ack["type"] == "ack", ack
        while ack["saved"] < beat["seq"]:  # written within a few seconds, and said so
            ack = json.loads(socket.recv(timeout=TIMEOUT))
    stored = stack.shell(
        "from openclass.courses.models import LessonProgress; "
        f"print(LessonProgress.objects.get(lesson_id={lesson}).last_seq)"
    )
    assert int(stored) >= beat["seq"]


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_a_teacher_starts_a_live_class_on_one_of_two_janus_servers(stack: ScaledStack) -> None:
    session_id = stack.shell(
        "import datetime\n"
        "from django.utils import timezone\n"
        "from openclass.courses.models import Course, Session\n"
        "now = timezone.localtime()\n"
        "course = Course.objects.get()\n"
        "session = Session.objects.create(course=course, kind=Session.Kind.LIVE, "
        "title='실시간 수업', day=now.date(), starts_at=datetime.time(0, 0), "
        "ends_at=datetime.time(23, 59))\n"
        "print(session.pk)"
    )
    teacher = signed_in(stack, TEACHER.username)
    course_id = stack.shell(
        "from openclass.courses.models import Course; print(Course.objects.get().pk)"
    )
    # Every area answers through nginx: the course, its gradebook and attendance, the question
    # bank, the applications, the people list.
    for path in (
        f"/courses/{course_id}/",
        f"/assessments/gradebook/{course_id}/",
        f"/courses/{course_id}/attendance/",
        "/assessments/bank/",
        "/operations/applications/",
        "/accounts/people/",
        "/notifications/",
    ):
        assert teacher.get(stack.url + path, timeout=TIMEOUT).status_code == 200, path
    page = teacher.get(f"{stack.url}/live/sessions/{session_id}/", timeout=TIMEOUT)
    assert page.status_code == 200
    room = re.search(r"/ws/live/(\d+)/", page.text)
    assert room, "the classroom page names no room"
    cookie = f"__Host-sessionid={teacher.cookies['__Host-sessionid']}"
    with connect(
        f"{stack.url.replace('https', 'wss')}/ws/live/{room[1]}/",
        origin=stack.url,
        additional_headers={"Cookie": cookie},
        ssl=insecure(),
        open_timeout=TIMEOUT,
    ) as socket:
        welcome = json.loads(socket.recv(timeout=TIMEOUT))
        assert welcome["type"] == "welcome" and welcome["you"]["role"] == "host"
        socket.send(json.dumps({"type": "start", "request": 1}))
        socket.send(json.dumps({"type": "ticket", "purpose": "camera", "request": 2}))
        answers: dict[str, dict] = {}
        while "ticket" not in answers:
            answer = json.loads(socket.recv(timeout=TIMEOUT))
            answers[answer["type"]] = answer
        assert "error" not in answers["started"], answers["started"]
        grant = answers["ticket"].get("grant")
        assert grant, answers["ticket"]
    placed = stack.shell(
        "from openclass.live.models import LiveRoom; "
        f"print(LiveRoom.objects.get(pk={room[1]}).server.api_url)"
    )
    assert placed in stack.janus_urls


def test_a_student_watches_in_chromium_through_nginx(stack: ScaledStack, chromium) -> None:
    """The page as a browser gets it through nginx: static files, the HLS video (sent by nginx
    after the app's check), the progress WebSocket over TLS; what was watched is stored."""
    browser = chromium_taking_the_certificate(chromium)
    context = browser.new_context(
        base_url=stack.url, ignore_https_errors=True, locale="ko-KR", timezone_id="Asia/Seoul"
    )
    context.set_default_timeout(15_000)
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        log_in(page, OTHER_STUDENT)
        page.get_by_role("link", name=COURSE_TITLE).first.click()
        page.get_by_role("link", name=LESSON_TITLE, exact=True).click()
        video = "document.querySelector('#lesson-video')"
        page.wait_for_function(f"() => {video} && {video}.readyState >= 1")
        page.evaluate(f"() => {{ const v = {video}; v.muted = true; v.play(); }}")
        page.wait_for_function(f"() => {video}.currentTime > 4", timeout=20_000)
        page.evaluate(f"() => {video}.pause()")
        bar = "document.querySelector('[data-progress-bar]')"
        page.wait_for_function(f"() => Number({bar}.value) >= 10")
        page.reload()
        page.wait_for_function(f"() => Number({bar}.value) >= 10")  # as stored
    finally:
        context.close()
        browser.close()
    assert errors == []


def test_a_live_class_in_chromium_through_nginx(stack: ScaledStack, chromium) -> None:
    """A teacher and two students in chromium with fake cameras: the pages through nginx, the
    signalling to Janus through nginx's /janus (or the second Janus at its own address), the
    media over the namespace's veth pair; each receives the other two's video."""
    if not os.environ.get("OPENCLASS_TEST_NETNS"):
        pytest.fail(
            "real media needs a network namespace: make test runs this pass under "
            "`python -m openclass.live.tests.netns` (root and iproute2)"
        )
    session_id = stack.shell(
        "import datetime\n"
        "from django.utils import timezone\n"
        "from openclass.courses.models import Course, Session\n"
        "now = timezone.localtime()\n"
        "session = Session.objects.create(course=Course.objects.get(), kind=Session.Kind.LIVE, "
        "title='함께하는 실시간 수업', day=now.date(), starts_at=datetime.time(0, 0), "
        "ends_at=datetime.time(23, 59))\n"
        "print(session.pk)"
    )
    classroom = f"/live/sessions/{session_id}/"
    browser = chromium_taking_the_certificate(chromium)
    errors: list[str] = []
    try:
        pages = {}
        for person in (TEACHER, STUDENT, OTHER_STUDENT):
            context = browser.new_context(
                base_url=stack.url,
                ignore_https_errors=True,
                locale="ko-KR",
                timezone_id="Asia/Seoul",
            )
            context.set_default_timeout(20_000)
            page = context.new_page()
            page.on(
                "console",
                lambda m, who=person.username: (
                    errors.append(f"{who}: {m.text}") if m.type == "error" else None
                ),
            )
            log_in(page, person)
            page.goto(classroom)
            pages[person.username] = page
        teacher = pages[TEACHER.username]
        teacher.get_by_role("button", name=re.compile("수업 시작")).click()
        for person in (STUDENT, OTHER_STUDENT):
            page = pages[person.username]
            join = page.get_by_role("button", name=re.compile("수업 참여"))
            expect(join).to_be_enabled()
            join.click()
        for page in pages.values():
            wait_for_remote_video(page, 2, timeout=60)
    finally:
        browser.close()
    assert errors == []
