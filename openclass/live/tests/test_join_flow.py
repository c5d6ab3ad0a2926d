"""Joining a live class end to end against a real Janus: tickets, the events Janus's event
handler really posts, presence, reconnects, crashes, removal and a dead server."""

from __future__ import annotations

import base64
import datetime
import json
import time

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone, translation

from openclass.courses.models import Attendance
from openclass.live import access, registry, selectors
from openclass.live.models import LiveRoom, Participant, RejectedJoin, Stay, Ticket
from openclass.live.services import attendance, breakouts, janus_events, moderation, rooms
from openclass.live.services.tickets import Grant, issue_ticket
from openclass.live.tests.fixtures import JanusParticipant, member_of, videoroom_event

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """The refusals are checked by their English wording (Korean is the default)."""
    with translation.override("en"):
        yield


def join(grant: Grant) -> JanusParticipant:
    participant = JanusParticipant(grant.server, grant.token)
    answer = participant.join(grant.room, grant.feed_id, grant.room_token, grant.display)
    assert answer["videoroom"] == "joined", answer
    return participant


def apply(sink, match, timeout: float = 10.0) -> list[dict]:
    """Wait for Janus's event and hand everything up to it to the app, as the endpoint does."""
    events = sink.wait_for(match, timeout=timeout)
    janus_events.handle_events(events)
    return events


def test_a_student_joins_with_a_ticket_and_leaves(use_janus, janus_sink, live_class):
    room = rooms.start_class(live_class.teacher, live_class.session)
    assert room.status == LiveRoom.Status.OPEN
    assert selectors.live_now_for(live_class.student) == [room]
    grant = issue_ticket(live_class.student, room)
    browser = join(grant)
    apply(janus_sink, videoroom_event("joined", feed=grant.feed_id))
    stay = Stay.objects.get(participant__user=live_class.student)
    assert stay.left_at is None and stay.feed_id == grant.feed_id
    assert Ticket.objects.get(feed_id=grant.feed_id).used_at is not None
    # A second camera on the same ticket is kicked: the ticket named one feed.
    second = JanusParticipant(grant.server, grant.token)
    assert second.join(grant.room, grant.feed_id + 1, grant.room_token)["videoroom"] == "joined"
    apply(janus_sink, videoroom_event("joined", feed=grant.feed_id + 1))
    assert Stay.objects.count() == 1
    browser.leave()
    apply(janus_sink, videoroom_event("leaving", feed=grant.feed_id))
    assert Stay.objects.get(pk=stay.pk).left_at is not None
    # Once the stay is over the token is spent: Janus no longer lets it in.
    replay = JanusParticipant(grant.server, grant.token)
    assert "error_code" in replay.join(grant.room, grant.feed_id, grant.room_token)
    for each in (second, replay, browser):
        each.destroy()


def test_a_join_under_a_feed_id_the_ticket_does_not_name_is_kicked(
    use_janus, janus_sink, live_class
):
    room = rooms.start_class(live_class.teacher, live_class.session)
    grant = issue_ticket(live_class.student, room)
    forger = JanusParticipant(grant.server, grant.token)
    assert forger.join(grant.room, 424242, grant.room_token)["videoroom"] == "joined"
    apply(janus_sink, videoroom_event("joined", feed=424242))
    assert RejectedJoin.objects.filter(feed_id=424242).exists()
    assert not Stay.objects.exists()
    janus = registry.client(LiveRoom.objects.get(pk=room.pk).server)
    assert 424242 not in [p.feed_id for p in janus.participants(grant.room)]
    forger.destroy()


def test_a_classmates_token_does_not_make_them_present(use_janus, janus_sink, live_class):
    """Janus reports the token used: a student joining with their own token under the feed id
    of a classmate's ticket is refused, and the classmate is not marked."""
    room = rooms.start_class(live_class.teacher, live_class.session)
    mine = issue_ticket(live_class.student, room)
    theirs = issue_ticket(live_class.classmate, room)
    forger = JanusParticipant(mine.server, mine.token)
    assert forger.join(mine.room, theirs.feed_id, mine.room_token)["videoroom"] == "joined"
    apply(janus_sink, videoroom_event("joined", feed=theirs.feed_id))
    assert not Stay.objects.exists()
    assert RejectedJoin.objects.filter(feed_id=theirs.feed_id).exists()
    forger.destroy()


