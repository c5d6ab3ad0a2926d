"""The hot-path database helpers answer as the ORM would."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from openclass.core.db import CompiledQuery, insert_rows
from openclass.live.models import LiveRoom, Participant, Ticket
from openclass.live.tests.fixtures import LiveClass

pytestmark = pytest.mark.django_db


def _people(room_id: int, user_id: int):
    return Participant.objects.filter(room_id=room_id, user_id=user_id).values_list(
        "pk", "role", "media", "hand_raised_at", "room__locked", "room__started_at"
    )


def test_a_prepared_read_returns_what_the_orm_returns_for_each_set_of_values(room, live_class):
    raised = timezone.now().replace(microsecond=0)
    LiveRoom.objects.filter(pk=room.pk).update(locked=True, started_at=raised)
    first = Participant.objects.create(
        room=room, user=live_class.student, role="student", media={"audio": True}
    )
    second = Participant.objects.create(
        room=room, user=live_class.classmate, role="student", hand_raised_at=raised
    )
    read = CompiledQuery(_people)
    for participant in (first, second, first):
        expected = list(_people(room.pk, participant.user_id))
        assert read.rows(room.pk, participant.user_id) == expected
    assert read.rows(room.pk, live_class.teacher.pk) == []
    media, hand, locked = read.rows(room.pk, second.user_id)[0][2:5]
    assert media == {} and hand == raised and locked is True


def test_a_prepared_read_wants_each_value_once():
    read = CompiledQuery(
        lambda user: Participant.objects.filter(user_id=user, room__started_by_id=user).values_list(
            "pk"
        )
    )
    with pytest.raises(ValueError, match="once"):
        read.rows(1)


def test_a_prepared_read_takes_lists_of_any_length_and_an_empty_one_as_the_orm_does(
    room, live_class
):
    people = [
        Participant.objects.create(room=room, user=user, role="student")
        for user in (live_class.student, live_class.classmate, live_class.teacher)
    ]
    ids = [participant.pk for participant in people]

    def among(room_id: int, pks: list[int], user_ids: list[int]):
        return (
            Participant.objects.filter(room_id=room_id, pk__in=pks)
            .exclude(user_id__in=user_ids)
            .order_by("pk")
            .values_list("pk", "user_id")
        )

    read = CompiledQuery(among)
    for pks, users in (
        (ids, [live_class.teacher.pk]),
        (ids[:1], [live_class.teacher.pk, live_class.student.pk]),
        (ids[1:], [live_class.classmate.pk]),
        (ids, []),  # an empty exclude keeps everything
        ([], [live_class.teacher.pk]),  # an empty filter keeps nothing
        (tuple(ids[:2]), (live_class.student.pk,)),
    ):
        assert read.rows(room.pk, pks, users) == list(among(room.pk, list(pks), list(users)))
    assert read.rows(room.pk, ids, []) == [(p.pk, p.user_id) for p in people]
    # Compiled for the lengths (3, 1), (1, 2) and (2, 1); the empty lists went to the ORM.
    assert sorted(shape for _alias, shape in read._compiled) == [
        (None, 1, 2),
        (None, 2, 1),
        (None, 3, 1),
    ]


TICKET_FIELDS = (
    "participant_id",
    "room_id",
    "purpose",
    "feed_id",
    "token",
    "issued_at",
    "expires_at",
)


def _tickets(room, student, *tickets: tuple) -> None:
    """Tickets of ``student``'s seat in ``room``, each ``(purpose, feed, token, issued,
    expires)``, written by ``insert_rows``."""
    participant = Participant.objects.create(room=room, user=student, role="student")
    insert_rows(Ticket, TICKET_FIELDS, [(participant.pk, room.pk, *ticket) for ticket in tickets])


def test_inserted_rows_read_back_as_the_orm_would_have_stored_them(room, live_class: LiveClass):
    now = timezone.now()
    _tickets(
        room,
        live_class.student,
        ("camera", 11, "a" * 32, now, now + datetime.timedelta(1)),
        ("screen", 12, "b" * 32, now, now),
    )
    tickets = {t.feed_id: t for t in Ticket.objects.all()}
    assert tickets[11].issued_at == now and tickets[11].expires_at == now + datetime.timedelta(1)
    assert tickets[12].purpose == "screen" and tickets[12].used_at is None


def test_prepared_objects_come_with_their_related_objects_and_the_rest_deferred(room, live_class):
    from openclass.core.db import CompiledObjectQuery

    participant = Participant.objects.create(room=room, user=live_class.student, role="student")
    seat = CompiledObjectQuery(
        lambda pk: Participant.objects.filter(pk=pk),
        {
            "": ["id", "room_id", "role"],
            "room": ["id", "session_id", "status", "server_id"],
            "room__session": ["id", "day"],
            "room__server": ["id", "api_url"],
        },
    )
    found = seat.first(participant.pk)
    assert found == participant and found.role == "student"
    assert found.room == room and found.room.status == room.status
    assert found.room.session.day == room.session.day
    assert found.room.server is None  # not placed on Janus: nothing along that key
    assert found.get_deferred_fields() >= {"admission", "media"}
    assert found.admission == "admitted"  # read when asked for, as with only()
    assert seat.first(participant.pk + 1000) is None


def test_a_prepared_read_takes_text_where_the_column_is_text(room, live_class: LiveClass):
    now = timezone.now()
    _tickets(room, live_class.student, ("camera", 11, "a" * 32, now, now))
    read = CompiledQuery(
        lambda room_id, token: Ticket.objects.filter(room_id=room_id, token=token).values_list(
            "feed_id", "purpose"
        )
    )
    assert read.rows(room.pk, "a" * 32) == [(11, "camera")]
    assert read.rows(room.pk, "b" * 32) == []
    assert read.rows(room.pk + 1, "a" * 32) == []


def test_a_prepared_read_takes_aware_datetimes_where_it_is_told_to(room, live_class: LiveClass):
    now = timezone.now()
    _tickets(
        room,
        live_class.student,
        ("camera", 11, "a" * 32, now, now),
        ("screen", 12, "b" * 32, now + datetime.timedelta(1), now),
    )

    def issued_by(room_id: int, moment: datetime.datetime):
        tickets = Ticket.objects.filter(room_id=room_id, issued_at__lte=moment)
        return tickets.order_by("feed_id").values_list("feed_id")

    read = CompiledQuery(issued_by, datetimes=(1,))
    for moment in (now - datetime.timedelta(seconds=1), now, now + datetime.timedelta(2)):
        assert read.rows(room.pk, moment) == list(issued_by(room.pk, moment))
    assert read.rows(room.pk, now) == [(11,)]
    seoul = datetime.timezone(datetime.timedelta(hours=9))
    assert read.rows(room.pk, now.astimezone(seoul)) == [(11,)]  # the same moment elsewhere


def test_a_prepared_read_takes_dates_where_it_is_told_to(room, live_class: LiveClass):
    from openclass.courses.models import Session

    day = live_class.session.day

    def on(course: int, first, last):
        return Session.objects.filter(course_id=course, day__gte=first, day__lte=last).values_list(
            "pk", "day"
        )

    read = CompiledQuery(on, dates=(1, 2))
    course = live_class.session.course_id
    week = datetime.timedelta(days=7)
    for first, last in ((day, day), (day - week, day - week), (day - week, day + week)):
        assert read.rows(course, first, last) == list(on(course, first, last))
    assert read.rows(course, day, day) == [(live_class.session.pk, day)]
    with pytest.raises(ValueError, match="date or a datetime"):
        CompiledQuery(on, datetimes=(1,), dates=(1,))
