"""Forwarding statements to outside LRSs over real HTTP (a receiver on 127.0.0.1 the test
scripts): batches (oldest first, at most batch_size, only what is due, the xAPI headers and
Basic credentials), backoff and failure, a refused statement isolated from its batch, a lease
that keeps a batch from being sent twice at once and resends one whose answer was lost, the
debounced near-real-time send, the office's pages (and their refusal to every other role), LRS
clients' secrets, and the demo outside LRS's own rules (identical re-sends stored once)."""

from __future__ import annotations

import base64
import json
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.test import Client as DjangoClient
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from openclass.accounts.tests.fixtures import ROLES, City, person_of
from openclass.core.server import free_port
from openclass.xapi import auth, clients, demo_lrs, forwarding, services, tasks
from openclass.xapi.models import Client as LrsClient
from openclass.xapi.models import (
    Delivery,
    DemoReceived,
    Destination,
    ForwardBatch,
    Statement,
)
from openclass.xapi.vocabulary import VERBS

pytestmark = pytest.mark.django_db

#: (status, body)
Answer = tuple[int, bytes]


@dataclass
class Receiver:
    """A real HTTP server on 127.0.0.1: every POST it got (headers, the statements), and what it
    answers (``answer(statements)``, 200 with their ids unless the test says otherwise)."""

    url: str
    posts: list[tuple[dict[str, str], list[dict[str, Any]]]] = field(default_factory=list)
    answer: Callable[[list[dict[str, Any]]], Answer] = lambda statements: (
        200,
        json.dumps([s["id"] for s in statements]).encode(),
    )

    @property
    def ids(self) -> list[str]:
        return [statement["id"] for _headers, batch in self.posts for statement in batch]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    holder: list[Receiver] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            statements = json.loads(self.rfile.read(length))
            found = holder[0]
            found.posts.append(({k.lower(): v for k, v in self.headers.items()}, statements))
            status, body = found.answer(statements)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    holder.append(Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/xapi/"))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield holder[0]
    finally:
        server.shutdown()
        server.server_close()


def destination(url: str, **fields: Any) -> Destination:
    values: dict[str, Any] = {
        "name": "국가 학습데이터 허브",
        "endpoint": url,
        "username": "hub-key",
        "password": "hub-secret",
        "batch_size": 3,
    }
    values.update(fields)
    return Destination.objects.create(**values)


def record(city: City, n: int, verb: str = "completed") -> list[Statement]:
    """``n`` statements recorded one by one; the stored rows, oldest first."""
    for i in range(n):
        services.record(city.north.student_a1, verb, services.Activity("lesson", i + 1))
    return list(Statement.objects.order_by("-number")[:n])[::-1]


def queued(target: Destination, state: str = Delivery.State.PENDING) -> int:
    return Delivery.objects.filter(destination=target, state=state).count()


def test_statements_go_in_batches_oldest_first_with_the_xapi_headers(
    city: City, receiver: Receiver
) -> None:
    hub = destination(receiver.url)
    stored = record(city, 7)
    first = forwarding.send_batch(hub)
    assert (first.claimed, first.sent, first.status) == (3, 3, 200)
    headers, batch = receiver.posts[0]
    assert batch == [statement.full for statement in stored[:3]]
    assert headers["x-experience-api-version"] == "1.0.3"
    assert headers["authorization"] == "Basic " + base64.b64encode(b"hub-key:hub-secret").decode()
    assert headers["content-type"] == "application/json"
    assert queued(hub, Delivery.State.SENT) == 3 and queued(hub) == 4
    forwarding.send_all(hub)
    assert receiver.ids == [statement.full["id"] for statement in stored]
    assert [len(batch) for _h, batch in receiver.posts] == [3, 3, 1]
    assert queued(hub, Delivery.State.SENT) == 7 and queued(hub) == 0
    # Nothing left: no request at all.
    assert forwarding.send_batch(hub).claimed == 0 and len(receiver.posts) == 3
    assert ForwardBatch.objects.filter(destination=hub, outcome="sent").count() == 3


def test_only_due_statements_of_an_active_destination_are_sent(
    city: City, receiver: Receiver
) -> None:
    hub = destination(receiver.url)
    record(city, 2)
    later = Delivery.objects.filter(destination=hub).order_by("pk").first()
    assert later is not None
    Delivery.objects.filter(pk=later.pk).update(
        next_attempt_at=timezone.now() + timedelta(minutes=5)
    )
    assert forwarding.send_batch(hub).sent == 1
    hub.is_active = False
    hub.save()
    assert forwarding.send_batch(hub, now=timezone.now() + timedelta(minutes=6)).claimed == 0
    assert len(receiver.posts) == 1


def test_filters_choose_the_statements_each_destination_gets(city: City) -> None:
    completed = destination("http://127.0.0.1:9/", verbs=[VERBS["completed"].id])
    south = destination("http://127.0.0.1:9/")
    south.schools.add(city.south.school)
    north = destination("http://127.0.0.1:9/")
    north.schools.add(city.north.school)
    inactive = destination("http://127.0.0.1:9/", is_active=False)
    record(city, 2, "completed")
    record(city, 1, "launched")
    assert queued(completed) == 2
    assert queued(south) == 0
    assert queued(north) == 3
    assert queued(inactive) == 0


def test_a_failed_send_waits_an_exponential_backoff_then_fails(
    city: City, receiver: Receiver
) -> None:
    receiver.answer = lambda statements: (503, b"busy")
    hub = destination(receiver.url)
    record(city, 2)
    with override_settings(XAPI_FORWARD_MAX_ATTEMPTS=3):
        start = timezone.now()
        result = forwarding.send_batch(hub)
        assert (result.retrying, result.failed, result.status) == (2, 0, 503)
        waits = [
            (row.next_attempt_at - start).total_seconds()
            for row in Delivery.objects.filter(destination=hub)
        ]
        assert all(14 <= wait <= 31 for wait in waits), waits
        row = Delivery.objects.filter(destination=hub).first()
        assert row is not None and row.attempts == 1 and "HTTP 503: busy" in row.last_error
        # Not due yet: nothing sent.
        assert forwarding.send_batch(hub).claimed == 0
        later = start + timedelta(seconds=40)
        forwarding.send_batch(hub, now=later)
        waits = [
            (row.next_attempt_at - later).total_seconds()
            for row in Delivery.objects.filter(destination=hub)
        ]
        assert all(29 <= wait <= 61 for wait in waits), waits
        third = forwarding.send_batch(hub, now=later + timedelta(minutes=2))
        assert third.failed == 2
    assert queued(hub, Delivery.State.FAILED) == 2
    assert len(receiver.posts) == 3
    assert forwarding.backoff(30) <= forwarding.BACKOFF_CAP
    assert forwarding.backoff(30) >= forwarding.BACKOFF_CAP / 2


def test_a_receiver_that_is_not_there_is_retried(city: City) -> None:
    hub = destination(f"http://127.0.0.1:{free_port()}/xapi/")
    record(city, 1)
    result = forwarding.send_batch(hub)
    assert result.status is None and result.retrying == 1
    row = Delivery.objects.get(destination=hub)
    assert row.state == Delivery.State.PENDING and "ConnectError" in row.last_error


def test_a_refused_statement_fails_alone_and_the_rest_of_its_batch_is_sent(
    city: City, receiver: Receiver
) -> None:
    hub = destination(receiver.url, batch_size=8)
    stored = record(city, 8)
    bad = stored[5].full["id"]

    def answer(statements: list[dict[str, Any]]) -> Answer:
        if any(statement["id"] == bad for statement in statements):
            return 400, b'{"error": "bad statement"}'
        return 200, json.dumps([s["id"] for s in statements]).encode()

    receiver.answer = answer
    result = forwarding.send_batch(hub)
    assert (result.sent, result.failed, result.retrying) == (7, 1, 0)
    failed = Delivery.objects.get(destination=hub, state=Delivery.State.FAILED)
    assert str(failed.statement.statement_id) == bad
    assert "HTTP 400" in failed.last_error and "bad statement" in failed.last_error
    accepted = [
        statement["id"]
        for _headers, batch in receiver.posts
        if bad not in {statement["id"] for statement in batch}
        for statement in batch
    ]
    assert sorted(accepted) == sorted(s.full["id"] for s in stored if s.full["id"] != bad)
    # 8 → 4 + 4 → (2 → 1 + 1) + 2: seven requests, not one per statement.
    assert len(receiver.posts) == 7


def test_a_claimed_batch_is_not_sent_twice_at_once_and_is_resent_when_its_answer_is_lost(
    city: City, receiver: Receiver
) -> None:
    hub = destination(receiver.url)
    record(city, 3)
    # A worker claimed the batch and died on the way (its answer never came back).
    claimed = forwarding._claim(hub, timezone.now())
    assert len(claimed) == 3
    # Another worker meanwhile finds nothing to send.
    assert forwarding.send_batch(hub).claimed == 0
    # When the lease is over, the same statements (the same ids) go again, once.
    result = forwarding.send_batch(hub, now=timezone.now() + forwarding.LEASE)
    assert result.sent == 3
    assert sorted(receiver.ids) == sorted(
        str(row.statement.statement_id) for row in Delivery.objects.filter(destination=hub)
    )


def test_a_near_real_time_destination_is_sent_once_per_delay(
    city: City, receiver: Receiver, huey_immediate: object, django_capture_on_commit_callbacks: Any
) -> None:
    hub = destination(receiver.url)
    nightly = destination(receiver.url, mode=Destination.Mode.NIGHTLY)
    for target in (hub, nightly):
        cache.delete(tasks._scheduled_key(target.pk))
    with override_settings(XAPI_FORWARD_DELAY_SECONDS=0):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            record(city, 2)
        # One send for the two statements, for the near-real-time one only.
        assert callbacks
        assert queued(hub, Delivery.State.SENT) == 2
        assert queued(nightly) == 2
        assert not tasks.send_soon(hub.pk)
    cache.delete(tasks._scheduled_key(hub.pk))
    assert [len(batch) for _h, batch in receiver.posts] == [2]
    old = ForwardBatch.objects.create(
        destination=hub, statements=1, outcome=ForwardBatch.Outcome.SENT
    )
    month_ago = timezone.now() - forwarding.SENT_KEPT - timedelta(minutes=1)
    ForwardBatch.objects.filter(pk=old.pk).update(started_at=month_ago)
    first_sent = Delivery.objects.filter(destination=hub).order_by("pk").first()
    Delivery.objects.filter(pk=first_sent.pk).update(sent_at=month_ago)
    tasks.forward_nightly_task.call_local()
    assert queued(nightly, Delivery.State.SENT) == 2
    # The night also forgets the batches and the sent outbox rows older than a month; the
    # statements stay, and so does what was sent since.
    assert not ForwardBatch.objects.filter(pk=old.pk).exists()
    assert ForwardBatch.objects.filter(destination=nightly).exists()
    assert not Delivery.objects.filter(pk=first_sent.pk).exists()
    assert queued(hub, Delivery.State.SENT) == 1
    assert Statement.objects.filter(pk=first_sent.statement_id).exists()


# --- the office's pages -------------------------------------------------------------------------


def destination_form(url: str, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "국가 학습데이터 허브",
        "endpoint": url,
        "username": "hub-key",
        "password": "first-secret",
        "verbs": [VERBS["completed"].id, VERBS["passed"].id],
        "mode": Destination.Mode.NIGHTLY,
        "batch_size": 100,
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("role", [role for role in ROLES if role != "office_admin"])
def test_the_pages_are_refused_to_everyone_but_the_office(
    client: DjangoClient, city: City, role: str
) -> None:
    hub = destination("http://127.0.0.1:9/xapi/")
    lrs_client, _secret = clients.create_client(
        "대시보드", ["statements/read"], [], city.office_admin
    )
    record(city, 1)
    Delivery.objects.filter(destination=hub).update(state=Delivery.State.FAILED)
    person = person_of(city, role)
    if person is not None:
        client.force_login(person)
    pages = [
        ("get", reverse("xapi:destinations")),
        ("get", reverse("xapi:destination_new")),
        ("post", reverse("xapi:destination_new")),
        ("get", reverse("xapi:destination", args=[hub.pk])),
        ("get", reverse("xapi:destination_edit", args=[hub.pk])),
        ("post", reverse("xapi:destination_edit", args=[hub.pk])),
        ("post", reverse("xapi:destination_send", args=[hub.pk])),
        ("post", reverse("xapi:destination_retry", args=[hub.pk])),
        ("post", reverse("xapi:destination_active", args=[hub.pk])),
        ("get", reverse("xapi:clients")),
        ("get", reverse("xapi:client_new")),
        ("post", reverse("xapi:client_new")),
        ("get", reverse("xapi:client_edit", args=[lrs_client.pk])),
        ("post", reverse("xapi:client_edit", args=[lrs_client.pk])),
        ("get", reverse("xapi:client_rotate", args=[lrs_client.pk])),
        ("post", reverse("xapi:client_rotate", args=[lrs_client.pk])),
        ("post", reverse("xapi:client_active", args=[lrs_client.pk])),
        ("get", reverse("demo_lrs:home")),
    ]
    for method, url in pages:
        response = getattr(client, method)(url, {"active": "0"} if method == "post" else None)
        if person is None:
            assert response.status_code == 302 and "/login" in response["Location"], url
        else:
            assert response.status_code == 403, url
    hub.refresh_from_db()
    lrs_client.refresh_from_db()
    assert hub.is_active and lrs_client.is_active
    assert queued(hub, Delivery.State.FAILED) == 1
    assert Destination.objects.count() == 1 and LrsClient.objects.count() == 1
    with pytest.raises(PermissionDenied):
        forwarding.retry_failed(person or city.north.student_a1, hub)


def test_the_office_registers_an_outside_lrs_follows_its_outbox_and_retries_failed(
    client: DjangoClient,
    city: City,
    receiver: Receiver,
    huey_immediate: object,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client.force_login(city.office_admin)
    refused = client.post(reverse("xapi:destination_new"), destination_form("ftp://lrs.example/"))
    assert refused.status_code == 200 and refused.context["form"].errors["endpoint"]
    made = client.post(reverse("xapi:destination_new"), destination_form(receiver.url))
    hub = Destination.objects.get()
    assert made.status_code == 302
    assert made["Location"] == reverse("xapi:destination", args=[hub.pk])
    assert (hub.password, hub.mode) == ("first-secret", Destination.Mode.NIGHTLY)
    assert sorted(hub.verbs) == sorted([VERBS["completed"].id, VERBS["passed"].id])
    # Changing it with the secret left blank keeps the secret; the school filter is set.
    edit = client.get(reverse("xapi:destination_edit", args=[hub.pk]))
    assert b"first-secret" not in edit.content
    client.post(
        reverse("xapi:destination_edit", args=[hub.pk]),
        destination_form(receiver.url, password="", schools=[city.north.school.pk]),
    )
    hub.refresh_from_db()
    assert hub.password == "first-secret" and list(hub.schools.all()) == [city.north.school]

    record(city, 3, "completed")
    record(city, 1, "launched")  # not a verb it takes
    listing = client.get(reverse("xapi:destinations"))
    row = listing.context["destinations"][0]
    assert (row.pending, row.sent, row.failed) == (3, 0, 0) and row.oldest_pending is not None

    # One statement is refused by the receiver: it fails alone, and "retry" sends it.
    bad = Delivery.objects.filter(destination=hub).order_by("pk")[1].statement.full["id"]
    receiver.answer = lambda statements: (
        (400, b"no") if any(s["id"] == bad for s in statements) else (200, b"[]")
    )
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(reverse("xapi:destination_send", args=[hub.pk]))
    assert sent.status_code == 302
    assert queued(hub, Delivery.State.SENT) == 2 and queued(hub, Delivery.State.FAILED) == 1
    page = client.get(reverse("xapi:destination", args=[hub.pk]))
    assert bad.encode() in page.content and b"HTTP 400: no" in page.content
    receiver.answer = lambda statements: (200, b"[]")
    client.post(reverse("xapi:destination_retry", args=[hub.pk]))
    assert queued(hub, Delivery.State.FAILED) == 0 and queued(hub) == 1
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("xapi:destination_send", args=[hub.pk]))
    assert queued(hub, Delivery.State.SENT) == 3
    # In the batch of three, its half of two, alone (refused), then alone again (the retry).
    assert receiver.ids.count(bad) == 4

    # Deactivated: nothing queued for it any more, "send now" refused.
    asked = len(receiver.posts)
    client.post(reverse("xapi:destination_active", args=[hub.pk]), {"active": "0"})
    record(city, 1, "completed")
    assert Delivery.objects.filter(destination=hub).count() == 3
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("xapi:destination_send", args=[hub.pk]))
    assert len(receiver.posts) == asked


def test_an_lrs_client_secret_is_shown_once_and_kept_hashed(
    client: DjangoClient, city: City
) -> None:
    client.force_login(city.office_admin)
    made = client.post(
        reverse("xapi:client_new"),
        {
            "name": "학습 분석 대시보드",
            "scopes": ["statements/read"],
            "schools": [city.north.school.pk],
        },
    )
    assert made.status_code == 200 and "no-store" in made["Cache-Control"]
    lrs_client = LrsClient.objects.get()
    secret = made.context["secret"]
    assert secret.encode() in made.content and secret not in lrs_client.secret_hash
    assert auth.check_secret(lrs_client, secret)
    assert list(lrs_client.schools.all()) == [city.north.school]
    assert lrs_client.scopes == ["statements/read"] and lrs_client.created_by == city.office_admin
    listing = client.get(reverse("xapi:clients"))
    assert secret.encode() not in listing.content and lrs_client.key.encode() in listing.content
    rotated = client.post(reverse("xapi:client_rotate", args=[lrs_client.pk]))
    lrs_client.refresh_from_db()
    assert not auth.check_secret(lrs_client, secret)
    assert auth.check_secret(lrs_client, rotated.context["secret"])
    client.post(reverse("xapi:client_active", args=[lrs_client.pk]), {"active": "0"})
    lrs_client.refresh_from_db()
    assert not lrs_client.is_active
    nothing = client.post(reverse("xapi:client_new"), {"name": "x", "scopes": []})
    assert nothing.status_code == 200 and LrsClient.objects.count() == 1


def test_the_office_edits_an_lrs_clients_name_scopes_and_schools(
    client: DjangoClient, city: City
) -> None:
    lrs_client, secret = clients.create_client(
        "학습 분석 대시보드", ["statements/read"], [city.north.school], city.office_admin
    )
    key = lrs_client.key
    client.force_login(city.office_admin)
    edit = reverse("xapi:client_edit", args=[lrs_client.pk])
    page = client.get(edit)
    assert page.status_code == 200
    assert page.context["form"].initial["scopes"] == ["statements/read"]
    assert f'href="{edit}"'.encode() in client.get(reverse("xapi:clients")).content
    # No scope: refused with the form's error, nothing changed.
    refused = client.post(edit, {"name": "바뀐 이름", "scopes": []})
    assert refused.status_code == 200 and refused.context["form"].errors
    lrs_client.refresh_from_db()
    assert lrs_client.name == "학습 분석 대시보드"
    saved = client.post(
        edit,
        {"name": " 학습 분석 대시보드 2 ", "scopes": ["statements/read", "statements/write"]},
    )
    assert saved.status_code == 302 and saved["Location"] == reverse("xapi:clients")
    lrs_client.refresh_from_db()
    assert lrs_client.name == "학습 분석 대시보드 2"
    wanted = {"statements/read", "statements/write"}
    assert lrs_client.scopes == [scope for scope in auth.SCOPES if scope in wanted]
    assert not lrs_client.schools.exists()  # none chosen: every school
    # The key and the secret are the ones it had.
    assert lrs_client.key == key and auth.check_secret(lrs_client, secret)


# --- the demo outside LRS ------------------------------------------------------------------------


def demo_headers(secret: str | None = None) -> dict[str, str]:
    pair = f"{demo_lrs.KEY}:{secret or demo_lrs.secret()}".encode()
    return {
        "Authorization": "Basic " + base64.b64encode(pair).decode(),
        "X-Experience-API-Version": "1.0.3",
    }


def a_statement(**changes: Any) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "actor": {"account": {"homePage": "https://openclass.example", "name": "a1"}},
        "verb": VERBS["completed"].as_json(),
        "object": {"id": "https://openclass.example/xapi/activities/lesson/1"},
        "stored": "2026-12-06T00:00:00+00:00",
    }
    statement.update(changes)
    return statement


