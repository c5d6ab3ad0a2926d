"""The demo outside LRS under ``/demo-lrs/``: a small receiving LRS served by the installation
itself, so that in ``make run`` the office sees statements flowing to an outside LRS (the demo
data registers it as a near-real-time destination at SITE_URL; ``forwarding`` sends to it over
HTTP as to any other).

It is a real receiver of xAPI 1.0.3's statements resource, as far as forwarding needs one:
``POST /demo-lrs/xapi/statements`` (one statement or a list), ``PUT ?statementId=``, ``GET``
(one by ``statementId``, or the latest ones with ``X-Total-Count``), ``GET …/about``; the
version header and HTTP Basic with its own key and secret (``credentials``). It keeps what it
receives in its own table (``DemoReceived``), one row per statement id: an identical statement
sent again is stored once (its ``times`` counted) and answered as stored; the same id with other
content is a 409 Conflict, and the whole batch is refused. ``stored`` and ``authority`` are its
own, as any LRS's (they and ``version`` are left out when comparing, as the specification says).

Its page (``/demo-lrs/``) shows what it received, to the office (``xapi.manage``): the records it
holds are the city's, pseudonymous as they are.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.views.decorators.csrf import csrf_exempt

from openclass.accounts.capabilities import require_capability
from openclass.accounts.models import AuthenticatedRequest

from .models import DemoReceived

KEY = "demo-lrs"
#: What the LRS sets itself: left out when comparing two statements with the same id.
ASSIGNED = ("stored", "authority", "version")
LIST_LIMIT = 100
PAGE_SIZE = 50


def secret() -> str:
    """The demo LRS's secret, derived from the installation's SECRET_KEY."""
    return salted_hmac("openclass.xapi.demo_lrs", "secret", algorithm="sha256").hexdigest()


def credentials() -> tuple[str, str]:
    return KEY, secret()


def _answer(status: int, message: str = "") -> HttpResponse:
    response = (
        JsonResponse({"error": message}, status=status) if message else HttpResponse(status=status)
    )
    response["X-Experience-API-Version"] = "1.0.3"
    return response


def _authorised(request: HttpRequest) -> bool:
    kind, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if kind.lower() != "basic":
        return False
    try:
        user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return constant_time_compare(user, KEY) and constant_time_compare(password, secret())


def _comparable(statement: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in statement.items() if name not in ASSIGNED}


class Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _check(statement: Any) -> str:
    """A statement's id (assigned when missing), or Refused(400)."""
    if not isinstance(statement, dict):
        raise Refused(400, "a statement is a JSON object")
    for name in ("actor", "verb", "object"):
        if not isinstance(statement.get(name), dict):
            raise Refused(400, f"a statement needs an '{name}' object")
    if "id" not in statement:
        statement["id"] = str(uuid.uuid4())
    try:
        return str(uuid.UUID(str(statement["id"])))
    except ValueError as bad:
        raise Refused(400, "a statement's id is a UUID") from bad


def store(statements: list[Any]) -> list[str]:
    """Store a batch as one unit: every id, or Refused (nothing stored)."""
    batch: dict[str, dict[str, Any]] = {}
    for statement in statements:
        statement_id = _check(statement)
        if statement_id in batch and _comparable(batch[statement_id]) != _comparable(statement):
            raise Refused(400, f"statement {statement_id} twice, different, in one batch")
        batch[statement_id] = statement
    try:
        _store_new(batch)
    except IntegrityError:
        # Another request stored one of these ids meanwhile: now it is known, and compared.
        _store_new(batch)
    return [str(uuid.UUID(str(statement["id"]))) for statement in statements]


