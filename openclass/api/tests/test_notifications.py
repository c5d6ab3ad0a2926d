"""The caller's own notifications (``api.resources.notifications``): listing only one's own,
marking them read with a POST that an ``Idempotency-Key`` makes safe to repeat."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from openclass.accounts.tests.fixtures import City
from openclass.notifications import services
from openclass.notifications.models import Notification

from .helpers import bearer, personal_token

V1 = "/api/v1"


def _post(token: str, body: object, **headers: str):
    return Client().post(
        f"{V1}/notifications/read",
        json.dumps(body),
        content_type="application/json",
        headers={**bearer(token), **headers},
    )


@pytest.mark.django_db
def test_only_ones_own_notifications_are_listed_and_marked(city: City) -> None:
    student, other = city.north.student_a1, city.south.student_a1
    mine = services.notify([student], "과제가 채점되었습니다")
    theirs = services.notify([other], "다른 학생의 알림")
    token = personal_token(student)
    listed = Client().get(f"{V1}/notifications", headers=bearer(token))
    assert listed.status_code == 200
    assert {row["id"] for row in listed.json()["items"]} == set(mine)
    # Another's id is ignored, not marked.
    answer = _post(token, {"ids": [*mine, *theirs]})
    assert answer.status_code == 200 and answer.json() == {"marked": 1}
    assert Notification.objects.get(pk=theirs[0]).read_at is None
    unread = Client().get(f"{V1}/notifications?unread=true", headers=bearer(token))
    assert unread.json()["items"] == []
    # Without the scope, nothing; without a token, a 401.
    narrow = personal_token(student, ["courses"])
    assert Client().get(f"{V1}/notifications", headers=bearer(narrow)).status_code == 403
    assert Client().get(f"{V1}/notifications").status_code == 401


@pytest.mark.django_db
def test_marking_read_again_with_the_same_key_is_answered_not_done(city: City) -> None:
    student = city.north.student_a1
    token = personal_token(student)
    services.notify([student], "첫 알림")
    first = _post(token, {"ids": None}, **{"Idempotency-Key": "read-1"})
    assert first.status_code == 200 and first.json() == {"marked": 1}
    services.notify([student], "둘째 알림")
    again = _post(token, {"ids": None}, **{"Idempotency-Key": "read-1"})
    assert again.status_code == 200 and again.json() == {"marked": 1}
    assert again["Idempotent-Replayed"] == "true"
    assert services.list_unread(student).count() == 1  # the second was not marked
    assert _post(token, {"ids": [0]}).status_code == 422
