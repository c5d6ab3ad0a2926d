"""Assignment and Grade Services 2.0, the platform's side: a tool's line items in a course and
the scores it posts, which land in the gradebook (``assessments.services.outside``).

Endpoints (``views.services``; the launch's AGS claim names them, ``claims.service_claims``):

- ``/lti/ags/<course>/lineitems``: GET the tool's line items of the course (filters
  ``resource_link_id``, ``resource_id``, ``tag``; ``limit`` and ``page``, a ``Link: rel="next"``
  while more follow), POST a new one (``label``, ``scoreMaximum``, ``resourceId``, ``tag``,
  ``resourceLinkId``, ``startDateTime``, ``endDateTime``) — an ``OutsideItem`` of the course;
- ``/lti/ags/<course>/lineitems/<item>``: GET, PUT, DELETE one;
- ``…/<item>/scores``: POST a score (``application/vnd.ims.lis.v1.score+json``);
- ``…/<item>/results``: GET the results (``application/vnd.ims.lis.v2.resultcontainer+json``,
  ``user_id`` filter, ``limit`` and ``page``).

Who reaches what: a tool with a valid access token (``token.authenticate``) reaches a course only
where one of its lessons is (a ``ResourceLink`` of the tool in the course: otherwise 403), sees
and changes only the line items it made (``OutsideItem.source_key``; another tool's are 404), and
each operation needs its scope (reading: ``lineitem`` or ``lineitem.readonly``; changing
items: ``lineitem``; scores: ``score``; results: ``result.readonly``; otherwise 403).

A score's ``userId`` is the student's ``sub`` at this tool (``Tool.subject``, as in the
launch): it is mapped back among the students enrolled in the course; anyone else is refused
(400). An accepted fully graded score is an xAPI ``scored`` statement (raw, min, max, scaled;
``completion`` when the tool says the activity is completed), and a score whose activity became
``Completed`` also a ``completed`` one, in the score's transaction; the statement's activity is
the tool lesson the line item belongs to (the launch's ``launched`` statement's), or the line
item itself when it belongs to none. That first ``Completed`` also completes the tool lesson for
the student (``courses``' completion, attendance and course completion follow), since a tool
that may post scores is not completed by the launch alone. A score older than the one kept is
ignored (200, nothing recorded).
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.dateparse import parse_datetime

from openclass.assessments.models import OutsideItem, OutsideScore
from openclass.assessments.services import outside
from openclass.courses.models import Course, Enrolment, Lesson
from openclass.courses.services import courses as course_services
from openclass.xapi import services as xapi

from . import claims
from .models import ResourceLink, Tool
from .token import (
    AGS_LINEITEM,
    AGS_LINEITEM_READ,
    AGS_RESULT_READ,
    AGS_SCORE,
    Caller,
    TokenError,
)

LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
CONTAINER_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
RESULTS_TYPE = "application/vnd.ims.lis.v2.resultcontainer+json"
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_BODY = 64 * 1024


def source_key(tool: Tool) -> str:
    """What an ``OutsideItem`` made by ``tool`` carries to say so."""
    return f"lti:{tool.pk}"


# --- Reaching a course and an item -------------------------------------------------------------


def course_for(caller: Caller, course_id: int) -> Course:
    """The course, if the calling tool has a lesson in it (403 otherwise, also for a course that
    does not exist: a tool learns nothing about courses it is not in)."""
    course = Course.objects.filter(pk=course_id).first()
    if (
        course is None
        or not ResourceLink.objects.filter(
            tool=caller.tool, lesson__section__course_id=course_id
        ).exists()
    ):
        raise TokenError("forbidden", "The tool has no resource link in this course.", 403)
    return course


def require_scope(caller: Caller, *any_of: str) -> None:
    if not caller.has(*any_of):
        raise TokenError("insufficient_scope", "The access token lacks the scope needed.", 403)


def items_of(caller: Caller, course: Course) -> QuerySet[OutsideItem]:
    return OutsideItem.objects.filter(course=course, source_key=source_key(caller.tool)).order_by(
        "created_at", "pk"
    )


def item_for(caller: Caller, course: Course, item_id: int) -> OutsideItem:
    item = items_of(caller, course).filter(pk=item_id).first()
    if item is None:
        raise TokenError("not_found", "No such line item.", 404)
    return item


# --- JSON -------------------------------------------------------------------------------------


def item_url(item: OutsideItem) -> str:
    return claims.absolute(
        reverse("lti:ags_lineitem", kwargs={"course_id": item.course_id, "item_id": item.pk})
    )


def _iso(value: datetime.datetime | None) -> str | None:
    return value.astimezone(datetime.UTC).isoformat() if value is not None else None


def _number(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral_value() else float(value)


def item_json(item: OutsideItem) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": item_url(item),
        "label": item.title,
        "scoreMaximum": _number(item.score_maximum),
    }
    for key, value in (
        ("resourceLinkId", item.resource_link_id),
        ("resourceId", item.resource_id),
        ("tag", item.tag),
        ("startDateTime", _iso(item.starts_at)),
        ("endDateTime", _iso(item.ends_at)),
    ):
        if value:
            data[key] = value
    return data


def parse_body(raw: bytes) -> dict[str, Any]:
    if len(raw) > MAX_BODY:
        raise TokenError("invalid_request", "The body is too large.", 413)
    try:
        body = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError) as error:
        raise TokenError("invalid_request", "The body is not JSON.") from error
    if not isinstance(body, dict):
        raise TokenError("invalid_request", "The body must be a JSON object.")
    return body


def _moment(body: dict[str, Any], key: str, *, required: bool = False) -> datetime.datetime | None:
    value = body.get(key)
    if value in (None, ""):
        if required:
            raise TokenError("invalid_request", f"{key} is required.")
        return None
    moment = parse_datetime(value) if isinstance(value, str) else None
    if moment is None or moment.tzinfo is None:
        raise TokenError("invalid_request", f"{key} must be an ISO 8601 time with its offset.")
    return moment


def _text(body: dict[str, Any], key: str) -> str:
    value = body.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TokenError("invalid_request", f"{key} must be a string.")
    return value


def _link_id(caller: Caller, course: Course, body: dict[str, Any]) -> str:
    """A ``resourceLinkId`` must be one of the tool's links in the course."""
    wanted = _text(body, "resourceLinkId")
    if not wanted:
        return ""
    links = ResourceLink.objects.filter(tool=caller.tool, lesson__section__course=course)
    if wanted not in {str(link.resource_link_id) for link in links}:
        raise TokenError("invalid_request", "resourceLinkId is not a resource link of this course.")
    return wanted


