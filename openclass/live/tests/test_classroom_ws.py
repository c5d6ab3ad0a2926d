"""The classroom WebSocket through the real ASGI stack: who may connect, presence, chat, hands,
reactions, polls, the host's controls, the waiting room, and every refusal."""

from __future__ import annotations

import asyncio
import datetime
import json
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from asgiref.sync import sync_to_async
from channels.testing.websocket import WebsocketCommunicator
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from openclass.accounts.models import User
from openclass.asgi import application
from openclass.live import presence
from openclass.live.consumers import CLOSE_DENIED, CLOSE_UNAUTHENTICATED
from openclass.live.models import (
    ChatMessage,
    LiveRoom,
    Participant,
    PollAnswer,
    ServerProcess,
    Stay,
)
from openclass.live.services import chat, rooms
from openclass.live.tasks import reconcile_open_rooms_task
from openclass.live.tests.fixtures import JanusParticipant

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
TIMEOUT = 5


@pytest.fixture(autouse=True)
def close_thread_connections() -> Iterator[None]:
    yield
    asyncio.run(sync_to_async(connections.close_all, thread_sensitive=True)())


def headers_for(user: User | None) -> list[tuple[bytes, bytes]]:
    headers = [(b"origin", b"http://localhost")]
    if user is not None:
        client = Client()
        client.force_login(user)
        headers.append((b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()))
    return headers


class Page:
    """One classroom page's socket."""

    def __init__(self, room: LiveRoom, headers: list[tuple[bytes, bytes]]) -> None:
        self.socket = WebsocketCommunicator(application, f"/ws/live/{room.pk}/", headers=headers)

    async def open(self) -> dict:
        connected, _ = await self.socket.connect()
        assert connected
        return await self.next()

    async def next(self) -> dict:
        return json.loads(await self.socket.receive_from(timeout=TIMEOUT))

    async def until(self, kind: str, about: User | None = None) -> dict:
        """The next message of ``kind`` (about ``about``: its person or user is them). Of a
        presence message, the change about them."""
        while True:
            message = await self.next()
            if message["type"] != kind:
                continue
            for change in message["changes"] if kind == "presence" else [message]:
                subject = change.get("person", {}).get("user", change.get("user"))
                if about is None or subject == about.pk:
                    return change

    async def send(self, **message) -> None:
        await self.socket.send_to(text_data=json.dumps(message))

    async def closed_with(self) -> int:
        while True:
            output = await self.socket.receive_output(timeout=TIMEOUT)
            if output["type"] == "websocket.close":
                return output["code"]


async def page(room: LiveRoom, user: User | None) -> Page:
    return Page(room, await sync_to_async(headers_for)(user))


def run(coroutine):
    return asyncio.run(coroutine)


async def teacher_and_student(room: LiveRoom, live_class) -> tuple[Page, Page]:
    """The teacher's page and the student's, both in the room, the teacher told of the student."""
    teacher = await page(room, live_class.teacher)
    student = await page(room, live_class.student)
    await teacher.open()
    await student.open()
    await teacher.until("presence", live_class.student)
    return teacher, student


def test_refusals(room, live_class):
    async def scenario():
        anonymous = await page(room, None)
        await anonymous.socket.connect()
        assert await anonymous.closed_with() == CLOSE_UNAUTHENTICATED
        outsider = await page(room, live_class.outsider)
        denied = await outsider.open()
        assert denied["type"] == "denied" and denied["message"]
        assert await outsider.closed_with() == CLOSE_DENIED

    run(scenario())


def test_chat_hands_reactions_and_presence(room, live_class):
    async def scenario():
        teacher = await page(room, live_class.teacher)
        student = await page(room, live_class.student)
        welcome = await teacher.open()
        assert welcome["type"] == "welcome" and welcome["you"]["role"] == "host"
        welcome = await student.open()
        assert {p["user"] for p in welcome["people"]} == {
            live_class.teacher.pk,
            live_class.student.pk,
        }
        joined = await teacher.until("presence", live_class.student)
        assert joined["person"]["user"] == live_class.student.pk and joined["online"]

        await student.send(type="chat", text="  선생님, 질문 있어요  ")
        said = await teacher.until("chat")
        assert said["text"] == "선생님, 질문 있어요" and said["user"] == live_class.student.pk
        await student.send(type="chat", text="   ")
        assert (await student.until("error"))["message"]

        await student.send(type="hand", raised=True)
        assert (await teacher.until("hands"))["queue"][0]["user"] == live_class.student.pk
        await student.send(type="chat.delete", id=said["id"])  # not the host: refused
        assert (await student.until("error"))["message"]
        await teacher.send(type="chat.delete", id=said["id"])
        assert (await student.until("chat.deleted"))["id"] == said["id"]
        await teacher.send(type="hand.lower", user=live_class.student.pk)
        assert (await student.until("hands"))["queue"] == []

        await student.send(type="reaction", emoji="👏")
        assert (await teacher.until("reaction"))["emoji"] == "👏"
        await student.send(type="reaction", emoji="💣")
        assert (await student.until("error"))["message"]

        await student.socket.disconnect()
        gone = await teacher.until("presence", live_class.student)
        assert gone["person"]["user"] == live_class.student.pk and not gone["online"]
        await teacher.socket.disconnect()

    run(scenario())
    assert ChatMessage.objects.get().deleted_at is not None
    assert Participant.objects.filter(connections__gt=0).count() == 0


