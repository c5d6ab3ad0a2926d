"""The public read API of the catalog: the topic taxonomy for pages and forms.

The taxonomy is small (a few dozen topics) and read on every catalog page and course form, so each
function here costs a fixed number of queries however many topics the office adds: the catalog page
takes two (topics, then all their elements), a form select one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet

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
