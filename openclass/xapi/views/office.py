"""The office's pages of learning records (``xapi.manage``, the office's admins): the outside
LRSs statements are forwarded to — the list with each one's outbox (pending, sent, failed, and
the oldest pending statement's age: the lag), registering and changing one, its page with the
failed statements and the recent batches, "send now", "retry failed", deactivating — and the LRS
clients that use /xapi/ (registering one, its secret shown once, a new secret, deactivating).
Outside LRSs and clients are the office's own: whoever may open one page may open them all (403
for the others, never 404: see ``core.views``)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from openclass.accounts.capabilities import require_capability
from openclass.accounts.models import AuthenticatedRequest
from openclass.core.views import Outcome, perform

from .. import clients, forwarding
from ..forms import ClientForm, DestinationForm
from ..models import Client, Delivery, Destination

T = TypeVar("T")

PAGE_SIZE = 50
RECENT_BATCHES = 20


def _destination(request: AuthenticatedRequest, pk: int) -> Destination:
    require_capability(request.user, "xapi.manage")
    return get_object_or_404(Destination, pk=pk)


def _client(request: AuthenticatedRequest, pk: int) -> Client:
    require_capability(request.user, "xapi.manage")
    return get_object_or_404(Client, pk=pk)


@login_required
def destinations(request: AuthenticatedRequest) -> HttpResponse:
    require_capability(request.user, "xapi.manage")
    rows = forwarding.with_outbox_figures(Destination.objects.all()).order_by(
        "-is_active", "name", "pk"
    )
    return render(
        request,
        "xapi/destinations.html",
        {"destinations": rows, "now": timezone.now(), "kept_days": forwarding.SENT_KEPT.days},
    )


@login_required
def destination_new(request: AuthenticatedRequest) -> HttpResponse:
    require_capability(request.user, "xapi.manage")
    form = DestinationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = perform(
            request, forwarding.create_destination, request.user, form.details(), form=form
        )
        if done:
            messages.success(
                request, _("The outside LRS is registered: statements stored from now on go to it.")
            )
            return redirect("xapi:destination", pk=done.value.pk)
    return render(request, "xapi/destination_form.html", {"form": form, "destination": None})


@login_required
def destination(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    found = _destination(request, pk)
    figures = forwarding.with_outbox_figures(Destination.objects.filter(pk=found.pk)).get()
    failed = (
        Delivery.objects.filter(destination=found, state=Delivery.State.FAILED)
        .select_related("statement")
        .order_by("-pk")
    )
    page = Paginator(failed, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "xapi/destination.html",
        {
            "destination": found,
            "figures": figures,
            "page": page,
            "batches": found.batches.order_by("-started_at", "-pk")[:RECENT_BATCHES],
            "schools": found.schools.order_by("name"),
            "now": timezone.now(),
            "kept_days": forwarding.SENT_KEPT.days,
        },
    )


@login_required
def destination_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    found = _destination(request, pk)
    form = DestinationForm(request.POST or None, destination=found)
    if (
        request.method == "POST"
        and form.is_valid()
        and perform(
            request, forwarding.update_destination, request.user, found, form.details(), form=form
        )
    ):
        messages.success(request, _("The outside LRS is saved."))
        return redirect("xapi:destination", pk=found.pk)
    return render(request, "xapi/destination_form.html", {"form": form, "destination": found})


@login_required
@require_POST
def destination_send(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Send now, in the background: the page shows the batches when they are done."""
    found = _destination(request, pk)
    done = perform(request, forwarding.send_now, request.user, found)
    if done:
        messages.success(
            request,
            ngettext(
                "%(n)d statement is being sent: reload this page in a moment to see the batch.",
                "%(n)d statements are being sent: reload this page in a moment to see the batches.",
                done.value,
            )
            % {"n": done.value},
        )
    return redirect("xapi:destination", pk=found.pk)


@login_required
@require_POST
def destination_retry(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    found = _destination(request, pk)
    done = perform(request, forwarding.retry_failed, request.user, found)
    if done:
        messages.success(
            request,
            ngettext(
                "%(n)d failed statement is back in the outbox.",
                "%(n)d failed statements are back in the outbox.",
                done.value,
            )
            % {"n": done.value},
        )
    return redirect("xapi:destination", pk=found.pk)


@login_required
@require_POST
def destination_active(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Activate (``active=1``) or deactivate (anything else) the outside LRS."""
    found = _destination(request, pk)
    active = request.POST.get("active") == "1"
    if perform(request, forwarding.set_destination_active, request.user, found, active):
        if active:
            messages.success(request, _("%(name)s is active again.") % {"name": found.name})
        else:
            messages.success(
                request,
                _("%(name)s is inactive: nothing is sent to it or queued for it.")
                % {"name": found.name},
            )
    return redirect("xapi:destination", pk=found.pk)


# --- LRS clients --------------------------------------------------------------------------------


def _secret_page(
    request: AuthenticatedRequest, client: Client, secret: str, new: bool
) -> HttpResponse:
    """The one page that shows a secret: not cached, not kept in the history's copy."""
    response = render(
        request, "xapi/client_secret.html", {"client": client, "secret": secret, "new": new}
    )
    add_never_cache_headers(response)
    patch_cache_control(response, no_store=True)
    response["Referrer-Policy"] = "no-referrer"
    return response


@login_required
def lrs_clients(request: AuthenticatedRequest) -> HttpResponse:
    require_capability(request.user, "xapi.manage")
    rows = Client.objects.prefetch_related("schools").order_by("-is_active", "name", "pk")
    return render(request, "xapi/clients.html", {"clients": rows})


def _save_client(
    request: AuthenticatedRequest, form: ClientForm, save: Callable[..., T]
) -> Outcome[T]:
    """Register or change a client (``save``: ``clients.create_client``, or ``update_client``
    with the client) from its valid form, through ``perform``."""
    data = form.cleaned_data
    return perform(
        request, save, data["name"], data["scopes"], list(data["schools"]), request.user, form=form
    )


@login_required
def client_new(request: AuthenticatedRequest) -> HttpResponse:
    require_capability(request.user, "xapi.manage")
    form = ClientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = _save_client(request, form, clients.create_client)
        if done:
            client, secret = done.value
            return _secret_page(request, client, secret, new=True)
    return render(request, "xapi/client_form.html", {"form": form})


@login_required
def client_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    client = _client(request, pk)
    initial = {"name": client.name, "scopes": client.scopes, "schools": client.schools.all()}
    form = ClientForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        done = _save_client(request, form, functools.partial(clients.update_client, client))
        if done:
            messages.success(request, _("%(name)s is saved.") % {"name": client.name})
            return redirect("xapi:clients")
    return render(request, "xapi/client_form.html", {"form": form, "client": client})


@login_required
def client_rotate(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """GET: what a new secret does, and the button; POST: the new secret, shown once."""
    client = _client(request, pk)
    if request.method == "POST":
        done = perform(request, clients.rotate_client_secret, client, request.user)
        if done:
            return _secret_page(request, client, done.value, new=False)
        return redirect("xapi:clients")
    return render(request, "xapi/client_rotate.html", {"client": client})


@login_required
@require_POST
def client_active(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Activate (``active=1``) or deactivate (anything else) the client."""
    client = _client(request, pk)
    active = request.POST.get("active") == "1"
    if perform(request, clients.set_client_active, client, active, request.user):
        if active:
            messages.success(request, _("%(name)s is active again.") % {"name": client.name})
        else:
            messages.success(
                request,
                _("%(name)s is inactive: its key is refused.") % {"name": client.name},
            )
    return redirect("xapi:clients")
