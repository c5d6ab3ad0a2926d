"""The office's settings of the operations area, kept on its own pages (issue 18, item 5)
rather than in Django's admin: calls for applications (create, change, open and close), the
rate table (강사료 기준표) and the point rules (포인트 기준). Only the office
(``operations.approve``): none of these belongs to a school. Every save is kept in the record's
history with who made it (django-simple-history).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from openclass.accounts.capabilities import has_capability
from openclass.accounts.models import User
from openclass.catalog.models import Topic
from openclass.notifications.services import notify

from ..models import Call, InstructorDocument, InstructorProfile, PointRule, Rate, RateTable

CALL_FIELDS = ("title", "description", "opens_on", "closes_on")
RATE_FIELDS = (
    "hourly_won",
    "max_minutes",
    "travel_won",
    "min_attendance_percent",
    "reduced_percent",
    "monthly_cap_won",
)


def _require(actor: User) -> None:
    if not has_capability(actor, "operations.approve"):
        raise PermissionDenied


def _save(record: models.Model, actor: User) -> None:
    record.full_clean(exclude=["created_by", "table"])
    vars(record)["_history_user"] = actor  # (simple_history records who saved it)
    record.save()


# --- calls for applications ---------------------------------------------------------------------


@transaction.atomic
def create_call(actor: User, topics: Iterable[Topic], **values: Any) -> Call:
    """A new call, not yet open: the office opens it when it is ready (``open_call``)."""
    _require(actor)
    call = Call(created_by=actor, **{name: values[name] for name in CALL_FIELDS if name in values})
    _save(call, actor)
    call.topics.set(list(topics))
    return call


@transaction.atomic
def update_call(actor: User, call: Call, topics: Iterable[Topic], **values: Any) -> Call:
    """Change a call's title, text, dates and fields. Applications already made keep their
    field even when it is taken off the call."""
    _require(actor)
    for name in CALL_FIELDS:
        if name in values:
            setattr(call, name, values[name])
    _save(call, actor)
    call.topics.set(list(topics))
    return call


def open_call(actor: User, call: Call) -> Call:
    """Publish a call: schools may apply from its first day to its last."""
    _require(actor)
    if call.is_published:
        raise ValidationError(_("This call is open already."))
    if not call.topics.exists():
        raise ValidationError(_("Choose at least one field before opening the call."))
    call.is_published = True
    _save(call, actor)
    return call


def close_call(actor: User, call: Call) -> Call:
    """Stop taking applications now (before its last day too); applications made stay."""
    _require(actor)
    if not call.is_published:
        raise ValidationError(_("This call is closed already."))
    call.is_published = False
    _save(call, actor)
    return call


# --- the rate table ------------------------------------------------------------------------------


def rate_kinds() -> list[tuple[str, str, str, str]]:
    """Every row a rate table has: (instructor kind, its label, session kind, its label)."""
    return [
        (instructor, str(instructor_label), session, str(session_label))
        for instructor, instructor_label in InstructorProfile.Kind.choices
        for session, session_label in Rate.SessionKind.choices
    ]


def _set_rates(actor: User, table: RateTable, rates: Mapping[tuple[str, str], Mapping]) -> None:
    """Write the table's rows: one per (instructor kind, session kind) given; a row whose
    hourly rate is left empty is taken out of the table (such sessions are not paid)."""
    current = {(r.instructor_kind, r.session_kind): r for r in table.rates.all()}
    for key, values in rates.items():
        rate = current.get(key)
        if values.get("hourly_won") is None:
            if rate is not None:
                vars(rate)["_history_user"] = actor
                rate.delete()
            continue
        if rate is None:
            rate = Rate(table=table, instructor_kind=key[0], session_kind=key[1])
        changed = rate.pk is None
        for name in RATE_FIELDS:
            value = values.get(name)
            if value is None and name != "monthly_cap_won":
                value = getattr(Rate(), name)  # (the model's default)
            if getattr(rate, name) != value:
                setattr(rate, name, value)
                changed = True
        if changed:
            _save(rate, actor)


@transaction.atomic
def create_rate_table(
    actor: User,
    name: str,
    effective_from: datetime.date,
    rates: Mapping[tuple[str, str], Mapping],
) -> RateTable:
    """A new rate table, in force from a day: sessions from that day on are priced by it,
    earlier ones keep the table they were priced by."""
    _require(actor)
    table = RateTable(name=name, effective_from=effective_from, created_by=actor)
    _save(table, actor)
    _set_rates(actor, table, rates)
    return table


@transaction.atomic
def update_rate_table(
    actor: User,
    table: RateTable,
    name: str,
    effective_from: datetime.date,
    rates: Mapping[tuple[str, str], Mapping],
) -> RateTable:
    """Correct a table. Pay lines already computed keep their amounts (a closed month never
    changes); sessions confirmed from now on are priced by the corrected table."""
    _require(actor)
    table.name = name
    table.effective_from = effective_from
    _save(table, actor)
    _set_rates(actor, table, rates)
    return table


# --- point rules ---------------------------------------------------------------------------------


@transaction.atomic
def set_point_rules(actor: User, points: Mapping[str, int | None]) -> list[PointRule]:
    """The points a student earns per event; an empty value takes the rule away (no points for
    that event). Points already earned stay in the students' ledgers."""
    _require(actor)
    saved = []
    for event, value in points.items():
        if event not in PointRule.Event.values:
            raise ValidationError(_("Unknown event."))
        rule = PointRule.objects.filter(event=event).first()
        if value is None:
            if rule is not None:
                vars(rule)["_history_user"] = actor
                rule.delete()
            continue
        if rule is None:
            rule = PointRule(event=event, points=value)
        elif rule.points == value:
            saved.append(rule)
            continue
        rule.points = value
        _save(rule, actor)
        saved.append(rule)
    return saved


# --- the instructor pool: checking documents ------------------------------------------------------


@transaction.atomic
def review_document(
    actor: User, document: InstructorDocument, accept: bool, note: str = ""
) -> InstructorDocument:
    """The office checks an instructor's document (a certificate, a career paper): accepted,
    or not with a note the instructor reads. The profile's own approval stays a decision of
    its own (``pool.review_profile``)."""
    _require(actor)
    note = note.strip()
    if not accept and not note:
        raise ValidationError({"note": _("Say why: the instructor will read it.")})
    locked = InstructorDocument.objects.select_for_update().get(pk=document.pk)
    Status = InstructorDocument.Status
    locked.status = Status.ACCEPTED if accept else Status.REFUSED
    locked.reviewed_by, locked.reviewed_at, locked.review_note = actor, timezone.now(), note
    vars(locked)["_history_user"] = actor
    locked.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
    if not accept:
        notify(
            [locked.profile.user],
            gettext_noop("A document of your instructor profile was not accepted: %(title)s"),
            url=reverse("operations:my_profile"),
            params={"title": locked.title},
            note=note,
        )
    return locked
