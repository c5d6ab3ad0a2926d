"""Faults lose nothing acknowledged (issue 15, item 5), on the scaled profile (``scaled.py``).

Students hand in a quiz, watch a lesson (progress over the socket) and a teacher uploads a video
in tus chunks, all through nginx, while a part of the platform is killed with SIGKILL and
started again. The clients behave as the pages do: a request that got no answer is sent again
(handing in twice gives the same result), an upload goes on from the offset the server says it
has, the player keeps its beats until the server says they are stored. Afterwards every quiz the
client was told is handed in is in the database with its answer, every chunk the client was
told is stored is in the file, and every second watched is credited.
"""

from __future__ import annotations

import base64
import functools
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from websockets.sync.client import connect

from openclass.core import ffmpeg
from openclass.core.tests.live_server import PASSWORD, STUDENT, TEACHER
from openclass.courses.tests.progress_client import ProgressPage

from .scaled import (
    ScaledStack,
    form_headers,
    insecure,
    running,
    session_cookie,
    signed_in,
)

pytestmark = [
    pytest.mark.scaled,
    pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning"),
]
STUDENTS = 12
WATCHERS = 3
BEATS = 8
TIMEOUT = 10
#: Until then a client keeps trying what did not get an answer (the platform is back long before).
PATIENCE = 60.0
CHUNK = 64 * 1024
#: Each fault under load has students of its own: a quiz is handed in once.
PREFIXES = ("fault", "redis")


def seed_faults() -> None:
    """Run in the stack's Django: students of the seeded class enrolled in its course, and a
    quiz lesson of one question there. Prints the lesson, the question and the right choice."""
    from openclass.accounts.models import User
    from openclass.assessments.models import Question
    from openclass.assessments.services import quizzes
    from openclass.assessments.tests.fixtures import make_question
    from openclass.courses.models import Course, Lesson
    from openclass.courses.services import courses as services

    course = Course.objects.get()
    teacher = course.owner
    klass = User.objects.get(username=STUDENT.username).organisation
    students = [
        User.objects.create_user(
            f"{prefix}-{n:02}",
            password=PASSWORD,
            name=f"학생{number:02}",
            role=User.Role.STUDENT,
            organisation=klass,
            number=number,
        )
        for number, (prefix, n) in enumerate(
            ((prefix, n) for prefix in PREFIXES for n in range(STUDENTS)), start=10
        )
    ]
    services.enrol(teacher, course, students)
    lesson = Lesson.objects.create(
        section=course.sections.get(), title="확인 퀴즈", kind=Lesson.Kind.QUIZ, position=2
    )
    question = make_question(
        teacher, Question.Kind.SINGLE, "2 + 3 = ?", [("4", False), ("5", True), ("6", False)]
    )
    quizzes.add_questions(quizzes.quiz_for(lesson), teacher, [question.pk])
    right = question.choices.get(is_correct=True)
    video = Lesson.objects.get(kind=Lesson.Kind.VIDEO)
    print(
        json.dumps(
            {"quiz": lesson.pk, "question": question.pk, "right": right.pk, "video": video.pk}
        )
    )


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScaledStack]:
    yield from running(tmp_path_factory, "faults")


@pytest.fixture(scope="module")
def seeded(stack: ScaledStack) -> dict[str, int]:
    return json.loads(
        stack.shell("from openclass.web.tests.test_faults import seed_faults; seed_faults()")
    )


#: Requests that got no answer of the platform's and were sent again: the fault must cause some.
INTERRUPTED: list[str] = []


def persist(attempt: Callable[[], requests.Response], ok: Callable[[requests.Response], bool]):
    """``attempt`` until ``ok`` says its answer is the platform's (not a dead server, not nginx
    saying the upstream is gone); the answer."""
    deadline = time.monotonic() + PATIENCE
    while True:
        try:
            answer = attempt()
            if ok(answer):
                return answer
            if answer.status_code not in (502, 503, 504):
                raise AssertionError(f"{answer.status_code}: {answer.text[:300]}")
            INTERRUPTED.append(str(answer.status_code))
        except requests.ConnectionError as error:
            INTERRUPTED.append(type(error).__name__)
        if time.monotonic() > deadline:
            raise AssertionError("the platform did not come back")
        time.sleep(0.3)


@dataclass
class Ledger:
    """What the clients were told is stored."""

    handed_in: dict[str, int] = field(default_factory=dict)  # student → attempt
    stored_offsets: list[int] = field(default_factory=list)  # the upload's, as acknowledged
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # The fault comes when every client is under way: quizzes started, pages beating.
    started: set[str] = field(default_factory=set)
    beating: set[str] = field(default_factory=set)
    go: threading.Event = field(default_factory=threading.Event)


