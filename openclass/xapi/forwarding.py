"""Forwarding statements to outside LRSs (the national hub, a district's LRS): the outbox.

``enqueue`` writes one ``Delivery`` per statement and active destination whose filters (verbs,
schools) it passes, in the transaction that stores the statement, and (for a near-real-time
destination) has a send scheduled a few seconds after that transaction commits (``tasks``).

``send_batch`` sends one destination's due deliveries, oldest first, as one xAPI statements POST:

1. **claim** (a short transaction): the due rows, locked with ``SKIP LOCKED`` on PostgreSQL
   (SQLite's ``IMMEDIATE`` transactions serialise writers), are leased — their
   ``next_attempt_at`` moved ``LEASE`` ahead — so another worker skips them while they are on
   their way; no transaction is open during the call (house rule 9);
2. **call**: the statements as the LRS stored them (``Statement.full``: their ids are fixed), with
   ``X-Experience-API-Version`` and HTTP Basic, under a timeout;
3. **write** (one transaction): 2xx — all sent; a connection error, a timeout, 408, 429, 5xx or an
   answer about the destination itself (401, 403, 404, a redirect) — each row counts an attempt
   and waits an exponential backoff with jitter (``backoff``), failed after
   ``XAPI_FORWARD_MAX_ATTEMPTS``; a refusal of the statements themselves (400, 409, 413, 422 …)
   — the batch is split in halves and each half sent again, so the one statement refused
   is marked failed with the answer's text and the others are sent.

Each statement reaches each destination exactly once: a batch whose answer was lost (the worker
or the receiver died after the receiver stored it) is sent again when its lease ends, with the
same statement ids, and a conforming LRS stores an identical statement once and answers 200
(xAPI 1.0.3, part three, 2.1.1: a statement id it already has, with the same content, is not a
conflict).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, F, Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from openclass.accounts.capabilities import require_capability
from openclass.core.db import insert_rows

from .models import Delivery, Destination, ForwardBatch, Statement
from .vocabulary import VERBS

log = logging.getLogger(__name__)

XAPI_VERSION = "1.0.3"
#: Connecting, and waiting for the answer (an outside LRS may take a while to store 200).
TIMEOUT = httpx.Timeout(60.0, connect=10.0)
#: How long claimed rows are out of other workers' reach: longer than a call can take.
LEASE = timedelta(seconds=180)
#: The first retry's delay, doubled each attempt up to the cap.
BACKOFF_FIRST = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)
#: Answers about the statements themselves: re-sending them unchanged never helps.
REFUSED = frozenset({400, 409, 413, 422})
#: How much of an answer's text is kept as the error.
ERROR_LENGTH = 1000
#: The most statements the office may put in one batch.
MAX_BATCH = 1000

Pending = Delivery.State.PENDING
#: An outbox row as ``enqueue`` writes it.
DELIVERY_FIELDS = [
    "destination_id",
    "statement_id",
    "state",
    "attempts",
    "created_at",
    "next_attempt_at",
    "last_error",
]
_jitter = random.SystemRandom()


def statements_url(destination: Destination) -> str:
    """The destination's statements resource: its endpoint (the LRS's base, e.g.
    ``https://lrs.example/xapi/``) + ``statements``."""
    return destination.endpoint.rstrip("/") + "/statements"


def enqueue(statements: Sequence[Statement]) -> int:
    """The outbox rows of ``statements``, in the caller's transaction. The active destinations
    and their schools are read as plain values in one query: this runs in every event that
    records a statement, and the model instances with ``prefetch_related`` cost a quiz hand-in
    more than the rows it writes."""
    if not statements:
        return 0
    found: dict[int, tuple[set[str], str, set[int]]] = {}
    for pk, verbs, mode, school in Destination.objects.filter(is_active=True).values_list(
        "pk", "verbs", "mode", "schools"
    ):
        _verbs, _mode, schools = found.setdefault(pk, (set(verbs or []), mode, set()))
        if school is not None:
            schools.add(school)
    now = timezone.now()
    deliveries = []
    realtime = set()
    for pk, (verbs, mode, schools) in found.items():
        for statement in statements:
            if verbs and statement.verb not in verbs:
                continue
            if schools and statement.school_id not in schools:
                continue
            deliveries.append((pk, statement.pk, Pending, 0, now, now, ""))
            if mode == Destination.Mode.REALTIME:
                realtime.add(pk)
    insert_rows(Delivery, DELIVERY_FIELDS, deliveries)
    for pk in sorted(realtime):
        schedule_send(pk)
    return len(deliveries)