def _refused(error: ValidationError) -> TokenError:
    return TokenError("invalid_request", " ".join(error.messages))


# --- Line items -------------------------------------------------------------------------------


def _limit(params: Any) -> tuple[int, int]:
    """``limit`` and ``page`` (1-based) from the query, clamped."""
    try:
        limit = int(params.get("limit") or DEFAULT_LIMIT)
        page = int(params.get("page") or 1)
    except ValueError as error:
        raise TokenError("invalid_request", "limit and page are numbers.") from error
    if limit < 1 or page < 1:
        raise TokenError("invalid_request", "limit and page are numbers above 0.")
    return min(limit, MAX_LIMIT), page


@dataclass
class Page:
    """One page of a container, and the address of the next one (None at the end)."""

    entries: list[dict[str, Any]]
    next_url: str | None


def _next_url(base: str, params: dict[str, str], limit: int, page: int) -> str:
    query = {**{k: v for k, v in params.items() if v}, "limit": str(limit), "page": str(page + 1)}
    return f"{base}?{urlencode(query)}"


def list_items(caller: Caller, course: Course, params: Any) -> Page:
    require_scope(caller, AGS_LINEITEM, AGS_LINEITEM_READ)
    limit, page = _limit(params)
    filters = {
        "resource_link_id": params.get("resource_link_id") or "",
        "resource_id": params.get("resource_id") or "",
        "tag": params.get("tag") or "",
    }
    items = items_of(caller, course)
    for name, value in filters.items():
        if value:
            items = items.filter(**{name: value})
    start = (page - 1) * limit
    found = list(items[start : start + limit + 1])
    more = len(found) > limit
    base = claims.absolute(reverse("lti:ags_lineitems", kwargs={"course_id": course.pk}))
    return Page(
        [item_json(item) for item in found[:limit]],
        _next_url(base, filters, limit, page) if more else None,
    )


