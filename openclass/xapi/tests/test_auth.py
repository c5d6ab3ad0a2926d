"""Who calls the LRS and what they may do (``xapi.auth``): the scopes' implications, whose
documents a principal may use, client secrets and their last use, the wrapper's headers."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.test import Client as Browser
from django.utils import timezone

from openclass.xapi import auth, services
from openclass.xapi.models import Client, Statement

from .lrs import VERSION, basic, get, make_client, mbox, statement, token

pytestmark = pytest.mark.django_db


def principal(*scopes: str) -> auth.Principal:
    return auth.Principal(scopes=frozenset(scopes))


@pytest.mark.parametrize(
    ("held", "asked", "allowed"),
    [
        ("all", "statements/write", True),
        ("all", "state", True),
        ("all", "define", True),
        ("all/read", "statements/read", True),
        ("all/read", "statements/read/mine", True),
        ("all/read", "statements/write", False),
        ("all/read", "state", False),
        ("statements/read", "statements/read/mine", True),
        ("statements/read", "all/read", False),
        ("statements/read/mine", "statements/read", False),
        ("statements/write", "statements/read/mine", False),
        ("state", "profile", False),
        ("profile", "state", False),
    ],
)
def test_scopes_imply_as_the_specification_says(held, asked, allowed) -> None:
    assert principal(held).may(asked) is allowed


def test_reading_a_document_is_its_scope_or_all_read() -> None:
    assert principal("all/read").may_read("state")
    assert principal("state").may_read("state")
    assert not principal("statements/read").may_read("profile")


def test_a_secret_is_kept_hashed_and_checked(city) -> None:
    raw, hashed = auth.make_secret()
    assert raw not in hashed and hashed.startswith("sha256_secret$")
    client = Client(key="k", secret_hash=hashed)
    assert auth.check_secret(client, raw)
    assert not auth.check_secret(client, raw + "x")
    assert not auth.check_secret(Client(key="k", secret_hash=""), "")


def test_a_clients_last_use_is_written_at_most_once_a_minute(city) -> None:
    client, secret = make_client()
    get(basic(client, secret))
    client.refresh_from_db()
    first = client.last_used_at
    assert first is not None
    get(basic(client, secret))
    client.refresh_from_db()
    assert client.last_used_at == first
    Client.objects.filter(pk=client.pk).update(last_used_at=first - timedelta(minutes=2))
    get(basic(client, secret))
    client.refresh_from_db()
    assert client.last_used_at > first - timedelta(seconds=1)
    assert client.last_used_at <= timezone.now()


def test_scopes_a_client_does_not_know_are_dropped(city) -> None:
    client, secret = make_client(("statements/read", "courses", "everything"))
    response = get(basic(client, secret))
    assert response.status_code == 200


@pytest.mark.parametrize(
    "header",
    [
        "Basic",
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Basic " + base64.b64encode(b":secret").decode(),
        "Basic " + base64.b64encode(b"\xff\xfe:x").decode(),
        "Bearer",
        "Bearer \x7f",
        "Digest abc",
        "Basic " + "A" * 5000,
    ],
)
def test_odd_credentials_are_a_401_never_a_500(city, header) -> None:
    response = get({"Authorization": header, **VERSION})
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")


def test_an_expired_token_is_a_401(city) -> None:
    from oauth2_provider.models import AccessToken

    headers = token(city.north.student_a1)
    AccessToken.objects.update(expires=timezone.now() - timedelta(seconds=1))
    assert get(headers).status_code == 401


def test_a_token_of_an_inactive_person_is_a_401(city) -> None:
    student = city.north.student_a1
    headers = token(student)
    student.is_active = False
    student.save()
    assert get(headers).status_code == 401


def test_every_answer_carries_the_version_and_cors_headers(city) -> None:
    for response in (get(VERSION), get({}), Browser().get("/xapi/about")):
        assert response["X-Experience-API-Version"] == "1.0.3"
        assert response["Access-Control-Allow-Origin"] == "*"
        assert "X-Experience-API-Consistent-Through" in response["Access-Control-Expose-Headers"]
    assert json.loads(get({}).content)["error"]


def test_the_alternate_syntax_carries_a_bearer_token_and_posts(city) -> None:
    student = city.north.student_a1
    headers = token(student, ("statements/write", "statements/read"))
    own = statement(actor=services.agent_for(student))
    form = {
        "Authorization": headers["Authorization"],
        "X-Experience-API-Version": "1.0.3",
        "Content-Type": "application/json",
        "content": json.dumps(own),
    }
    response = Browser().post(
        "/xapi/statements?method=POST", urlencode(form), "application/x-www-form-urlencoded"
    )
    assert response.status_code == 200, response.content
    assert Statement.objects.get().user == student


@pytest.mark.parametrize(
    ("query", "content_type"),
    [
        ("method=TRACE", "application/x-www-form-urlencoded"),
        ("method=GET", "application/json"),
        ("method=GET&limit=1", "application/x-www-form-urlencoded"),
    ],
)
def test_a_malformed_alternate_request_is_a_400(city, query, content_type) -> None:
    client, secret = make_client()
    form = {"Authorization": basic(client, secret)["Authorization"], **VERSION}
    response = Browser().post(f"/xapi/statements?{query}", urlencode(form), content_type)
    assert response.status_code == 400


def test_documents_a_principal_may_use(city) -> None:
    north = city.north
    a1, a2 = services.agent_for(north.student_a1), services.agent_for(north.student_a2)
    b1 = services.agent_for(north.student_b1)
    outside = mbox("someone")

    def of(user) -> auth.Principal:
        return auth.Principal(user=user, scopes=frozenset({"state"}))

    assert of(north.student_a1).may_use_agent(a1)
    assert not of(north.student_a1).may_use_agent(a2)
    assert not of(north.student_a1).may_use_agent(outside)
    assert of(north.parent_a1).may_use_agent(services.agent_for(north.parent_a1))
    assert not of(north.parent_a1).may_use_agent(a1)
    assert of(north.homeroom_a).may_use_agent(a1)
    assert of(north.homeroom_a).may_use_agent(outside)
    assert not of(city.south.homeroom_a).may_use_agent(a1)
    client, _secret = make_client(("state",))
    assert auth.Principal(client=client, scopes=frozenset({"state"})).may_use_agent(b1)


def test_readable_statements_of_a_client_without_read_scopes_is_nothing(city) -> None:
    services.record(city.north.student_a1, "launched", services.Activity("lesson", 1))
    client, _secret = make_client(("statements/write",))
    rule = auth.Principal(client=client, scopes=frozenset({"statements/write"}))
    assert not Statement.objects.filter(rule.readable_statements()).exists()
    reader = auth.Principal(client=client, scopes=frozenset({"all/read"}))
    assert Statement.objects.filter(reader.readable_statements()).count() == 1
