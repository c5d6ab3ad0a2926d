"""A record's history as the office's pages show it: who changed what, and when.

django-simple-history keeps a copy of a row at each save (``history = HistoricalRecords()`` on
the model; the user from the request through its middleware). This turns those copies into
"field: old → new" lines, newest first, for ``web/_history.html``: one reading for every area's
records (the organisation tree, staff accounts, calls, rate tables, point rules, topics).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

#: Fields a history never lists: the row's id, the stamps every save moves, what is derived or
#: secret, and a rate's table (its history is shown on the table's page).
_UNLISTED = {
    "id",
    "created_at",
    "updated_at",
    "created_by",
    "table",
    "path",
    "password",
    "last_login",
}


@dataclass
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class Change:
    """One saved change of a record: when, by whom (None: a script or the system), whether it
    was created, changed or deleted, which record (for the rows of a table shown together) and
    each field's value before and after."""

    at: datetime.datetime
    who: Any
    kind: str
    record: str
    fields: list[FieldChange] = field(default_factory=list)

    @property
    def label(self) -> str:
        return str({"+": _("Created"), "-": _("Deleted")}.get(self.kind, _("Changed")))


def _shown(model_field: Any, value: Any) -> str:
    """A stored value as a person reads it: a choice's label, a related row's name, yes/no."""
    if value is None or value == "":
        return "—"
    related: Any = getattr(model_field, "related_model", None)
    if isinstance(model_field, models.ManyToManyField):
        other = model_field.m2m_reverse_field_name()
        ids = [row.get(other, row.get(f"{other}_id")) for row in value if isinstance(row, dict)]
        names = related._default_manager.filter(pk__in=ids)
        return ", ".join(sorted(str(name) for name in names)) or "—"
    if isinstance(value, models.Model):
        return str(value)
    if model_field.is_relation and related is not None:
        found = related._default_manager.filter(pk=value).first()
        return str(found) if found is not None else f"#{value}"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _fields_of(model: type[models.Model], historical: type[models.Model]) -> dict[str, Any]:
    """The fields a history lists: the model's own, and the many-to-many ones its history keeps
    (``HistoricalRecords(m2m_fields=…)``; a user's groups are not kept)."""
    return {
        f.name: f
        for f in [*model._meta.concrete_fields, *model._meta.many_to_many]
        if f.name not in _UNLISTED and (not f.many_to_many or hasattr(historical, f.name))
    }


def list_changes(*histories: QuerySet[Any], limit: int = 100) -> list[Change]:
    """The changes of one record, or of a record and its rows (a rate table and its rates),
    newest first: each ``history`` is a simple_history queryset (``call.history.all()``,
    ``Rate.history.filter(table_id=…)``). ``limit`` changes at most, counted per history."""
    changes: list[Change] = []
    for history in histories:
        records = list(history.select_related("history_user").order_by("-history_date")[:limit])
        model = history.model.instance_type
        fields = _fields_of(model, history.model)
        for record in records:
            change = Change(
                at=record.history_date,
                who=record.history_user,
                kind=record.history_type,
                record=str(record.instance),
            )
            previous = record.prev_record
            if record.history_type == "+" or previous is None:
                for name, model_field in fields.items():
                    value = getattr(record, model_field.attname, None)
                    if isinstance(model_field, models.ManyToManyField):
                        value = list(getattr(record, name).values())
                    if value not in (None, "", []):
                        change.fields.append(
                            FieldChange(
                                str(model_field.verbose_name), "", _shown(model_field, value)
                            )
                        )
            elif record.history_type == "~":
                delta = record.diff_against(previous)
                for item in delta.changes:
                    model_field = fields.get(item.field)
                    if model_field is None:
                        continue
                    change.fields.append(
                        FieldChange(
                            str(model_field.verbose_name),
                            _shown(model_field, item.old),
                            _shown(model_field, item.new),
                        )
                    )
                if not change.fields:
                    continue  # (a save that changed nothing shown)
            changes.append(change)
    changes.sort(key=lambda change: change.at, reverse=True)
    return changes
