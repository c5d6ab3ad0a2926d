"""Registering outside tools: the list (the office sees every tool, a teacher theirs and the
city's), registering one, its page with the values to copy into the tool, changing, disabling
and enabling it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openclass.accounts.capabilities import has_capability, require_capability
from openclass.accounts.models import AuthenticatedRequest
from openclass.core.views import perform

from .. import claims, services
from ..access import visible_tools
from ..forms import ToolForm
from ..models import Tool


def _tool(request: AuthenticatedRequest, pk: int) -> Tool:
    require_capability(request.user, "lti.register")
    return get_object_or_404(visible_tools(request.user).select_related("created_by"), pk=pk)


def platform_values(tool: Tool | None = None) -> list[tuple[str, str]]:
    """What a tool's administrator copies into the tool: our issuer, endpoints and keys."""
    try:
        token = claims.absolute(reverse("lti:token"))
    except NoReverseMatch:
        token = claims.absolute("/lti/token/")
    values = [
        (_("Issuer (iss)"), claims.issuer()),
        (_("OIDC authorization endpoint"), claims.absolute(reverse("lti:auth"))),
        (_("Access token endpoint"), token),
        (_("Key set URL (JWKS)"), claims.absolute(reverse("lti:jwks"))),
    ]
    if tool is not None:
        values[1:1] = [
            (_("Client ID"), tool.client_id),
            (_("Deployment ID"), tool.deployment_id),
        ]
    return values


@login_required
def tools(request: AuthenticatedRequest) -> HttpResponse:
    require_capability(request.user, "lti.register")
    listed = visible_tools(request.user).select_related("created_by").order_by("-is_active", "name")
    return render(
        request,
        "lti/tools/list.html",
        {
            "tools": listed,
            "office": has_capability(request.user, "lti.manage"),
            "platform": platform_values(),
        },
    )


@login_required
def tool_register(request: AuthenticatedRequest) -> HttpResponse:
    require_capability(request.user, "lti.register")
    form = ToolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        saved = perform(
            request, services.save_tool, request.user, form.save(commit=False), form=form
        )
        if saved:
            messages.success(request, _("The tool is registered. Copy the values below into it."))
            return redirect("lti:tool", saved.value.pk)
    return render(
        request,
        "lti/tools/form.html",
        {"form": form, "tool": None, "office": has_capability(request.user, "lti.manage")},
    )


@login_required
def tool(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    found = _tool(request, pk)
    return render(
        request,
        "lti/tools/detail.html",
        {
            "tool": found,
            "platform": platform_values(found),
            "may_change": has_capability(request.user, "lti.register", found),
        },
    )


@login_required
def tool_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    found = _tool(request, pk)
    require_capability(request.user, "lti.register", found)
    form = ToolForm(request.POST or None, instance=found)
    if request.method == "POST" and form.is_valid():
        saved = perform(
            request, services.save_tool, request.user, form.save(commit=False), form=form
        )
        if saved:
            messages.success(request, _("The tool is saved."))
            return redirect("lti:tool", found.pk)
    return render(request, "lti/tools/form.html", {"form": form, "tool": found})


@login_required
@require_POST
def tool_active(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    found = _tool(request, pk)
    require_capability(request.user, "lti.register", found)
    active = request.POST.get("active") == "1"
    if perform(request, services.set_tool_active, request.user, found, active):
        if active:
            messages.success(request, _("The tool is enabled again."))
        else:
            messages.success(request, _("The tool is disabled: its lessons no longer launch."))
    return redirect("lti:tool", found.pk)