def _store_new(batch: dict[str, dict[str, Any]]) -> None:
    now = timezone.now()
    with transaction.atomic():
        known = {
            str(row.statement_id): row
            for row in DemoReceived.objects.select_for_update().filter(statement_id__in=batch)
        }
        for statement_id, statement in batch.items():
            row = known.get(statement_id)
            if row is not None:
                if _comparable(row.statement) != _comparable(statement):
                    raise Refused(409, f"statement {statement_id} exists with other content")
                row.times += 1
                row.save(update_fields=["times"])
                continue
            kept = dict(statement)
            kept["stored"] = now.isoformat()
            kept["authority"] = {
                "objectType": "Agent",
                "account": {"homePage": "urn:openclass:demo-lrs", "name": KEY},
            }
            kept["version"] = "1.0.3"
            DemoReceived.objects.create(
                statement_id=uuid.UUID(statement_id), statement=kept, received_at=now
            )


def _body(request: HttpRequest) -> Any:
    try:
        return json.loads(request.body)
    except (ValueError, UnicodeDecodeError) as bad:
        raise Refused(400, "the body is not JSON") from bad


@csrf_exempt
def statements(request: HttpRequest) -> HttpResponse:
    """The demo LRS's statements resource (see the module's docstring)."""
    if not _authorised(request):
        response = _answer(401, "HTTP Basic credentials are required")
        response["WWW-Authenticate"] = 'Basic realm="demo-lrs"'
        return response
    if not request.headers.get("X-Experience-API-Version", "").startswith("1.0"):
        return _answer(400, "X-Experience-API-Version 1.0.x is required")
    try:
        if request.method == "POST":
            data = _body(request)
            ids = store(data if isinstance(data, list) else [data])
            response = JsonResponse(ids, safe=False)
            response["X-Experience-API-Version"] = "1.0.3"
            return response
        if request.method == "PUT":
            wanted = request.GET.get("statementId", "")
            data = _body(request)
            if not isinstance(data, dict):
                raise Refused(400, "PUT takes one statement")
            data.setdefault("id", wanted)
            if str(data["id"]) != wanted:
                raise Refused(400, "the statement's id is not statementId")
            store([data])
            return _answer(204)
        if request.method == "GET":
            return _get(request)
    except Refused as refused:
        return _answer(refused.status, refused.message)
    return _answer(405, "GET, PUT or POST")


def _get(request: HttpRequest) -> HttpResponse:
    wanted = request.GET.get("statementId")
    if wanted is not None:
        try:
            row = DemoReceived.objects.filter(statement_id=uuid.UUID(wanted)).first()
        except ValueError:
            return _answer(400, "statementId is a UUID")
        if row is None:
            return _answer(404, "no such statement")
        response = JsonResponse(row.statement)
    else:
        rows = DemoReceived.objects.order_by("-received_at", "-pk")[:LIST_LIMIT]
        response = JsonResponse({"statements": [row.statement for row in rows], "more": ""})
        response["X-Total-Count"] = str(DemoReceived.objects.count())
    response["X-Experience-API-Version"] = "1.0.3"
    return response


def about(request: HttpRequest) -> HttpResponse:
    response = JsonResponse({"version": ["1.0.3"]})
    response["X-Experience-API-Version"] = "1.0.3"
    return response


@login_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    """What the demo LRS received, newest first (the office's)."""
    require_capability(request.user, "xapi.manage")
    rows = DemoReceived.objects.order_by("-received_at", "-pk")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    received = [
        {
            "row": row,
            "verb": _display(row.statement.get("verb", {})),
            "object": _display(row.statement.get("object", {}).get("definition", {}), "name")
            or row.statement.get("object", {}).get("id", ""),
        }
        for row in page
    ]
    totals = DemoReceived.objects.aggregate(times=Sum("times"))
    return render(
        request,
        "xapi/demo_lrs.html",
        {
            "page": page,
            "received": received,
            "count": page.paginator.count,
            "resent": (totals["times"] or 0) - page.paginator.count,
            "endpoint": request.build_absolute_uri("/demo-lrs/xapi/"),
        },
    )


def _display(part: dict[str, Any], name: str = "display") -> str:
    words = part.get(name) or {}
    if not isinstance(words, dict):
        return ""
    return str(words.get("ko-KR") or words.get("en-US") or next(iter(words.values()), ""))