def test_a_crashed_tab_leaves_when_janus_times_its_session_out(use_janus, janus_sink, live_class):
    room = rooms.start_class(live_class.teacher, live_class.session)
    grant = issue_ticket(live_class.student, room)
    browser = join(grant)
    apply(janus_sink, videoroom_event("joined", feed=grant.feed_id))
    browser.abandon()  # no leave, no keepalive: the test Janus times sessions out after 3 s
    # Janus's watchdog runs every 2 s and then reports the feed leaving. Should that report
    # be lost (the sample event handler drops a batch it cannot deliver, which happened in
    # fresh-clone runs on a loaded machine), the per-minute reconcile ends the stay from
    # Janus's own list of who is in the room: either way the crashed tab's stay ends.
    deadline = time.monotonic() + 90
    while Stay.objects.get().left_at is None:
        assert time.monotonic() < deadline, "the crashed tab's stay never ended"
        try:
            apply(janus_sink, videoroom_event("leaving", feed=grant.feed_id), timeout=5)
        except AssertionError:
            janus_events.reconcile(room)  # ends only stays whose feed Janus no longer has


def test_reconnects_within_the_grace_period_count_as_one_stay(use_janus, janus_sink, live_class):
    room = rooms.start_class(live_class.teacher, live_class.session)
    for _round in range(2):
        grant = issue_ticket(live_class.student, room)
        browser = join(grant)
        apply(janus_sink, videoroom_event("joined", feed=grant.feed_id))
        browser.destroy()
        apply(janus_sink, videoroom_event("leaving", feed=grant.feed_id))
    assert Stay.objects.count() == 2
    stays = [(s.joined_at, s.left_at) for s in Stay.objects.all()]
    assert len(attendance.merge_stays(stays, datetime.timedelta(seconds=90))) == 1


def test_who_may_enter(use_janus, live_class):
    city = live_class.courses.city
    session = live_class.session
    assert access.role_for(live_class.teacher, session) == Participant.Role.HOST
    assert access.role_for(live_class.student, session) == Participant.Role.STUDENT
    assert access.role_for(city.north.parent_a1, session) == Participant.Role.GUEST
    assert access.role_for(live_class.outsider, session) is None
    assert access.role_for(city.south.parent_a1, session) is None
    assert access.role_for(city.south.homeroom_a, session) is None
    room = rooms.main_room(session)
    with pytest.raises(PermissionDenied, match="not started"):
        issue_ticket(live_class.student, room)
    # Nor does the teacher's ticket start the class: starting it is their own command.
    with pytest.raises(PermissionDenied, match="not started"):
        issue_ticket(live_class.teacher, room)
    assert LiveRoom.objects.get(pk=room.pk).status == LiveRoom.Status.SCHEDULED
    with pytest.raises(PermissionDenied):
        issue_ticket(live_class.outsider, room)
    with pytest.raises(PermissionDenied):
        rooms.start_class(live_class.student, session)
    rooms.start_class(live_class.teacher, session)
    with pytest.raises(PermissionDenied, match="lets you in"):
        issue_ticket(city.north.parent_a1, room)
    with pytest.raises(PermissionDenied, match="screen"):
        issue_ticket(live_class.student, room, Ticket.Purpose.SCREEN)
    assert issue_ticket(live_class.teacher, room, Ticket.Purpose.SCREEN).feed_id


def test_a_removed_student_cannot_come_back(use_janus, janus_sink, live_class):
    room = rooms.start_class(live_class.teacher, live_class.session)
    grant = issue_ticket(live_class.student, room)
    spare = issue_ticket(live_class.student, room)  # an old, unused ticket
    browser = join(grant)
    apply(janus_sink, videoroom_event("joined", feed=grant.feed_id))
    moderation.remove_participant(member_of(live_class.teacher, room), live_class.student.pk)
    apply(janus_sink, videoroom_event("kicked", feed=grant.feed_id))
    assert Stay.objects.get().left_at is not None
    with pytest.raises(PermissionDenied, match="removed"):
        issue_ticket(live_class.student, room)
    comeback = JanusParticipant(spare.server, spare.token)
    assert "error_code" in comeback.join(spare.room, spare.feed_id, spare.room_token)
    browser.destroy()
    comeback.destroy()


def test_a_dead_server_is_replaced_when_people_rejoin(
    janus_factory, janus_sink, settings, live_class
):
    first, second = janus_factory(), janus_factory()
    settings.JANUS_URLS = [first.api_url, second.api_url]
    settings.JANUS_PUBLIC_URLS = []
    registry.forget_clients()
    try:
        room = rooms.start_class(live_class.teacher, live_class.session)
        grant = issue_ticket(live_class.student, room)
        browser = join(grant)
        apply(janus_sink, videoroom_event("joined", feed=grant.feed_id))
        dead = first if grant.server == first.api_url else second
        alive = second if dead is first else first
        dead.kill()
        from openclass.live.models import JanusServer

        JanusServer.objects.update(last_checked_at=None)
        again = issue_ticket(live_class.student, room)
        assert again.server == alive.api_url and again.room != grant.room
        assert Stay.objects.get().left_at is not None  # the dead server's stay has ended
        rejoined = join(again)
        apply(janus_sink, videoroom_event("joined", feed=again.feed_id))
        assert Stay.objects.filter(left_at__isnull=True).count() == 1
        rejoined.destroy()
        browser.abandon()
    finally:
        registry.forget_clients()
        first.stop()
        second.stop()


