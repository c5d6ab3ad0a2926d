"""The rules of saved lists (나만의 목록): making, changing and sharing them, saving into them.

Every command takes the acting user first and checks what it needs itself (a view only fetches
what the user may see and calls here through ``core.views.perform``): a list is changed by its
owner only (``PermissionDenied`` otherwise), and nothing is saved that the user may not open —
the search source of the thing decides, by the same rule as the page that opens it. A refused
request raises ``ValidationError`` with the reason to show. Every write of several rows runs in
one transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from openclass.accounts.capabilities import has_capability, require_capability
from openclass.accounts.models import Organisation, User

from . import access
from .models import SavedItem, SavedList

#: How many lists a person keeps, and how many items a list holds.
MAX_LISTS = 200
MAX_ITEMS = 500
NAME_LENGTH, DESCRIPTION_LENGTH, CATEGORY_LENGTH, NOTE_LENGTH = 100, 2000, 50, 1000
TITLE_LENGTH, URL_LENGTH = 300, 500


def _require_owner(user: User, saved_list: SavedList) -> None:
    require_capability(user, "lists.keep")
    if not access.is_owner(user, saved_list):
        raise PermissionDenied


def _clean_fields(name: str, description: str, category: str) -> tuple[str, str, str]:
    name, description, category = name.strip(), description.strip(), category.strip()
    errors = {}
    if not name:
        errors["name"] = _("Give the list a name.")
    elif len(name) > NAME_LENGTH:
        errors["name"] = _("The name is too long.")
    if len(description) > DESCRIPTION_LENGTH:
        errors["description"] = _("The description is too long.")
    if len(category) > CATEGORY_LENGTH:
        errors["category"] = _("The category is too long.")
    if errors:
        raise ValidationError(errors)
    return name, description, category


def create_list(user: User, name: str, description: str = "", category: str = "") -> SavedList:
    """A new, unshared list of ``user``'s (at most ``MAX_LISTS`` of them)."""
    require_capability(user, "lists.keep")
    name, description, category = _clean_fields(name, description, category)
    if SavedList.objects.filter(owner=user).count() >= MAX_LISTS:
        raise ValidationError(_("You keep as many lists as one person may. Delete one first."))
    return SavedList.objects.create(
        owner=user, name=name, description=description, category=category
    )


def update_list(
    user: User, saved_list: SavedList, name: str, description: str = "", category: str = ""
) -> SavedList:
    """Rename a list, or change its description or category (its owner)."""
    _require_owner(user, saved_list)
    saved_list.name, saved_list.description, saved_list.category = _clean_fields(
        name, description, category
    )
    saved_list.save(update_fields=["name", "description", "category"])
    return saved_list


def delete_list(user: User, saved_list: SavedList) -> None:
    """Delete a list with its items (its owner); copies others made of it stay theirs."""
    _require_owner(user, saved_list)
    with transaction.atomic():
        saved_list.delete()


# --- Items ----------------------------------------------------------------------------------


def save_item(
    user: User, saved_list: SavedList, source_name: str, key: int, note: str = ""
) -> SavedItem:
    """Save the object ``key`` of the search source ``source_name`` at the end of the list.

    Refused unless the source is registered and ``user`` may open the object by the source's
    own rule (``visible(user)``): nobody saves, and so keeps the title of, what they may not
    see. Its kind, title and address are kept as they are now, so the item still shows what it
    was if the object goes away. Saving what the list holds already is refused with a word."""
    _require_owner(user, saved_list)
    source = access.source_or_none(source_name)
    if source is None or not access.can_open(user, source_name, key):
        raise ValidationError(
            _("There is nothing to save there, or you may not open it."), code="not_found"
        )
    document = next(iter(source.documents([key])), None)
    if document is None:
        raise ValidationError(
            _("There is nothing to save there, or you may not open it."), code="not_found"
        )
    note = note.strip()
    if len(note) > NOTE_LENGTH:
        raise ValidationError({"note": _("The note is too long.")})
    with transaction.atomic():
        locked = SavedList.objects.select_for_update().get(pk=saved_list.pk)
        items = SavedItem.objects.filter(saved_list=locked)
        if items.filter(source=source_name, key=key).exists():
            raise ValidationError(
                _("“%(list)s” holds this already.") % {"list": locked.name}, code="duplicate"
            )
        if items.count() >= MAX_ITEMS:
            raise ValidationError(_("The list is full. Remove an item or make another list."))
        last = items.aggregate(last=Max("position"))["last"] or 0
        item = SavedItem.objects.create(
            saved_list=locked,
            source=source_name,
            key=key,
            kind=source.kind,
            title=str(document.title)[:TITLE_LENGTH],
            url=str(document.url)[:URL_LENGTH],
            note=note,
            position=last + 1,
        )
        locked.save(update_fields=["updated_at"])
    return item


def save_to_new_list(user: User, name: str, source_name: str, key: int) -> SavedItem:
    """Make a list named ``name`` and save the object into it, both or neither."""
    with transaction.atomic():
        return save_item(user, create_list(user, name), source_name, key)


