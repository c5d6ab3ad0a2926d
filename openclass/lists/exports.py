"""Saved lists in a person's data archive: the lists they keep, with their items and notes, and
with whom each is shared."""

from __future__ import annotations

from openclass.accounts.models import User
from openclass.core.registry import ExportPart, exporter

from .models import SavedList


@exporter("lists.saved_lists")
def saved_lists(person: User) -> ExportPart | None:
    lists = (
        SavedList.objects.filter(owner=person)
        .prefetch_related("items", "shared_with")
        .order_by("created_at", "pk")
    )
    if not lists.exists():
        return None
    return ExportPart(
        [
            {
                "name": saved.name,
                "description": saved.description,
                "category": saved.category,
                "created_at": saved.created_at,
                "updated_at": saved.updated_at,
                "shared_by_link": bool(saved.link_token),
                "shared_with_classes": [klass.full_name for klass in saved.shared_with.all()],
                "items": [
                    {
                        "kind": item.kind,
                        "title": item.title,
                        "url": item.url,
                        "note": item.note,
                        "saved_at": item.saved_at,
                    }
                    for item in saved.items.all()
                ],
            }
            for saved in lists
        ]
    )