def test_a_rejoining_page_sees_the_chat_so_far(room, live_class):
    async def scenario():
        student = await page(room, live_class.student)
        await student.open()
        await student.send(type="chat", text="안녕하세요")
        await student.until("chat")
        await student.socket.disconnect()
        again = await page(room, live_class.classmate)
        welcome = await again.open()
        assert [m["text"] for m in welcome["chat"]] == ["안녕하세요"]
        assert welcome["chat"][0]["name"] == live_class.student.get_full_name()
        await again.socket.disconnect()

    run(scenario())


def test_an_arriving_page_is_welcomed_with_the_chat_kept_and_the_open_poll(room, live_class):
    """What a page is told when it arrives: the chat without what the host took back, and
    the poll still open with the page's own answer (none once it is closed)."""

    async def scenario():
        teacher = await page(room, live_class.teacher)
        student = await page(room, live_class.student)
        await teacher.open()
        await student.open()
        for text in ("첫 번째", "지울 말", "세 번째"):
            await student.send(type="chat", text=text)
            said = await teacher.until("chat")
        await teacher.send(type="chat.delete", id=said["id"] - 1)
        await student.until("chat.deleted")
        await teacher.send(
            type="poll.open", question="오늘 수업은?", choices=["좋아요", "어려워요"]
        )
        poll = (await student.until("poll"))["poll"]
        await student.send(type="poll.answer", poll=poll["id"], choice=1)
        await teacher.until("poll.results")
        await student.socket.disconnect()

        back = await page(room, live_class.student)
        welcome = await back.open()
        assert [m["text"] for m in welcome["chat"]] == ["첫 번째", "세 번째"]
        assert welcome["poll"]["id"] == poll["id"] and welcome["poll"]["mine"] == 1
        assert welcome["poll"]["question"] == "오늘 수업은?" and welcome["poll"]["open"]
        classmate = await page(room, live_class.classmate)
        assert (await classmate.open())["poll"]["mine"] is None
        await teacher.send(type="poll.close", poll=poll["id"])
        await back.until("poll.results")
        late = await page(room, live_class.classmate)
        assert (await late.open())["poll"] is None
        for member in (teacher, back, classmate, late):
            await member.socket.disconnect()

    run(scenario())


def test_polls_and_quick_quizzes(room, live_class):
    async def scenario():
        teacher = await page(room, live_class.teacher)
        student = await page(room, live_class.student)
        await teacher.open()
        await student.open()
        await student.send(type="poll.open", question="?", choices=["a", "b"])
        assert (await student.until("error"))["message"]
        await teacher.send(type="poll.open", question="2 + 2 = ?", choices=["3", "4"], correct=1)
        poll = (await student.until("poll"))["poll"]
        assert poll["quiz"] and poll["choices"] == ["3", "4"] and "correct" not in poll
        await student.send(type="poll.answer", poll=poll["id"], choice=9)
        assert (await student.until("error"))["message"]
        await student.send(type="poll.answer", poll=poll["id"], choice=1)
        tally = await teacher.until("poll.results")
        assert tally["counts"] == [0, 1] and tally["correct"] is None
        await teacher.send(type="poll.close", poll=poll["id"])
        results = await student.until("poll.results")
        assert results["correct"] == 1
        await student.send(type="poll.answer", poll=poll["id"], choice=0)
        assert (await student.until("error"))["message"]
        await teacher.send(type="poll.open", question="?", choices=["only one"])
        assert (await teacher.until("error"))["message"]
        await teacher.socket.disconnect()
        await student.socket.disconnect()

    run(scenario())
    assert PollAnswer.objects.get().choice == 1


