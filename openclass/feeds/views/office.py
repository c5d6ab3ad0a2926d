"""The office's pages of outside catalogs: the list with each one's last fetch, registering and
changing one, "fetch now", disabling and enabling, and a catalog's entries. Every page asks for
``feeds.manage`` (the office's admins); catalogs are the office's own, so anyone who may open
one page may open them all (403 for the others, never 404: see ``core.views``)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openclass.accounts.capabilities import require_capability
from openclass.accounts.models import AuthenticatedRequest
from openclass.core.views import perform
from openclass.hub.models import Site

from .. import services, tasks
from ..forms import CatalogForm
from ..models import OutsideCatalog

PAGE_SIZE = 50


def _catalog(request: AuthenticatedRequest, pk: int) -> OutsideCatalog:
    require_capability(request.user, "feeds.manage")
    return get_object_or_404(OutsideCatalog.objects.select_related("created_by"), pk=pk)


def _signed_in_hosts() -> set[str]:
    """The hosts of the login hub's active sites: their entries open a site that signs the
    person in through openclass."""
    hosts = set()
    for address in (
        Site.objects.filter(is_active=True).exclude(home_url="").values_list("home_url", flat=True)
    ):
        if host := urlsplit(address).hostname:
            hosts.add(host)
    return hosts


@login_required
def catalogs(request: AuthenticatedRequest) -> HttpResponse:
    require_capability(request.user, "feeds.manage")
    rows = OutsideCatalog.objects.order_by("-is_active", "name", "pk")
    return render(request, "feeds/list.html", {"catalogs": rows})


@login_required
def catalog_new(request: AuthenticatedRequest) -> HttpResponse:
    require_capability(request.user, "feeds.manage")
    form = CatalogForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = perform(request, services.register_catalog, request.user, form.details(), form=form)
        if done:
            messages.success(
                request, _("The catalog is registered: it is fetched within a minute.")
            )
            return redirect("feeds:catalog", pk=done.value.pk)
    return render(request, "feeds/form.html", {"form": form, "catalog": None})


@login_required
def catalog(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    found = _catalog(request, pk)
    page = Paginator(found.entries.order_by("title", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    hosts = _signed_in_hosts()
    rows = [{"entry": entry, "signs_in": urlsplit(entry.url).hostname in hosts} for entry in page]
    return render(request, "feeds/detail.html", {"catalog": found, "page": page, "rows": rows})


@login_required
def catalog_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    found = _catalog(request, pk)
    form = CatalogForm(request.POST or None, catalog=found)
    if (
        request.method == "POST"
        and form.is_valid()
        and perform(
            request, services.update_catalog, request.user, found, form.details(), form=form
        )
    ):
        messages.success(request, _("The catalog is saved."))
        return redirect("feeds:catalog", pk=found.pk)
    return render(request, "feeds/form.html", {"form": form, "catalog": found})


@login_required
@require_POST
def catalog_fetch(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Fetch now, in the background (a source may take its time): the page shows the outcome
    when it is done."""
    found = _catalog(request, pk)
    if not found.is_active:
        messages.error(request, _("A disabled catalog is not fetched: enable it first."))
        return redirect("feeds:catalog", pk=found.pk)
    tasks.fetch_catalog_task(found.pk)
    messages.success(
        request, _("The fetch has started: reload this page in a moment to see its outcome.")
    )
    return redirect("feeds:catalog", pk=found.pk)


@login_required
@require_POST
def catalog_active(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Enable (``active=1``) or disable (anything else) the catalog."""
    found = _catalog(request, pk)
    active = request.POST.get("active") == "1"
    if perform(request, services.set_active, request.user, found, active):
        if active:
            messages.success(request, _("%(name)s is enabled again.") % {"name": found.name})
        else:
            messages.success(
                request,
                _("%(name)s is disabled: its entries are no longer found.") % {"name": found.name},
            )
    return redirect("feeds:catalog", pk=found.pk)
