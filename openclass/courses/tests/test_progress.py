"""Watch progress: interval union and completion (property tests), every tamper case, and the
heartbeat endpoint the player and its sendBeacon use."""

from __future__ import annotations

import datetime
import json
from itertools import pairwise

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from openclass.courses import progress, services
from openclass.courses.models import Enrolment, LessonProgress, RejectedHeartbeat
from openclass.courses.testing import Courses

Reason = RejectedHeartbeat.Reason

intervals = st.lists(
    st.tuples(st.floats(0, 1000), st.floats(0, 1000)).map(lambda p: (min(p), max(p))),
    max_size=20,
)


@given(intervals)
def test_union_is_sorted_disjoint_and_no_longer_than_its_parts(parts) -> None:
    merged = progress.union(parts)
    assert merged == sorted(merged)
    assert all(a[1] < b[0] for a, b in pairwise(merged))
    assert progress.length(merged) <= sum(end - start for start, end in parts) + 1e-6
    assert progress.union(merged) == merged  # idempotent


@given(intervals, st.randoms())
def test_union_does_not_depend_on_order(parts, random) -> None:
    shuffled = list(parts)
    random.shuffle(shuffled)
    assert progress.union(shuffled) == progress.union(parts)


@given(intervals)
def test_every_point_watched_stays_covered(parts) -> None:
    merged = progress.union(parts)
    for start, end in parts:
        if end > start:
            middle = (start + end) / 2
            assert any(a <= middle <= b for a, b in merged)


@given(st.floats(1, 10_000), st.integers(1, 100))
def test_completion_exactly_at_the_threshold(duration, threshold) -> None:
    needed = duration * threshold / 100
    assert progress.is_complete(needed, duration, threshold)
    assert not progress.is_complete(needed * 0.999 - 1e-9, duration, threshold)
    assert not progress.is_complete(needed, None, threshold)


# --- The rules on one beat --------------------------------------------------------------------

NOW = timezone.make_aware(datetime.datetime(2026, 4, 6, 10))


def state(**overrides) -> progress.State:
    values = {
        "intervals": [(0.0, 30.0)],
        "furthest": 30.0,
        "position": 30.0,
        "duration": 100.0,
        "last_seq": 3,
        "last_beat_at": NOW - datetime.timedelta(seconds=10),
        "completed": False,
    }
    return progress.State(**(values | overrides))


def beat(seq=4, intervals=((30.0, 40.0),), position=40.0, speed=1.0, duration=None):
    return progress.parse(
        {
            "seq": seq,
            "intervals": [list(i) for i in intervals],
            "position": position,
            "speed": speed,
            "duration": duration,
        }
    )


def apply(current, new, no_skip=True, speeds=(1.0, 1.5)):
    return progress.apply(current, new, now=NOW, no_skip=no_skip, allowed_speeds=speeds)


def test_a_fair_beat_extends_the_union() -> None:
    after = apply(state(), beat())
    assert after.intervals == [(0.0, 40.0)] and after.furthest == 40.0 and after.last_seq == 4


@pytest.mark.parametrize(
    ("new", "reason"),
    [
        (dict(seq=3), Reason.REPLAYED),
        (dict(seq=2), Reason.REPLAYED),
        (dict(intervals=((90.0, 105.0),)), Reason.PAST_DURATION),
        (dict(intervals=((30.0, 50.0),)), Reason.TOO_FAST),  # 20 s in 10 s at most 1.5×
        (dict(intervals=((60.0, 65.0),)), Reason.SKIPPED_AHEAD),
        (dict(speed=2.0), Reason.SPEED),
    ],
)
def test_tampered_beats_are_refused(new, reason) -> None:
    with pytest.raises(progress.Refused) as refused:
        apply(state(), beat(**new))
    assert refused.value.reason == reason


def test_skipping_is_credited_when_the_course_allows_it() -> None:
    after = apply(state(), beat(intervals=((60.0, 65.0),)), no_skip=False)
    assert after.intervals == [(0.0, 30.0), (60.0, 65.0)] and after.furthest == 65.0


