"""A server killed with SIGKILL between acknowledging beats and writing them loses nothing the
page was told is stored, and nothing the page kept (issue 15, item 5).

The real server (uvicorn, its own SQLite database) and a client that keeps beats as
``player.js`` does: until an answer's ``saved`` (or a ``saved`` message) reaches them, resending
what it still holds after it reconnects.
"""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from openclass.core.tests.live_server import STUDENT, LiveServer

from .progress_client import ProgressPage

TIMEOUT = 10


SESSION = f"""
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from openclass.accounts.models import User
from openclass.courses.models import Lesson
user = User.objects.get(username={STUDENT.username!r})
store = SessionStore()
store[SESSION_KEY] = str(user.pk)
store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
store[HASH_SESSION_KEY] = user.get_session_auth_hash()
store.create()
print(store.session_key, Lesson.objects.get(kind="video").pk)
"""

STORED = """
from openclass.courses.models import LessonProgress
row = LessonProgress.objects.get(lesson_id={lesson})
import json
print(json.dumps({{"seq": row.last_seq, "watched": row.watched, "intervals": row.intervals}}))
"""


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path)
    server.prepare()
    server.start()
    yield server
    server.stop()


def test_beats_acknowledged_but_not_written_survive_a_killed_server(server: LiveServer) -> None:
    session, lesson = server.shell(SESSION).split()
    page = ProgressPage(server.url, f"sessionid={session}", int(lesson))
    assert page.open()["saved"] == 0
    for second in range(6):
        time.sleep(1.05)  # credit never outruns the clock
        page.beat([[float(second), float(second + 1)]])
    kept_before = sorted(page.kept)
    assert kept_before, "every beat was stored before the kill: nothing would be tested"
    assert kept_before[0] > 1, "the server never said it had stored the first beats"

    assert server.process is not None
    server.process.send_signal(signal.SIGKILL)
    server.process.wait(timeout=TIMEOUT)
    page.socket = None
    lost = json.loads(server.shell(STORED.format(lesson=lesson)))
    assert lost["seq"] < max(kept_before), "the server wrote the kept beats after all"

    server.start()
    state = page.open()  # resends what it kept, as one beat
    assert state["seq"] == lost["seq"]
    assert page.socket is not None
    page.socket.close()  # the last connection closes: its state is written
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        stored = json.loads(server.shell(STORED.format(lesson=lesson)))
        if stored["watched"] >= 6:
            break
        time.sleep(0.2)
    assert stored["intervals"] == [[0.0, 6.0]] and stored["watched"] == 6