def test_host_controls_and_the_waiting_room(room, live_class):
    parent = live_class.courses.city.north.parent_a1

    async def scenario():
        teacher = await page(room, live_class.teacher)
        student = await page(room, live_class.student)
        await teacher.open()
        await student.open()
        await student.send(type="room", locked=True)
        assert (await student.until("error"))["message"]
        await teacher.send(type="room", locked=True, spotlight=live_class.student.pk)
        state = await student.until("state")
        assert state["locked"] and state["spotlight"] == live_class.student.pk

        guest = await page(room, parent)
        assert (await guest.open())["type"] == "waiting"
        waiting = await teacher.until("presence", parent)
        assert waiting["person"]["waiting"] and waiting["person"]["user"] == parent.pk
        await guest.send(type="chat", text="hello?")  # nothing reaches the class
        await teacher.send(type="admit", user=parent.pk, admitted=True)
        assert (await guest.until("admitted"))["admitted"]
        assert (await guest.until("welcome"))["you"]["role"] == "guest"

        await teacher.send(type="mute", user=live_class.student.pk, kind="audio")
        muted = await student.until("muted")
        assert muted["user"] == live_class.student.pk and muted["kind"] == "audio"
        await teacher.send(type="remove", user=live_class.student.pk)
        assert (await student.until("removed"))["user"] == live_class.student.pk
        assert await student.closed_with() == CLOSE_DENIED
        again = await page(room, live_class.student)
        assert (await again.open())["type"] == "denied"
        await teacher.socket.disconnect()
        await guest.socket.disconnect()

    run(scenario())
    assert not ChatMessage.objects.exists()
    assert Participant.objects.get(user=live_class.student).removed_at is not None


def test_breakout_groups_are_the_hosts_and_every_page_follows(room, live_class, use_janus):
    async def scenario():
        teacher = await page(room, live_class.teacher)
        student = await page(room, live_class.student)
        await teacher.open()
        await student.open()
        groups = [[live_class.student.pk], [live_class.classmate.pk]]
        await student.send(type="breakouts", action="open", groups=groups)
        assert (await student.until("error"))["message"]
        await teacher.send(type="chat", text="모둠 활동을 시작합니다")
        for member in (teacher, student):
            await member.until("chat")
        await teacher.send(type="breakouts", action="open", groups=groups)
        plan = await student.until("breakouts")
        assert [group["members"] for group in plan["rooms"]] == groups
        first, second = (group["id"] for group in plan["rooms"])
        # In a group the page's chat is the group's: empty so far.
        history = await student.until("chat.history")
        assert history["group"] == first and history["chat"] == []
        classmate = await page(room, live_class.classmate)
        welcome = await classmate.open()
        assert welcome["group"] == second and welcome["chat"] == []

        # A group's chat stays in the group: the class (the teacher) and the other group don't
        # hear it.
        await student.send(type="chat", text="우리 모둠 의견")
        said = await student.until("chat")
        assert said["group"] == first and said["text"] == "우리 모둠 의견"
        await classmate.send(type="chat", text="둘째 모둠 의견")
        assert (await classmate.until("chat"))["group"] == second
        await teacher.send(type="chat", text="5분 남았어요")
        assert (await teacher.until("chat"))["text"] == "5분 남았어요"
        # The teacher visits the first group: its chat so far, then what is said there.
        await teacher.send(type="breakouts", action="move", user=live_class.teacher.pk, to=first)
        visit = await teacher.until("chat.history")
        assert [line["text"] for line in visit["chat"]] == ["우리 모둠 의견"]
        await teacher.send(type="chat.delete", id=visit["chat"][0]["id"])
        assert (await student.until("chat.deleted"))["id"] == visit["chat"][0]["id"]

        # Called back, everyone has the class's chat again, which never held the groups' talk.
        await teacher.send(type="breakouts", action="close")
        assert (await student.until("breakouts"))["rooms"] == []
        for member in (student, classmate, teacher):
            back = await member.until("chat.history")
            assert back["group"] is None
            assert [line["text"] for line in back["chat"]] == [
                "모둠 활동을 시작합니다",
                "5분 남았어요",
            ]
        for member in (teacher, student, classmate):
            await member.socket.disconnect()

    run(scenario())


def test_ending_the_class_reaches_every_page_at_once(room, live_class):
    async def scenario():
        student = await page(room, live_class.student)
        await student.open()

        def end_class() -> int:
            client = Client()
            client.force_login(live_class.teacher)
            return client.post(reverse("live:end", args=[room.pk])).status_code

        assert await sync_to_async(end_class)() == 302
        state = await student.until("state")
        assert state["status"] == LiveRoom.Status.ENDED
        await student.socket.disconnect()

    run(scenario())


