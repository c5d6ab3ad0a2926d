"""The people a user may see (a parent: their children), one person, and a password reset.
Whom is ``accounts.scoping``; the buttons are shown on the capability that guards their
target."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from openclass.core.params import parse_id
from openclass.core.registry import record_read

from .. import scoping
from ..capabilities import has_capability, require_capability
from ..models import AuthenticatedRequest, Organisation, User, in_natural_order
from ..services import credentials as services


@login_required
def people(request: AuthenticatedRequest) -> HttpResponse:
    """Everyone the signed-in user may see, filterable by class, role and name."""
    require_capability(request.user, "people.view")
    # A student's placement names their school, grade and class.
    users = scoping.visible_users(request.user).select_related("organisation__parent__parent")
    classes = scoping.visible_organisations(request.user).filter(kind=Organisation.Kind.CLASS)
    klass = None
    if class_id := request.GET.get("class"):
        klass = get_object_or_404(classes, pk=parse_id(class_id) or 0)
        users = users.filter(organisation=klass)
    chosen_role = request.GET.get("role", "")
    if chosen_role in User.Role.values:
        users = users.filter(role=chosen_role)
    query = request.GET.get("q", "").strip()
    if query:
        users = users.filter(Q(name__icontains=query) | Q(username__icontains=query))
    users = users.order_by("organisation__path", "number", "name")
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/people.html",
        {
            "page": page,
            "classes": in_natural_order(classes).select_related("parent", "parent__parent"),
            "klass": klass,
            "chosen_role": chosen_role,
            "roles": User.Role.choices,
            "query": query,
            # The class's first-login sheets answer on the same capability (a homeroom teacher
            # prints their own class's).
            "can_print_sheets": klass is not None
            and has_capability(request.user, "people.print_sheets", klass),
        },
    )


@login_required
def person(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(
        scoping.visible_users(request.user).select_related("organisation"), pk=pk
    )
    if target.is_student:
        record_read(request, "person", [target], target)
    return render(
        request,
        "accounts/person.html",
        {
            "person": target,
            "can_reset_password": has_capability(request.user, "people.reset_password", target),
            "can_record_leaving": has_capability(request.user, "privacy.record_leaving", target),
            "parents": User.objects.filter(child_links__student=target),
            # Only the children the viewer may see: a parent's page names no child of another
            # class to their child's teacher (and links none that would answer 404).
            "children": scoping.children_of(target)
            .filter(pk__in=scoping.visible_users(request.user).values("pk"))
            .select_related("organisation"),
        },
    )


@login_required
@require_POST
def reset_password(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A school admin (or homeroom teacher) gives a user a new temporary password, shown once.
    Someone the user may not see is a 404; someone they see but do not manage (a parent's own
    child) a 403."""
    target = get_object_or_404(scoping.visible_users(request.user), pk=pk)
    require_capability(request.user, "people.reset_password", target)
    (credential,) = services.issue_first_login_credentials([target])
    return render(request, "accounts/credential_issued.html", {"credential": credential})
