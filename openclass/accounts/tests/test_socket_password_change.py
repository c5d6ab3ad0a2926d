"""A user who must change a temporary password first is refused by every socket, as by the pages
(issue 15, 1f): the classroom socket and the progress socket, through the real ASGI stack."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from asgiref.sync import sync_to_async
from channels.testing.websocket import WebsocketCommunicator
from django.db import connections
from django.test import Client

from openclass.accounts.middleware import CLOSE_UNAUTHENTICATED
from openclass.accounts.models import User
from openclass.asgi import application

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
TIMEOUT = 5


@pytest.fixture(autouse=True)
def close_thread_connections() -> Iterator[None]:
    yield
    asyncio.run(sync_to_async(connections.close_all, thread_sensitive=True)())


def headers_for(user: User, card: bool = False) -> list[tuple[bytes, bytes]]:
    client = Client()
    client.force_login(user)
    if card:
        session = client.session
        session["login_method"] = "card"
        session.save()
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    return [(b"origin", b"http://localhost"), (b"cookie", cookie)]


async def first_output(path: str, headers: list[tuple[bytes, bytes]]) -> tuple[bool, dict]:
    socket = WebsocketCommunicator(application, path, headers=headers)
    connected, _code = await socket.connect(timeout=TIMEOUT)
    if await socket.receive_nothing(timeout=0.5):
        output = {"type": "nothing"}
    else:
        output = await socket.receive_output(timeout=TIMEOUT)
    await socket.disconnect()
    return connected, output


@pytest.fixture
def sockets(room, live_class) -> dict[str, str]:
    return {"progress": "/ws/progress/", "classroom": f"/ws/live/{room.pk}/"}


@pytest.mark.parametrize("socket", ["progress", "classroom"])
def test_a_temporary_password_closes_the_socket(sockets, live_class, socket) -> None:
    student = live_class.student
    User.objects.filter(pk=student.pk).update(must_change_password=True)
    student.refresh_from_db()
    connected, output = asyncio.run(first_output(sockets[socket], headers_for(student)))
    assert connected  # accepted, so the page sees the code (a refused handshake is 1006)
    assert output == {"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED}


@pytest.mark.parametrize("socket", ["progress", "classroom"])
def test_a_changed_password_or_a_card_login_keeps_the_socket(sockets, live_class, socket) -> None:
    student = live_class.student
    _connected, output = asyncio.run(first_output(sockets[socket], headers_for(student)))
    assert output["type"] != "websocket.close"
    # A young child signed in with a QR card and PIN never types a password.
    User.objects.filter(pk=student.pk).update(must_change_password=True)
    student.refresh_from_db()
    _connected, output = asyncio.run(first_output(sockets[socket], headers_for(student, card=True)))
    assert output["type"] != "websocket.close"
