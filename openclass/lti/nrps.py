"""Names and Role Provisioning Services 2.0, the platform's side: a course's members as a tool
may see them (``/lti/nrps/<course>/memberships``,
``application/vnd.ims.lti-nrps.v2.membershipcontainer+json``).

Who is listed: the course's students (enrolled, active accounts) as ``Learner`` and its
teachers (its owner and the teachers and instructors it names, active) as ``Instructor`` —
nobody else: not the office or school admins who may manage every course, not a student of the
same class who is not enrolled, not another course's members. Each member is
``user_id`` = the person's ``sub`` at this tool (``Tool.subject``, the launch's ``sub``),
``status`` Active and ``roles``; ``name``, ``given_name``, ``family_name`` only when the tool
may receive names, ``email`` only when it may receive e-mail and never for a student under 14
(``claims.person_claims``, the launch's rule).

Who may ask: a tool with the ``contextmembership.readonly`` scope (granted with
``may_read_members``) and a resource link in the course (``ags.course_for``: 403 otherwise).
``role`` filters (a full LIS role URI or its short name, ``Learner``, ``Instructor``); ``rlid``
(a resource link of the tool in the course) lists the same members: every member of the course
reaches every lesson; ``limit`` and ``page`` page through, with ``Link: rel="next"``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from openclass.accounts.models import User
from openclass.courses.models import Course, Enrolment

from . import claims
from .ags import DEFAULT_LIMIT, MAX_LIMIT, Page
from .models import ResourceLink
from .token import NRPS_MEMBERS, Caller, TokenError

MEMBERSHIP_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
ROLES = {
    "learner": claims.LEARNER,
    claims.LEARNER.lower(): claims.LEARNER,
    "instructor": claims.INSTRUCTOR,
    claims.INSTRUCTOR.lower(): claims.INSTRUCTOR,
}


def _members(course: Course) -> list[tuple[User, list[str]]]:
    """(person, roles) of the course's members, teachers first, then students by pk."""
    related = ("organisation__parent__parent",)
    teachers = {
        user.pk: user
        for user in User.objects.filter(is_active=True)
        .filter(pk__in=[course.owner_id, *course.teachers.values_list("pk", flat=True)])
        .select_related(*related)
        .order_by("pk")
    }
    students = [
        enrolment.student
        for enrolment in Enrolment.objects.filter(course=course, student__is_active=True)
        .select_related(*[f"student__{path}" for path in related])
        .order_by("student_id")
    ]
    members: dict[int, tuple[User, list[str]]] = {
        pk: (user, [claims.INSTRUCTOR]) for pk, user in teachers.items()
    }
    for student in students:
        if student.pk in members:
            members[student.pk][1].append(claims.LEARNER)
        else:
            members[student.pk] = (student, [claims.LEARNER])
    return list(members.values())


def _page_params(params: Any) -> tuple[int, int]:
    try:
        limit = int(params.get("limit") or DEFAULT_LIMIT)
        page = int(params.get("page") or 1)
    except ValueError as error:
        raise TokenError("invalid_request", "limit and page are numbers.") from error
    if limit < 1 or page < 1:
        raise TokenError("invalid_request", "limit and page are numbers above 0.")
    return min(limit, MAX_LIMIT), page


def memberships(caller: Caller, course: Course, params: Any) -> tuple[dict[str, Any], Page]:
    """The membership container's head (id, context) and one page of its members."""
    if not caller.has(NRPS_MEMBERS):
        raise TokenError("insufficient_scope", "The access token lacks the scope needed.", 403)
    limit, page = _page_params(params)
    role = (params.get("role") or "").strip()
    wanted = ROLES.get(role.lower()) if role else None
    if role and wanted is None:
        wanted = role  # a role nobody here has: an empty list, as the spec asks
    rlid = (params.get("rlid") or "").strip()
    if rlid:
        links = ResourceLink.objects.filter(tool=caller.tool, lesson__section__course=course)
        if rlid not in {str(link.resource_link_id) for link in links}:
            raise TokenError("invalid_request", "rlid is not a resource link of this course.")
    tool = caller.tool
    everyone = [
        (user, roles) for user, roles in _members(course) if wanted is None or wanted in roles
    ]
    start = (page - 1) * limit
    chosen = everyone[start : start + limit]
    members = []
    for user, roles in chosen:
        member: dict[str, Any] = {
            "status": "Active",
            "user_id": tool.subject(user.pk),
            "roles": roles,
        }
        member.update(claims.person_claims(tool, user))
        members.append(member)
    base = claims.absolute(reverse("lti:nrps_memberships", kwargs={"course_id": course.pk}))
    head = {
        "id": base,
        "context": {"id": str(course.pk), "label": course.title[:60], "title": course.title},
        "members": members,
    }
    next_url = None
    if start + limit < len(everyone):
        query = {"role": role, "rlid": rlid, "limit": str(limit), "page": str(page + 1)}
        next_url = f"{base}?{urlencode({k: v for k, v in query.items() if v})}"
    return head, Page(members, next_url)
