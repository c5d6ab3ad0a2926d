"""The public read API of the catalog: the topic taxonomy for pages and forms.

The taxonomy is small (a few dozen topics) and read on every catalog page and course form, so each
function here costs a fixed number of queries however many topics the office adds: the catalog page
takes two (topics, then all their elements), a form select one.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import ContentElement, Topic

# How a form select is laid out: Django's optgroup format, [(group label, [(value, label), ...])].
GroupedChoices = list[tuple[str, list[tuple[int, str]]]]


@dataclass
class TopicGroup:
    """The topics of one 구분 (개인, 시민 사회, 국가 공동체). Kinds without groups have one
    TopicGroup with an empty ``group`` and ``label``: templates then print no sub-heading."""

    group: str
    label: str
    topics: list[Topic] = field(default_factory=list)


@dataclass
class KindSection:
    """One kind of topic (범교과 학습, 창의적 체험활동, 교과, 학부모 교육) on the catalog page."""

    kind: str
    label: str
    groups: list[TopicGroup] = field(default_factory=list)

    @property
    def topics(self) -> list[Topic]:
        return [topic for group in self.groups for topic in group.topics]


def _kind_order(kinds: Iterable[str] | None) -> list[str]:
    """The kinds asked for, always in the order of ``Topic.Kind`` (cross-curricular first, as the
    seed puts it), whatever order the caller passed them in."""
    wanted = set(Topic.Kind.values if kinds is None else kinds)
    unknown = wanted - set(Topic.Kind.values)
    if unknown:
        raise ValueError(f"Unknown topic kinds: {sorted(unknown)}")
    return [kind for kind in Topic.Kind.values if kind in wanted]


def list_topics_by_kind(kinds: Iterable[str] | None = None) -> list[KindSection]:
    """Kind → groups → topics, each topic with its ``elements`` prefetched in order.

    Kinds follow ``Topic.Kind``, groups follow ``Topic.Group`` (the seed's 개인 → 시민 사회 → 국가
    공동체), topics and elements follow their ``position``. Kinds without topics are left out, so
    the page shows no empty heading. Two queries.
    """
    order = _kind_order(kinds)
    elements = ContentElement.objects.order_by("position", "code")
    topics = (
        Topic.objects.filter(kind__in=order, retired_at__isnull=True)
        .order_by("position", "code")
        .prefetch_related(Prefetch("elements", queryset=elements))
    )
    by_kind: dict[str, dict[str, list[Topic]]] = {kind: {} for kind in order}
    for topic in topics:
        by_kind[topic.kind].setdefault(topic.group, []).append(topic)

    group_order = {group: index for index, group in enumerate(["", *Topic.Group.values])}
    sections = []
    for kind in order:
        groups = by_kind[kind]
        if not groups:
            continue
        section = KindSection(kind=kind, label=str(Topic.Kind(kind).label))
        for group in sorted(groups, key=lambda value: group_order.get(value, len(group_order))):
            label = str(Topic.Group(group).label) if group in Topic.Group.values else ""
            section.groups.append(TopicGroup(group=group, label=label, topics=groups[group]))
        sections.append(section)
    return sections


def list_topic_choices(kinds: Iterable[str] | None = None) -> GroupedChoices:
    """Topics for a form select, one optgroup per kind: [(kind label, [(topic id, name), ...])].

    Built from the database each call, with names in the active language, so pass the function
    itself as a field's ``choices`` (a callable) rather than its result at import time. One query.
    """
    order = _kind_order(kinds)
    topics = (
        Topic.objects.filter(kind__in=order, retired_at__isnull=True)
        .only("id", "kind", "name_ko", "name_en")
        .order_by("position", "code")
    )
    by_kind: dict[str, list[tuple[int, str]]] = {kind: [] for kind in order}
    for topic in topics:
        by_kind[topic.kind].append((topic.pk, topic.name))
    return [(str(Topic.Kind(kind).label), by_kind[kind]) for kind in order if by_kind[kind]]


def offered_topics(keep: Topic | None = None) -> QuerySet[Topic]:
    """The topics a form offers for something new (a course, a call, an instructor's fields):
    every topic not retired, and ``keep`` (the one a record already has) even if it is, so
    editing an old course does not lose its topic."""
    live = Q(retired_at__isnull=True)
    if keep is not None:
        live |= Q(pk=keep.pk)
    return Topic.objects.filter(live).order_by("kind", "position", "code")


# --- the history of a record (django-simple-history), for the office's pages ---------------------

#: Fields a history never lists: the row's id, the stamps every save moves, and a rate's table
#: (its history is shown on the table's page).
_UNLISTED = {"id", "created_at", "updated_at", "created_by", "table"}


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


def _fields_of(model: type[models.Model]) -> dict[str, Any]:
    return {
        f.name: f
        for f in [*model._meta.concrete_fields, *model._meta.many_to_many]
        if f.name not in _UNLISTED
    }


def list_changes(*histories: QuerySet[Any], limit: int = 100) -> list[Change]:
    """The changes of one record, or of a record and its rows (a rate table and its rates),
    newest first: each ``history`` is a simple_history queryset (``call.history.all()``,
    ``Rate.history.filter(table_id=…)``). ``limit`` changes at most, counted per history."""
    changes: list[Change] = []
    for history in histories:
        records = list(history.select_related("history_user").order_by("-history_date")[:limit])
        model = history.model.instance_type
        fields = _fields_of(model)
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
