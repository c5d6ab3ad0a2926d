"""Watch progress rules: interval union and completion (property tests), every tamper case, the
merge that lets a beacon and a batched WebSocket write come in either order, and the HTTP
heartbeat (sendBeacon) endpoint: login, CSRF, enrolment and sequence numbers."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import json
from itertools import pairwise

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import assume, given
from hypothesis import strategies as st

from openclass.courses.models import Enrolment, LessonProgress, RejectedHeartbeat
from openclass.courses.services import courses as services
from openclass.courses.services import progress
from openclass.courses.services.progress import Beat, Refused, Rules, State
from openclass.courses.tests.fixtures import Courses

Reason = RejectedHeartbeat.Reason

seconds = st.floats(0, 1000, allow_nan=False)
intervals = st.lists(st.tuples(seconds, seconds).map(lambda p: (min(p), max(p))), max_size=20)


# --- Intervals (properties) ------------------------------------------------------------------


@given(intervals)
def test_union_is_sorted_disjoint_and_never_longer_than_its_parts(parts) -> None:
    merged = progress.union(parts)
    assert merged == sorted(merged)
    assert all(start < end for start, end in merged)
    assert all(a[1] < b[0] for a, b in pairwise(merged))  # disjoint, not even touching
    assert progress.length(merged) <= sum(end - start for start, end in parts) + 1e-6
    if parts:
        span = max(e for _s, e in parts) - min(s for s, _e in parts)
        assert progress.length(merged) <= span + 1e-6


@given(intervals)
def test_union_is_idempotent(parts) -> None:
    merged = progress.union(parts)
    assert progress.union(merged) == merged
    assert progress.union([*parts, *merged]) == merged


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


@given(intervals, st.floats(1, 1000))
def test_clipped_union_is_never_longer_than_the_video(parts, duration) -> None:
    clipped = progress.clip(parts, duration)
    assert progress.length(clipped) <= duration + 1e-9
    assert all(0 <= s < e <= duration for s, e in clipped)


@given(st.floats(0.5, 6 * 3600), st.integers(1, 100))
def test_completion_exactly_at_the_threshold(duration, threshold) -> None:
    needed = duration * threshold / 100
    assert progress.is_complete(needed, duration, threshold)
    assert progress.percent(needed, duration) == threshold
    assert not progress.is_complete(needed - 0.001, duration, threshold)
    assert not progress.is_complete(needed, None, threshold)


@given(intervals, intervals, st.integers(0, 50), st.integers(0, 50))
def test_merging_two_copies_does_not_depend_on_order(ours, theirs, seq_a, seq_b) -> None:
    assume(seq_a != seq_b)
    a = State(intervals=progress.union(ours), last_seq=seq_a, position=1.0, furthest=3.0)
    b = State(intervals=progress.union(theirs), last_seq=seq_b, position=2.0, furthest=4.0)
    ab, ba = progress.merge(a, b), progress.merge(b, a)
    for name in ("intervals", "watched", "furthest", "position", "last_seq"):
        assert getattr(ab, name) == getattr(ba, name)
    assert ab.intervals == progress.union([*ours, *theirs])
    assert ab.position == (a if seq_a > seq_b else b).position


# --- One beat ---------------------------------------------------------------------------------

NOW = timezone.make_aware(datetime.datetime(2026, 4, 6, 10))
RULES = Rules(no_skip=True, speeds=(1.0, 1.5), threshold=90)


def state(**overrides) -> State:
    values = {
        "intervals": [(0.0, 30.0)],
        "furthest": 30.0,
        "position": 30.0,
        "duration": 100.0,
        "last_seq": 3,
        "last_beat_at": NOW - datetime.timedelta(seconds=10),
    }
    return State(**(values | overrides))


def beat(seq=4, intervals=((30.0, 40.0),), position=40.0, speed=1.0, duration=None) -> Beat:
    return progress.parse(
        {
            "seq": seq,
            "intervals": [list(i) for i in intervals],
            "position": position,
            "speed": speed,
            "duration": duration,
        }
    )


def apply(current: State, new: Beat, rules: Rules = RULES, now=NOW) -> State:
    return progress.apply(current, new, now=now, rules=rules)


def test_a_fair_beat_extends_the_union() -> None:
    after = apply(state(), beat())
    assert after.intervals == [(0.0, 40.0)]
    assert (after.watched, after.furthest, after.position, after.last_seq) == (40, 40, 40, 4)
    assert after.last_beat_at == NOW and not after.completed


@pytest.mark.parametrize(
    ("new", "reason"),
    [
        (dict(seq=3), Reason.REPLAYED),
        (dict(seq=2), Reason.REPLAYED),
        (dict(intervals=((90.0, 105.0),), position=99), Reason.PAST_DURATION),
        (dict(intervals=(), position=120.0), Reason.PAST_DURATION),
        (dict(intervals=((30.0, 50.0),)), Reason.TOO_FAST),  # 20 s in 10 s at most 1.5×
        (dict(intervals=((60.0, 65.0),)), Reason.SKIPPED_AHEAD),
        (dict(intervals=((30.0, 35.0), (40.0, 45.0))), Reason.SKIPPED_AHEAD),
        (dict(speed=2.0), Reason.SPEED),
        (dict(speed=1.25), Reason.SPEED),
    ],
)
def test_tampered_beats_are_refused(new, reason) -> None:
    with pytest.raises(Refused) as refused:
        apply(state(), beat(**new))
    assert refused.value.reason == reason


@pytest.mark.parametrize(
    "payload",
    [
        None,
        "x",
        [],
        {},
        {"seq": "a", "position": 1},
        {"seq": 0, "position": 1},
        {"seq": True, "position": 1},
        {"seq": 2**31, "position": 1},
        {"seq": 1},
        {"seq": 1, "position": -1},
        {"seq": 1, "position": 1, "intervals": [[5, 1]]},
        {"seq": 1, "position": 1, "intervals": [[0, float("nan")]]},
        {"seq": 1, "position": 1, "intervals": [[0, float("inf")]]},
        {"seq": 1, "position": 1, "intervals": [[1, 2, 3]]},
        {"seq": 1, "position": 1, "intervals": [[0, "9"]]},
        {"seq": 1, "position": 1, "intervals": "0-9"},
        {"seq": 1, "position": 1, "intervals": [[i, i + 1] for i in range(65)]},
        {"seq": 1, "position": 1, "speed": 0},
        {"seq": 1, "position": 1, "speed": "fast"},
        {"seq": 1, "position": 1, "duration": "long"},
        {"seq": 1, "position": 1, "lesson": "12"},
    ],
)
def test_malformed_beats_are_refused(payload) -> None:
    with pytest.raises(Refused) as refused:
        progress.parse(payload)
    assert refused.value.reason == Reason.MALFORMED


def test_a_refused_beat_changes_nothing() -> None:
    before = state()
    with pytest.raises(Refused):
        apply(before, beat(intervals=((30.0, 80.0),)))
    assert before == state()


def test_skipping_is_credited_when_the_course_allows_it() -> None:
    rules = dataclasses.replace(RULES, no_skip=False)
    after = apply(state(), beat(intervals=((60.0, 65.0),), position=65), rules)
    assert after.intervals == [(0.0, 30.0), (60.0, 65.0)] and after.furthest == 65.0


def test_no_skip_allows_a_small_gap_and_chained_intervals() -> None:
    after = apply(state(), beat(intervals=((31.5, 34.0), (34.0, 36.0)), position=36))
    assert after.intervals == [(0.0, 30.0), (31.5, 36.0)] and after.furthest == 36.0


def test_no_skip_keeps_the_resume_point_within_what_was_watched() -> None:
    after = apply(state(), beat(intervals=(), position=70.0))
    assert after.position == 30.0


def test_rewatching_earns_nothing_and_needs_no_allowance() -> None:
    current = state(credit=0.0, credit_at=NOW)
    after = apply(current, beat(intervals=((0.0, 30.0),), position=30))
    assert after.watched == 30.0 and after.intervals == [(0.0, 30.0)]


def test_the_end_of_the_video_is_clipped_within_the_slack() -> None:
    current = state(intervals=[(0.0, 95.0)], furthest=95, watched=-1)
    after = apply(current, beat(intervals=((95.0, 100.6),), position=100.6))
    assert after.intervals == [(0.0, 100.0)] and after.position == 100.0


def test_the_allowance_is_a_bucket_not_a_fresh_start_each_beat() -> None:
    """Beats every 0.1 s cannot each claim the burst: the debt carries over."""
    current, now, gained = state(), NOW, 0.0
    refused = 0
    for seq in range(4, 60):
        now += datetime.timedelta(seconds=0.1)
        start = current.furthest
        try:
            current = apply(current, beat(seq, ((start, start + 1.0),), start + 1.0), now=now)
            gained += 1.0
        except Refused as error:
            assert error.reason == Reason.TOO_FAST
            refused += 1
    elapsed = (now - NOW).total_seconds() + 10  # the state's last beat was 10 s earlier
    assert gained <= elapsed * 1.5 * progress.RATE_TOLERANCE + progress.CREDIT_BURST
    assert refused > 0


@given(st.lists(st.tuples(st.floats(0.05, 3), st.floats(0, 5)), min_size=1, max_size=40))
def test_credit_never_outruns_the_clock(steps) -> None:
    """Whatever a player claims, and however often, what is credited stays within wall-clock
    time × the fastest allowed speed (+ tolerance and burst)."""
    current = state(intervals=[], furthest=0.0, position=0.0, last_beat_at=NOW, duration=10_000.0)
    now = NOW
    for seq, (delay, claimed) in enumerate(steps, start=1):
        now += datetime.timedelta(seconds=delay)
        start = current.furthest
        with contextlib.suppress(Refused):
            current = apply(current, beat(seq, ((start, start + claimed),), start), now=now)
    elapsed = (now - NOW).total_seconds()
    limit = elapsed * RULES.fastest * progress.RATE_TOLERANCE + progress.CREDIT_BURST
    assert current.watched <= limit + 1e-6


def test_an_idle_hour_earns_at_most_the_credit_window() -> None:
    rules = dataclasses.replace(RULES, no_skip=False)
    idle = state(last_beat_at=NOW - datetime.timedelta(hours=1), duration=5000.0)
    window = progress.CREDIT_WINDOW * 1.5 * progress.RATE_TOLERANCE  # 990 s of video
    claim = (30.0, 30 + window + progress.CREDIT_BURST + 1)
    with pytest.raises(Refused) as refused:
        apply(idle, beat(intervals=(claim,), position=40), rules)
    assert refused.value.reason == Reason.TOO_FAST
    after = apply(idle, beat(intervals=((30.0, 30 + window),), position=40), rules)
    assert after.watched == pytest.approx(30 + window)


def test_idle_time_is_saved_up_only_as_far_as_the_bank() -> None:
    """F-08 (g): thirteen idle minutes allow one beat what they allow, and a reserve of at most
    half a minute that the next beats, a second later, can draw on."""
    rules = dataclasses.replace(RULES, no_skip=False)
    idle = state(last_beat_at=NOW - datetime.timedelta(minutes=13), duration=5000.0)
    first = apply(idle, beat(intervals=((30.0, 49.0),), position=49), rules)
    later = NOW + datetime.timedelta(seconds=1)
    # One second at 1.5× (+10 %) and the bank: no more.
    fair = 1.0 * 1.5 * progress.RATE_TOLERANCE + progress.CREDIT_BANK
    with pytest.raises(Refused) as refused:
        apply(first, beat(5, ((49.0, 49.0 + fair + 0.01),), 49 + fair), rules, now=later)
    assert refused.value.reason == Reason.TOO_FAST
    after = apply(first, beat(5, ((49.0, 49.0 + fair - 0.01),), 49 + fair), rules, now=later)
    assert after.watched == pytest.approx(49.0 + fair - 0.01)


def test_beats_held_up_together_are_all_credited() -> None:
    """A server that stalled answers five honest one-second beats in the same few milliseconds
    (bench/storm): all five are credited from the time that passed before them."""
    current = state(credit=progress.CREDIT_BURST, credit_at=NOW, last_beat_at=NOW)
    current = dataclasses.replace(current, duration=5000.0)
    stalled = NOW + datetime.timedelta(seconds=5)
    for seq in range(4, 9):
        start = current.furthest
        at = stalled + datetime.timedelta(milliseconds=seq)
        current = apply(current, beat(seq, ((start, start + 1.0),), start + 1.0), now=at)
    assert current.last_seq == 8


def test_beats_claiming_more_than_the_elapsed_time_are_credited_only_that() -> None:
    """F-08 (g): watching slower than the fastest speed leaves allowance unused; it is kept only
    up to the bank, so after ten minutes of beats a claim beyond the last second's allowance and
    the bank is refused."""
    current, now = state(intervals=[], furthest=0.0, position=0.0, last_beat_at=NOW), NOW
    current = dataclasses.replace(current, duration=5000.0)
    for seq in range(4, 64):
        now += datetime.timedelta(seconds=10)
        start = current.furthest
        current = apply(current, beat(seq, ((start, start + 10.0),), start + 10.0), now=now)
    assert current.watched == 600.0
    now += datetime.timedelta(seconds=1)
    with pytest.raises(Refused) as refused:
        apply(current, beat(64, ((600.0, 700.0),), 700.0), now=now)
    assert refused.value.reason == Reason.TOO_FAST
    fair = 1.0 * 1.5 * progress.RATE_TOLERANCE + progress.CREDIT_BANK
    after = apply(current, beat(64, ((600.0, 600.0 + fair),), 600.0 + fair), now=now)
    assert after.watched == pytest.approx(600.0 + fair)


def test_without_a_known_duration_no_beat_is_credited() -> None:
    """F-08 (a): the player's figure is not taken, however plausible."""
    for duration in (None, 2.0, 120.0):
        with pytest.raises(Refused) as refused:
            apply(state(duration=None), beat(duration=duration))
        assert refused.value.reason == Reason.UNKNOWN_DURATION