def schedule_send(destination_id: int) -> None:
    """Have the destination's due statements sent ``XAPI_FORWARD_DELAY_SECONDS`` after the current
    transaction commits: one send per destination however many statements were stored
    meanwhile (the cache remembers one is scheduled; the minute's sweep sends any left)."""
    from . import tasks

    transaction.on_commit(lambda: tasks.send_soon(destination_id))


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed send: doubling from ``BACKOFF_FIRST``,
    capped at ``BACKOFF_CAP``, a random half to whole of it (jitter: the retries of many rows
    and installations do not come back at the same moment)."""
    ceiling = min(BACKOFF_CAP, BACKOFF_FIRST * 2 ** max(attempts - 1, 0))
    return ceiling * (0.5 + _jitter.random() / 2)


@dataclass
class BatchResult:
    """What one ``send_batch`` did: rows claimed, sent, to be retried, failed; the last answer."""

    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    status: int | None = None
    error: str = ""


def _claim(destination: Destination, now: datetime) -> list[int]:
    with transaction.atomic():
        due = Delivery.objects.filter(
            destination=destination, state=Pending, next_attempt_at__lte=now
        ).order_by("pk")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("pk", flat=True)[: max(destination.batch_size, 1)])
        if ids:
            Delivery.objects.filter(pk__in=ids).update(next_attempt_at=now + LEASE)
    return ids


def _post(destination: Destination, body: list[dict[str, Any]]) -> tuple[int | None, str]:
    """POST the statements; the answer's status (None: no answer) and text."""
    auth = (
        (destination.username, destination.password)
        if destination.username or destination.password
        else None
    )
    try:
        response = httpx.post(
            statements_url(destination),
            json=body,
            headers={"X-Experience-API-Version": XAPI_VERSION},
            auth=auth,
            timeout=TIMEOUT,
        )
    except httpx.HTTPError as error:
        return None, f"{type(error).__name__}: {error}"[:ERROR_LENGTH]
    text = response.text.strip()
    return response.status_code, f"HTTP {response.status_code}: {text}"[:ERROR_LENGTH]


def _mark_sent(ids: list[int], now: datetime) -> None:
    Delivery.objects.filter(pk__in=ids, state=Pending).update(
        state=Delivery.State.SENT,
        sent_at=now,
        next_attempt_at=now,
        last_error="",
        attempts=F("attempts") + 1,
    )


def _mark_not_sent(ids: list[int], error: str, now: datetime, *, final: bool) -> tuple[int, int]:
    """Count an attempt: the rows wait their backoff, or are failed (``final``, or out of
    attempts). How many wait, how many failed."""
    limit = settings.XAPI_FORWARD_MAX_ATTEMPTS
    waiting = failed = 0
    with transaction.atomic():
        rows = list(Delivery.objects.select_for_update().filter(pk__in=ids, state=Pending))
        for delivery in rows:
            delivery.attempts += 1
            delivery.last_error = error
            if final or delivery.attempts >= limit:
                delivery.state = Delivery.State.FAILED
                delivery.next_attempt_at = now
                failed += 1
            else:
                delivery.next_attempt_at = now + backoff(delivery.attempts)
                waiting += 1
        Delivery.objects.bulk_update(rows, ["attempts", "last_error", "state", "next_attempt_at"])
    return waiting, failed


