"""The organisation tree in the product's own pages (no Django admin): the office keeps the city
(offices, district offices, schools, grades, classes), a school admin their school's grades and
classes.

Which nodes one sees here is ``scoping.manageable_organisations`` (another school's node is a
404); which one may change, ``organisations.manage`` for that node (a school admin sees their
school's page and adds grades to it, but does not rename or move the school: 403).
"""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from openclass.core.history import list_changes
from openclass.core.views import perform

from .. import scoping
from ..capabilities import has_capability, require_capability
from ..forms import OrganisationForm
from ..models import AuthenticatedRequest, Organisation, TeachingAssignment, in_natural_order
from ..services import organisations as services

Kind = Organisation.Kind


def _manageable(request: AuthenticatedRequest):
    require_capability(request.user, "organisations.manage")
    return scoping.manageable_organisations(request.user)


@login_required
def organisations(request: AuthenticatedRequest) -> HttpResponse:
    """The tree down to the schools (the office) or the school's grades and classes."""
    nodes = list(in_natural_order(_manageable(request)).select_related("parent", "parent__parent"))
    ids = {node.pk for node in nodes}
    children: dict[int | None, list[Organisation]] = defaultdict(list)
    for node in nodes:
        parent_id = node.parent_id if node.parent_id in ids else None
        children[parent_id].append(node)
    show_depth = Kind.SCHOOL if has_capability(request.user, "city.overview") else Kind.CLASS

    def branch(parent_id: int | None) -> list[dict]:
        rows = []
        for node in children.get(parent_id, []):
            deeper = node.kind != show_depth and node.kind != Kind.CLASS
            rows.append({"node": node, "children": branch(node.pk) if deeper else []})
        return rows

    return render(request, "accounts/organisations.html", {"tree": branch(None)})


@login_required
def organisation(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    node = get_object_or_404(_manageable(request).select_related("parent", "parent__parent"), pk=pk)
    member = Q(members__is_active=True)
    kids = in_natural_order(node.children.all()).annotate(
        member_count=Count("members", filter=member, distinct=True)
    )
    can_edit = has_capability(request.user, "organisations.manage", node)
    return render(
        request,
        "accounts/organisation.html",
        {
            "node": node,
            "children": kids,
            "child_kind": services.child_kind(node),
            "child_kind_label": dict(Kind.choices).get(services.child_kind(node) or ""),
            "member_count": node.members.filter(is_active=True).count(),
            "assignments": TeachingAssignment.objects.filter(klass=node)
            .select_related("teacher")
            .order_by("-is_homeroom", "subject"),
            "can_edit": can_edit,
            "can_add": node.kind != Kind.CLASS and node.is_active,
            "changes": list_changes(node.history.all()),
        },
    )


def _parents_for(request: AuthenticatedRequest, node: Organisation):
    parent_kind = Organisation.PARENT_KIND.get(node.kind)
    if parent_kind is None:
        return None
    return in_natural_order(
        _manageable(request).filter(kind=parent_kind, is_active=True)
    ).select_related("parent", "parent__parent")


@login_required
@require_http_methods(["GET", "POST"])
def organisation_add(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    parent = get_object_or_404(_manageable(request), pk=pk)
    kind = services.child_kind(parent)
    if kind is None or not parent.is_active:
        messages.error(request, _("Nothing can be added here."))
        return redirect("accounts:organisation", parent.pk)
    form = OrganisationForm(request.POST or None, kind=kind)
    if (
        request.method == "POST"
        and form.is_valid()
        and (outcome := perform(request, services.add_child, parent, form=form, **form.values()))
    ):
        messages.success(
            request,
            _("%(name)s was added under %(parent)s.")
            % {"name": outcome.value.name, "parent": parent.full_name},
        )
        return redirect("accounts:organisation", outcome.value.pk)
    return render(
        request,
        "accounts/organisation_form.html",
        {"form": form, "parent": parent, "kind_label": dict(Kind.choices)[kind]},
    )


@login_required
@require_http_methods(["GET", "POST"])
def organisation_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Rename, renumber, or move (another parent of the same kind)."""
    node = get_object_or_404(_manageable(request).select_related("parent"), pk=pk)
    require_capability(request.user, "organisations.manage", node)
    initial = {
        "name": node.name,
        "number": node.number,
        "code": node.code or "",
        "school_level": node.school_level,
        "parent": node.parent_id,
    }
    form = OrganisationForm(
        request.POST or None, kind=node.kind, parents=_parents_for(request, node), initial=initial
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and perform(request, services.update, node, form=form, **form.values())
    ):
        messages.success(request, _("Saved. The change is in the history below."))
        return redirect("accounts:organisation", node.pk)
    return render(request, "accounts/organisation_form.html", {"form": form, "node": node})


@login_required
@require_POST
def organisation_retire(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    node = get_object_or_404(_manageable(request), pk=pk)
    require_capability(request.user, "organisations.manage", node)
    if request.POST.get("action") == "restore":
        if perform(request, services.restore, node):
            messages.success(request, _("%(name)s is in use again.") % {"name": node.full_name})
    elif perform(request, services.retire, node):
        messages.success(
            request,
            _("%(name)s is retired: it keeps its records and takes no new members.")
            % {"name": node.full_name},
        )
    return redirect("accounts:organisation", node.pk)


@login_required
@require_POST
def organisation_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    node = get_object_or_404(_manageable(request).select_related("parent"), pk=pk)
    require_capability(request.user, "organisations.manage", node)
    name = node.full_name
    if outcome := perform(request, services.delete, node):
        messages.success(request, _("%(name)s was deleted.") % {"name": name})
        parent = outcome.value
        if parent is not None and scoping.can_manage_organisation(request.user, parent):
            return redirect("accounts:organisation", parent.pk)
        return redirect("accounts:organisations")
    return redirect("accounts:organisation", node.pk)
