"""Teacher accounts and teaching assignments in the product's own pages (no Django admin): the
office keeps every school's teachers (and school admins), a school admin their school's
teachers.

Whom is ``scoping.manageable_staff`` (anyone else is a 404 here); which classes a teacher can be
given, the manager's own school's (``scoping.manageable_organisations``). A password is reset
through ``accounts:reset_password`` (the credential service), the same as on a person's page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from openclass.core.history import list_changes
from openclass.core.params import parse_id
from openclass.core.views import perform

from .. import scoping
from ..capabilities import has_capability, require_capability
from ..forms import AssignmentForm, StaffForm
from ..models import (
    AuthenticatedRequest,
    Organisation,
    TeachingAssignment,
    User,
    in_natural_order,
)
from ..services import staff as services


def _staff(request: AuthenticatedRequest) -> QuerySet[User]:
    require_capability(request.user, "staff.manage")
    return scoping.manageable_staff(request.user)


def _classes_for(user: User, teacher: User) -> QuerySet[Organisation]:
    """Classes of the teacher's school that the manager manages, in use, 1반 before 10반."""
    classes = scoping.manageable_organisations(user).filter(
        kind=Organisation.Kind.CLASS, is_active=True
    )
    school = scoping.school_of(teacher)
    if school is not None:
        classes = classes.filter(path__startswith=school.path)
    return in_natural_order(classes).select_related("parent", "parent__parent")


@login_required
def staff_list(request: AuthenticatedRequest) -> HttpResponse:
    people = _staff(request).select_related("organisation")
    schools = in_natural_order(scoping.manageable_schools(request.user))
    school = None
    if school_id := request.GET.get("school"):
        school = get_object_or_404(schools, pk=parse_id(school_id) or 0)
        people = people.filter(organisation=school)
    query = request.GET.get("q", "").strip()
    if query:
        people = people.filter(Q(name__icontains=query) | Q(username__icontains=query))
    people = people.order_by("organisation__name", "-is_active", "name", "username")
    page = Paginator(people, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/staff_list.html",
        {
            "page": page,
            "schools": schools if schools.count() > 1 else [],
            "school": school,
            "query": query,
        },
    )


def _form(request: AuthenticatedRequest, **kwargs) -> StaffForm:
    return StaffForm(
        request.POST or None,
        roles=scoping.staff_roles_for(request.user),
        schools=scoping.manageable_schools(request.user).filter(is_active=True),
        **kwargs,
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_create(request: AuthenticatedRequest) -> HttpResponse:
    _staff(request)
    form = _form(request)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        outcome = perform(
            request,
            services.create_staff,
            form=form,
            name=data["name"],
            role=data["role"],
            school=data["school"],
            username=data["username"],
            email=data["email"],
            phone=data["phone"],
        )
        if outcome:
            messages.success(
                request,
                _(
                    "The account %(username)s was created. Next: give them a first-login "
                    "password below, and the classes they teach."
                )
                % {"username": outcome.value.username},
            )
            return redirect("accounts:staff_detail", outcome.value.pk)
    return render(request, "accounts/staff_form.html", {"form": form})


@login_required
def staff_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(_staff(request).select_related("organisation"), pk=pk)
    return _detail(request, person, AssignmentForm(classes=_classes_for(request.user, person)))


def _detail(
    request: AuthenticatedRequest, person: User, form: AssignmentForm, status: int = 200
) -> HttpResponse:
    rows = (
        TeachingAssignment.objects.filter(teacher=person)
        .select_related("klass", "klass__parent")
        .order_by("klass__parent__number", "klass__number", "-is_homeroom", "subject")
    )
    return render(
        request,
        "accounts/staff_detail.html",
        {
            "person": person,
            "assignments": rows,
            "form": form,
            "is_teacher": scoping.is_teacher(person),
            "can_reset_password": has_capability(request.user, "people.reset_password", person),
            "changes": list_changes(person.history.all()),
            "assignment_history": list_changes(
                TeachingAssignment.history.filter(teacher_id=person.pk)
            ),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(_staff(request), pk=pk)
    form = _form(
        request,
        initial={
            "name": person.name,
            "username": person.username,
            "role": person.role,
            "school": person.organisation_id,
            "email": person.email,
            "phone": person.phone,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        outcome = perform(
            request,
            services.update_staff,
            person,
            form=form,
            name=data["name"],
            username=(data["username"] or person.username).strip().lower(),
            role=data["role"],
            organisation=data["school"],
            email=data["email"],
            phone=data["phone"],
        )
        if outcome:
            messages.success(request, _("Saved. The change is in the history below."))
            return redirect("accounts:staff_detail", person.pk)
    return render(request, "accounts/staff_form.html", {"form": form, "person": person})


@login_required
@require_POST
def staff_active(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(_staff(request), pk=pk)
    active = request.POST.get("active") == "1"
    services.set_active(person, active)
    if active:
        messages.success(request, _("%(name)s can sign in again.") % {"name": person.name})
    else:
        messages.success(
            request,
            _("%(name)s can no longer sign in. Their records and assignments stay.")
            % {"name": person.name},
        )
    return redirect("accounts:staff_detail", person.pk)


@login_required
@require_POST
def staff_assign(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(_staff(request), pk=pk)
    form = AssignmentForm(request.POST, classes=_classes_for(request.user, person))
    if form.is_valid():
        data = form.cleaned_data
        assignment = services.AssignmentRequest(
            klass=data["klass"], subject=data["subject"], is_homeroom=data["is_homeroom"]
        )
        if perform(request, services.assign, person, assignment, form=form):
            messages.success(
                request,
                _("%(name)s now teaches %(klass)s.")
                % {"name": person.name, "klass": data["klass"].full_name},
            )
            return redirect("accounts:staff_detail", person.pk)
    return _detail(request, person, form, status=400)


@login_required
@require_POST
def assignment_remove(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    require_capability(request.user, "staff.manage")
    assignment = get_object_or_404(
        TeachingAssignment.objects.filter(
            teacher__in=scoping.manageable_staff(request.user),
            klass__in=scoping.manageable_organisations(request.user),
        ).select_related("teacher", "klass", "klass__parent"),
        pk=pk,
    )
    klass = assignment.klass.full_name
    teacher = services.unassign(assignment)
    messages.success(
        request,
        _("%(name)s no longer teaches %(klass)s.") % {"name": teacher.name, "klass": klass},
    )
    return redirect("accounts:staff_detail", teacher.pk)