def hand_in(stack: ScaledStack, seeded: dict[str, int], username: str, ledger: Ledger) -> None:
    browser = persist(lambda: signed_in(stack, username), lambda _: True)
    headers = form_headers(stack, browser)
    started = persist(
        lambda: browser.post(
            f"{stack.url}/assessments/quizzes/{seeded['quiz']}/start/",
            headers=headers,
            timeout=TIMEOUT,
            allow_redirects=False,
        ),
        lambda a: a.status_code == 302 and "/attempts/" in a.headers["Location"],
    )
    attempt = int(started.headers["Location"].rstrip("/").split("/")[-1])
    with ledger.lock:
        ledger.started.add(username)
    ledger.go.wait(timeout=PATIENCE)
    time.sleep(0.15 * int(username[-2:]))  # handed in over the seconds the fault comes in
    persist(
        lambda: browser.post(
            f"{stack.url}/assessments/quizzes/attempts/{attempt}/submit/",
            data={f"q-{seeded['question']}": str(seeded["right"])},
            headers=headers,
            timeout=TIMEOUT,
            allow_redirects=False,
        ),
        lambda a: a.status_code == 302 and "/result/" in a.headers["Location"],
    )
    with ledger.lock:
        ledger.handed_in[username] = attempt


def upload(stack: ScaledStack, source: Path, ledger: Ledger) -> str:
    """A teacher's resumable upload, one chunk every 0.3 s; the upload's key."""
    browser = persist(lambda: signed_in(stack, TEACHER.username), lambda _: True)
    tus = {**form_headers(stack, browser), "Tus-Resumable": "1.0.0"}
    data = source.read_bytes()
    metadata = ",".join(
        f"{key} {base64.b64encode(value.encode()).decode()}"
        for key, value in (("filename", "fault.mp4"), ("filetype", "video/mp4"))
    )
    created = persist(
        lambda: browser.post(
            f"{stack.url}/videos/uploads/",
            headers={**tus, "Upload-Length": str(len(data)), "Upload-Metadata": metadata},
            timeout=TIMEOUT,
        ),
        lambda a: a.status_code == 201,
    )
    address = stack.url + created.headers["Location"]
    offset = 0
    while offset < len(data):
        chunk = data[offset : offset + CHUNK]
        try:
            answer = browser.patch(
                address,
                data=chunk,
                headers={
                    **tus,
                    "Upload-Offset": str(offset),
                    "Content-Type": "application/offset+octet-stream",
                },
                timeout=TIMEOUT,
            )
        except requests.ConnectionError:
            answer = None
        if answer is not None and answer.status_code == 204:
            offset = int(answer.headers["Upload-Offset"])
            with ledger.lock:
                ledger.stored_offsets.append(offset)
            time.sleep(0.3)
            continue
        # No answer, or not the platform's: ask where the server is, as tus-js-client does.
        head = persist(
            lambda: browser.head(address, headers=tus, timeout=TIMEOUT),
            lambda a: a.status_code == 200,
        )
        server_offset = int(head.headers["Upload-Offset"])
        with ledger.lock:
            told = max(ledger.stored_offsets, default=0)
        if server_offset < told:
            ledger.errors.append(f"the server lost chunks: at {server_offset}, told {told}")
        offset = server_offset
    return created.headers["Location"].rstrip("/").split("/")[-1]


def watch(stack: ScaledStack, seeded: dict[str, int], username: str, ledger: Ledger) -> None:
    browser = persist(lambda: signed_in(stack, username), lambda _: True)
    page = ProgressPage(stack.url, session_cookie(browser), seeded["video"], insecure())
    sent = 0
    deadline = time.monotonic() + PATIENCE
    while sent < BEATS:
        try:
            if page.socket is None:
                page.open()
            time.sleep(1.05)  # credit never outruns the clock
            page.beat([[float(sent), float(sent + 1)]])
            sent += 1
            if sent >= 2:
                with ledger.lock:
                    ledger.beating.add(username)
        except Exception:  # the server went away: connect again, resend what is kept
            page.socket = None
            INTERRUPTED.append("progress socket")
            if time.monotonic() > deadline:
                ledger.errors.append(f"{username}: the progress socket did not come back")
                return
            time.sleep(0.3)
    # Until the server says all of it is stored (a page stays open while the video plays).
    while page.kept and time.monotonic() < deadline:
        try:
            if page.socket is None:
                page.open()
            page.ask({"type": "open", "lesson": seeded["video"]})
            time.sleep(0.5)
        except Exception:
            page.socket = None
            time.sleep(0.3)
    if page.kept:
        ledger.errors.append(f"{username}: beats never stored: {sorted(page.kept)}")
    page.close()


