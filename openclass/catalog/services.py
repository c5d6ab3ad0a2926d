"""Keeping the topic taxonomy (the office, ``catalog.manage``): adding a topic, renaming and
moving it (its kind, group and place), retiring it and bringing it back, and its content
elements. Every save is kept in the topic's history with who made it.

A topic is never deleted here: courses, applications and calls point at it (``PROTECT``).
Retiring keeps those links and only stops offering the topic for something new
(``selectors.offered_topics``); the catalog page no longer lists it.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openclass.accounts.capabilities import has_capability
from openclass.accounts.models import User

from .models import AudienceTag, ContentElement, Topic

TOPIC_FIELDS = ("kind", "group", "code", "name_ko", "name_en", "position")
ELEMENT_FIELDS = ("code", "name_ko", "name_en", "position")


def _require(actor: User) -> None:
    if not has_capability(actor, "catalog.manage"):
        raise PermissionDenied


def _save(record: Topic | ContentElement | AudienceTag, actor: User) -> None:
    record.full_clean()
    vars(record)["_history_user"] = actor  # (simple_history records who saved it)
    record.save()


def create_topic(actor: User, **values: Any) -> Topic:
    _require(actor)
    topic = Topic(**{name: values[name] for name in TOPIC_FIELDS if name in values})
    if values.get("kind") != Topic.Kind.CROSS_CURRICULAR:
        topic.group = ""
    _save(topic, actor)
    return topic


def update_topic(actor: User, topic: Topic, **values: Any) -> Topic:
    """Rename or move a topic: its names, kind, group and place in the list. Its courses keep
    it (they point at the row, not at its name or code)."""
    _require(actor)
    for name in TOPIC_FIELDS:
        if name in values:
            setattr(topic, name, values[name])
    if topic.kind != Topic.Kind.CROSS_CURRICULAR:
        topic.group = ""
    _save(topic, actor)
    return topic


@transaction.atomic
def retire_topic(actor: User, topic: Topic) -> Topic:
    _require(actor)
    topic = Topic.objects.select_for_update().get(pk=topic.pk)
    if topic.retired_at is not None:
        raise ValidationError(_("This topic is retired already."))
    topic.retired_at = timezone.now()
    _save(topic, actor)
    return topic


@transaction.atomic
def restore_topic(actor: User, topic: Topic) -> Topic:
    _require(actor)
    topic = Topic.objects.select_for_update().get(pk=topic.pk)
    if topic.retired_at is None:
        raise ValidationError(_("This topic is not retired."))
    topic.retired_at = None
    _save(topic, actor)
    return topic


def add_element(actor: User, topic: Topic, **values: Any) -> ContentElement:
    _require(actor)
    element = ContentElement(
        topic=topic, **{name: values[name] for name in ELEMENT_FIELDS if name in values}
    )
    _save(element, actor)
    return element


def update_element(actor: User, element: ContentElement, **values: Any) -> ContentElement:
    _require(actor)
    for name in ELEMENT_FIELDS:
        if name in values:
            setattr(element, name, values[name])
    _save(element, actor)
    return element


TAG_FIELDS = ("code", "name_ko", "name_en", "position")


def save_audience_tag(actor: User, tag: AudienceTag | None, **values: Any) -> AudienceTag:
    """Add an audience tag (who a course is meant for) or rename or reorder one; courses keep
    their tags (they point at the row)."""
    _require(actor)
    tag = tag or AudienceTag()
    for name in TAG_FIELDS:
        if name in values:
            setattr(tag, name, values[name])
    _save(tag, actor)
    return tag
