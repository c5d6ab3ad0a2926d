"""The authentication log (issue 16, item 4): a failed sign-in to openclass's own form is
recorded with the user name typed and never the password; the office searches the log by kind,
person, site, dates and address; nobody else may."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from openclass.accounts.tests.fixtures import ROLES, City, person_of
from openclass.hub import audit
from openclass.hub.models import AuthEvent, Site

LOG = reverse("hub:auth_log")
LOGIN = reverse("accounts:login")
Kind = AuthEvent.Kind
PASSWORD = "Wr0ng-pässword-🙂-that-must-not-be-logged"


def _fields(event: AuthEvent) -> str:
    return " ".join(str(getattr(event, f.attname)) for f in AuthEvent._meta.concrete_fields)


# --- Failed sign-ins -----------------------------------------------------------------------------


def test_a_failed_sign_in_is_recorded_with_the_user_name_and_never_the_password(
    city: City,
) -> None:
    student = city.north.student_a1
    client = Client(REMOTE_ADDR="198.51.100.7")
    response = client.post(LOGIN, {"username": student.username, "password": PASSWORD})
    assert response.status_code == 200  # the form again, with its error
    [event] = AuthEvent.objects.all()
    assert event.kind == Kind.LOGIN_FAILED
    assert event.user_id == student.pk and event.detail == student.username
    assert event.address == "198.51.100.7" and event.site_id is None
    assert PASSWORD not in _fields(event) and "*" not in event.detail


def test_a_user_name_nobody_has_is_recorded_as_typed(city: City) -> None:
    typed = "누군가" * 50  # as long as a user name may be (150)
    Client().post(LOGIN, {"username": typed, "password": PASSWORD})
    [event] = AuthEvent.objects.all()
    assert event.user_id is None and event.detail == typed
    assert PASSWORD not in _fields(event)
    # a longer one is refused by the form before anything is tried, as no account has it
    response = Client().post(LOGIN, {"username": typed + "더", "password": PASSWORD})
    assert response.status_code == 200 and response.context["form"].errors["username"]
    assert AuthEvent.objects.count() == 1


def test_a_successful_sign_in_records_no_failure(city: City) -> None:
    student = city.north.student_a1
    student.set_password("correct-horse-battery")
    student.save()
    response = Client().post(
        LOGIN, {"username": student.username, "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    assert not AuthEvent.objects.filter(kind=Kind.LOGIN_FAILED).exists()


# --- The office's search -------------------------------------------------------------------------


@pytest.fixture
def events(city: City) -> dict[str, AuthEvent]:
    site, other = (Site.objects.create(name=name) for name in ("꿀박사", "SSEM 포털"))
    north = city.north
    made = {
        "issued": audit.record(
            Kind.TOKEN_ISSUED, user=north.student_a1, site=site, detail="openid profile"
        ),
        "refused": audit.record(Kind.TOKEN_REFUSED, site=other, detail="invalid_client"),
        "failed": audit.record(Kind.LOGIN_FAILED, detail="typed-name"),
        "read": audit.record(Kind.API_READ, user=north.admin, site=other, detail="/api/v1/people"),
    }
    addresses = {"issued": "203.0.113.5", "refused": "203.0.113.9", "failed": "2001:db8::1"}
    now = timezone.now()
    for age, (name, event) in enumerate(made.items()):
        AuthEvent.objects.filter(pk=event.pk).update(
            at=now - datetime.timedelta(days=3 * (3 - age)), address=addresses.get(name)
        )
    return made


def found(client: Client, **query: object) -> list[int]:
    response = client.get(LOG, query)
    assert response.status_code == 200
    return [row["event"].pk for row in response.context["rows"]]


def office(city: City) -> Client:
    client = Client()
    client.force_login(city.office_admin)
    return client


def test_the_log_is_newest_first_and_filters_by_each_field(
    city: City, events: dict[str, AuthEvent]
) -> None:
    client = office(city)
    e = {name: event.pk for name, event in events.items()}
    assert found(client) == [e["read"], e["failed"], e["refused"], e["issued"]]
    assert found(client, kind=Kind.TOKEN_ISSUED) == [e["issued"]]
    # A person: their account's events, or a user name typed at a failed sign-in.
    assert found(client, person=city.north.student_a1.username) == [e["issued"]]
    assert found(client, person=city.north.admin.name) == [e["read"]]
    assert found(client, person="typed-na") == [e["failed"]]
    other = Site.objects.get(name="SSEM 포털")
    assert found(client, site=other.pk) == [e["read"], e["refused"]]
    assert found(client, address="203.0.113.9") == [e["refused"]]
    assert found(client, address="2001:db8::1") == [e["failed"]]
    today = timezone.localdate()
    four_days = (today - datetime.timedelta(days=4)).isoformat()
    assert found(client, since=four_days) == [e["read"], e["failed"]]
    assert found(client, until=four_days) == [e["refused"], e["issued"]]
    assert found(client, since=four_days, kind=Kind.API_READ, site=other.pk) == [e["read"]]


def test_wrong_filter_values_are_not_given(city: City, events: dict[str, AuthEvent]) -> None:
    client = office(city)
    everything = found(client)
    for query in (
        {"kind": "no-such-kind"},
        {"site": "x"},
        {"since": "not-a-date"},
        {"address": "999.1.1.1"},
        {"until": "0001-01-01"},
    ):
        assert found(client, **query) == everything, query


def test_pages_keep_the_search(city: City, events: dict[str, AuthEvent]) -> None:
    for n in range(55):
        audit.record(Kind.TOKEN_REFUSED, detail=f"invalid_grant {n}")
    client = office(city)
    first = client.get(LOG, {"kind": Kind.TOKEN_REFUSED})
    assert first.context["page"].paginator.count == 56
    page = first.content.decode()
    assert "kind=token_refused" in page and "page=2" in page
    second = client.get(LOG, {"kind": Kind.TOKEN_REFUSED, "page": 2})
    assert len(second.context["rows"]) == 6


def test_the_page_shows_who_what_and_where(city: City, events: dict[str, AuthEvent]) -> None:
    page = office(city).get(LOG).content.decode()
    assert city.north.student_a1.username in page and "꿀박사" in page and "203.0.113.5" in page
    assert "/api/v1/people" in page and "typed-name" in page


@pytest.mark.parametrize("who", [r for r in ROLES if r != "office_admin"])
def test_only_the_office_may_search_the_log(
    city: City, events: dict[str, AuthEvent], who: str
) -> None:
    client = Client()
    user = person_of(city, who)
    if user is None:
        response = client.get(LOG)
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)
        return
    client.force_login(user)
    assert client.get(LOG).status_code == 403
    assert client.get(LOG, {"person": user.username}).status_code == 403
