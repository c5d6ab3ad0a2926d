"""Reads of saved lists for the pages, the home panel and the search source: the items a viewer
sees (through each item's search source, at display time) and how many."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from openclass.accounts.models import Organisation, User
from openclass.search.selectors import kind_label

from . import access
from .models import SavedItem, SavedList


@dataclass(frozen=True)
class ShownItem:
    item: SavedItem
    #: Whether the viewer may open it now; only the list's owner sees an item they may not (a
    #: removed object, a course they left), greyed, with its title as it was when saved.
    available: bool

    @property
    def kind(self) -> str:
        return kind_label(self.item.kind)


def shown_items(viewer: User, saved_list: SavedList) -> list[ShownItem]:
    """The items of ``saved_list`` ``viewer`` sees, in order: every one for its owner (those
    they may no longer open marked), only those they may open for anyone else."""
    items = list(SavedItem.objects.filter(saved_list=saved_list).order_by("position", "pk"))
    openable = access.openable_items(viewer, [(item.source, item.key) for item in items])
    owner = access.is_owner(viewer, saved_list)
    return [
        ShownItem(item, (item.source, item.key) in openable)
        for item in items
        if owner or (item.source, item.key) in openable
    ]


def visible_counts(viewer: User, lists: Iterable[SavedList]) -> dict[int, int]:
    """For each list, how many of its items ``viewer`` sees (the owner: all of theirs)."""
    lists = list(lists)
    counts: dict[int, int] = {saved.pk: 0 for saved in lists}
    owned = {saved.pk for saved in lists if access.is_owner(viewer, saved)}
    others: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for list_id, source, key in SavedItem.objects.filter(
        saved_list__in=[saved.pk for saved in lists]
    ).values_list("saved_list_id", "source", "key"):
        if list_id in owned:
            counts[list_id] += 1
        else:
            others[list_id].append((source, key))
    openable = access.openable_items(viewer, [pair for pairs in others.values() for pair in pairs])
    for list_id, pairs in others.items():
        counts[list_id] = sum(1 for pair in pairs if pair in openable)
    return counts


def shared_with_classes(classes: QuerySet[Organisation]) -> QuerySet[SavedList]:
    """The lists shared with any of ``classes``, newest first."""
    through = SavedList.shared_with.through.objects.filter(organisation__in=classes.values("pk"))
    return (
        SavedList.objects.filter(pk__in=through.values("savedlist_id"))
        .select_related("owner")
        .order_by("-updated_at", "pk")
    )


def shared_with_me(viewer: User) -> QuerySet[SavedList]:
    """The lists others shared with the classes ``viewer`` belongs to (not their own)."""
    return shared_with_classes(access.member_classes(viewer)).exclude(owner=viewer)