def test_the_demo_lrs_stores_identical_resends_once_and_refuses_conflicts(
    client: DjangoClient,
) -> None:
    url = reverse("demo_lrs:statements")
    one, two = a_statement(), a_statement()
    wrong = client.post(url, [one], content_type="application/json", headers=demo_headers("x"))
    assert wrong.status_code == 401
    unversioned = demo_headers()
    del unversioned["X-Experience-API-Version"]
    assert (
        client.post(url, [one], content_type="application/json", headers=unversioned).status_code
        == 400
    )
    stored = client.post(url, [one, two], content_type="application/json", headers=demo_headers())
    assert stored.status_code == 200 and stored.json() == [one["id"], two["id"]]
    # Sent again as forwarding resends (another "stored"): stored once, answered 200.
    again = client.post(
        url,
        [dict(one, stored="2026-12-07T00:00:00+00:00"), two],
        content_type="application/json",
        headers=demo_headers(),
    )
    assert again.status_code == 200
    assert DemoReceived.objects.count() == 2
    assert DemoReceived.objects.get(statement_id=one["id"]).times == 2
    # The same id with other content: 409, and nothing of that batch is stored.
    three = a_statement()
    conflict = client.post(
        url,
        [three, dict(one, verb=VERBS["passed"].as_json())],
        content_type="application/json",
        headers=demo_headers(),
    )
    assert conflict.status_code == 409
    assert not DemoReceived.objects.filter(statement_id=three["id"]).exists()
    put = client.put(
        f"{url}?statementId={three['id']}",
        json.dumps(three),
        content_type="application/json",
        headers=demo_headers(),
    )
    assert put.status_code == 204
    got = client.get(url, headers=demo_headers())
    assert got["X-Total-Count"] == "3" and len(got.json()["statements"]) == 3
    single = client.get(f"{url}?statementId={one['id']}", headers=demo_headers())
    assert single.json()["verb"]["id"] == VERBS["completed"].id


