"""Live classes: the schedule (the live sessions on the timelines of the courses the caller may
open, as the timeline page lists them, with whether the caller may enter each: the
``live.join`` rule the classroom page asks) and the attendance of one session, for whom the
class's attendance page opens (its hosts: ``live.access.require_host_of``, a 403 to others who
may see the course, a 404 to those who may not).
"""

from __future__ import annotations

import datetime
from typing import Any

from ninja import Router, Schema

from openclass.accounts.capabilities import has_capability
from openclass.courses import access
from openclass.courses.models import Session
from openclass.courses.services import reports
from openclass.live import access as live_access
from openclass.live import selectors
from openclass.live.models import LiveRoom
from openclass.privacy.models import AccessRecord

from ..framework import (
    ApiRequest,
    Page,
    audit_read,
    get_visible_or_404,
    paginate,
    require_scope,
    since,
)
from .courses import Clock, clock

router = Router(tags=["live"])


class LiveSessionOut(Schema):
    id: int
    course_id: int
    course: str
    title: str
    day: datetime.date
    starts_at: Clock | None
    ends_at: Clock | None
    status: str
    may_join: bool
    updated_at: datetime.datetime


def _session(request: ApiRequest, session: Any) -> dict[str, Any]:
    return {
        "id": session.pk,
        "course_id": session.course_id,
        "course": session.course.title,
        "title": session.shown_title,
        "day": session.day,
        "starts_at": clock(session.starts_at),
        "ends_at": clock(session.ends_at),
        "status": session.room_status or LiveRoom.Status.SCHEDULED,
        "may_join": has_capability(request.user, "live.join", session),
        "updated_at": session.changed_at,
    }


def _schedule(request: ApiRequest) -> Any:
    return selectors.live_schedule(access.visible_courses(request.user))


@router.get(
    "/live/sessions", response=Page[LiveSessionOut], summary="Live classes of the caller's courses"
)
def live_sessions(
    request: ApiRequest,
    cursor: str | None = None,
    limit: int = 50,
    updated_since: datetime.datetime | None = None,
    day_from: datetime.date | None = None,
    day_to: datetime.date | None = None,
) -> dict[str, Any]:
    """The live sessions of the courses the caller may open; ``day_from``/``day_to`` narrow
    them to days. ``updated_at`` is the later of the session's and its classroom's last change
    (a class that starts or ends comes again in a sync)."""
    require_scope(request, "live")
    rows = since(_schedule(request), updated_since, field="changed_at")
    if day_from is not None:
        rows = rows.filter(day__gte=day_from)
    if day_to is not None:
        rows = rows.filter(day__lte=day_to)
    order = ("changed_at", "pk") if updated_since else ("day", "pk")
    page = paginate(request, rows, cursor=cursor, limit=limit, order=order)
    page["items"] = [_session(request, session) for session in page["items"]]
    return page


@router.get("/live/sessions/{id:pk}", response=LiveSessionOut, summary="One live class")
def live_session(request: ApiRequest, pk: int) -> dict[str, Any]:
    require_scope(request, "live")
    return _session(request, get_visible_or_404(_schedule(request), pk))


class LiveMarkOut(Schema):
    student_id: int
    student_name: str
    status: str | None
    corrected: bool


@router.get(
    "/live/sessions/{id:pk}/attendance",
    response=list[LiveMarkOut],
    summary="The attendance of one live class, for its teachers",
)
def live_session_attendance(request: ApiRequest, pk: int) -> list[dict[str, Any]]:
    """Each student's mark for the class as the course's attendance grid has it (null: not
    decided yet); for the course's hosts only, as the class's attendance page."""
    require_scope(request, "live")
    user = request.user
    session: Session = get_visible_or_404(_schedule(request), pk)
    live_access.require_host_of(user, session)
    grid = reports.course_grid(user, session.course)
    marks = []
    for row in grid.rows:
        cell = next((c for c in row.cells if c.session.pk == session.pk), None)
        marks.append(
            {
                "student_id": row.student.pk,
                "student_name": row.student.name,
                "status": cell.status if cell is not None else None,
                "corrected": cell.corrected if cell is not None else False,
            }
        )
    audit_read(
        request,
        AccessRecord.What.ATTENDANCE,
        [row.student for row in grid.rows],
        session.course,
        course=session.course,
    )
    return marks