@transaction.atomic
def create_item(caller: Caller, course: Course, body: dict[str, Any]) -> OutsideItem:
    require_scope(caller, AGS_LINEITEM)
    label = _text(body, "label")
    if not label.strip():
        raise TokenError("invalid_request", "label is required.")
    if "scoreMaximum" not in body or isinstance(body["scoreMaximum"], bool | str):
        raise TokenError("invalid_request", "scoreMaximum is required, a number above 0.")
    try:
        return outside.create_item(
            course,
            title=label,
            score_maximum=body["scoreMaximum"],
            source=caller.tool.name,
            source_key=source_key(caller.tool),
            resource_link_id=_link_id(caller, course, body),
            resource_id=_text(body, "resourceId"),
            tag=_text(body, "tag"),
            starts_at=_moment(body, "startDateTime"),
            ends_at=_moment(body, "endDateTime"),
        )
    except ValidationError as error:
        raise _refused(error) from error


@transaction.atomic
def update_item(
    caller: Caller, course: Course, item: OutsideItem, body: dict[str, Any]
) -> OutsideItem:
    """PUT: the line item as the body gives it (what it leaves out is cleared, the label and
    scoreMaximum required, as for a new one)."""
    require_scope(caller, AGS_LINEITEM)
    label = _text(body, "label")
    if not label.strip():
        raise TokenError("invalid_request", "label is required.")
    if "scoreMaximum" not in body or isinstance(body["scoreMaximum"], bool | str):
        raise TokenError("invalid_request", "scoreMaximum is required, a number above 0.")
    try:
        return outside.update_item(
            item,
            title=label,
            score_maximum=body["scoreMaximum"],
            resource_link_id=_link_id(caller, course, body),
            resource_id=_text(body, "resourceId"),
            tag=_text(body, "tag"),
            starts_at=_moment(body, "startDateTime"),
            ends_at=_moment(body, "endDateTime"),
        )
    except ValidationError as error:
        raise _refused(error) from error


def delete_item(caller: Caller, item: OutsideItem) -> None:
    require_scope(caller, AGS_LINEITEM)
    outside.delete_item(item)


# --- Scores and results -----------------------------------------------------------------------


def _students_by_subject(tool: Tool, course: Course) -> dict[str, Enrolment]:
    """The course's enrolments by their student's ``sub`` at ``tool``."""
    return {
        tool.subject(enrolment.student_id): enrolment
        for enrolment in Enrolment.objects.filter(course=course).select_related("student")
    }


def _score_number(body: dict[str, Any], key: str) -> object:
    value = body.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise TokenError("invalid_request", f"{key} must be a number.")
    return value


def _lesson_of(item: OutsideItem, course: Course) -> Lesson | None:
    """The tool lesson the item belongs to (its resource link's), if any."""
    if not item.resource_link_id:
        return None
    link = (
        ResourceLink.objects.filter(
            resource_link_id=item.resource_link_id, lesson__section__course=course
        )
        .select_related("lesson")
        .first()
    )
    return link.lesson if link is not None else None


def _activity_of(lesson: Lesson | None, item: OutsideItem) -> xapi.Activity:
    """The tool lesson's activity (the launch's), else the item itself."""
    if lesson is not None:
        return xapi.Activity("tool", lesson.pk, lesson.title)
    return xapi.Activity("tool", f"lineitem-{item.pk}", item.title)


def _score_of(raw: Decimal, maximum: Decimal) -> dict[str, Any]:
    score: dict[str, Any] = {"raw": float(raw), "min": 0, "max": float(maximum)}
    if maximum > 0:
        scaled = max(Decimal(-1), min(Decimal(1), raw / maximum)).quantize(Decimal("0.0001"))
        score["scaled"] = float(scaled)
    return score


