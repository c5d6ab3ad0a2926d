"""The caller's own notifications (nobody else's are ever reachable:
``notifications.services.list_own``), and marking them read (a POST: send an
``Idempotency-Key`` to repeat it safely)."""

from __future__ import annotations

import datetime
from typing import Any

from ninja import Field, Router, Schema

from openclass.notifications import services

from ..framework import ApiRequest, Page, paginate, require_scope, since
from .courses import Id

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    subject: str
    body: str
    url: str
    created_at: datetime.datetime
    read_at: datetime.datetime | None
    updated_at: datetime.datetime


@router.get("/notifications", response=Page[NotificationOut], summary="The caller's notifications")
def notifications_list(
    request: ApiRequest,
    cursor: str | None = None,
    limit: int = 50,
    updated_since: datetime.datetime | None = None,
    unread: bool = False,
) -> dict[str, Any]:
    """Oldest first (or in the order they changed, with ``updated_since``); ``unread=true``
    lists only those not read yet."""
    require_scope(request, "notifications")
    user = request.user
    rows = services.list_unread(user) if unread else services.list_own(user)
    order = ("updated_at", "pk") if updated_since else ("pk",)
    return paginate(request, since(rows, updated_since), cursor=cursor, limit=limit, order=order)


class MarkReadIn(Schema):
    #: The notifications to mark read; null marks every unread one. Others' ids are ignored.
    ids: list[Id] | None = Field(None, max_length=1000)


class MarkReadOut(Schema):
    marked: int


@router.post(
    "/notifications/read", response=MarkReadOut, summary="Mark the caller's notifications read"
)
def notifications_mark_read(request: ApiRequest, payload: MarkReadIn) -> dict[str, int]:
    require_scope(request, "notifications")
    return {"marked": services.mark_read(request.user, payload.ids)}
