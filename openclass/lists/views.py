"""The pages of saved lists (나만의 목록): my lists and those shared with my classes, a list's page
(its items, their order and notes, its sharing), a list opened by its link, and saving a search
result into a list.

A list the viewer may not open is a 404 (``access.visible_lists``); one they may open but not
change (a list shared with their class) answers a change with a 403 (``core.views``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from openclass.accounts.capabilities import has_capability, require_capability
from openclass.accounts.models import AuthenticatedRequest, Organisation
from openclass.core.params import parse_id, parse_ids
from openclass.core.views import perform
from openclass.search.selectors import kind_label

from . import access, selectors, services
from .forms import ListForm
from .models import SavedItem, SavedList


def _visible_list(request: AuthenticatedRequest, pk: int) -> SavedList:
    require_capability(request.user, "lists.keep")
    return get_object_or_404(visible_list_queryset(request), pk=pk)


def visible_list_queryset(request: AuthenticatedRequest) -> Any:
    return access.visible_lists(request.user).select_related("owner")


def _own_list(request: AuthenticatedRequest, pk: int) -> SavedList:
    """A list the viewer owns: 404 when they may not open it, 403 when they only may open it."""
    saved_list = _visible_list(request, pk)
    if not access.is_owner(request.user, saved_list):
        raise PermissionDenied
    return saved_list


def _own_item(request: AuthenticatedRequest, pk: int, item_id: int) -> SavedItem:
    saved_list = _own_list(request, pk)
    item = get_object_or_404(SavedItem, pk=item_id, saved_list=saved_list)
    item.saved_list = saved_list
    return item


def _copied_message(request: HttpRequest, copied: services.Copied) -> None:
    messages.success(
        request,
        _("“%(name)s” is copied into your lists.") % {"name": copied.saved_list.name},
    )
    if copied.left_out:
        messages.info(
            request,
            ngettext(
                "%(n)d item was left out: you may not open it.",
                "%(n)d items were left out: you may not open them.",
                copied.left_out,
            )
            % {"n": copied.left_out},
        )


@login_required
def index(request: AuthenticatedRequest) -> HttpResponse:
    """My lists, the lists shared with my classes, and a form to make a list."""
    require_capability(request.user, "lists.keep")
    form = ListForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = perform(
            request,
            services.create_list,
            request.user,
            form.cleaned_data["name"],
            form.cleaned_data["description"],
            form.cleaned_data["category"],
            form=form,
        )
        if outcome:
            messages.success(request, _("The list is made."))
            return redirect("lists:detail", pk=outcome.value.pk)
    own = list(access.own_lists(request.user).order_by("category", "name", "pk"))
    shared = list(selectors.shared_with_me(request.user))
    counts = selectors.visible_counts(request.user, [*own, *shared])
    return render(
        request,
        "lists/index.html",
        {
            "own": [{"list": saved, "count": counts[saved.pk]} for saved in own],
            "shared": [{"list": saved, "count": counts[saved.pk]} for saved in shared],
            "form": form,
        },
    )


def _detail_context(request: AuthenticatedRequest, saved_list: SavedList) -> dict[str, Any]:
    user = request.user
    owner = access.is_owner(user, saved_list)
    context: dict[str, Any] = {
        "saved_list": saved_list,
        "items": selectors.shown_items(user, saved_list),
        "owner": owner,
    }
    if owner:
        context["form"] = ListForm(
            initial={
                "name": saved_list.name,
                "description": saved_list.description,
                "category": saved_list.category,
            }
        )
        context["link"] = (
            request.build_absolute_uri(
                reverse("lists:shared", kwargs={"token": saved_list.link_token})
            )
            if saved_list.link_token
            else ""
        )
        if has_capability(user, "lists.share_class"):
            shared = set(saved_list.shared_with.values_list("pk", flat=True))
            classes = Organisation.objects.filter(
                pk__in=[*shared, *access.shareable_classes(user).values_list("pk", flat=True)]
            ).select_related("parent__parent")
            context["classes"] = [
                {"klass": klass, "shared": klass.pk in shared} for klass in classes
            ]
    else:
        context["shared_classes"] = list(
            saved_list.shared_with.filter(pk__in=access.member_classes(user).values("pk"))
        )
    return context


@login_required
def detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A list's page: its items as the viewer may see them; for its owner, the controls."""
    saved_list = _visible_list(request, pk)
    return render(request, "lists/detail.html", _detail_context(request, saved_list))


@login_required
def edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Rename a list, change its description or category."""
    saved_list = _own_list(request, pk)
    form = ListForm(
        request.POST or None,
        initial={
            "name": saved_list.name,
            "description": saved_list.description,
            "category": saved_list.category,
        },
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and perform(
            request,
            services.update_list,
            request.user,
            saved_list,
            form.cleaned_data["name"],
            form.cleaned_data["description"],
            form.cleaned_data["category"],
            form=form,
        )
    ):
        messages.success(request, _("The list is saved."))
        return redirect("lists:detail", pk=saved_list.pk)
    return render(request, "lists/edit.html", {"saved_list": saved_list, "form": form})


@login_required
def delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Ask, then delete a list."""
    saved_list = _own_list(request, pk)
    if request.method == "POST" and perform(
        request, services.delete_list, request.user, saved_list
    ):
        messages.success(request, _("“%(name)s” is deleted.") % {"name": saved_list.name})
        return redirect("lists:index")
    return render(request, "lists/delete.html", {"saved_list": saved_list})


