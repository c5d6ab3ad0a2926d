"""A record's history as the office's pages show it: who changed what, and when.

django-simple-history keeps a copy of the row at each save (``history = HistoricalRecords()`` on
the model, the user from the request through its middleware); this turns those copies into
"field: old → new" lines, newest first.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from ..models import Organisation, TeachingAssignment, User

HISTORY_LIMIT = 50


@dataclass(frozen=True)
class Change:
    label: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    when: datetime.datetime
    who: User | None
    action: str
    description: str = ""
    changes: list[Change] = field(default_factory=list)


def _action(history_type: str) -> str:
    return {"+": _("Created"), "~": _("Changed"), "-": _("Deleted")}.get(history_type, "")


def _display(model_field: models.Field, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    related_model = model_field.related_model
    if model_field.is_relation and related_model is not None and not isinstance(related_model, str):
        related = related_model._default_manager.filter(pk=value).first()
        return str(related) if related is not None else f"#{value}"
    return str(value)


def history_of(instance: models.Model, limit: int = HISTORY_LIMIT) -> list[HistoryEntry]:
    """The last ``limit`` changes of ``instance``, newest first, each with what it changed."""
    manager = getattr(instance, "history", None)
    if manager is None:
        return []
    records = list(
        manager.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1]
    )
    model = type(instance)
    entries: list[HistoryEntry] = []
    for index, record in enumerate(records[:limit]):
        entry = HistoryEntry(
            when=record.history_date,
            who=record.history_user,
            action=_action(record.history_type),
        )
        older = records[index + 1] if index + 1 < len(records) else None
        if older is not None and record.history_type == "~":
            delta = record.diff_against(older)
            for change in delta.changes:
                model_field = model._meta.get_field(change.field)
                if not isinstance(model_field, models.Field):
                    continue
                entry.changes.append(
                    Change(
                        label=str(model_field.verbose_name),
                        old=_display(model_field, change.old),
                        new=_display(model_field, change.new),
                    )
                )
        entries.append(entry)
    return entries


def assignment_history(teacher: User, limit: int = HISTORY_LIMIT) -> list[HistoryEntry]:
    """Teaching assignments given to and taken from ``teacher``, newest first (an assignment
    removed is gone from the table but not from its history)."""
    records = list(
        TeachingAssignment.history.filter(teacher_id=teacher.pk)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[:limit]
    )
    classes = Organisation.objects.select_related("parent").in_bulk(
        {record.klass_id for record in records}
    )
    entries = []
    for record in records:
        klass = classes.get(record.klass_id)
        parts = [klass.full_name if klass is not None else f"#{record.klass_id}"]
        if record.is_homeroom:
            parts.append(_("homeroom teacher"))
        if record.subject:
            parts.append(record.subject)
        action = {"+": _("Assigned"), "-": _("Removed")}.get(record.history_type, _("Changed"))
        entries.append(
            HistoryEntry(
                when=record.history_date,
                who=record.history_user,
                action=action,
                description=" · ".join(parts),
            )
        )
    return entries
