"""The session engine: a signing-in visitor's session row is written once, the key still changes
at sign-in (no fixation), and a key already taken is never handed out again."""

from __future__ import annotations

from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from openclass.accounts import sessions
from openclass.accounts.tests.fixtures import PASSWORD, City

LOGIN = reverse("accounts:login")


def _session_statements(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"].split()[0] for q in captured.captured_queries if "django_session" in q["sql"]]


def test_signing_in_writes_the_new_session_once(client, city: City) -> None:
    student = city.north.student_a1
    with CaptureQueriesContext(connection) as captured:
        response = client.post(LOGIN, {"username": student.username, "password": PASSWORD})
    assert response.status_code == 302
    assert _session_statements(captured) == ["INSERT"]
    key = client.cookies["sessionid"].value
    stored = Session.objects.get(session_key=key)
    assert stored.get_decoded()["_auth_user_id"] == str(student.pk)
    assert client.get(reverse("web:home")).status_code == 200


def test_an_earlier_anonymous_session_gets_a_new_key_at_sign_in(client, city: City) -> None:
    """Session fixation: a key someone may have planted before the sign-in stops working."""
    planted = sessions.SessionStore()
    planted["note"] = "set before signing in"
    planted.save()
    client.cookies["sessionid"] = planted.session_key
    student = city.north.student_a1
    response = client.post(LOGIN, {"username": student.username, "password": PASSWORD})
    assert response.status_code == 302
    key = client.cookies["sessionid"].value
    assert key != planted.session_key
    assert not Session.objects.filter(session_key=planted.session_key).exists()
    assert Session.objects.get(session_key=key).get_decoded()["note"] == "set before signing in"


def test_a_taken_key_is_never_given_to_another_session(db, monkeypatch) -> None:
    first = sessions.SessionStore()
    first["who"] = "first"
    first.save()
    draws = iter([first.session_key, "k" * 32])
    monkeypatch.setattr(sessions, "get_random_string", lambda length, chars: next(draws))
    second = sessions.SessionStore()
    second["who"] = "second"
    second.save()
    assert second.session_key == "k" * 32
    assert sessions.SessionStore(first.session_key).load()["who"] == "first"
    assert Session.objects.get(session_key="k" * 32).get_decoded()["who"] == "second"
