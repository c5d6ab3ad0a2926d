"""A real live class: a teacher and two students in three Chromium contexts with fake cameras
and microphones, the real server (uvicorn, with its WebSocket) and a real Janus, all inside a
private network namespace (``netns``) so that media stays in the test.

Each receives the others' video (``videoWidth`` > 0 and frames decoded, from getStats); a chat
message and a raised hand go through; the teacher mutes a student; the teacher records; one
leaves and the teacher ends the class for the other; the attendance the server computed from
Janus's own events shows both students present and the student who never came absent; the
recording is post-processed into a video.
"""

from __future__ import annotations

import re
import secrets
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from openclass.core.tests.browser import (
    DESKTOP,
    PHONE,
    assert_no_horizontal_scroll,
    serious_axe_violations,
)
from openclass.core.tests.chromium import CHROMIUM_ARGS
from openclass.core.tests.live_server import LiveServer
from openclass.live.process import JanusConfig, is_installed

from .netns import NetNamespace, chromium_wrapper, netns_available
from .test_media_netns import NamespacedJanus

pytestmark = pytest.mark.browser

PASSWORD = "live-class-7391"
TEACHER, STUDENT_A, STUDENT_B, ABSENT = "live-t01", "live-0001", "live-0002", "live-0003"
JANUS_PORT, ADMIN_PORT = 8088, 7088
SECRETS = {
    "OPENCLASS_JANUS_TOKEN_SECRET": secrets.token_urlsafe(24),
    "OPENCLASS_JANUS_ADMIN_KEY": secrets.token_urlsafe(24),
    "OPENCLASS_JANUS_EVENTS_PASSWORD": secrets.token_urlsafe(24),
    "OPENCLASS_JANUS_ADMIN_SECRET": secrets.token_urlsafe(24),
}


def seed() -> None:
    """Run inside the server's Django: a class with a teacher, three students and a live class
    scheduled around now."""
    import datetime

    from django.utils import timezone

    from openclass.accounts.models import Organisation, TeachingAssignment, User
    from openclass.catalog.models import Topic
    from openclass.courses.models import Course, Session
    from openclass.courses.services import courses as services

    kind = Organisation.Kind
    office = Organisation.objects.create(kind=kind.OFFICE, name="서울특별시교육청")
    school = Organisation.objects.create(
        kind=kind.SCHOOL, name="한빛초등학교", code="live", parent=office,
        school_level=Organisation.SchoolLevel.ELEMENTARY,
    )  # fmt: skip
    grade = Organisation.objects.create(kind=kind.GRADE, name="4학년", number=4, parent=school)
    klass = Organisation.objects.create(kind=kind.CLASS, name="1반", number=1, parent=grade)
    teacher = User.objects.create_user(
        TEACHER, password=PASSWORD, name="정선생", role=User.Role.TEACHER, organisation=school
    )
    TeachingAssignment.objects.create(teacher=teacher, klass=klass, is_homeroom=True)
    for number, (username, name) in enumerate(
        [(STUDENT_A, "김가온"), (STUDENT_B, "이나래"), (ABSENT, "박다솜")], start=1
    ):
        User.objects.create_user(
            username, password=PASSWORD, name=name, role=User.Role.STUDENT,
            organisation=klass, number=number,
        )  # fmt: skip
    course = Course.objects.create(
        title="4-1 과학 실시간", topic=Topic.objects.get(code="safety-health"),
        scope=Course.Scope.CLASS, organisation=klass, owner=teacher, is_published=True,
        delivery=Course.Delivery.LIVE,
    )  # fmt: skip
    course.teachers.add(teacher)
    services.enrol_organisation(teacher, course, klass)
    now = timezone.localtime()
    start = max(now - datetime.timedelta(minutes=1), now.replace(hour=0, minute=0))
    end = min(now + datetime.timedelta(hours=1), now.replace(hour=23, minute=59))
    Session.objects.create(
        course=course, kind=Session.Kind.LIVE, title="실시간 과학 수업", day=now.date(),
        starts_at=start.time(), ends_at=end.time(),
    )  # fmt: skip


@pytest.fixture
def ns() -> Iterator[NetNamespace]:
    if not netns_available():
        pytest.skip("needs root and iproute2 to create a network namespace")
    with NetNamespace() as namespace:
        yield namespace


