"""Test fixtures of the live app (a pytest plugin, see the root conftest): real Janus servers
started for the test run on 127.0.0.1, a sink that collects what their event handler posts,
a participant that speaks Janus's API the way janus.js does, without media, and a live class.
"""

from __future__ import annotations

import datetime
import json
import queue
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from django.utils import timezone

from openclass.accounts.models import User
from openclass.core.server import free_port
from openclass.courses.models import Enrolment, Session
from openclass.courses.tests.fixtures import Courses
from openclass.live.janus import PLUGIN, signed_token
from openclass.live.process import JanusConfig, LocalJanus, is_installed


class EventSink:
    """An HTTP server on 127.0.0.1 keeping every event Janus posts, in order."""

    def __init__(self) -> None:
        self.events: queue.Queue[dict] = queue.Queue()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                payload = json.loads(body or b"[]")
                for event in payload if isinstance(payload, list) else [payload]:
                    sink.events.put(event)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/events"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def drain(self) -> list[dict]:
        found = []
        while True:
            try:
                found.append(self.events.get_nowait())
            except queue.Empty:
                return found

    def wait_for(self, match: Callable[[dict], bool], timeout: float = 10.0) -> list[dict]:
        """Every event until (and including) the first that ``match`` accepts."""
        deadline = time.monotonic() + timeout
        found = []
        while time.monotonic() < deadline:
            try:
                event = self.events.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            found.append(event)
            if match(event):
                return found
        raise AssertionError(f"no matching Janus event within {timeout} s; saw {found}")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def videoroom_event(name: str, *, feed: int | None = None) -> Callable[[dict], bool]:
    def match(event: dict) -> bool:
        data = (event.get("event") or {}).get("data") or {}
        return (
            event.get("type") == 64
            and data.get("event") == name
            and (feed is None or data.get("id") == feed)
        )

    return match


