"""The live classes' schedule and a class's attendance (``api.resources.live``) as every role,
about the live sessions of the actor's own class, another class, another school and the office:
the schedule lists the sessions of the courses the caller may open, with whether the classroom
lets them in; the attendance is for the class's hosts only."""

from __future__ import annotations

import datetime
from urllib.parse import quote

import pytest
from django.utils import timezone

from openclass.accounts.capabilities import has_capability
from openclass.courses import access
from openclass.courses.models import Session
from openclass.live import access as live_access
from openclass.live.models import LiveRoom
from openclass.web.tests.fixtures import World

from .as_roles import actors, get, ids, items, scoped
from .helpers import personal_token

V1 = "/api/v1"


@pytest.mark.django_db
def test_schedule_and_attendance_as_every_role(world: World) -> None:
    for role, user, token in actors(world):
        listed = get(token, f"{V1}/live/sessions?limit=200")
        if user is None:
            assert listed.status_code == 401
            continue
        assert listed.status_code == 200, role
        visible = access.visible_courses(user)
        assert ids(listed) == set(
            Session.objects.filter(kind=Session.Kind.LIVE, course__in=visible).values_list(
                "pk", flat=True
            )
        ), role
        for name, scope in scoped(world):
            session = scope.session
            where = f"{role} × {name}"
            detail = get(token, f"{V1}/live/sessions/{session.pk}")
            marks = get(token, f"{V1}/live/sessions/{session.pk}/attendance")
            if not access.can_view_course(user, session.course):
                assert (detail.status_code, marks.status_code) == (404, 404), where
                continue
            assert detail.status_code == 200, where
            body = detail.json()
            assert body["status"] == LiveRoom.Status.OPEN, where
            assert body["may_join"] == has_capability(user, "live.join", session), where
            if live_access.may_host(user, session):
                assert marks.status_code == 200, where
                assert {row["student_id"] for row in items(marks)} == set(
                    access.enrolments_visible_to(user, session.course).values_list(
                        "student", flat=True
                    )
                ), where
            else:
                assert marks.status_code == 403, where
    # Concretely: a student of another class sees neither the class nor its marks.
    other = world.scopes["class"].student
    own = world.scopes["own"].session
    assert get(personal_token(other), f"{V1}/live/sessions/{own.pk}").status_code == 404


@pytest.mark.django_db
def test_a_class_that_starts_or_ends_comes_again_in_a_sync(world: World) -> None:
    own = world.scopes["own"]
    token = personal_token(own.teacher, ["live"])
    long_ago = timezone.now() - datetime.timedelta(days=10)
    Session.objects.update(updated_at=long_ago)
    LiveRoom.objects.update(updated_at=long_ago)
    since = quote((long_ago + datetime.timedelta(days=1)).isoformat())
    assert ids(get(token, f"{V1}/live/sessions?updated_since={since}")) == set()
    own.room.status = LiveRoom.Status.ENDED
    own.room.save(update_fields=["status"])
    changed = get(token, f"{V1}/live/sessions?updated_since={since}")
    assert ids(changed) == {own.session.pk}
    assert items(changed)[0]["status"] == LiveRoom.Status.ENDED
    # Without the scope, nothing.
    assert get(personal_token(own.teacher, ["courses"]), f"{V1}/live/sessions").status_code == 403
