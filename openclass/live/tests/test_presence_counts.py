"""Presence counts after a restart or a crash: a lone server process forgets the connections of
the run before it; processes sharing the rooms (on Redis) keep each other's, and take off those
of a process that stopped writing its heartbeat."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from openclass.core.runtime import runtime
from openclass.live import presence
from openclass.live.models import LiveRoom, Participant, ServerProcess
from openclass.live.services import entry, rooms

pytestmark = pytest.mark.django_db


@pytest.fixture
def new_process():
    """As if this were the first classroom connection of a freshly started server process."""
    runtime.reset()
    yield
    runtime.reset()


def counted_before_the_restart(room: LiveRoom, live_class) -> Participant:
    classmate = rooms.participant_for(live_class.classmate, room)
    Participant.objects.filter(pk=classmate.pk).update(connections=2)
    student = rooms.participant_for(live_class.student, room)
    Participant.objects.filter(pk=student.pk).update(connections=1)
    return classmate


def test_a_lone_server_forgets_the_connections_of_the_run_before(room, live_class, new_process):
    classmate = counted_before_the_restart(room, live_class)
    member, welcome = entry.connect(live_class.student, room.pk)
    # The student's page reconnected: counted once; the classmate's has not come back.
    assert [person["user"] for person in welcome["people"]] == [live_class.student.pk]
    assert Participant.objects.get(pk=member.participant_id).connections == 1
    assert Participant.objects.get(pk=classmate.pk).connections == 0
    # Only the first connection of the process forgets.
    entry.connect(live_class.classmate, room.pk)
    entry.connect(live_class.teacher, room.pk)
    assert Participant.objects.get(pk=classmate.pk).connections == 1


@pytest.fixture
def shared_rooms(settings):
    """As if processes shared the rooms on Redis, with this process's own pages only."""
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # only read as "shared"; nothing connects
    presence.open_pages.reset()
    yield
    presence.open_pages.reset()


def test_several_server_processes_keep_each_others_connections(
    room, live_class, new_process, shared_rooms
):
    classmate = counted_before_the_restart(room, live_class)
    _member, welcome = entry.connect(live_class.student, room.pk)
    assert {person["user"] for person in welcome["people"]} == {
        live_class.student.pk,
        live_class.classmate.pk,
    }
    assert Participant.objects.get(pk=classmate.pk).connections == 2


def test_a_process_writes_its_open_pages_and_a_gone_one_has_them_taken_off(
    room, live_class, shared_rooms
):
    student, _ = entry.connect(live_class.student, room.pk)
    entry.connect(live_class.student, room.pk)  # a second tab
    classmate, _ = entry.connect(live_class.classmate, room.pk)
    entry.disconnect(classmate)
    assert presence.beat() == 2
    mine = ServerProcess.objects.get()
    assert mine.connections == {str(student.participant_id): 2}
    assert Participant.objects.get(pk=student.participant_id).connections == 2  # not again
    # Another process had the classmate's page and the student's third tab, and died.
    gone = ServerProcess.objects.create(
        key="other-host:4242:dead",
        beat_at=timezone.now() - datetime.timedelta(seconds=presence.GONE_AFTER + 1),
        connections={str(student.participant_id): 1, str(classmate.participant_id): 1},
    )
    Participant.objects.filter(pk=student.participant_id).update(connections=3)
    Participant.objects.filter(pk=classmate.participant_id).update(connections=1)

    changes = presence.sweep_gone_processes()
    assert not ServerProcess.objects.filter(pk=gone.pk).exists()
    assert ServerProcess.objects.filter(pk=mine.pk).exists()  # alive: kept
    assert Participant.objects.get(pk=student.participant_id).connections == 2
    assert Participant.objects.get(pk=classmate.participant_id).connections == 0
    assert {(change["person"]["user"], change["online"]) for change in changes[room.pk]} == {
        (live_class.student.pk, True),
        (live_class.classmate.pk, False),
    }
    assert presence.sweep_gone_processes() == {}  # nothing twice


def test_a_process_taken_for_gone_counts_its_pages_again_at_its_next_beat(
    room, live_class, shared_rooms
):
    student, _ = entry.connect(live_class.student, room.pk)
    presence.beat()
    # Held up past GONE_AFTER (an overloaded machine): swept, though its page is still open.
    ServerProcess.objects.update(
        beat_at=timezone.now() - datetime.timedelta(seconds=presence.GONE_AFTER + 1)
    )
    presence.sweep_gone_processes()
    assert Participant.objects.get(pk=student.participant_id).connections == 0
    presence.beat()
    assert Participant.objects.get(pk=student.participant_id).connections == 1
    presence.beat()  # and only once
    assert Participant.objects.get(pk=student.participant_id).connections == 1


def test_a_lone_process_writes_no_heartbeat(room, live_class):
    """Embedded, nothing else holds pages: a restart forgets them instead (above)."""
    entry.connect(live_class.student, room.pk)
    assert not ServerProcess.objects.exists()