def test_the_known_duration_wins_over_the_players() -> None:
    after = apply(state(), beat(duration=20.0))
    assert after.duration == 100.0


def test_completion_is_set_once_at_the_threshold() -> None:
    current = state(intervals=[(0.0, 85.0)], furthest=85.0, watched=-1)
    nearly = apply(current, beat(intervals=((85.0, 89.9),), position=89.9))
    assert not nearly.completed
    done = apply(nearly, beat(seq=5, intervals=((89.9, 90.0),), position=90), now=NOW)
    assert done.completed_at == NOW and done.percent == 90
    later = NOW + datetime.timedelta(seconds=5)
    again = apply(done, beat(seq=6, intervals=((90.0, 95.0),), position=95), now=later)
    assert again.completed_at == NOW


def test_summary_is_the_servers_truth() -> None:
    figures = progress.summary(apply(state(), beat()))
    assert figures == {
        "ok": True,
        "seq": 4,
        "watched": 40.0,
        "furthest": 40.0,
        "position": 40.0,
        "duration": 100.0,
        "percent": 40,
        "completed": False,
    }


# --- Stored progress --------------------------------------------------------------------------


@pytest.fixture
def watching(courses: Courses) -> tuple[Courses, LessonProgress]:
    """north's student A1 enrolled in the class course, its 100 s video opened 200 s ago."""
    north = courses.city.north
    services.enrol(north.homeroom_a, courses.class_course, [north.student_a1])
    opened = timezone.now() - datetime.timedelta(seconds=200)
    row = services.open_lesson(north.student_a1, courses.video, now=opened)
    return courses, row


