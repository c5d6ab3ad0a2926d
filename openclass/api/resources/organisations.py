"""Organisations and classes (scope ``school``): the branch of the tree the person may browse
(``accounts.scoping.visible_organisations``), as the pages show it."""

from __future__ import annotations

from datetime import datetime

from ninja import Router, Schema

from openclass.accounts import scoping
from openclass.accounts.models import Organisation

from ..framework import ApiRequest, Page, get_visible_or_404, paginate, require_scope, since

router = Router(tags=["organisations"])
Kind = Organisation.Kind


class OrganisationOut(Schema):
    id: int
    kind: str
    name: str
    code: str | None
    school_level: str
    number: int | None
    parent_id: int | None
    path: str
    updated_at: datetime


class ClassOut(Schema):
    id: int
    name: str
    number: int | None
    grade: int | None
    grade_id: int | None
    school_id: int | None
    updated_at: datetime


@router.get("/organisations", response=Page[OrganisationOut], summary="Organisations")
def organisations_list(
    request: ApiRequest,
    kind: str | None = None,
    parent: int | None = None,
    updated_since: datetime | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> dict:
    """The organisations you may browse (office, district, school, grade, class), filtered by
    ``kind`` and ``parent``; ``updated_since`` for sync."""
    require_scope(request, "school")
    rows = scoping.visible_organisations(request.user)
    if kind:
        rows = rows.filter(kind=kind)
    if parent is not None:
        rows = rows.filter(parent_id=parent)
    rows = since(rows, updated_since)
    order = ("updated_at", "pk") if updated_since else ("pk",)
    return paginate(request, rows, cursor=cursor, limit=limit, order=order)


@router.get("/organisations/{id:pk}", response=OrganisationOut, summary="One organisation")
def organisation_detail(request: ApiRequest, pk: int) -> Organisation:
    require_scope(request, "school")
    return get_visible_or_404(scoping.visible_organisations(request.user), pk)


def _class_out(klass: Organisation) -> dict:
    grade = klass.parent
    return {
        "id": klass.pk,
        "name": klass.name,
        "number": klass.number,
        "grade": grade.number if grade is not None else None,
        "grade_id": grade.pk if grade is not None else None,
        "school_id": grade.parent_id if grade is not None else None,
        "updated_at": klass.updated_at,
    }


@router.get("/classes", response=Page[ClassOut], summary="Classes")
def classes_list(
    request: ApiRequest,
    school: int | None = None,
    updated_since: datetime | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> dict:
    """The classes you may browse (a teacher: those they teach; a student: their own), with
    their grade and school; ``school`` narrows to one school."""
    require_scope(request, "school")
    rows = scoping.visible_organisations(request.user).filter(kind=Kind.CLASS)
    if school is not None:
        rows = rows.filter(parent__parent_id=school)
    rows = since(rows.select_related("parent"), updated_since)
    order = ("updated_at", "pk") if updated_since else ("pk",)
    page = paginate(request, rows, cursor=cursor, limit=limit, order=order)
    page["items"] = [_class_out(klass) for klass in page["items"]]
    return page


@router.get("/classes/{id:pk}", response=ClassOut, summary="One class")
def class_detail(request: ApiRequest, pk: int) -> dict:
    require_scope(request, "school")
    visible = scoping.visible_organisations(request.user).filter(kind=Kind.CLASS)
    return _class_out(get_visible_or_404(visible.select_related("parent"), pk))