@pytest.fixture
def classroom_server(ns: NetNamespace, tmp_path: Path) -> Iterator[tuple[LiveServer, str]]:
    """uvicorn and Janus in the namespace, sharing their secrets; Huey runs tasks at once."""
    if not is_installed():
        pytest.fail("janus is missing: `scripts/setup.sh --test` installs Debian's janus")
    server = LiveServer(tmp_path / "var", host="127.0.0.1", command_prefix=ns.prefix)
    janus_url = f"http://{ns.host_ip}:{JANUS_PORT}/janus"
    server.env.update(SECRETS)
    server.env.update(
        OPENCLASS_JANUS_URLS=janus_url,
        OPENCLASS_HUEY_IMMEDIATE="1",
        OPENCLASS_LIVE_RECORDINGS_DIR=str(tmp_path / "recordings"),
    )
    server.var_dir.mkdir(parents=True)
    server.collect_static()
    server.migrate()
    server._manage(
        "shell", "-c", "from openclass.live.tests.test_classroom_browser import seed; seed()"
    )
    config = JanusConfig(
        token_auth_secret=SECRETS["OPENCLASS_JANUS_TOKEN_SECRET"],
        videoroom_admin_key=SECRETS["OPENCLASS_JANUS_ADMIN_KEY"],
        admin_secret=SECRETS["OPENCLASS_JANUS_ADMIN_SECRET"],
        events_url=f"http://127.0.0.1:{server.port}/live/janus/events/",
        events_password=SECRETS["OPENCLASS_JANUS_EVENTS_PASSWORD"],
        recordings_dir=str(tmp_path / "recordings"),
        bind_ip=ns.host_ip,
        http_port=JANUS_PORT,
        admin_port=ADMIN_PORT,
    )
    janus = NamespacedJanus(config, tmp_path / "janus", command_prefix=ns.prefix, ns=ns)
    janus.start()
    try:
        server.start()
        try:
            yield server, janus_url
        finally:
            server.stop()
    finally:
        janus.stop()


@pytest.fixture
def ns_browser(chromium, ns: NetNamespace, tmp_path: Path) -> Iterator[object]:
    browser = chromium.browser_type.launch(
        executable_path=str(chromium_wrapper(ns, tmp_path)), headless=True, args=CHROMIUM_ARGS
    )
    try:
        yield browser
    finally:
        browser.close()


def database(server: LiveServer) -> sqlite3.Connection:
    return sqlite3.connect(server.var_dir / "openclass.sqlite3")


def remote_videos(page: Page) -> list[dict]:
    return page.evaluate(
        """() => [...document.querySelectorAll('.tile[data-feed]')].map((tile) => ({
            name: tile.querySelector('figcaption').textContent,
            width: tile.querySelector('video').videoWidth,
            frames: Number(tile.dataset.framesDecoded || 0),
        }))"""
    )