@login_required
@require_POST
def share(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Share the list with the classes ticked (the others are taken off)."""
    saved_list = _own_list(request, pk)
    require_capability(request.user, "lists.share_class")
    ids = parse_ids(request.POST.getlist("classes"))
    if ids is None:
        raise Http404
    classes = list(Organisation.objects.filter(pk__in=ids, kind=Organisation.Kind.CLASS))
    if len(classes) != len(set(ids)):
        raise Http404
    if perform(request, services.share_with_classes, request.user, saved_list, classes):
        messages.success(
            request,
            _("The list is shared with the classes ticked.")
            if classes
            else _("The list is shared with no class."),
        )
    return redirect("lists:detail", pk=saved_list.pk)


@login_required
@require_POST
def link(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Turn the list's link on or off, or make a new one."""
    saved_list = _own_list(request, pk)
    action = request.POST.get("action", "")
    if perform(request, services.share_by_link, request.user, saved_list, action):
        messages.success(
            request,
            {
                "on": _("Anyone signed in who has the link can now open the list."),
                "off": _("The link is off: it no longer opens the list."),
                "renew": _("The list has a new link; the old one no longer opens it."),
            }[action],
        )
    return redirect("lists:detail", pk=saved_list.pk)


@login_required
@require_POST
def copy(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Copy a list the viewer may open into their own lists."""
    saved_list = _visible_list(request, pk)
    outcome = perform(request, services.copy_list, request.user, saved_list)
    if outcome:
        _copied_message(request, outcome.value)
        return redirect("lists:detail", pk=outcome.value.saved_list.pk)
    return redirect("lists:detail", pk=saved_list.pk)


@login_required
@require_POST
def move(request: AuthenticatedRequest, pk: int, item_id: int) -> HttpResponse:
    """Move an item one place up or down (works without script)."""
    item = _own_item(request, pk, item_id)
    perform(request, services.move_item, request.user, item, request.POST.get("direction", ""))
    return redirect(f"{reverse('lists:detail', kwargs={'pk': pk})}#item-{item.pk}")


@login_required
@require_POST
def annotate(request: AuthenticatedRequest, pk: int, item_id: int) -> HttpResponse:
    """Write an item's note (an empty note clears it)."""
    item = _own_item(request, pk, item_id)
    if perform(request, services.annotate, request.user, item, request.POST.get("note", "")):
        messages.success(request, _("The note is saved."))
    return redirect(f"{reverse('lists:detail', kwargs={'pk': pk})}#item-{item.pk}")


@login_required
@require_POST
def remove(request: AuthenticatedRequest, pk: int, item_id: int) -> HttpResponse:
    """Take an item off the list."""
    item = _own_item(request, pk, item_id)
    if perform(request, services.remove_item, request.user, item):
        messages.success(request, _("“%(title)s” is taken off the list.") % {"title": item.title})
    return redirect("lists:detail", pk=pk)


def _linked_list(request: AuthenticatedRequest, token: str) -> SavedList:
    require_capability(request.user, "lists.keep")
    if not token:
        raise Http404
    return get_object_or_404(SavedList.objects.select_related("owner"), link_token=token)


@login_required
def shared(request: AuthenticatedRequest, token: str) -> HttpResponse:
    """A list opened by its link: read-only, with a button to copy it."""
    saved_list = _linked_list(request, token)
    return render(
        request,
        "lists/shared.html",
        {
            "saved_list": saved_list,
            "items": selectors.shown_items(request.user, saved_list),
            "token": token,
        },
    )


@login_required
@require_POST
def shared_copy(request: AuthenticatedRequest, token: str) -> HttpResponse:
    """Copy a list opened by its link into the viewer's lists."""
    saved_list = _linked_list(request, token)
    outcome = perform(request, services.copy_list, request.user, saved_list, token=token)
    if outcome:
        _copied_message(request, outcome.value)
        return redirect("lists:detail", pk=outcome.value.saved_list.pk)
    return redirect("lists:shared", token=token)


def _safe_next(request: HttpRequest, value: str) -> str:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return reverse("lists:index")


@login_required
def save(request: AuthenticatedRequest) -> HttpResponse:
    """Save a search result into a list: ``?source=…&key=…&next=…`` shows the lists to choose
    from (or a new one to make); the POST saves and goes back to ``next`` (a local address only).
    Something the viewer may not open, or that is not there, is a 404."""
    require_capability(request.user, "lists.keep")
    data = request.POST if request.method == "POST" else request.GET
    source_name = data.get("source", "")
    key = parse_id(data.get("key", ""))
    source = access.source_or_none(source_name)
    if source is None or key is None or not access.can_open(request.user, source_name, key):
        raise Http404
    document = next(iter(source.documents([key])), None)
    if document is None:
        raise Http404
    next_url = _safe_next(request, data.get("next", ""))
    own = access.own_lists(request.user).order_by("name", "pk")
    if request.method == "POST":
        new_name = request.POST.get("new_name", "").strip()
        chosen = parse_id(request.POST.get("list", ""))
        outcome: Any = None
        if new_name:
            outcome = perform(
                request, services.save_to_new_list, request.user, new_name, source_name, key
            )
        elif chosen is not None:
            saved_list = get_object_or_404(own, pk=chosen)
            outcome = perform(
                request, services.save_item, request.user, saved_list, source_name, key
            )
        else:
            messages.error(request, _("Choose a list, or name a new one."))
        if outcome:
            messages.success(
                request,
                _("Saved to “%(name)s”.") % {"name": outcome.value.saved_list.name},
            )
            return redirect(next_url)
    holding = set(
        SavedItem.objects.filter(
            saved_list__owner=request.user, source=source_name, key=key
        ).values_list("saved_list_id", flat=True)
    )
    return render(
        request,
        "lists/save.html",
        {
            "document": document,
            "kind": kind_label(source.kind),
            "source": source_name,
            "key": key,
            "next": next_url,
            "lists": [{"list": saved, "holds": saved.pk in holding} for saved in own],
        },
    )
