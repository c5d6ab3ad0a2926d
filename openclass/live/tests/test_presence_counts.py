"""Presence counts after a restart: a lone server process forgets the connections of the run
before it; several processes on Redis keep each other's."""

from __future__ import annotations

import pytest

from openclass.live import services, tools
from openclass.live.models import LiveRoom, Participant

pytestmark = pytest.mark.django_db


@pytest.fixture
def new_process(monkeypatch):
    """As if this were the first classroom connection of a freshly started server process."""
    monkeypatch.setitem(tools._earlier_runs, "forgotten", False)


def counted_before_the_restart(room: LiveRoom, live_class) -> Participant:
    classmate = services.participant_for(live_class.classmate, room)
    Participant.objects.filter(pk=classmate.pk).update(connections=2)
    student = services.participant_for(live_class.student, room)
    Participant.objects.filter(pk=student.pk).update(connections=1)
    return classmate


def test_a_lone_server_forgets_the_connections_of_the_run_before(room, live_class, new_process):
    classmate = counted_before_the_restart(room, live_class)
    member, welcome = tools.connect(live_class.student, room.pk)
    # The student's page reconnected: counted once; the classmate's has not come back.
    assert [person["user"] for person in welcome["people"]] == [live_class.student.pk]
    assert Participant.objects.get(pk=member.participant_id).connections == 1
    assert Participant.objects.get(pk=classmate.pk).connections == 0
    # Only the first connection of the process forgets.
    tools.connect(live_class.classmate, room.pk)
    tools.connect(live_class.teacher, room.pk)
    assert Participant.objects.get(pk=classmate.pk).connections == 1


def test_several_server_processes_keep_each_others_connections(
    room, live_class, new_process, settings
):
    settings.WEB_WORKERS = 2
    classmate = counted_before_the_restart(room, live_class)
    _member, welcome = tools.connect(live_class.student, room.pk)
    assert {person["user"] for person in welcome["people"]} == {
        live_class.student.pk,
        live_class.classmate.pk,
    }
    assert Participant.objects.get(pk=classmate.pk).connections == 2