def wait_for_remote_video(page: Page, count: int, timeout: float = 40.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        tiles = remote_videos(page)
        playing = [t for t in tiles if t["width"] > 0 and t["frames"] > 0]
        if len(playing) >= count:
            return playing
        assert time.monotonic() < deadline, f"{page.url}: only {tiles} after {timeout} s"
        time.sleep(0.3)


def test_a_teacher_and_two_students_hold_a_class(classroom_server, ns_browser):
    server, _janus_url = classroom_server
    base = f"http://127.0.0.1:{server.port}"
    with database(server) as db:
        (session_id,) = db.execute("select id from courses_session").fetchone()
    classroom = f"{base}/live/sessions/{session_id}/"
    pages: dict[str, Page] = {}
    errors: list[str] = []
    contexts = []
    try:
        for username in (TEACHER, STUDENT_A, STUDENT_B):
            # The teacher's browser lets the axe checker in; the students' keep the page's CSP
            # (which must let janus.js reach Janus).
            context = ns_browser.new_context(
                locale="ko-KR",
                timezone_id="Asia/Seoul",
                base_url=base,
                bypass_csp=username == TEACHER,
                # One student is on a phone.
                **(PHONE if username == STUDENT_B else DESKTOP),
            )
            context.set_default_timeout(15_000)
            contexts.append(context)
            page = context.new_page()
            page.on(
                "console",
                lambda m, u=username: (
                    errors.append(f"{u}: {m.text}") if m.type == "error" else None
                ),
            )
            page.on("pageerror", lambda e, u=username: errors.append(f"{u}: pageerror {e}"))
            page.goto("/accounts/login/")
            page.locator("#id_username").fill(username)
            page.locator("#id_password").fill(PASSWORD)
            page.locator("main form button[type=submit]").click()
            page.wait_for_load_state()
            pages[username] = page

        teacher = pages[TEACHER]
        teacher.goto(classroom)
        teacher.get_by_role("button", name=re.compile("수업 시작|Start the class")).click()
        expect(teacher.locator("[data-status]")).to_have_text(re.compile("참여|in the class"))
        teacher.locator("[data-record]").click()
        expect(teacher.locator("[data-record]")).to_have_attribute("aria-pressed", "true")
        expect(teacher.locator("[data-rec-badge]")).to_be_visible()  # in class: the top bar

        for username in (STUDENT_A, STUDENT_B):
            student = pages[username]
            student.goto("/")
            student.get_by_role("link", name=re.compile("실시간 과학 수업")).first.click()
            expect(student.locator("[data-recording-notice]")).to_be_visible()
            join = student.get_by_role("button", name=re.compile("수업 참여|Join the class"))
            expect(join).to_be_enabled()
            student.locator("[data-join-mic]").check()
            join.click()

        # Everyone receives the other two.
        for page in pages.values():
            wait_for_remote_video(page, 2)
        assert serious_axe_violations(teacher) == []
        assert_no_horizontal_scroll(pages[STUDENT_B])

        # Chat and a raised hand reach the others.
        student_a, student_b = pages[STUDENT_A], pages[STUDENT_B]
        student_a.locator('[data-panel-toggle="chat"]').click()
        student_a.locator("#chat-text").fill("선생님, 질문 있어요")
        student_a.locator("[data-chat-form] button").click()
        for page in (teacher, student_b):
            expect(page.locator("[data-chat-log]")).to_contain_text("선생님, 질문 있어요")
        student_b.locator("[data-toggle-hand]").click()
        expect(teacher.locator("[data-hands]")).to_contain_text("이나래")

        # The teacher mutes a student: their microphone goes off.
        mic = student_a.locator("[data-toggle-mic]")
        expect(mic).to_have_attribute("aria-pressed", "true")
        teacher.locator('[data-panel-toggle="people"]').click()
        row = teacher.locator("[data-people] li", has_text="김가온")
        row.get_by_role("button", name=re.compile("음소거|Mute")).click()
        expect(mic).to_have_attribute("aria-pressed", "false")
        expect(student_a.locator("[data-status]")).to_contain_text(re.compile("음소거|muted"))

        # One student leaves; the teacher ends the class, which the other hears at once.
        # From here sessions go (hers as she leaves, the others' as the class ends).
        before_end = len(errors)
        student_a.locator("[data-leave]").click()
        student_a.wait_for_load_state()
        # Ending a recorded class also post-processes the recording (Huey runs it at once here).
        end = teacher.get_by_role("button", name=re.compile("수업 종료|End the class"))
        end.click(timeout=120_000)
        teacher.wait_for_url(re.compile(r"/attendance/"), timeout=120_000)
        expect(student_b.locator("[data-status]")).to_contain_text(re.compile("마쳤|ended"))
        expect(student_b.locator("[data-classroom]")).to_be_hidden()
        table = teacher.locator("#live-attendance")
        for name, mark in (("김가온", "출석"), ("이나래", "출석"), ("박다솜", "결석")):
            expect(table.locator("tr", has_text=name)).to_contain_text(mark)
        # When a session goes (a student leaving, the room ending), janus.js's long poll may
        # still be out and come back 404, or 458 "No such session": the browser and janus.js
        # log that. Nothing else may be logged.
        gone = r"status of 404|API call failed|458 No such session"
        before = errors[:before_end]
        after_end = [error for error in errors[before_end:] if not re.search(gone, error)]
        assert before + after_end == [], errors
    finally:
        for context in contexts:
            context.close()

    with database(server) as db:
        stays = db.execute(
            "select count(*), count(left_at) from live_stay join live_participant p"
            " on p.id = live_stay.participant_id where p.role = 'student'"
        ).fetchone()
        recording = db.execute("select status, error, video_id from live_recording").fetchone()
        rejected = db.execute("select count(*) from live_rejectedjoin").fetchone()[0]
    assert stays[0] >= 2 and stays[0] == stays[1], stays  # Janus said who came and left
    assert rejected == 0
    assert recording[0] == "ready" and recording[2], recording