def test_save_merges_with_what_a_beacon_wrote_meanwhile(watching) -> None:
    _courses, row = watching
    beacon_time = timezone.now()
    newer = State(intervals=[(50.0, 60.0)], furthest=60, position=60, last_seq=7, duration=100)
    newer = dataclasses.replace(newer, last_beat_at=beacon_time)
    progress.save({row.pk: newer})
    older = State(intervals=[(0.0, 20.0)], furthest=20, position=20, last_seq=5, duration=100)
    progress.save({row.pk: older})  # a late WebSocket flush of older beats
    row.refresh_from_db()
    assert row.intervals == [[0.0, 20.0], [50.0, 60.0]] and row.watched == 30
    assert (row.last_seq, row.position, row.furthest) == (7, 60, 60)
    assert row.last_beat_at == beacon_time


def test_save_completes_the_lesson_once(watching) -> None:
    _courses, row = watching
    done = State(intervals=[(0.0, 95.0)], furthest=95, position=95, last_seq=3, duration=100)
    done = dataclasses.replace(done, completed_at=timezone.now())
    assert progress.save({row.pk: done}) == [row.pk]
    assert progress.save({row.pk: dataclasses.replace(done, last_seq=4)}) == []
    row.refresh_from_db()
    assert row.completed_at is not None and row.percent == 95