@pytest.mark.parametrize(
    "payload",
    [None, "x", {}, {"seq": "a"}, {"seq": 1, "intervals": [[5, 1]]}, {"seq": 0},
     {"seq": 1, "intervals": [[0, float("nan")]]}, {"seq": 1, "intervals": [[1, 2, 3]]}],
)  # fmt: skip
def test_malformed_beats_are_refused(payload) -> None:
    with pytest.raises(progress.Refused) as refused:
        progress.parse(payload)
    assert refused.value.reason == Reason.MALFORMED


def test_unknown_duration_is_taken_once_within_bounds() -> None:
    after = apply(state(duration=None), beat(duration=120.0))
    assert after.duration == 120.0
    with pytest.raises(progress.Refused):
        apply(state(duration=None), beat(duration=10 * 3600.0))
    with pytest.raises(progress.Refused):
        apply(state(duration=None), beat())


# --- Stored progress and the endpoint -----------------------------------------------------------


@pytest.fixture
def watching(courses: Courses) -> tuple[Courses, LessonProgress]:
    north = courses.city.north
    services.enrol(north.homeroom_a, courses.class_course, [north.student_a1])
    opened = timezone.now() - datetime.timedelta(seconds=200)
    row = services.open_lesson(north.student_a1, courses.video, now=opened)
    return courses, row


def post(client, courses: Courses, payload) -> object:
    url = reverse("courses:heartbeat", args=[courses.class_course.pk, courses.video.pk])
    return client.post(url, {"beat": json.dumps(payload)})


def test_beats_complete_the_lesson_and_the_course_at_the_threshold(client, watching) -> None:
    courses, row = watching
    student = courses.city.north.student_a1
    client.force_login(student)
    first = post(client, courses, {"seq": 1, "intervals": [[0, 50]], "position": 50, "speed": 1})
    assert first.status_code == 200 and first.json()["percent"] == 50
    # Forty more seconds of video need forty seconds of time.
    earlier = timezone.now() - datetime.timedelta(seconds=60)
    LessonProgress.objects.filter(pk=row.pk).update(last_beat_at=earlier)
    done = post(client, courses, {"seq": 2, "intervals": [[50, 90]], "position": 90, "speed": 1})
    assert done.json()["completed"] is True
    row.refresh_from_db()
    assert row.intervals == [[0.0, 90.0]] and row.position == 90 and row.completed_at
    services.open_lesson(student, courses.document)
    assert Enrolment.objects.get(student=student).completed_at is not None


def test_refused_beats_change_nothing_and_are_logged(client, watching) -> None:
    courses, row = watching
    client.force_login(courses.city.north.student_a1)
    response = post(client, courses, {"seq": 1, "intervals": [[0, 95]], "position": 95})
    assert response.status_code == 200
    replay = post(client, courses, {"seq": 1, "intervals": [[0, 95]], "position": 95})
    assert replay.status_code == 409 and replay.json()["reason"] == Reason.REPLAYED
    skip = post(client, courses, {"seq": 2, "intervals": [[100, 110]], "position": 99})
    assert skip.json()["reason"] == Reason.PAST_DURATION
    row.refresh_from_db()
    assert row.last_seq == 1 and row.watched == 95
    assert list(RejectedHeartbeat.objects.values_list("reason", flat=True)) == [
        Reason.REPLAYED,
        Reason.PAST_DURATION,
    ]


def test_only_the_enrolled_student_may_report(client, watching) -> None:
    courses, row = watching
    north = courses.city.north
    for outsider in (north.student_a2, north.homeroom_a, north.parent_a1):
        client.force_login(outsider)
        response = post(client, courses, {"seq": 1, "intervals": [[0, 10]], "position": 10})
        assert response.status_code == 403
    client.logout()
    assert post(client, courses, {"seq": 1}).status_code == 302  # to the login page
    row.refresh_from_db()
    assert row.last_seq == 0


def test_the_beacon_needs_the_csrf_token(watching) -> None:
    from django.test import Client

    courses, row = watching
    client = Client(enforce_csrf_checks=True)
    client.force_login(courses.city.north.student_a1)
    response = post(client, courses, {"seq": 1, "intervals": [[0, 10]], "position": 10})
    assert response.status_code == 403
    row.refresh_from_db()
    assert row.last_seq == 0