def _send(destination: Destination, ids: list[int], result: BatchResult, now: datetime) -> None:
    """Send these claimed rows as one POST and write the outcome; split on a refusal."""
    # Two reads, not a join: at 5 million statements PostgreSQL answered the join by reading
    # the whole statement table (7 GB, 10-13 s a batch; bench/xapi, pg_stat_statements), while
    # the statements' primary key finds a batch's few hundred at once.
    numbers = dict(Delivery.objects.filter(pk__in=ids).values_list("pk", "statement_id"))
    full = dict(
        Statement.objects.filter(number__in=set(numbers.values())).values_list("number", "full")
    )
    body = [full[numbers[pk]] for pk in ids if numbers.get(pk) in full]
    status, text = _post(destination, body)
    result.status, result.error = status, ("" if status is not None and status < 300 else text)
    if status is not None and 200 <= status < 300:
        _mark_sent(ids, now)
        result.sent += len(ids)
        outcome = ForwardBatch.Outcome.SENT
    elif status in REFUSED and len(ids) > 1:
        ForwardBatch.objects.create(
            destination=destination,
            started_at=now,
            statements=len(ids),
            outcome=ForwardBatch.Outcome.RETRY,
            status=status,
            error=text,
        )
        half = len(ids) // 2
        _send(destination, ids[:half], result, now)
        _send(destination, ids[half:], result, now)
        return
    else:
        waiting, failed = _mark_not_sent(ids, text, now, final=status in REFUSED)
        result.retrying += waiting
        result.failed += failed
        outcome = ForwardBatch.Outcome.RETRY if waiting else ForwardBatch.Outcome.FAILED
        log.warning("xapi: %s statement(s) to %s not sent: %s", len(ids), destination, text)
    ForwardBatch.objects.create(
        destination=destination,
        started_at=now,
        statements=len(ids),
        outcome=outcome,
        status=status,
        error="" if outcome == ForwardBatch.Outcome.SENT else text,
    )


def send_batch(destination: Destination, *, now: datetime | None = None) -> BatchResult:
    """Send up to ``batch_size`` of the destination's due statements, oldest first, as one POST
    (see the module's docstring). An inactive destination sends nothing."""
    result = BatchResult()
    if not destination.is_active:
        return result
    now = now or timezone.now()
    ids = _claim(destination, now)
    result.claimed = len(ids)
    if ids:
        # What the answer is measured from: the send's start (backoff, sent_at, the batch).
        _send(destination, ids, result, now)
    return result


def send_all(destination: Destination, *, limit: int = 1000) -> BatchResult:
    """Send the destination's due statements in batches until none is due or a batch was not
    accepted (the rest then waits its backoff); at most ``limit`` batches. The totals."""
    total = BatchResult()
    for _batch in range(limit):
        result = send_batch(destination)
        total.claimed += result.claimed
        total.sent += result.sent
        total.retrying += result.retrying
        total.failed += result.failed
        if result.status is not None or result.error:
            total.status, total.error = result.status, result.error
        if not result.claimed or result.retrying:
            break
    return total


#: How long the office's pages keep the batches sent, and the outbox the statements it sent
#: (``prune_sent``, every night): a sent row is needed only to show the office what went out.
SENT_KEPT = timedelta(days=30)


def prune_sent() -> int:
    """Forget the batches and the outbox's sent rows older than ``SENT_KEPT`` (the statements
    stay in the store, and nothing pending or failed is touched); how many rows went.

    Without it the outbox grows by a row per statement and destination for ever (five million a
    year for a city), and every office page that counts it slows with it."""
    before = timezone.now() - SENT_KEPT
    batches, _by_model = ForwardBatch.objects.filter(started_at__lt=before).delete()
    sent_rows = Delivery.objects.filter(state=Delivery.State.SENT, sent_at__lt=before)
    sent, _by_model = sent_rows.delete()
    return batches + sent


def due_destinations(mode: str, *, retries_only: bool = False) -> list[Destination]:
    """Active destinations of this mode with a statement due now (``retries_only``: one already
    tried, waiting out its backoff)."""
    due = Delivery.objects.filter(state=Pending, next_attempt_at__lte=timezone.now())
    if retries_only:
        due = due.filter(attempts__gt=0)
    return list(
        Destination.objects.filter(is_active=True, mode=mode, pk__in=due.values("destination"))
    )


# --- The office's commands and figures (views.office) -------------------------------------------


@dataclass(frozen=True)
class DestinationDetails:
    """What the office's form says about an outside LRS (``password`` None: keep the old one)."""

    name: str
    endpoint: str
    username: str
    password: str | None
    verbs: list[str]
    schools: list[Any]
    mode: str
    batch_size: int