def under_load(
    stack: ScaledStack,
    seeded: dict[str, int],
    fault: Callable[[], None],
    folder: Path,
    prefix: str = "fault",
):
    ledger = Ledger()
    INTERRUPTED.clear()
    source = ffmpeg.make_test_pattern(folder / "fault.mp4", seconds=20, size="320x240")
    keys: list[str] = []
    jobs: list[Callable[[], object]] = [
        functools.partial(hand_in, stack, seeded, f"{prefix}-{n:02}", ledger)
        for n in range(STUDENTS)
    ]
    jobs += [
        functools.partial(watch, stack, seeded, f"{prefix}-{n:02}", ledger) for n in range(WATCHERS)
    ]
    jobs.append(lambda: keys.append(upload(stack, source, ledger)))

    def guarded(job: Callable[[], object]) -> Callable[[], None]:
        def run() -> None:
            try:
                job()
            except Exception as error:
                ledger.errors.append(f"{type(error).__name__}: {error}")

        return run

    threads = [threading.Thread(target=guarded(job)) for job in jobs]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline and not (
        len(ledger.started) == STUDENTS
        and len(ledger.beating) == WATCHERS
        and len(ledger.stored_offsets) >= 2
    ):
        time.sleep(0.1)
    ledger.go.set()
    time.sleep(0.5)
    fault()
    for thread in threads:
        thread.join(timeout=PATIENCE + 30)
    return ledger, keys, source


def stored(stack: ScaledStack, seeded: dict[str, int], key: str) -> dict:
    return json.loads(
        stack.shell(
            "import json\n"
            "from openclass.assessments.models import Answer\n"
            "from openclass.courses.models import LessonProgress\n"
            "from openclass.media.models import Upload\n"
            f"answers = Answer.objects.filter(question_id={seeded['question']})\n"
            "upload = Upload.objects.filter(key=" + repr(key) + ").first()\n"
            "print(json.dumps({\n"
            "  'answers': {a.attempt.student.username: [a.attempt_id, a.attempt.state, a.response]"
            " for a in answers.select_related('attempt__student')},\n"
            f"  'watched': {{p.student.username: p.watched for p in LessonProgress.objects.filter("
            f"lesson_id={seeded['video']})}},\n"
            "  'upload': upload and {'offset': upload.offset, 'length': upload.length,\n"
            "    'status': upload.video.status, 'size': upload.video.size_bytes},\n"
            "}))"
        )
    )


def check(
    stack: ScaledStack,
    seeded: dict[str, int],
    ledger: Ledger,
    keys: list[str],
    prefix: str = "fault",
) -> dict:
    assert not ledger.errors, ledger.errors
    assert len(ledger.handed_in) == STUDENTS and keys
    found = stored(stack, seeded, keys[0])
    for username, attempt in ledger.handed_in.items():
        attempt_id, state, response = found["answers"][username]
        assert attempt_id == attempt and state == "graded", (username, state)
        assert response == {"choice": seeded["right"]}, (username, response)
    for n in range(WATCHERS):
        assert found["watched"][f"{prefix}-{n:02}"] == BEATS
    return found


def transcoded(stack: ScaledStack, seeded: dict[str, int], key: str) -> dict:
    """The upload once its video is processed (by the Huey consumer), or as it stands after a
    minute."""
    deadline = time.monotonic() + PATIENCE
    while True:
        upload = stored(stack, seeded, key)["upload"]
        if upload["status"] in ("ready", "failed") or time.monotonic() > deadline:
            return upload
        time.sleep(1)


def test_the_web_workers_killed_under_load(stack: ScaledStack, seeded, tmp_path: Path) -> None:
    def fault() -> None:
        stack.kill("web")
        time.sleep(1.0)
        stack.start_web()

    ledger, keys, source = under_load(stack, seeded, fault, tmp_path)
    assert not ledger.errors, ledger.errors
    assert "progress socket" in INTERRUPTED and len(INTERRUPTED) > WATCHERS, INTERRUPTED
    check(stack, seeded, ledger, keys)
    assert len(ledger.stored_offsets) > 1
    upload = transcoded(stack, seeded, keys[0])
    assert upload["offset"] == upload["length"] == source.stat().st_size
    assert upload["status"] == "ready", upload


def test_redis_killed_under_load(stack: ScaledStack, seeded, tmp_path: Path) -> None:
    """Redis holds the channel layer, the cache (sessions are in the database behind it) and
    Huey's queue; killed, it comes back empty. What the clients were told is stored is in the
    database, and a transcode whose task went with the queue is queued again."""

    def fault() -> None:
        stack.kill("redis")
        time.sleep(1.0)
        stack.start_redis()

    ledger, keys, source = under_load(stack, seeded, fault, tmp_path, prefix="redis")
    # Requests came while Redis was away, and were served from the database.
    assert "Redis is unreachable" in stack.log("web.log")
    check(stack, seeded, ledger, keys, prefix="redis")
    requeue_as_if_later(stack)
    upload = transcoded(stack, seeded, keys[0])
    assert upload["offset"] == upload["length"] == source.stat().st_size
    assert upload["status"] == "ready", upload