class JanusParticipant:
    """What a classroom page does with janus.js, minus the media: a Janus session with a
    VideoRoom handle that joins a room as a publisher with the ticket's feed id and token."""

    def __init__(self, server: str, token: str) -> None:
        self.server = server.rstrip("/")
        self.token = token
        self.http = httpx.Client(timeout=10)
        self.session = self._post(self.server, {"janus": "create"})["data"]["id"]
        reply = self._post(f"{self.server}/{self.session}", {"janus": "attach", "plugin": PLUGIN})
        self.handle = reply["data"]["id"]

    def _post(self, url: str, message: dict) -> dict:
        message = {**message, "transaction": secrets.token_hex(6), "token": self.token}
        reply = self.http.post(url, json=message).json()
        if reply.get("janus") == "error":
            raise RuntimeError(f"Janus refused: {reply['error']}")
        return reply

    def join(self, room: int, feed: int, pin: str, display: str = "test") -> dict:
        """Join as a publisher and wait for the answer (an event on the long poll)."""
        body = {
            "request": "join",
            "ptype": "publisher",
            "room": room,
            "id": feed,
            "token": pin,
            "display": display,
        }
        self._post(
            f"{self.server}/{self.session}/{self.handle}", {"janus": "message", "body": body}
        )
        return self.next_plugin_event()

    def subscribe(self, room: int, feed: int, private_id: int | None = None) -> dict:
        """Ask to receive ``feed`` (the answer is "attached" with an offer, or an error)."""
        body = {"request": "join", "ptype": "subscriber", "room": room, "streams": [{"feed": feed}]}
        if private_id is not None:
            body["private_id"] = private_id
        self._post(
            f"{self.server}/{self.session}/{self.handle}", {"janus": "message", "body": body}
        )
        return self.next_plugin_event()

    def next_plugin_event(self, timeout: float = 10.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            reply = self.http.get(
                f"{self.server}/{self.session}", params={"maxev": 1, "token": self.token}
            ).json()
            if reply.get("janus") == "event":
                return reply["plugindata"]["data"]
        raise AssertionError("no answer from the VideoRoom plugin")

    def leave(self) -> None:
        self._post(
            f"{self.server}/{self.session}/{self.handle}",
            {"janus": "message", "body": {"request": "leave"}},
        )

    def destroy(self) -> None:
        self._post(f"{self.server}/{self.session}", {"janus": "destroy"})

    def abandon(self) -> None:
        """Stop talking to Janus without a word, as a crashed tab does."""
        self.http.close()


@pytest.fixture(scope="session")
def janus_sink() -> Iterator[EventSink]:
    sink = EventSink()
    yield sink
    sink.close()


def _start_janus(folder: Path, sink: EventSink, **overrides) -> LocalJanus:
    from django.conf import settings

    config = JanusConfig(
        token_auth_secret=settings.JANUS_TOKEN_SECRET,
        videoroom_admin_key=settings.JANUS_ADMIN_KEY,
        admin_secret=settings.JANUS_ADMIN_SECRET,
        events_url=sink.url,
        events_password=settings.JANUS_EVENTS_PASSWORD,
        recordings_dir=str(folder / "recordings"),
        http_port=free_port(),
        admin_port=free_port(),
        session_timeout=3,
        **overrides,
    )
    janus = LocalJanus(config, folder)
    janus.start()
    return janus


@pytest.fixture(scope="session")
def janus_factory(
    tmp_path_factory: pytest.TempPathFactory, janus_sink: EventSink
) -> Iterator[Callable[..., LocalJanus]]:
    """Starts real Janus servers on 127.0.0.1 (free ports, 3 s session timeout); all are
    stopped at the end of the run."""
    if not is_installed():
        pytest.fail("janus is missing: `scripts/setup.sh --test` installs Debian's janus")
    started: list[LocalJanus] = []

    def factory(**overrides) -> LocalJanus:
        janus = _start_janus(tmp_path_factory.mktemp("janus"), janus_sink, **overrides)
        started.append(janus)
        return janus

    yield factory
    for janus in started:
        janus.stop()


@pytest.fixture(scope="session")
def janus_server(janus_factory) -> LocalJanus:
    """One Janus for the whole run."""
    return janus_factory()


@pytest.fixture
def use_janus(settings, janus_server: LocalJanus, janus_sink: EventSink) -> Iterator[LocalJanus]:
    """Point the app at the test Janus, with a clean event queue."""
    from openclass.live import registry

    settings.JANUS_URLS = [janus_server.api_url]
    settings.JANUS_PUBLIC_URLS = [janus_server.api_url]
    registry.forget_clients()
    janus_sink.drain()
    yield janus_server
    registry.forget_clients()


def browser_token() -> str:
    from django.conf import settings

    return signed_token(settings.JANUS_TOKEN_SECRET, 600)


@dataclass
class LiveClass:
    courses: Courses
    session: Session  # live, today, started five minutes ago, an hour long
    teacher: User  # the class course's homeroom teacher
    student: User  # enrolled
    classmate: User  # enrolled
    outsider: User  # a student of the other class, not enrolled


@pytest.fixture
def live_class(courses: Courses) -> LiveClass:
    north = courses.city.north
    course = courses.class_course
    for student in (north.student_a1, north.student_a2):
        Enrolment.objects.create(course=course, student=student)
    now = timezone.localtime().replace(second=0, microsecond=0)
    start = now - datetime.timedelta(minutes=5)
    session = Session.objects.create(
        course=course,
        kind=Session.Kind.LIVE,
        title="실시간 안전 교육",
        day=start.date(),
        starts_at=start.time(),
        ends_at=(start + datetime.timedelta(hours=1)).time()
        if start.date() == (start + datetime.timedelta(hours=1)).date()
        else datetime.time(23, 59),
    )
    return LiveClass(
        courses, session, north.homeroom_a, north.student_a1, north.student_a2, north.student_b1
    )


@pytest.fixture(name="room")
def open_room(live_class: LiveClass):
    """The live class's room, open, without a Janus room (for what the classroom socket and
    tools do on their own)."""
    from openclass.live.models import LiveRoom
    from openclass.live.services import rooms

    room = rooms.main_room(live_class.session)
    room.status = LiveRoom.Status.OPEN
    room.save()
    return room


def member_of(user: User, room):
    """What ``user``'s classroom page in ``room`` would be (its ``Member``), without a socket:
    for calling the in-class commands directly."""
    from openclass.live.access import Member
    from openclass.live.services import rooms

    return Member.of(rooms.participant_for(user, room.main))