def _check_details(details: DestinationDetails) -> None:
    if urlsplit(details.endpoint).scheme not in ("http", "https"):
        raise ValidationError(_("An outside LRS's address starts with http:// or https://."))
    unknown = set(details.verbs) - {verb.id for verb in VERBS.values()}
    if unknown:
        raise ValidationError(_("Unknown verbs: %(verbs)s") % {"verbs": ", ".join(unknown)})
    if not 1 <= details.batch_size <= MAX_BATCH:
        raise ValidationError(
            _("A batch has between 1 and %(most)d statements.") % {"most": MAX_BATCH}
        )


def _apply(destination: Destination, details: DestinationDetails) -> None:
    destination.name = details.name
    destination.endpoint = details.endpoint
    destination.username = details.username
    if details.password is not None:
        destination.password = details.password
    destination.verbs = sorted(details.verbs)
    destination.mode = details.mode
    destination.batch_size = details.batch_size


def create_destination(by: Any, details: DestinationDetails) -> Destination:
    """Register an outside LRS: the statements stored from now on that pass its filters are
    forwarded to it (those stored before are not)."""
    require_capability(by, "xapi.manage")
    _check_details(details)
    destination = Destination()
    _apply(destination, details)
    destination.password = details.password or ""
    with transaction.atomic():
        destination.save()
        destination.schools.set(details.schools)
    return destination


def update_destination(by: Any, destination: Destination, details: DestinationDetails) -> None:
    """Change an outside LRS (a blank secret keeps the old one); the new filters apply to the
    statements stored from now on."""
    require_capability(by, "xapi.manage")
    _check_details(details)
    _apply(destination, details)
    with transaction.atomic():
        destination.save()
        destination.schools.set(details.schools)


def set_destination_active(by: Any, destination: Destination, active: bool) -> None:
    """Deactivate (nothing is queued for it nor sent; its pending statements wait) or activate
    it again (what waited is sent, by the sweep or at night)."""
    require_capability(by, "xapi.manage")
    destination.is_active = active
    destination.save(update_fields=["is_active"])
    if active and destination.mode == Destination.Mode.REALTIME:
        schedule_send(destination.pk)


def retry_failed(by: Any, destination: Destination) -> int:
    """Put the destination's failed statements back in the outbox, due now, their attempts
    counted from zero; how many. They are sent in a few seconds (near real time) or at night."""
    require_capability(by, "xapi.manage")
    with transaction.atomic():
        count = Delivery.objects.filter(
            destination=destination, state=Delivery.State.FAILED
        ).update(state=Pending, attempts=0, next_attempt_at=timezone.now(), last_error="")
        if count and destination.is_active and destination.mode == Destination.Mode.REALTIME:
            schedule_send(destination.pk)
    return count


def send_now(by: Any, destination: Destination) -> int:
    """Make every pending statement of the destination due now and have them sent at once (in
    the background); how many are pending."""
    require_capability(by, "xapi.manage")
    if not destination.is_active:
        raise ValidationError(_("An inactive outside LRS is sent nothing: activate it first."))
    from . import tasks

    with transaction.atomic():
        count = Delivery.objects.filter(destination=destination, state=Pending).update(
            next_attempt_at=timezone.now()
        )
        transaction.on_commit(lambda: tasks.send_destination_task(destination.pk))
    return count


def with_outbox_figures(destinations: QuerySet[Destination]) -> QuerySet[Destination]:
    """Each destination with ``pending``, ``sent``, ``failed`` and ``oldest_pending`` (the
    creation time of its oldest pending statement: the outbox's lag is now minus that)."""
    state = Delivery.State
    return destinations.annotate(
        pending=Count("deliveries", filter=Q(deliveries__state=state.PENDING)),
        sent=Count("deliveries", filter=Q(deliveries__state=state.SENT)),
        failed=Count("deliveries", filter=Q(deliveries__state=state.FAILED)),
        oldest_pending=Min("deliveries__created_at", filter=Q(deliveries__state=state.PENDING)),
    )
