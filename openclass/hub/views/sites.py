"""The office's pages for the sites that log in through openclass: the list, registering a site,
its page, changing it, giving it a new secret, disabling and enabling it; and a site's logo,
which any signed-in person may load (the consent page shows it).

A client secret appears once: in the answer to the POST that made it (registering, or "new
secret"), marked not to be stored by the browser. It is never put in the session or the log."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from openclass.accounts.capabilities import require_capability
from openclass.accounts.models import AuthenticatedRequest
from openclass.core.storage import stored_file_response
from openclass.core.views import perform

from .. import services
from ..forms import LOGO_ENDINGS, LOGO_FORMATS, SiteForm
from ..models import AuthEvent, Site

#: The list's "tokens issued" column counts this many days back.
TOKEN_DAYS = 30
#: The log's events that gave a site a token: a first one, and each refresh (a new one).
ISSUING = (AuthEvent.Kind.TOKEN_ISSUED, AuthEvent.Kind.TOKEN_REFRESHED)


def _site(request: AuthenticatedRequest, pk: int) -> Site:
    require_capability(request.user, "hub.manage_sites")
    return get_object_or_404(Site.objects.select_related("service_account", "created_by"), pk=pk)


def _secret_page(
    request: AuthenticatedRequest, outcome: services.Registered, new: bool
) -> HttpResponse:
    """The one page that shows a secret: not cached, not kept in the history's copy."""
    response = render(
        request,
        "hub/sites/secret.html",
        {"site": outcome.site, "secret": outcome.secret, "new": new},
    )
    add_never_cache_headers(response)
    patch_cache_control(response, no_store=True)
    response["Referrer-Policy"] = "no-referrer"
    return response


@login_required
def sites(request: AuthenticatedRequest) -> HttpResponse:
    """Every registered site, with how many tokens it was given in the last 30 days (the
    authentication log's "token issued" and "token refreshed" events: the token rows themselves
    are cleared when they expire)."""
    require_capability(request.user, "hub.manage_sites")
    since = timezone.now() - datetime.timedelta(days=TOKEN_DAYS)
    issued = (
        AuthEvent.objects.filter(site=OuterRef("pk"), kind__in=ISSUING, at__gte=since)
        .order_by()
        .values("site")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        Site.objects.select_related("service_account")
        .annotate(issued=Coalesce(Subquery(issued, output_field=IntegerField()), 0))
        .order_by("-is_active", "name")
    )
    return render(
        request,
        "hub/sites/list.html",
        {"sites": rows, "days": TOKEN_DAYS},
    )


@login_required
def site_register(request: AuthenticatedRequest) -> HttpResponse:
    require_capability(request.user, "hub.manage_sites")
    form = SiteForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        done = perform(request, services.register_site, request.user, form.details(), form=form)
        if done:
            return _secret_page(request, done.value, new=True)
    return render(request, "hub/sites/form.html", {"form": form, "site": None})


@login_required
def site(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    site = _site(request, pk)
    return render(
        request,
        "hub/sites/detail.html",
        {
            "site": site,
            "scopes": [
                (name, label) for name, label in _scope_labels().items() if name in site.scope_set()
            ],
            "redirects": site.redirect_uris.split(),
            "logouts": site.post_logout_redirect_uris.split(),
        },
    )


def _scope_labels() -> dict[str, str]:
    return {name: str(label) for name, label in settings.OAUTH2_PROVIDER["SCOPES"].items()}


@login_required
def site_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    site = _site(request, pk)
    form = SiteForm(request.POST or None, request.FILES or None, site=site)
    if (
        request.method == "POST"
        and form.is_valid()
        and perform(request, services.update_site, request.user, site, form.details(), form=form)
    ):
        messages.success(request, _("The site is saved."))
        return redirect("hub:site", pk=site.pk)
    return render(request, "hub/sites/form.html", {"form": form, "site": site})


@login_required
def site_rotate(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """GET: what a new secret does, and the button; POST: the new secret, shown once."""
    site = _site(request, pk)
    if request.method == "POST":
        done = perform(request, services.rotate_secret, request.user, site)
        if done:
            return _secret_page(request, done.value, new=False)
        return redirect("hub:site", pk=site.pk)
    if site.client_type != Site.CLIENT_CONFIDENTIAL:
        messages.error(request, _("A public site has no secret to change."))
        return redirect("hub:site", pk=site.pk)
    return render(request, "hub/sites/confirm.html", {"site": site, "action": "rotate"})


@login_required
def site_disable(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """GET: what disabling does, and the button; POST: disabled, every token revoked."""
    site = _site(request, pk)
    if request.method == "POST":
        done = perform(request, services.set_active, request.user, site, False)
        if done:
            messages.success(
                request,
                ngettext(
                    "%(site)s is disabled; %(n)d token was revoked.",
                    "%(site)s is disabled; %(n)d tokens were revoked.",
                    done.value,
                )
                % {"site": site.name, "n": done.value},
            )
        return redirect("hub:site", pk=site.pk)
    return render(request, "hub/sites/confirm.html", {"site": site, "action": "disable"})


@login_required
@require_POST
def site_enable(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    site = _site(request, pk)
    if perform(request, services.set_active, request.user, site, True):
        messages.success(request, _("%(site)s is enabled again.") % {"site": site.name})
    return redirect("hub:site", pk=site.pk)


@login_required
def site_logo(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    """A site's logo, for any signed-in person (the consent page and the list show it): an
    image the form checked, sent with its own type, never sniffed, never run."""
    site = get_object_or_404(Site, pk=pk)
    if not site.logo:
        raise Http404
    kind = LOGO_FORMATS.get(LOGO_ENDINGS.get(site.logo.name.rsplit(".", 1)[-1].lower(), ""))
    if kind is None:
        raise Http404
    try:
        response = stored_file_response(site.logo.name, kind)
    except FileNotFoundError as missing:
        raise Http404 from missing
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    patch_cache_control(response, private=True, max_age=3600)
    return response
