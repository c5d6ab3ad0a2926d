"""The permission matrix of the sockets (issue 15, item 2): every actor connects to the live class
of their own class, another class and another school, and sends every message type the classroom
socket answers; and opens each scope's video lesson on the progress socket. What each answers is
checked against the rules (``permission_rules.classroom_part``, ``CLASSROOM_MESSAGES``,
``reports_progress``) and against the reviewed table ``permission_matrix/<actor>.sockets.txt``
(written again with ``OPENCLASS_WRITE_MATRIX=1``).

The message types are read from the consumer itself, so a new one fails here until it has a rule.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import re
from collections.abc import Iterator

import pytest
from asgiref.sync import sync_to_async
from channels.testing.websocket import WebsocketCommunicator
from django.db import connections
from django.test import Client

from openclass.asgi import application
from openclass.live.consumers import REQUESTS, ClassroomConsumer

from .fixtures import SCOPES, World
from .permission_rules import CLASSROOM_MESSAGES, classroom_part, may_send, reports_progress
from .test_permission_matrix import ACTORS, TABLES, actor

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
TIMEOUT = 5
#: Sent after each message: the consumer answers it (an error marked "unknown") after what came
#: before.
SENTINEL = {"type": "matrix.sentinel"}


@pytest.fixture(autouse=True)
def close_thread_connections() -> Iterator[None]:
    yield
    asyncio.run(sync_to_async(connections.close_all, thread_sensitive=True)())


def consumer_message_types() -> set[str]:
    """Every ``type`` the classroom consumer acts on, read from its source."""
    source = inspect.getsource(ClassroomConsumer._dispatch)
    return set(re.findall(r'kind == "([\w.]+)"', source)) | set(REQUESTS)


def _headers(user) -> list[tuple[bytes, bytes]]:
    headers = [(b"origin", b"http://localhost")]
    if user is not None:
        client = Client()
        client.force_login(user)
        headers.append((b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()))
    return headers


async def _until_closed(socket: WebsocketCommunicator) -> int:
    while True:
        output = await socket.receive_output(timeout=TIMEOUT)
        if output["type"] == "websocket.close":
            return output["code"]


async def _answers_to(socket: WebsocketCommunicator, message: dict) -> list[dict] | None:
    """What the page hears after ``message`` and before the sentinel's answer (None: the socket
    closed)."""
    await socket.send_to(text_data=json.dumps(message))
    await socket.send_to(text_data=json.dumps(SENTINEL))
    heard = []
    while True:
        output = await socket.receive_output(timeout=TIMEOUT)
        if output["type"] == "websocket.close":
            return None
        answer = json.loads(output["text"])
        if answer.get("type") == "error" and answer.get("unknown"):
            return heard
        heard.append(answer)


async def _classroom(world: World, who: str, headers) -> tuple[list[str], list[str]]:
    lines, disagreements = [], []
    user = actor(world, who)
    for name in SCOPES:
        scope = world.scopes[name]
        socket = WebsocketCommunicator(application, f"/ws/live/{scope.room.pk}/", headers=headers)
        await socket.connect()
        if user is None:
            code = await _until_closed(socket)
            lines.append(f"classroom {name}: closed {code}")
            if code != 4401:
                disagreements.append(f"{who}: classroom {name}: closed with {code}, not 4401")
            continue
        first = json.loads(await socket.receive_from(timeout=TIMEOUT))
        part = first["you"]["role"] if first["type"] == "welcome" else first["type"]
        want = await sync_to_async(classroom_part)(user, scope)
        want_seen = {None: "denied", "guest": "waiting"}.get(want, want)
        if part != want_seen:
            disagreements.append(f"{who}: classroom {name}: the rules say {want_seen}, got {part}")
        lines.append(f"classroom {name}: {part}")
        if part in ("host", "student"):
            for message_type in sorted(CLASSROOM_MESSAGES):
                payload = CLASSROOM_MESSAGES[message_type][1]
                heard = await _answers_to(socket, {"type": message_type, **payload})
                if heard is None:
                    disagreements.append(f"{who}: {message_type} in {name} closed the socket")
                    break
                denied = any(answer.get("denied") for answer in heard)
                mark = "." if denied else "Y"
                if denied == may_send(part, message_type):
                    disagreements.append(
                        f"{who} ({part}): {message_type} in {name}: the rules say "
                        f"{'allow' if may_send(part, message_type) else 'refuse'}, heard {heard}"
                    )
                lines.append(f"classroom {name}: {message_type:12} {mark}")
        await socket.disconnect()
    return lines, disagreements


async def _progress(world: World, who: str, headers) -> tuple[list[str], list[str]]:
    lines, disagreements = [], []
    user = actor(world, who)
    for name in SCOPES:
        scope = world.scopes[name]
        socket = WebsocketCommunicator(application, "/ws/progress/", headers=headers)
        connected, code = await socket.connect()
        if user is None:
            code = code if not connected else await _until_closed(socket)
            lines.append(f"progress {name}: closed {code}")
            if code != 4401:
                disagreements.append(f"{who}: progress {name}: closed with {code}, not 4401")
            continue
        await socket.send_to(text_data=json.dumps({"type": "open", "lesson": scope.video.pk}))
        answer = json.loads(await socket.receive_from(timeout=TIMEOUT))["type"]
        want = "state" if await sync_to_async(reports_progress)(user, scope) else "denied"
        if answer != want:
            disagreements.append(f"{who}: progress {name}: the rules say {want}, got {answer}")
        lines.append(f"progress {name}: {answer}")
        await socket.disconnect()
    return lines, disagreements


def test_every_classroom_message_has_a_rule() -> None:
    assert consumer_message_types() == set(CLASSROOM_MESSAGES)


@pytest.mark.parametrize("who", ACTORS)
def test_socket_matrix(world: World, who: str) -> None:
    headers = _headers(actor(world, who))

    async def walk() -> tuple[list[str], list[str]]:
        classroom = await _classroom(world, who, headers)
        progress = await _progress(world, who, headers)
        return classroom[0] + progress[0], classroom[1] + progress[1]

    lines, disagreements = asyncio.run(walk())
    table = TABLES / f"{who}.sockets.txt"
    written = "\n".join(lines) + "\n"
    if os.environ.get("OPENCLASS_WRITE_MATRIX") == "1":
        table.write_text(written)
    assert not disagreements, "\n".join(disagreements)
    reviewed = table.read_text() if table.exists() else ""
    assert written == reviewed, (
        f"who may do what on the sockets changed for {who}: review the difference, then write "
        f"the table again with OPENCLASS_WRITE_MATRIX=1 ({table})"
    )
