"""Forwarding to a real receiving LRS that dies mid-batch: a second openclass server (uvicorn
serving ``openclass.asgi``, its own var/ directory and SQLite database, migrated first) on a
free 127.0.0.1 port is the outside LRS, through its own /xapi/ statements resource and an LRS
client registered in its database. A thousand statements are sent in batches; the receiver is
killed (SIGKILL) while a batch is on its way, started again on the same port and database, and
the sends run to the end. Then every statement id is in the receiver's store exactly once, and
every outbox row is sent, none failed."""

from __future__ import annotations

import sqlite3
import threading
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.utils import timezone

from openclass.accounts.tests.fixtures import City
from openclass.core.tests.live_server import LiveServer
from openclass.xapi import forwarding, statements
from openclass.xapi.models import Delivery, Destination, ForwardBatch, Statement
from openclass.xapi.services import Activity, agent_for, authority
from openclass.xapi.vocabulary import VERBS

pytestmark = pytest.mark.django_db

COUNT = 1000
BATCH = 50
#: The batch during which the receiver is killed.
KILL_AT = 6

REGISTER_CLIENT = (
    "from openclass.xapi.auth import make_secret; "
    "from openclass.xapi.models import Client; "
    "raw, hashed = make_secret(); "
    "Client.objects.create(name='sender', key='sender', secret_hash=hashed, "
    "scopes=['statements/write', 'statements/read']); "
    "print(raw)"
)


def many_statements(city: City, n: int) -> list[Statement]:
    """``n`` statements about one student, stored in one go the way ``services.record`` stores
    them (one outbox row each per destination)."""
    student = city.north.student_a1
    actor = agent_for(student)
    data: list[dict[str, Any]] = [
        {
            "id": str(uuid.uuid4()),
            "actor": actor,
            "verb": VERBS["progressed"].as_json(),
            "object": Activity("lesson", i + 1, f"{i + 1}차시").as_json(),
            "context": {"platform": "openclass", "language": "ko-KR"},
            "timestamp": timezone.now().isoformat(),
        }
        for i in range(n)
    ]
    return statements.store(data, authority=authority(), about=statements.About(user=student))


def received_ids(database: Path) -> list[str]:
    """Every statement id in the receiver's store, read from its database file."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        rows = connection.execute("SELECT statement_id FROM xapi_statement").fetchall()
    return [str(uuid.UUID(row[0])) for row in rows]


def test_every_statement_reaches_a_receiver_killed_mid_batch_exactly_once(
    city: City, tmp_path: Path
) -> None:
    server = LiveServer(tmp_path)
    server.migrate()
    secret = server.shell(REGISTER_CLIENT)
    server.start()
    try:
        hub = Destination.objects.create(
            name="receiving openclass",
            endpoint=f"{server.url}/xapi/",
            username="sender",
            password=secret,
            batch_size=BATCH,
        )
        ours = {str(row.statement_id) for row in many_statements(city, COUNT)}
        assert Delivery.objects.filter(destination=hub).count() == COUNT

        # The receiver is killed a moment after the KILL_AT-th batch has gone out.
        started = threading.Event()
        process = server.process
        assert process is not None

        def kill() -> None:
            started.wait(60)
            threading.Event().wait(0.05)
            process.kill()

        killer = threading.Thread(target=kill, daemon=True)
        killer.start()
        for number in range(1, KILL_AT + 1):
            if number == KILL_AT:
                started.set()
            forwarding.send_batch(hub)
        killer.join(10)
        process.wait(10)
        # While it is down, the next batch finds nobody (a retry, not a failure).
        down = forwarding.send_batch(hub)
        assert down.claimed and down.status is None and down.retrying == down.claimed

        server.start()
        # Sent to the end: later than every backoff and lease, each call.
        clock = timezone.now()
        for _round in range(COUNT):
            clock += timedelta(hours=2)
            if not forwarding.send_batch(hub, now=clock).claimed:
                break

        assert Delivery.objects.filter(destination=hub, state=Delivery.State.SENT).count() == COUNT
        assert not Delivery.objects.filter(destination=hub).exclude(state=Delivery.State.SENT)
        received = received_ids(tmp_path / "openclass.sqlite3")
        assert len(received) == COUNT
        assert set(received) == ours
        # The batch under way when the receiver died, and the one after, had no answer.
        unanswered = ForwardBatch.objects.filter(destination=hub, status__isnull=True)
        assert unanswered.count() >= 1
        # The receiver's own API says so too.
        some = sorted(ours)[0]
        answer = httpx.get(
            f"{server.url}/xapi/statements",
            params={"statementId": some},
            headers={"X-Experience-API-Version": "1.0.3"},
            auth=("sender", secret),
            timeout=10,
        )
        assert answer.status_code == 200 and answer.json()["id"] == some
    finally:
        server.stop()