def post_score(
    caller: Caller, course: Course, item: OutsideItem, body: dict[str, Any]
) -> OutsideScore | None:
    """Keep a score (see the module's docstring); the score in force, or None when ignored."""
    require_scope(caller, AGS_SCORE)
    user_id = body.get("userId")
    if not isinstance(user_id, str) or not user_id:
        raise TokenError("invalid_request", "userId is required.")
    enrolment = _students_by_subject(caller.tool, course).get(user_id)
    if enrolment is None:
        raise TokenError("invalid_request", "userId is not a student of this course.")
    timestamp = _moment(body, "timestamp", required=True)
    assert timestamp is not None
    activity = _text(body, "activityProgress")
    grading = _text(body, "gradingProgress")
    with transaction.atomic():
        before = OutsideScore.objects.filter(item=item, student_id=enrolment.student_id).first()
        try:
            recorded = outside.record_score(
                item,
                enrolment.student,
                timestamp=timestamp,
                activity_progress=activity,
                grading_progress=grading,
                score_given=_score_number(body, "scoreGiven"),
                score_maximum=_score_number(body, "scoreMaximum"),
                comment=_text(body, "comment"),
            )
        except ValidationError as error:
            raise _refused(error) from error
        if not recorded.changed:
            return None
        score = recorded.score
        where = xapi.Where(
            course=xapi.Activity("course", course.pk, course.title),
            registration=xapi.registration_for(enrolment.pk),
        )
        lesson = _lesson_of(item, course)
        what = _activity_of(lesson, item)
        completed = score.activity_progress == OutsideScore.Activity.COMPLETED
        if score.counts and score.score_given is not None:
            maximum = score.score_maximum or item.score_maximum
            xapi.record(
                enrolment.student,
                "scored",
                what,
                where=where,
                result={"score": _score_of(score.score_given, maximum), "completion": completed},
                timestamp=timestamp,
            )
        was_completed = (
            before is not None and before.activity_progress == OutsideScore.Activity.COMPLETED
        )
        if completed and not was_completed:
            xapi.record(
                enrolment.student,
                "completed",
                what,
                where=where,
                result={"completion": True},
                timestamp=timestamp,
            )
            if lesson is not None:  # the lesson's own completion, as a quiz passed completes it
                course_services.complete_lesson(enrolment.student, lesson)
        return score


def list_results(caller: Caller, course: Course, item: OutsideItem, params: Any) -> Page:
    """The item's results: one per student with a score, on the item's scale."""
    require_scope(caller, AGS_RESULT_READ)
    limit, page = _limit(params)
    by_student = {
        enrolment.student_id: subject
        for subject, enrolment in _students_by_subject(caller.tool, course).items()
    }
    scores = OutsideScore.objects.filter(item=item, student_id__in=list(by_student)).order_by("pk")
    wanted = params.get("user_id") or ""
    if wanted:
        ids = [student for student, subject in by_student.items() if subject == wanted]
        scores = scores.filter(student_id__in=ids)
    start = (page - 1) * limit
    found = list(scores[start : start + limit + 1])
    base = claims.absolute(
        reverse("lti:ags_results", kwargs={"course_id": course.pk, "item_id": item.pk})
    )
    entries = []
    for score in found[:limit]:
        subject = by_student[score.student_id]
        entry: dict[str, Any] = {
            "id": f"{base}?{urlencode({'user_id': subject})}",
            "scoreOf": item_url(item),
            "userId": subject,
            "resultMaximum": _number(item.score_maximum),
        }
        if score.score_given is not None:
            maximum = score.score_maximum or item.score_maximum
            entry["resultScore"] = float(score.score_given * item.score_maximum / maximum)
        if score.comment:
            entry["comment"] = score.comment
        entries.append(entry)
    more = len(found) > limit
    return Page(entries, _next_url(base, {"user_id": wanted}, limit, page) if more else None)


# --- For the launch and deep linking (lti-launch calls these) ----------------------------------


def line_item_for_link(link: ResourceLink) -> int | None:
    """The line item of the lesson's resource link (the oldest, if the tool made several): the
    launch's AGS claim names it as ``lineitem``."""
    found = (
        OutsideItem.objects.filter(
            source_key=source_key(link.tool),
            resource_link_id=str(link.resource_link_id),
            course_id=link.lesson.section.course_id,
        )
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    return found


def create_line_item_for_link(
    link: ResourceLink,
    *,
    label: str,
    score_maximum: object,
    resource_id: str = "",
    tag: str = "",
) -> OutsideItem:
    """A line item for a lesson deep linking made (the item's ``lineItem``): a column of the
    course's gradebook tied to the lesson's resource link."""
    return outside.create_item(
        link.lesson.section.course,
        title=label or link.lesson.title,
        score_maximum=score_maximum,
        source=link.tool.name,
        source_key=source_key(link.tool),
        resource_link_id=str(link.resource_link_id),
        resource_id=resource_id or "",
        tag=tag or "",
    )
