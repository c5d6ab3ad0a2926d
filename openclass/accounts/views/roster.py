"""Roster import (upload → preview → confirm) and first-login sheets, for school admins.

The rules live in ``roster`` and ``sheets``; the import needs ``people.import_roster``, a
class's sheets ``people.print_sheets`` (its homeroom teacher too), and which school or class is
decided by ``scoping`` (a class one may not see is a 404).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from .. import scoping
from ..capabilities import require_capability
from ..forms import RosterUploadForm
from ..models import AuthenticatedRequest, Organisation
from ..services import roster, sheets

SESSION_KEY = "roster_import"
SHEET_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def roster_import(request: AuthenticatedRequest) -> HttpResponse:
    require_capability(request.user, "people.import_roster")
    schools = scoping.manageable_schools(request.user)
    if not schools.exists():
        raise PermissionDenied
    if request.method == "POST" and "file_hash" in request.POST:
        return _confirm(request, schools)
    form = RosterUploadForm(request.POST or None, request.FILES or None, schools=schools)
    if request.method == "POST" and form.is_valid():
        school = form.chosen_school()
        parsed = form.roster
        assert parsed is not None  # a valid form has read its file
        plan = roster.plan_roster(school, parsed.rows)
        if plan.is_valid:
            # The parsed rows (small JSON), not the file: confirm posts the hash back to prove
            # it confirms this very preview.
            request.session[SESSION_KEY] = {
                "hash": parsed.file_hash,
                "school": school.pk,
                "rows": parsed.rows,
            }
        else:
            request.session.pop(SESSION_KEY, None)
        return _preview(request, plan, parsed.file_hash if plan.is_valid else "")
    return render(request, "accounts/roster_import.html", {"form": form})


def _preview(
    request: AuthenticatedRequest, plan: roster.RosterPlan, file_hash: str, *, changed: bool = False
) -> HttpResponse:
    schools = scoping.manageable_schools(request.user)
    return render(
        request,
        "accounts/roster_preview.html",
        {
            "plan": plan,
            "file_hash": file_hash,
            "changed_since_preview": changed,
            "form": RosterUploadForm(schools=schools, initial={"school": plan.school.pk}),
        },
    )


def _confirm(request: AuthenticatedRequest, schools: QuerySet[Organisation]) -> HttpResponse:
    pending = request.session.get(SESSION_KEY)
    posted = request.POST.get("file_hash", "")
    if not pending or not constant_time_compare(posted, pending.get("hash", "")):
        form = RosterUploadForm(schools=schools)
        return render(
            request,
            "accounts/roster_import.html",
            {
                "form": form,
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
    try:
        result = roster.commit_roster(school, pending["rows"])
    except roster.RosterInvalid as invalid:
        request.session.pop(SESSION_KEY, None)
        return _preview(request, invalid.plan, "", changed=True)
    request.session.pop(SESSION_KEY, None)
    return render(request, "accounts/roster_result.html", {"result": result, "school": school})


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
