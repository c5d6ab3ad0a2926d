"""The office's settings pages (``operations.approve``), in place of Django's admin: calls for
applications, the rate table and the point rules, each with its history. None of these
belongs to a school, so a school administrator, a teacher or anyone else gets a 403."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openclass.accounts.capabilities import require_capability
from openclass.accounts.models import AuthenticatedRequest
from openclass.core.history import list_changes
from openclass.core.views import perform

from ..forms import CallForm, PointRulesForm, RateForm, RateTableForm
from ..models import Call, PointRule, Rate, RateTable
from ..services import office

PAGE_SIZE = 50


def _office(request: AuthenticatedRequest) -> None:
    require_capability(request.user, "operations.approve")


# --- calls for applications ---------------------------------------------------------------------


@login_required
def calls(request: AuthenticatedRequest) -> HttpResponse:
    _office(request)
    rows = Call.objects.annotate(application_count=Count("applications")).order_by(
        "-opens_on", "-pk"
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "operations/calls.html", {"page": page})


@login_required
def call_new(request: AuthenticatedRequest) -> HttpResponse:
    _office(request)
    form = CallForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        topics = values.pop("topics")
        done = perform(request, office.create_call, request.user, topics, form=form, **values)
        if done:
            messages.success(
                request,
                _("The call is saved, not open yet: check it, then open it to schools."),
            )
            return redirect("operations:call", done.value.pk)
    return render(request, "operations/call_form.html", {"form": form, "call": None})


@login_required
def call(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    _office(request)
    found = get_object_or_404(Call.objects.select_related("created_by"), pk=pk)
    return render(
        request,
        "operations/call.html",
        {
            "call": found,
            "applications": found.applications.select_related("school").order_by("-created_at"),
            "changes": list_changes(found.history.all()),
        },
    )


@login_required
def call_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    _office(request)
    found = get_object_or_404(Call, pk=pk)
    form = CallForm(request.POST or None, instance=Call.objects.get(pk=found.pk))
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        topics = values.pop("topics")
        if perform(request, office.update_call, request.user, found, topics, form=form, **values):
            messages.success(request, _("The call is saved."))
            return redirect("operations:call", found.pk)
    return render(request, "operations/call_form.html", {"form": form, "call": found})


@login_required
@require_POST
def call_publish(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    _office(request)
    found = get_object_or_404(Call, pk=pk)
    if request.POST.get("action") == "close":
        if perform(request, office.close_call, request.user, found):
            messages.success(
                request,
                _(
                    "The call is closed: schools can no longer apply to it. Applications "
                    "already sent stay on the list to decide."
                ),
            )
    elif perform(request, office.open_call, request.user, found):
        messages.success(
            request,
            _(
                "The call is open: schools can apply from %(start)s to %(end)s. New "
                "applications reach you as notifications."
            )
            % {"start": f"{found.opens_on:%Y-%m-%d}", "end": f"{found.closes_on:%Y-%m-%d}"},
        )
    return redirect("operations:call", found.pk)


# --- the rate table ------------------------------------------------------------------------------


@login_required
def rates(request: AuthenticatedRequest) -> HttpResponse:
    _office(request)
    page = Paginator(
        RateTable.objects.annotate(rate_count=Count("rates")).order_by("-effective_from"),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    return render(request, "operations/rates.html", {"page": page})


def _rate_rows(request: AuthenticatedRequest, table: RateTable | None, source: RateTable | None):
    """One form per (instructor type, session kind), filled from the table's rows (or, for a
    new table, from ``source``: the newest table, to change only what changes)."""
    existing = {}
    if source is not None:
        existing = {(r.instructor_kind, r.session_kind): r for r in source.rates.all()}
    rows = []
    for instructor, instructor_label, session, session_label in office.rate_kinds():
        rate = existing.get((instructor, session))
        instance = None
        if rate is not None:
            instance = rate if table is not None else Rate(**_copy(rate))
        form = RateForm(
            request.POST if request.method == "POST" else None,
            instance=instance,
            prefix=f"{instructor}-{session}",
        )
        rows.append(
            {"key": (instructor, session), "label": (instructor_label, session_label), "form": form}
        )
    return rows


def _copy(rate: Rate) -> dict:
    return {name: getattr(rate, name) for name in office.RATE_FIELDS}


def _rate_values(rows) -> dict:
    return {row["key"]: row["form"].cleaned_data for row in rows}


@login_required
def rate_table_new(request: AuthenticatedRequest) -> HttpResponse:
    _office(request)
    newest = RateTable.objects.order_by("-effective_from").first()
    form = RateTableForm(request.POST or None)
    rows = _rate_rows(request, None, newest)
    if request.method == "POST" and form.is_valid() and all(r["form"].is_valid() for r in rows):
        done = perform(
            request,
            office.create_rate_table,
            request.user,
            form.cleaned_data["name"],
            form.cleaned_data["effective_from"],
            _rate_values(rows),
            form=form,
        )
        if done:
            messages.success(
                request,
                _(
                    "The rate table is saved: sessions from %(day)s on are paid by it; "
                    "earlier sessions keep their table."
                )
                % {"day": f"{done.value.effective_from:%Y-%m-%d}"},
            )
            return redirect("operations:rate_table", done.value.pk)
    return render(
        request,
        "operations/rate_table_form.html",
        {"form": form, "rows": rows, "table": None, "source": newest},
    )


@login_required
def rate_table(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    _office(request)
    table = get_object_or_404(RateTable.objects.select_related("created_by"), pk=pk)
    return render(
        request,
        "operations/rate_table.html",
        {
            "table": table,
            "rates": table.rates.order_by("instructor_kind", "session_kind"),
            "columns": [RateForm.base_fields[name].label for name in office.RATE_FIELDS],
            "changes": list_changes(table.history.all(), Rate.history.filter(table_id=table.pk)),
        },
    )


@login_required
def rate_table_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    _office(request)
    table = get_object_or_404(RateTable, pk=pk)
    form = RateTableForm(request.POST or None, instance=RateTable.objects.get(pk=table.pk))
    rows = _rate_rows(request, table, table)
    valid = request.method == "POST" and form.is_valid() and all(r["form"].is_valid() for r in rows)
    if valid and perform(
        request,
        office.update_rate_table,
        request.user,
        table,
        form.cleaned_data["name"],
        form.cleaned_data["effective_from"],
        _rate_values(rows),
        form=form,
    ):
        messages.success(
            request,
            _(
                "The rate table is saved. Pay already computed keeps its amounts; "
                "sessions confirmed from now on are paid by the new figures."
            ),
        )
        return redirect("operations:rate_table", table.pk)
    return render(
        request,
        "operations/rate_table_form.html",
        {"form": form, "rows": rows, "table": table, "source": None},
    )


# --- point rules ---------------------------------------------------------------------------------


@login_required
def point_rules(request: AuthenticatedRequest) -> HttpResponse:
    _office(request)
    current = {rule.event: rule.points for rule in PointRule.objects.all()}
    form = PointRulesForm(request.POST or None, rules=current)
    valid = request.method == "POST" and form.is_valid()
    if valid and perform(
        request, office.set_point_rules, request.user, form.cleaned_data, form=form
    ):
        messages.success(
            request,
            _(
                "The point rules are saved: students earn the new points from the next "
                "confirmed session or completed course; points already earned stay."
            ),
        )
        return redirect("operations:point_rules")
    return render(
        request,
        "operations/point_rules.html",
        {"form": form, "changes": list_changes(PointRule.history.all())},
    )
