"""People: the roster read (scope ``roster``: whom ``accounts.scoping.visible_users`` lets the
person see, as the people page) and, for school admins and the office, the roster write (scope
``roster.write``: the XLSX import's own service, all or nothing, in one transaction)."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from openclass.accounts import scoping
from openclass.accounts.capabilities import has_capability, require_capability
from openclass.accounts.models import Organisation, User
from openclass.accounts.services import roster

from ..framework import (
    ApiError,
    ApiRequest,
    Page,
    audit_read,
    check_if_match,
    get_visible_or_404,
    paginate,
    require_scope,
    since,
)

router = Router(tags=["people"])
Role = User.Role


class PersonOut(Schema):
    id: int
    username: str
    name: str
    role: str
    organisation_id: int | None
    number: int | None = Field(None, description="A student's number in their class (번호).")
    is_active: bool
    updated_at: datetime


@router.get("/people", response=Page[PersonOut], summary="People (roster)")
def people_list(
    request: ApiRequest,
    organisation: int | None = None,
    role: str | None = None,
    updated_since: datetime | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> dict:
    """Everyone you may see, as the people page lists them: ``organisation`` (one you may
    browse: everyone under it), ``role``; ``updated_since`` for sync."""
    require_scope(request, "roster")
    require_capability(request.user, "people.view")
    rows = scoping.visible_users(request.user)
    if organisation is not None:
        place = get_visible_or_404(scoping.visible_organisations(request.user), organisation)
        rows = rows.filter(organisation__path__startswith=place.path)
    if role:
        rows = rows.filter(role=role)
    rows = since(rows, updated_since)
    order = ("updated_at", "pk") if updated_since else ("pk",)
    page = paginate(request, rows, cursor=cursor, limit=limit, order=order)
    audit_read(request)
    return page


@router.get("/people/{id:pk}", response=PersonOut, summary="One person")
def person_detail(request: ApiRequest, pk: int) -> User:
    """One person you may see; reading a student is written in the access log, as their page
    is."""
    require_scope(request, "roster")
    target = get_visible_or_404(scoping.visible_users(request.user), pk)
    audit_read(request, "person" if target.is_student else None, [target], target)
    return target


# --- roster write ---------------------------------------------------------------------------


class StudentIn(Schema):
    name: str = Field(..., max_length=60)
    grade: int = Field(..., ge=1, le=12)
    class_number: int = Field(..., ge=1, le=99, description="The class (반).")
    number: int = Field(..., ge=1, le=99, description="The number in the class (번호).")
    parent_phone: str = Field("", max_length=20, description="A parent's mobile number.")
    username: str = Field(
        "", max_length=150, description="An existing student's user name, to say who moves."
    )


class RosterIn(Schema):
    school: int | None = Field(None, description="The school; yours when you have one.")
    students: list[StudentIn] = Field(..., min_length=1, max_length=roster.MAX_ROWS)


class StudentUpdate(Schema):
    name: str = Field(..., max_length=60)
    grade: int = Field(..., ge=1, le=12)
    class_number: int = Field(..., ge=1, le=99)
    number: int = Field(..., ge=1, le=99)
    parent_phone: str = Field("", max_length=20)


class RosterOut(Schema):
    created: int
    updated: int
    unchanged: int
    parents_created: int
    students: list[PersonOut] = Field(..., description="The students sent, in their order.")


def _row(line: int, student: StudentIn | StudentUpdate, username: str) -> dict[str, str]:
    return {
        "line": str(line),
        "name": student.name,
        "grade": str(student.grade),
        "klass": str(student.class_number),
        "number": str(student.number),
        "phone": student.parent_phone,
        "username": username,
    }


def _commit(
    request: ApiRequest, school: Organisation, rows: list[dict[str, str]]
) -> dict[str, object]:
    try:
        result = roster.commit_roster(school, rows)
    except roster.RosterInvalid as invalid:
        errors = [
            {"loc": ["students", index], "msg": message}
            for index, row in enumerate(invalid.plan.rows)
            for message in row.errors
        ]
        raise ApiError(
            422,
            _("The roster has errors; nothing was changed."),
            code="roster-invalid",
            errors=errors,
        ) from None
    students = User.objects.filter(
        role=Role.STUDENT, is_active=True, organisation__path__startswith=school.path
    ).select_related("organisation__parent__parent")
    by_seat = {
        (s.organisation.parent.number, s.organisation.number, s.number): s
        for s in students
        if s.organisation is not None and s.organisation.parent is not None
    }
    placed = [by_seat.get((int(r["grade"]), int(r["klass"]), int(r["number"]))) for r in rows]
    return {
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "parents_created": result.parents_created,
        "students": [student for student in placed if student is not None],
    }


def _school_for(request: ApiRequest, school_id: int | None) -> Organisation:
    require_scope(request, "roster.write")
    require_capability(request.user, "people.import_roster")
    schools = scoping.manageable_schools(request.user)
    if school_id is not None:
        school = get_visible_or_404(schools, school_id)
    else:
        own = list(schools[:2])
        if len(own) != 1:
            raise ApiError(
                422,
                _("Say which school: give its id as “school”."),
                code="school-required",
            )
        school = own[0]
    if not has_capability(request.user, "people.import_roster", school):
        raise PermissionDenied
    return school


@router.post("/people", response=RosterOut, summary="Import students (roster write)")
def people_import(request: ApiRequest, payload: RosterIn) -> dict[str, object]:
    """Create and update a school's students as the roster import does: every row checked
    first, then all written in one transaction, or nothing (422 with each row's errors). A row
    matches an existing student by ``username`` or by seat (grade, class, number); nobody is
    removed. Send an ``Idempotency-Key`` so a repeated request is not done twice."""
    school = _school_for(request, payload.school)
    rows = [
        _row(index + 1, student, student.username) for index, student in enumerate(payload.students)
    ]
    return _commit(request, school, rows)


@router.put("/people/{id:pk}", response=RosterOut, summary="Change one student (roster write)")
def person_update(request: ApiRequest, pk: int, payload: StudentUpdate) -> dict[str, object]:
    """One student's name and seat, by the roster import's rules. Send ``If-Match`` with the
    ETag of the person's GET to be refused (412) if someone changed them meanwhile."""
    require_scope(request, "roster.write")
    target = get_visible_or_404(scoping.visible_users(request.user), pk)
    school = scoping.school_of(target)
    if not target.is_student or school is None:
        raise ApiError(
            409, _("Only a student's roster entry can be changed here."), code="not-a-student"
        )
    if not scoping.can_manage_user(request.user, target):
        raise PermissionDenied
    check_if_match(request, PersonOut.from_orm(target))
    school = _school_for(request, school.pk)
    return _commit(request, school, [_row(1, payload, target.username)])
