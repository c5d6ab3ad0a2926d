"""The imports (upload → preview → confirm; the student roster and the school's staff, one flow)
and first-login sheets, for school admins and the office.

The rules live in ``roster`` and ``sheets``; the import needs ``people.import_roster``, a
class's sheets ``people.print_sheets`` (its homeroom teacher too), and which school or class is
decided by ``scoping`` (a class one may not see is a 404).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from openclass.core.downloads import xlsx_response

from .. import scoping
from ..capabilities import require_capability
from ..forms import RosterUploadForm
from ..models import AuthenticatedRequest, Organisation
from ..services import roster, sheets, staff_import

SHEET_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class Importer:
    """One kind of all-or-nothing import: the student roster or the school's staff. Both read
    the file with ``roster.read_roster`` (their own ``Columns``), show every row before anything
    is saved, and commit in one transaction that plans again."""

    name: str  # the url name of the import page, and the session key
    capability: str
    columns: roster.Columns
    plan: Callable[[Organisation, list[dict[str, str]]], Any]
    commit: Callable[[Organisation, list[dict[str, str]]], Any]
    invalid: type[roster.ImportInvalid]
    template_prefix: str  # accounts/<prefix>_import.html, _preview.html, _result.html
    template_filename: str


ROSTER = Importer(
    name="roster_import",
    capability="people.import_roster",
    columns=roster.STUDENT_COLUMNS,
    plan=roster.plan_roster,
    commit=roster.commit_roster,
    invalid=roster.RosterInvalid,
    template_prefix="accounts/roster",
    template_filename="roster-template.xlsx",
)
STAFF = Importer(
    name="staff_import",
    capability="staff.manage",
    columns=staff_import.STAFF_COLUMNS,
    plan=staff_import.plan_staff,
    commit=staff_import.commit_staff,
    invalid=staff_import.StaffImportInvalid,
    template_prefix="accounts/staff",
    template_filename="staff-template.xlsx",
)
IMPORTERS = {"roster": ROSTER, "staff": STAFF}
#: Where the roster's previewed rows wait for the confirmation.
SESSION_KEY = ROSTER.name


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def roster_import(request: AuthenticatedRequest) -> HttpResponse:
    return _import(request, ROSTER)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def staff_import_page(request: AuthenticatedRequest) -> HttpResponse:
    return _import(request, STAFF)


@login_required
def import_template(request: AuthenticatedRequest, kind: str) -> HttpResponse:
    """The file to fill in for an import: its header row and one example row."""
    importer = IMPORTERS.get(kind)
    if importer is None:
        raise Http404
    require_capability(request.user, importer.capability)
    return xlsx_response(roster.template_xlsx(importer.columns), importer.template_filename)


def _schools(request: AuthenticatedRequest) -> QuerySet[Organisation]:
    schools = scoping.manageable_schools(request.user).filter(is_active=True)
    if not schools.exists():
        raise PermissionDenied
    return schools


def _form(importer: Importer, schools: QuerySet[Organisation], *args, **kwargs) -> RosterUploadForm:
    return RosterUploadForm(*args, schools=schools, columns=importer.columns, **kwargs)


def _import(request: AuthenticatedRequest, importer: Importer) -> HttpResponse:
    require_capability(request.user, importer.capability)
    schools = _schools(request)
    if request.method == "POST" and "file_hash" in request.POST:
        return _confirm(request, importer, schools)
    form = _form(importer, schools, request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        school = form.chosen_school()
        parsed = form.roster
        assert parsed is not None  # a valid form has read its file
        plan = importer.plan(school, parsed.rows)
        if plan.is_valid:
            # The parsed rows (small JSON), not the file: confirm posts the hash back to prove
            # it confirms this very preview.
            request.session[importer.name] = {
                "hash": parsed.file_hash,
                "school": school.pk,
                "rows": parsed.rows,
            }
        else:
            request.session.pop(importer.name, None)
        return _preview(request, importer, plan, parsed.file_hash if plan.is_valid else "")
    return render(
        request, f"{importer.template_prefix}_import.html", {"form": form, "importer": importer}
    )


def _preview(
    request: AuthenticatedRequest,
    importer: Importer,
    plan: Any,
    file_hash: str,
    *,
    changed: bool = False,
    classes_unconfirmed: bool = False,
) -> HttpResponse:
    return render(
        request,
        f"{importer.template_prefix}_preview.html",
        {
            "plan": plan,
            "file_hash": file_hash,
            "changed_since_preview": changed,
            "classes_unconfirmed": classes_unconfirmed,
            "importer": importer,
            "form": _form(importer, _schools(request), initial={"school": plan.school.pk}),
        },
        status=400 if classes_unconfirmed else 200,
    )


def _confirm(
    request: AuthenticatedRequest, importer: Importer, schools: QuerySet[Organisation]
) -> HttpResponse:
    pending = request.session.get(importer.name)
    posted = request.POST.get("file_hash", "")
    if not pending or not constant_time_compare(posted, pending.get("hash", "")):
        return render(
            request,
            f"{importer.template_prefix}_import.html",
            {
                "form": _form(importer, schools),
                "importer": importer,
                "expired": _(
                    "This preview is no longer waiting to be saved (it was saved already, or "
                    "another file was checked since). Upload the file again."
                ),
            },
            status=409,
        )
    school = schools.filter(pk=pending["school"]).first()
    if school is None:
        raise PermissionDenied
    # New classes are made only when the admin ticked the box that names them: a mistyped 9반
    # must not become a class because a notice was missed.
    plan = importer.plan(school, pending["rows"])
    if getattr(plan, "new_classes", None) and request.POST.get("create_classes") != "yes":
        return _preview(request, importer, plan, posted, classes_unconfirmed=True)
    try:
        result = importer.commit(school, pending["rows"])
    except importer.invalid as invalid:
        request.session.pop(importer.name, None)
        return _preview(request, importer, invalid.plan, "", changed=True)
    request.session.pop(importer.name, None)
    return render(
        request,
        f"{importer.template_prefix}_result.html",
        {"result": result, "school": school, "importer": importer},
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def credential_sheet(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """GET explains what printing will do; POST issues the passwords and returns the file."""
    require_capability(request.user, "people.print_sheets")
    klass = get_object_or_404(
        scoping.visible_organisations(request.user)
        .filter(kind=Organisation.Kind.CLASS)
        .select_related("parent", "parent__parent"),
        pk=pk,
    )
    require_capability(request.user, "people.print_sheets", klass)
    sheet_type = request.POST.get("format") or request.GET.get("format", "pdf")
    if request.method == "POST" and sheet_type in SHEET_TYPES:
        if sheet_type == "pdf":
            sheets.register_fonts()  # fail before any password is changed

        def card_url(token: str) -> str:
            return request.build_absolute_uri(reverse("accounts:card_login", args=[token]))

        # One transaction: if the file cannot be made, the old passwords stay valid.
        with transaction.atomic():
            sheet = sheets.issue_class_sheet(klass, card_url)
            content = sheets.build_pdf(sheet) if sheet_type == "pdf" else sheets.build_xlsx(sheet)
        disposition = content_disposition_header(
            as_attachment=True, filename=sheet.filename(sheet_type)
        )
        assert disposition is not None  # None only for an inline response without a name
        response = HttpResponse(content, content_type=SHEET_TYPES[sheet_type])
        response["Content-Disposition"] = disposition
        return response
    students = sheets.class_students(klass)
    return render(
        request,
        "accounts/roster_sheet.html",
        {
            "klass": klass,
            "pending_count": sheets.pending_students(klass).count(),
            "student_count": students.count(),
            "sheet_type": sheet_type if sheet_type in SHEET_TYPES else "pdf",
        },
        status=400 if request.method == "POST" else 200,
    )
