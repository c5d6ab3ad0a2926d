"""``Idempotency-Key`` on POST: a client that lost the answer sends the request again with the
same key and gets the first answer back, the work done once. The answer is kept with the key,
the caller and a digest of the request for a day; the same key with another request is a 422."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from .framework import ApiError, Caller
from .models import IdempotencyRecord

HEADER = "Idempotency-Key"
KEEP = timedelta(hours=24)
_PENDING = "_openclass_idempotency"


class Replay(Exception):
    """The request was answered before: send the stored answer."""

    def __init__(self, record: IdempotencyRecord) -> None:
        super().__init__(record.key)
        self.record = record


def _digest(request: HttpRequest) -> str:
    hashed = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    hashed.update(request.body)
    return hashed.hexdigest()


def begin(request: HttpRequest, caller: Caller) -> None:
    """Before a POST runs: replay a stored answer, refuse a reused key, or note the key so that
    ``finish`` keeps the answer."""
    if request.method != "POST":
        return
    key = request.headers.get(HEADER)
    if key is None:
        return
    key = key.strip()
    if not key or len(key) > 255:
        raise ApiError(
            400, _("An Idempotency-Key is 1 to 255 characters."), code="bad-idempotency-key"
        )
    body_digest = _digest(request)
    found = IdempotencyRecord.objects.filter(caller=caller.key, key=key).first()
    if found is not None and found.created_at < timezone.now() - KEEP:
        found.delete()
        found = None
    if found is not None:
        if found.body_digest != body_digest:
            raise ApiError(
                422,
                _("This Idempotency-Key was used with another request; use a new key."),
                code="idempotency-key-reused",
            )
        raise Replay(found)
    setattr(request, _PENDING, (caller.key, key, body_digest))


def replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(
        bytes(record.body), status=record.status, content_type=record.content_type
    )
    response["Idempotent-Replayed"] = "true"
    return response


def finish(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Keep the answer of a POST that carried a key (not a server error: that may be tried
    again)."""
    pending = getattr(request, _PENDING, None)
    if pending is None or response.status_code >= 500 or response.streaming:
        return response
    delattr(request, _PENDING)
    caller_key, key, body_digest = pending
    try:
        with transaction.atomic():
            IdempotencyRecord.objects.create(
                key=key,
                caller=caller_key,
                method=request.method or "POST",
                path=request.path[:255],
                body_digest=body_digest,
                status=response.status_code,
                content_type=response.get("Content-Type", "application/json"),
                body=response.content,
            )
    except IntegrityError:  # the same key sent twice at once: the first one's answer stands
        pass
    return response


def prune() -> int:
    """Forget the answers older than a day; how many."""
    deleted, _counts = IdempotencyRecord.objects.filter(
        created_at__lt=timezone.now() - KEEP
    ).delete()
    return deleted