def test_a_players_duration_is_not_trusted(watching) -> None:
    """A length some player once reported (and was stored) does not count: only the server's."""
    courses, row = watching
    courses.video.duration = None
    courses.video.save()
    LessonProgress.objects.filter(pk=row.pk).update(duration=2.0)
    assert State.of(LessonProgress.objects.get(pk=row.pk)).duration is None
    courses.video.duration = 80.0
    courses.video.save()
    assert State.of(LessonProgress.objects.get(pk=row.pk)).duration == 80.0


# --- The heartbeat endpoint (sendBeacon) ------------------------------------------------------


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
    assert replay.json()["seq"] == 1  # the player catches up its sequence number from here
    skip = post(client, courses, {"seq": 2, "intervals": [[100, 110]], "position": 99})
    assert skip.json()["reason"] == Reason.PAST_DURATION
    garbage = client.post(
        reverse("courses:heartbeat", args=[courses.class_course.pk, courses.video.pk]),
        {"beat": "{not json"},
    )
    assert garbage.status_code == 409 and garbage.json()["reason"] == Reason.MALFORMED
    row.refresh_from_db()
    assert row.last_seq == 1 and row.watched == 95
    assert list(RejectedHeartbeat.objects.order_by("pk").values_list("reason", flat=True)) == [
        Reason.REPLAYED,
        Reason.PAST_DURATION,
        Reason.MALFORMED,
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
    courses, row = watching
    client = Client(enforce_csrf_checks=True)
    client.force_login(courses.city.north.student_a1)
    response = post(client, courses, {"seq": 1, "intervals": [[0, 10]], "position": 10})
    assert response.status_code == 403
    page = client.get(reverse("courses:lesson", args=[courses.class_course.pk, courses.video.pk]))
    token = page.context["csrf_token"]
    url = reverse("courses:heartbeat", args=[courses.class_course.pk, courses.video.pk])
    beat_json = json.dumps({"seq": 1, "intervals": [[0, 10]], "position": 10})
    accepted = client.post(url, {"csrfmiddlewaretoken": token, "beat": beat_json})
    assert accepted.status_code == 200
    row.refresh_from_db()
    assert row.last_seq == 1 and row.watched == 10