def test_tickets_are_asked_for_over_the_socket(live_class, use_janus):
    """A page asks for its ticket on its own socket, and hears only its own answer, matched
    by its request number: refused with the reason until the teacher starts the class (a
    ticket, the teacher's too, never does), then a grant Janus lets in; a removed student is
    refused again."""
    room = rooms.main_room(live_class.session)  # not started

    async def scenario():
        teacher = await page(room, live_class.teacher)
        student = await page(room, live_class.student)
        assert (await student.open())["status"] == "scheduled"
        await student.send(type="ticket", purpose="camera", request=1)
        refused = await student.until("ticket")
        assert refused["request"] == 1 and refused["error"] and "grant" not in refused
        await teacher.open()
        await teacher.send(type="ticket", purpose="camera", request=6)
        assert (await teacher.until("ticket"))["error"]
        await student.send(type="start", request=2)  # only the host starts the class
        assert (await student.until("started"))["error"]
        await teacher.send(type="start", request=5)
        started = await teacher.until("started")
        assert started["request"] == 5 and "error" not in started
        # Every page of the class hears that it started (a waiting student may join now).
        assert (await student.until("state"))["status"] == "open"
        await teacher.send(type="ticket", purpose="camera", request=7)
        hosting = await teacher.until("ticket")
        assert hosting["request"] == 7 and hosting["grant"]["role"] == "host"
        await student.send(type="ticket", purpose="hologram", request=2)
        assert (await student.until("ticket"))["error"]
        await student.send(type="ticket", purpose="camera", request=3)
        granted = await student.until("ticket")
        assert granted["request"] == 3 and "error" not in granted
        await teacher.send(type="remove", user=live_class.student.pk)
        await teacher.until("removed")
        again = await page(room, live_class.student)
        assert (await again.open())["type"] == "denied"
        await teacher.socket.disconnect()
        return granted["grant"], hosting["grant"]

    grant, hosting = run(scenario())
    assert grant["role"] == "student" and grant["server"] == use_janus.api_url
    assert grant["room"] == hosting["room"] == LiveRoom.objects.get(pk=room.pk).janus_room
    # The student was removed after the grant: its unused token no longer lets anyone in.
    intruder = JanusParticipant(grant["server"], grant["token"])
    try:
        refused = intruder.join(grant["room"], grant["feed"], grant["pin"])
        assert refused.get("error_code"), refused
    finally:
        intruder.destroy()


def test_a_granted_ticket_lets_its_holder_into_janus(live_class, use_janus):
    room = rooms.start_class(live_class.teacher, live_class.session)

    async def scenario():
        student = await page(room, live_class.student)
        await student.open()
        await student.send(type="ticket", purpose="camera", request=1)
        answer = await student.until("ticket")
        await student.socket.disconnect()
        return answer["grant"]

    grant = run(scenario())
    janus = JanusParticipant(grant["server"], grant["token"])
    try:
        assert janus.join(grant["room"], grant["feed"], grant["pin"])["videoroom"] == "joined"
    finally:
        janus.destroy()


def test_a_page_whose_handler_fails_is_counted_out(room, live_class, monkeypatch):
    """Whatever breaks while a message is handled closes that page's connection; it must not
    stay "online" for good."""

    def broken(member, raised):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(chat, "raise_hand", broken)

    async def scenario():
        teacher, student = await teacher_and_student(room, live_class)
        await student.send(type="hand", raised=True)
        gone = await teacher.until("presence", live_class.student)
        assert not gone["online"]
        await teacher.socket.disconnect()

    run(scenario())
    assert Participant.objects.get(user=live_class.student).connections == 0


def test_a_page_sending_too_fast_is_told_so_and_a_ticket_request_hears_it_by_number(
    room, live_class, monkeypatch
):
    from openclass.live import consumers
    from openclass.live.consumers import BURST

    # The consumer's clock stands still: no allowance comes back while the test sends.
    monkeypatch.setattr(consumers, "time", SimpleNamespace(monotonic=lambda: 1000.0))

    async def scenario():
        student = await page(room, live_class.student)
        await student.open()
        for number in range(BURST):
            await student.send(type="chat", text=f"{number}")
        await student.send(type="chat", text="one too many")
        refused = await student.until("error")
        assert refused["message"] == "요청이 너무 잦습니다. 잠시 뒤 다시 시도하세요."
        await student.send(type="ticket", purpose="camera", request=5)
        answer = await student.until("ticket")
        assert answer["request"] == 5 and answer["error"] == refused["message"]
        await student.socket.disconnect()

    run(scenario())
    assert ChatMessage.objects.count() == BURST


