"""The office's pages of the topic taxonomy (``catalog.manage``): the list, adding a topic,
one topic with its content elements, courses using it and history, renaming and moving it,
retiring it and bringing it back. Thin: what may happen is ``catalog.services``."""

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

from . import services
from .forms import AudienceTagForm, ElementForm, TopicForm
from .models import AudienceTag, ContentElement, Topic

PAGE_SIZE = 50


def _topic(request: AuthenticatedRequest, pk: int) -> Topic:
    require_capability(request.user, "catalog.manage")
    return get_object_or_404(Topic, pk=pk)


@login_required
def topics(request: AuthenticatedRequest) -> HttpResponse:
    require_capability(request.user, "catalog.manage")
    rows = Topic.objects.annotate(
        course_count=Count("courses", distinct=True), element_count=Count("elements", distinct=True)
    ).order_by("kind", "position", "code")
    kind = request.GET.get("kind", "")
    if kind in Topic.Kind.values:
        rows = rows.filter(kind=kind)
    shown = request.GET.get("shown", "")
    if shown == "retired":
        rows = rows.filter(retired_at__isnull=False)
    elif shown != "all":
        rows = rows.filter(retired_at__isnull=True)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "catalog/topics.html",
        {"page": page, "kind": kind, "kinds": Topic.Kind.choices, "shown": shown},
    )


@login_required
def topic_new(request: AuthenticatedRequest) -> HttpResponse:
    require_capability(request.user, "catalog.manage")
    form = TopicForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = perform(request, services.create_topic, request.user, form=form, **form.cleaned_data)
        if done:
            messages.success(
                request,
                _("The topic is added: it is offered for new courses, calls and instructors."),
            )
            return redirect("catalog:topic", done.value.pk)
    return render(request, "catalog/topic_form.html", {"form": form, "topic": None})


@login_required
def topic(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    found = _topic(request, pk)
    return render(
        request,
        "catalog/topic.html",
        {
            "topic": found,
            "elements": found.elements.order_by("position", "code"),
            "course_count": found.courses.count(),
            "element_form": ElementForm(),
            "changes": list_changes(
                found.history.all(), ContentElement.history.filter(topic_id=found.pk)
            ),
        },
    )


@login_required
def topic_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    found = _topic(request, pk)
    form = TopicForm(request.POST or None, instance=Topic.objects.get(pk=found.pk))
    if (
        request.method == "POST"
        and form.is_valid()
        and perform(
            request, services.update_topic, request.user, found, form=form, **form.cleaned_data
        )
    ):
        messages.success(
            request, _("The topic is saved: its courses keep it under its new name and place.")
        )
        return redirect("catalog:topic", found.pk)
    return render(request, "catalog/topic_form.html", {"form": form, "topic": found})


@login_required
@require_POST
def topic_retire(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    found = _topic(request, pk)
    if request.POST.get("action") == "restore":
        if perform(request, services.restore_topic, request.user, found):
            messages.success(
                request, _("The topic is back in use: new courses and calls can choose it again.")
            )
    elif perform(request, services.retire_topic, request.user, found):
        messages.success(
            request,
            _(
                "The topic is retired: its courses keep it, but new courses, calls and "
                "instructor profiles can no longer choose it. You can bring it back here."
            ),
        )
    return redirect("catalog:topic", found.pk)


@login_required
@require_POST
def element_new(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    found = _topic(request, pk)
    form = ElementForm(request.POST)
    if form.is_valid() and perform(
        request, services.add_element, request.user, found, form=form, **form.cleaned_data
    ):
        messages.success(request, _("The content element is added to the topic."))
        return redirect("catalog:topic", found.pk)
    return render(
        request,
        "catalog/topic.html",
        {
            "topic": found,
            "elements": found.elements.order_by("position", "code"),
            "course_count": found.courses.count(),
            "element_form": form,
            "changes": list_changes(
                found.history.all(), ContentElement.history.filter(topic_id=found.pk)
            ),
        },
        status=400,
    )


@login_required
def element_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    require_capability(request.user, "catalog.manage")
    element = get_object_or_404(ContentElement.objects.select_related("topic"), pk=pk)
    form = ElementForm(request.POST or None, instance=ContentElement.objects.get(pk=element.pk))
    if (
        request.method == "POST"
        and form.is_valid()
        and perform(
            request, services.update_element, request.user, element, form=form, **form.cleaned_data
        )
    ):
        messages.success(request, _("The content element is saved."))
        return redirect("catalog:topic", element.topic_id)
    return render(request, "catalog/element_form.html", {"form": form, "element": element})


@login_required
def audiences(request: AuthenticatedRequest) -> HttpResponse:
    """Who courses are meant for (students, parents, …): the list, with a form to add one."""
    require_capability(request.user, "catalog.manage")
    form = AudienceTagForm(request.POST or None)
    valid = request.method == "POST" and form.is_valid()
    if valid and perform(
        request, services.save_audience_tag, request.user, None, form=form, **form.cleaned_data
    ):
        messages.success(request, _("The audience is added: courses can be meant for it now."))
        return redirect("catalog:audiences")
    return render(
        request,
        "catalog/audiences.html",
        {
            "tags": AudienceTag.objects.annotate(course_count=Count("course")).order_by(
                "position", "code"
            ),
            "form": form,
            "changes": list_changes(AudienceTag.history.all()),
        },
    )


@login_required
def audience_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    require_capability(request.user, "catalog.manage")
    tag = get_object_or_404(AudienceTag, pk=pk)
    form = AudienceTagForm(request.POST or None, instance=AudienceTag.objects.get(pk=tag.pk))
    valid = request.method == "POST" and form.is_valid()
    if valid and perform(
        request, services.save_audience_tag, request.user, tag, form=form, **form.cleaned_data
    ):
        messages.success(request, _("The audience is saved: its courses keep it."))
        return redirect("catalog:audiences")
    return render(request, "catalog/audience_form.html", {"form": form, "tag": tag})