def test_the_event_endpoint_needs_janus_password(client, settings, live_class):
    url = reverse("live:janus_events")
    assert client.post(url, "[]", content_type="application/json").status_code == 401
    wrong = base64.b64encode(b"janus:guess").decode()
    response = client.post(
        url, "[]", content_type="application/json", HTTP_AUTHORIZATION=f"Basic {wrong}"
    )
    assert response.status_code == 401
    right = base64.b64encode(f"janus:{settings.JANUS_EVENTS_PASSWORD}".encode()).decode()
    response = client.post(
        url, "[not json", content_type="application/json", HTTP_AUTHORIZATION=f"Basic {right}"
    )
    assert response.status_code == 400
    room = rooms.main_room(live_class.session)
    room.janus_room = 77
    room.save()
    participant = rooms.participant_for(live_class.student, room)
    Stay.objects.create(participant=participant, room=room, feed_id=5, joined_at=timezone.now())
    leaving = [
        {
            "type": 64,
            "timestamp": 1_796_151_674_318_594,
            "event": {
                "plugin": "janus.plugin.videoroom",
                "data": {"event": "leaving", "room": 77, "id": 5},
            },
        }
    ]
    response = client.post(
        url,
        json.dumps(leaving),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Basic {right}",
    )
    assert response.status_code == 204
    assert Stay.objects.get().left_at is not None


def test_attendance_from_stays(use_janus, live_class):
    """The course's rules turn minutes into marks, written when the class ends."""
    course = live_class.courses.class_course
    room = rooms.start_class(live_class.teacher, live_class.session)
    start, end = attendance.class_bounds(room)
    p = rooms.participant_for(live_class.student, room)
    Stay.objects.create(participant=p, room=room, feed_id=1, joined_at=start, left_at=end)
    rooms.end_class(live_class.teacher, room)
    marks = {a.student_id: a for a in Attendance.objects.filter(session=live_class.session)}
    assert marks[live_class.student.pk].status in (Attendance.Status.PRESENT,)
    assert marks[live_class.classmate.pk].status == Attendance.Status.ABSENT
    assert course.live_min_percent == 50


def test_janus_resending_a_join_changes_nothing(use_janus, janus_sink, live_class):
    """Janus re-sends events it is not sure arrived: a second "joined" is not a forgery."""
    room = rooms.start_class(live_class.teacher, live_class.session)
    grant = issue_ticket(live_class.student, room)
    browser = join(grant)
    events = apply(janus_sink, videoroom_event("joined", feed=grant.feed_id))
    janus_events.handle_events(events)
    assert Stay.objects.count() == 1 and not RejectedJoin.objects.exists()
    janus = registry.client(LiveRoom.objects.get(pk=room.pk).server)
    assert grant.feed_id in [p.feed_id for p in janus.participants(grant.room)]
    browser.destroy()


def test_stays_janus_has_forgotten_end_on_reconcile(use_janus, janus_sink, live_class):
    room = rooms.start_class(live_class.teacher, live_class.session)
    grant = issue_ticket(live_class.student, room)
    browser = join(grant)
    apply(janus_sink, videoroom_event("joined", feed=grant.feed_id))
    room = LiveRoom.objects.get(pk=room.pk)
    assert janus_events.reconcile(room) == 0
    browser.destroy()
    # Janus lets the participant go a moment after the session is destroyed (later still on a
    # busy machine); once it has, the leaving event is lost on its way.
    janus = registry.client(room.server)
    deadline = time.monotonic() + 10
    while grant.feed_id in [p.feed_id for p in janus.participants(grant.room)]:
        assert time.monotonic() < deadline, "Janus still lists the destroyed session's feed"
        time.sleep(0.05)
    janus_sink.drain()
    assert janus_events.reconcile(room) == 1
    assert Stay.objects.get().left_at is not None