def requeue_as_if_later(stack: ScaledStack) -> None:
    """The periodic task as it runs once a lost task's row has not moved for long enough."""
    stack.shell(
        "import datetime\n"
        "from django.utils import timezone\n"
        "from openclass.media.services import STALLED_AFTER, requeue_stalled_transcodes\n"
        "print(requeue_stalled_transcodes(timezone.now() + STALLED_AFTER + "
        "datetime.timedelta(seconds=1)))"
    )


def test_the_huey_consumer_killed_mid_transcode(stack: ScaledStack, tmp_path: Path) -> None:
    source = ffmpeg.make_test_pattern(tmp_path / "long.mp4", seconds=90, size="640x480")
    video = int(
        stack.shell(
            "from openclass.accounts.models import User\n"
            "from openclass.media.services import create_video_from_file\n"
            f"teacher = User.objects.get(username={TEACHER.username!r})\n"
            f"video = create_video_from_file({str(source)!r}, teacher, '긴 영상', "
            "transcode_now=False)\n"
            "print(video.pk)"
        )
    )
    status = (
        f"from openclass.media.models import Video; print(Video.objects.get(pk={video}).status)"
    )
    deadline = time.monotonic() + PATIENCE
    while stack.shell(status) != "transcoding":
        assert time.monotonic() < deadline, "the consumer never started the transcode"
        time.sleep(0.3)
    stack.kill("huey")
    time.sleep(1.0)
    assert stack.shell(status) == "transcoding"  # and nobody is converting it any more
    stack.start_huey()
    requeue_as_if_later(stack)
    deadline = time.monotonic() + PATIENCE
    while (now := stack.shell(status)) != "ready":
        assert now != "failed" and time.monotonic() < deadline, now
        time.sleep(0.5)


def test_one_janus_of_two_killed_during_a_class(stack: ScaledStack) -> None:
    """The class's Janus dies: the next ticket places the room on the other one."""
    session_id = stack.shell(
        "import datetime\n"
        "from django.utils import timezone\n"
        "from openclass.courses.models import Course, Session\n"
        "now = timezone.localtime()\n"
        "session = Session.objects.create(course=Course.objects.get(), kind=Session.Kind.LIVE, "
        "title='실시간 수업', day=now.date(), starts_at=datetime.time(0, 0), "
        "ends_at=datetime.time(23, 59))\n"
        "print(session.pk)"
    )
    teacher = signed_in(stack, TEACHER.username)
    page = teacher.get(f"{stack.url}/live/sessions/{session_id}/", timeout=TIMEOUT).text
    room = int(page.split("/ws/live/", 1)[1].split("/", 1)[0])
    placed = (
        "from openclass.live.models import LiveRoom; "
        f"print(LiveRoom.objects.select_related('server').get(pk={room}).server.api_url)"
    )
    with connect(
        f"{stack.url.replace('https', 'wss')}/ws/live/{room}/",
        origin=stack.url,
        additional_headers={"Cookie": session_cookie(teacher)},
        ssl=insecure(),
        open_timeout=TIMEOUT,
    ) as socket:
        assert json.loads(socket.recv(timeout=TIMEOUT))["type"] == "welcome"
        first = ask(socket, {"type": "start", "request": 1}, "started")
        assert "error" not in first, first
        assert "grant" in ask(
            socket, {"type": "ticket", "purpose": "camera", "request": 2}, "ticket"
        )
        before = stack.shell(placed)
        dead = next(j for j in stack.janus if j.api_url == before)
        assert dead.process is not None
        dead.process.kill()
        dead.process.wait(timeout=TIMEOUT)
        # The health reading is kept for a few seconds: a ticket asked meanwhile may be refused
        # ("the video server is not answering"), as the page says; the page asks again.
        deadline = time.monotonic() + PATIENCE
        while True:
            again = ask(socket, {"type": "ticket", "purpose": "camera", "request": 3}, "ticket")
            if "grant" in again or time.monotonic() > deadline:
                break
            time.sleep(2)
        assert "grant" in again, again
    after = stack.shell(placed)
    assert after != before and after in stack.janus_urls


def ask(socket, message: dict, answer_type: str) -> dict:
    socket.send(json.dumps(message))
    while True:
        answer = json.loads(socket.recv(timeout=TIMEOUT))
        if answer.get("type") == answer_type:
            return answer