def remove_item(user: User, item: SavedItem) -> None:
    """Take an item off its list (the list's owner)."""
    _require_owner(user, item.saved_list)
    item.delete()


def annotate(user: User, item: SavedItem, note: str) -> SavedItem:
    """Write (or, empty, clear) an item's note (the list's owner)."""
    _require_owner(user, item.saved_list)
    note = note.strip()
    if len(note) > NOTE_LENGTH:
        raise ValidationError({"note": _("The note is too long.")})
    item.note = note
    item.save(update_fields=["note"])
    return item


def reorder(user: User, saved_list: SavedList, item_ids: Sequence[int]) -> None:
    """Put the list's items in the order ``item_ids`` gives: every item of the list, each once
    (an order that leaves one out or names another list's is refused whole)."""
    _require_owner(user, saved_list)
    with transaction.atomic():
        items = {
            item.pk: item
            for item in SavedItem.objects.select_for_update().filter(saved_list=saved_list)
        }
        if len(item_ids) != len(set(item_ids)) or set(item_ids) != set(items):
            raise ValidationError(
                _("The list changed meanwhile: reload it and order it again."), code="stale"
            )
        for position, pk in enumerate(item_ids, start=1):
            items[pk].position = position
        SavedItem.objects.bulk_update(items.values(), ["position"])


def move_item(user: User, item: SavedItem, direction: Literal["up", "down"]) -> None:
    """Move an item one place up or down (the buttons of the list page, without script)."""
    saved_list = item.saved_list
    _require_owner(user, saved_list)
    if direction not in ("up", "down"):
        raise ValidationError(_("Move up or down."))
    order = list(SavedItem.objects.filter(saved_list=saved_list).values_list("pk", flat=True))
    at = order.index(item.pk)
    to = at - 1 if direction == "up" else at + 1
    if 0 <= to < len(order):
        order[at], order[to] = order[to], order[at]
        reorder(user, saved_list, order)


# --- Sharing ----------------------------------------------------------------------------------


def share_with_classes(
    user: User, saved_list: SavedList, classes: Iterable[Organisation]
) -> SavedList:
    """Share the list with exactly ``classes`` (its owner, with ``lists.share_class``). Every
    class added must be one they teach or administer (``access.can_share_with``); a class is
    always taken off, also one they no longer teach."""
    _require_owner(user, saved_list)
    require_capability(user, "lists.share_class")
    wanted = {klass.pk: klass for klass in classes}
    current = set(saved_list.shared_with.values_list("pk", flat=True))
    for pk, klass in wanted.items():
        if pk not in current and not has_capability(user, "lists.share_class", klass):
            raise PermissionDenied
    with transaction.atomic():
        saved_list.shared_with.set(list(wanted.values()))
        # The list's search document changes with whom it is shared (services.search re-indexes
        # on a save of the list; a change of the relation alone is no save).
        saved_list.save(update_fields=["updated_at"])
    return saved_list


def share_by_link(
    user: User, saved_list: SavedList, action: Literal["on", "off", "renew"]
) -> SavedList:
    """Turn the list's link on (a new unguessable token when it had none), off (the old link
    stops working), or renew it (a new token: the old link stops working)."""
    _require_owner(user, saved_list)
    if action == "off":
        saved_list.link_token = ""
    elif action == "renew" or (action == "on" and not saved_list.link_token):
        saved_list.link_token = secrets.token_urlsafe(24)
    elif action != "on":
        raise ValidationError(_("Turn the link on, off, or make a new one."))
    saved_list.save(update_fields=["link_token"])
    return saved_list


@dataclass(frozen=True)
class Copied:
    saved_list: SavedList
    left_out: int  # items of the original the copier may not open


def copy_list(user: User, original: SavedList, *, token: str = "") -> Copied:
    """Copy a list ``user`` may open (theirs, shared with their class, or by its link's
    ``token``) into their own lists, unshared, with the notes. Items they may not open are
    left out (and counted, for the page to say how many)."""
    require_capability(user, "lists.keep")
    by_link = bool(token) and secrets.compare_digest(token, original.link_token or "")
    if not by_link and not access.visible_lists(user).filter(pk=original.pk).exists():
        raise PermissionDenied
    items = list(SavedItem.objects.filter(saved_list=original))
    openable = access.openable_items(user, [(item.source, item.key) for item in items])
    kept = [item for item in items if (item.source, item.key) in openable]
    with transaction.atomic():
        copy = create_list(user, original.name, original.description, original.category)
        SavedItem.objects.bulk_create(
            [
                SavedItem(
                    saved_list=copy,
                    source=item.source,
                    key=item.key,
                    kind=item.kind,
                    title=item.title,
                    url=item.url,
                    note=item.note,
                    position=position,
                )
                for position, item in enumerate(kept, start=1)
            ]
        )
        # bulk_create sends no post_save: the copy's search document is built once, here.
        copy.save(update_fields=["updated_at"])
    return Copied(copy, len(items) - len(kept))
