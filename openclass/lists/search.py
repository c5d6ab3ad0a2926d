"""Saved lists in the search (issue 17: user-made categories appear as results themselves).

A list is a document: its name the title, its category the tag, its description and its items'
titles the body, its page the address. It is found by those who may open its page
(``access.visible_lists``: its owner and the members of the classes it is shared with).

Item titles are indexed only where they cannot tell a finder about something they may not open:
every item's title in a list nobody else may open (its owner saw them all when saving), and in a
shared list only the titles of items anyone signed in may open (their source's ``visible``
answers ``None``); the list's page itself filters its items by the viewer (``selectors``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch
from django.urls import reverse

from openclass.accounts.scoping import alike_if_student
from openclass.core.registry import SearchDocument, SearchSource

from . import access
from .models import SavedItem, SavedList

CHUNK = 500


def _body(saved_list: Any) -> str:
    items = saved_list.indexed_items
    if saved_list.is_shared:
        everyone: dict[str, bool] = {}
        for item in items:
            if item.source not in everyone:
                source = access.source_or_none(item.source)
                everyone[item.source] = (
                    source is not None and source.visible(saved_list.owner) is None
                )
        items = [item for item in items if everyone[item.source]]
    return "\n".join([saved_list.description, *(item.title for item in items)]).strip()


def documents(keys: Iterable[int] | None) -> Iterator[SearchDocument]:
    """The documents of the lists ``keys`` (every list for ``None``), in chunks."""
    through = SavedList.shared_with.through.objects.filter(savedlist=OuterRef("pk"))
    lists = (
        SavedList.objects.select_related("owner")
        .annotate(is_shared=Exists(through))
        .prefetch_related(
            Prefetch(
                "items",
                queryset=SavedItem.objects.only("saved_list_id", "source", "title").order_by(
                    "position", "pk"
                ),
                to_attr="indexed_items",
            )
        )
        .order_by("pk")
    )
    wanted = None if keys is None else sorted({int(key) for key in keys})
    last = 0
    while True:
        if wanted is None:
            chunk = list(lists.filter(pk__gt=last)[:CHUNK])
        else:
            part, wanted = wanted[:CHUNK], wanted[CHUNK:]
            chunk = list(lists.filter(pk__in=part)) if part else []
        if not chunk:
            return
        for saved_list in chunk:
            yield SearchDocument(
                key=saved_list.pk,
                title=saved_list.name,
                url=reverse("lists:detail", kwargs={"pk": saved_list.pk}),
                body=_body(saved_list),
                tags=(saved_list.category,) if saved_list.category else (),
                popularity=len(saved_list.indexed_items),
                published_at=saved_list.created_at,
            )
        last = chunk[-1].pk


def visible(user: Any) -> Any:
    """The lists ``user`` may open (their page's rule)."""
    return access.visible_lists(user).values("pk")


SOURCE = SearchSource(
    name="lists.list",
    kind="list",
    model=SavedList,
    documents=documents,
    visible=visible,
    alike=alike_if_student,
    watch=((SavedItem, lambda item: [item.saved_list_id]),),
)