def test_the_demo_registers_the_demo_lrs_and_queues_what_was_stored_before(
    client: DjangoClient, city: City, settings: Any
) -> None:
    from openclass.core.registry import DemoOptions
    from openclass.xapi import demo

    settings.SITE_URL = "http://127.0.0.1:8123"
    options = DemoOptions(size="small", seed=1, with_videos=False)
    before = record(city, 2)
    assert not demo.demo_exists()
    assert demo.build_demo(options)
    made = Destination.objects.get(name=demo.NAME)
    assert made.endpoint == "http://127.0.0.1:8123/demo-lrs/xapi/"
    assert made.mode == Destination.Mode.REALTIME and made.is_active
    assert {d.statement_id for d in Delivery.objects.filter(destination=made)} == {
        s.pk for s in before
    }
    # Again: nothing doubled; its credentials are the demo LRS's own.
    demo.build_demo(options)
    assert Destination.objects.filter(name=demo.NAME).count() == 1
    assert Delivery.objects.filter(destination=made).count() == 2
    answer = client.post(
        reverse("demo_lrs:statements"),
        [before[0].full],
        content_type="application/json",
        headers={
            "Authorization": "Basic "
            + base64.b64encode(f"{made.username}:{made.password}".encode()).decode(),
            "X-Experience-API-Version": "1.0.3",
        },
    )
    assert answer.status_code == 200
    client.force_login(city.office_admin)
    page = client.get(reverse("demo_lrs:home"))
    assert page.status_code == 200 and before[0].full["id"].encode() in page.content


def test_the_nightly_hour_is_the_installations_local_hour() -> None:
    # Huey's schedules run in UTC; XAPI_NIGHTLY_HOUR is Asia/Seoul's (UTC+9, no summer time).
    assert tasks.nightly_utc_hour(2) == 17
    assert tasks.nightly_utc_hour(10) == 1