def test_a_join_lost_on_its_way_begins_its_stay_on_reconcile(use_janus, janus_sink, live_class):
    """The app was down longer than Janus retries its events: the student is in the room but
    the app never heard. The next reconcile begins the stay from the ticket, as of its issue:
    no minute of attendance is lost. A feed no ticket names is kicked."""
    room = rooms.start_class(live_class.teacher, live_class.session)
    grant = issue_ticket(live_class.student, room)
    browser = join(grant)
    janus_sink.wait_for(videoroom_event("joined", feed=grant.feed_id))  # and lost
    assert not Stay.objects.exists()
    room = LiveRoom.objects.get(pk=room.pk)
    assert janus_events.reconcile(room) == 0
    stay = Stay.objects.get()
    ticket = Ticket.objects.get(feed_id=grant.feed_id)
    assert stay.participant.user == live_class.student and stay.left_at is None
    assert stay.joined_at == ticket.issued_at == ticket.used_at
    assert janus_events.adopt(room, {grant.feed_id}) == 0  # once
    # The join's event arriving late changes nothing.
    janus_events.joined(
        grant.room,
        grant.feed_id,
        token=grant.room_token,
        display="",
        janus_session=None,
        at=timezone.now(),
    )
    assert Stay.objects.count() == 1
    # A second camera on the ticket's token, its join lost too: no ticket names it, it is kicked.
    second = JanusParticipant(grant.server, grant.token)
    assert second.join(grant.room, grant.feed_id + 1, grant.room_token)["videoroom"] == "joined"
    janus_sink.wait_for(videoroom_event("joined", feed=grant.feed_id + 1))
    janus_events.reconcile(room)
    janus = registry.client(room.server)
    assert grant.feed_id + 1 not in [p.feed_id for p in janus.participants(grant.room)]
    assert Stay.objects.count() == 1
    browser.destroy()


def test_breakout_rooms_move_the_media_and_call_everyone_back(use_janus, live_class):
    room = rooms.start_class(live_class.teacher, live_class.session)
    for user in (live_class.student, live_class.classmate):
        rooms.participant_for(user, room)
    host = member_of(live_class.teacher, room)
    with pytest.raises(PermissionDenied):
        breakouts.open_breakouts(member_of(live_class.student, room), [[1], [2]])
    groups = [[live_class.student.pk], [live_class.classmate.pk]]
    plan = breakouts.open_breakouts(host, groups)
    assert [group["members"] for group in plan["rooms"]] == groups
    first, second = (LiveRoom.objects.get(pk=group["id"]) for group in plan["rooms"])
    assert first.server_id == LiveRoom.objects.get(pk=room.pk).server_id
    assert breakouts.breakout_plan(room) == plan
    assert issue_ticket(live_class.student, room).room == first.janus_room
    assert issue_ticket(live_class.classmate, room).room == second.janus_room
    # The teacher visits the second group, then everyone comes back.
    breakouts.move_to_group(host, live_class.teacher.pk, second.pk)
    assert issue_ticket(live_class.teacher, room).room == second.janus_room
    assert breakouts.close_breakouts(host)["rooms"] == []
    main = LiveRoom.objects.get(pk=room.pk).janus_room
    assert issue_ticket(live_class.student, room).room == main
    assert breakouts.breakout_plan(room)["rooms"] == []
    janus = registry.client(LiveRoom.objects.get(pk=room.pk).server)
    assert not janus.room_exists(first.janus_room)


def test_a_room_opened_twice_at_once_keeps_the_first_written(use_janus, live_class, monkeypatch):
    """Janus is asked with no transaction open (no row lock waits on it); when two requests
    open the same room at once, the first to write wins and the other's Janus room goes."""
    from django.db import connection

    from openclass.live.janus import JanusClient
    from openclass.live.services import placement

    outside = len(connection.atomic_blocks)  # the test's own transaction
    create_room = JanusClient.create_room

    def create_outside_any_transaction(self, *args, **kwargs):
        assert len(connection.atomic_blocks) == outside, "a transaction is open across Janus"
        return create_room(self, *args, **kwargs)

    monkeypatch.setattr(JanusClient, "create_room", create_outside_any_transaction)
    create = placement._create_on_janus
    made = []

    def create_while_another_request_opens_it(room):
        ours = create(room)
        made.append(ours)
        if len(made) == 1:
            placement.ensure_on_janus(room)  # another request, meanwhile: it writes first
        return ours

    monkeypatch.setattr(placement, "_create_on_janus", create_while_another_request_opens_it)
    room = rooms.main_room(live_class.session)
    placed = placement.ensure_on_janus(room)
    ours, theirs = made
    assert placed.janus_room == theirs.janus_room == LiveRoom.objects.get(pk=room.pk).janus_room
    janus = registry.client(placed.server)
    assert janus.room_exists(theirs.janus_room)
    assert not janus.room_exists(ours.janus_room)