@pytest.fixture
def own_pages() -> Iterator[None]:
    """This process's open pages start afresh for the test, and are forgotten after it."""
    presence.open_pages.reset()
    yield
    presence.open_pages.reset()


def test_pages_of_a_gone_server_process_leave_the_room_within_a_minute(
    room, live_class, settings, monkeypatch, own_pages
):
    """Processes sharing the rooms (on Redis) write which pages they hold; the minutely task
    takes those of a process that stopped writing off the counts and tells the room."""
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # read as "shared"; the layer stays in memory
    monkeypatch.setattr(presence, "BEAT_EVERY", 0.05)

    async def scenario():
        teacher = await page(room, live_class.teacher)
        await teacher.open()
        for _ in range(100):  # this process beats while it has pages
            if await sync_to_async(ServerProcess.objects.exists)():
                break
            await asyncio.sleep(0.05)
        mine = await sync_to_async(ServerProcess.objects.get)()
        assert list(mine.connections.values()) == [1]

        # The student's page was held by a process that died without closing it.
        def a_ghost() -> None:
            student = rooms.participant_for(live_class.student, room)
            Participant.objects.filter(pk=student.pk).update(connections=1)
            ServerProcess.objects.create(
                key="other-host:7:dead",
                beat_at=timezone.now() - datetime.timedelta(minutes=5),
                connections={str(student.pk): 1},
            )

        await sync_to_async(a_ghost)()
        await sync_to_async(reconcile_open_rooms_task.call_local)()
        gone = await teacher.until("presence", live_class.student)
        assert gone["online"] is False
        await teacher.socket.disconnect()

    run(scenario())
    assert not ServerProcess.objects.filter(key="other-host:7:dead").exists()
    assert Participant.objects.filter(connections__gt=0).count() == 0


def test_a_media_report_before_janus_tells_of_the_feed_is_made_again_once_it_has(
    room, live_class, monkeypatch
):
    """Janus posts a publisher's join over HTTP, in batches: under load the page's report of
    what it sends comes first. The feed is not shown as theirs until the join is known (another
    person's feed never is); then the room hears it without the page reporting again, and a
    newer report takes the place of the one waiting."""
    monkeypatch.setattr("openclass.live.consumers.MEDIA_REPORT_AGAIN", (0.2,) * 25)
    streams = [{"feed": 501, "mid": "0", "kind": "audio"}]

    def seated(user: User) -> Participant:
        return Participant.objects.get(room=room, user=user)

    def joined_janus(user: User, feed: int) -> None:
        Stay.objects.create(
            participant=seated(user), room=room, feed_id=feed, joined_at=timezone.now()
        )

    async def scenario():
        teacher, student = await teacher_and_student(room, live_class)
        await sync_to_async(joined_janus)(live_class.teacher, 777)

        await student.send(type="media", audio=False, video=True, screen=False, streams=streams)
        first = await teacher.until("presence", live_class.student)
        assert first["person"]["feeds"] == [] and first["person"]["video"]
        await sync_to_async(joined_janus)(live_class.student, 501)
        known = await teacher.until("presence", live_class.student)
        assert known["person"]["feeds"] == [501] and not known["person"]["audio"]

        # Someone else's feed is never theirs, however often it is tried; a newer report
        # replaces the tries of the older one, and is what stays stored.
        stolen = [{"feed": 777, "mid": "0", "kind": "audio"}]
        await student.send(type="media", audio=True, video=True, screen=False, streams=stolen)
        assert (await teacher.until("presence", live_class.student))["person"]["feeds"] == []
        await student.send(type="media", audio=False, video=False, screen=False, streams=streams)
        latest = await teacher.until("presence", live_class.student)
        assert latest["person"]["feeds"] == [501] and not latest["person"]["video"]
        await asyncio.sleep(1)  # the tries of the stolen report would have come by now
        while not await teacher.socket.receive_nothing(timeout=0.3):
            late = await teacher.next()
            for change in late.get("changes", []):
                assert change["person"]["feeds"] == [501], late
        await student.socket.disconnect()
        await teacher.socket.disconnect()

    run(scenario())
    assert seated(live_class.student).media["streams"] == streams
    assert seated(live_class.student).media["video"] is False
