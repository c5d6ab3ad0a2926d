"""Grades from outside tools: the items an outside tool grades in a course (AGS line items) and
the scores it sends, as the gradebook counts them (``services.gradebook``).

The caller (``lti.ags``) has already decided that the tool may write to the course; these
functions keep the gradebook's own rules:

- an item has a title and a maximum score above 0; its weight starts at 1, like a quiz's, and
  a teacher changes it on the weights page with the others;
- a score is kept for students enrolled in the item's course only;
- a score's ``timestamp`` is the tool's: one older than the stored score's is ignored (the
  AGS rule, so a late retry never overwrites a newer grade); the same or a newer one replaces
  it;
- only a ``FullyGraded`` score with a ``scoreGiven`` counts in the gradebook; the others show as
  in progress.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from openclass.accounts.models import User
from openclass.courses.models import Course, Enrolment

from ..models import OutsideItem, OutsideScore
from ..models.outside import SCORE

CENT = Decimal("0.01")
LARGEST = Decimal(10) ** (SCORE["max_digits"] - SCORE["decimal_places"]) - CENT
TEXT_FIELDS = {"title": 200, "source": 200, "resource_link_id": 255, "resource_id": 255, "tag": 255}


def _decimal(value: object, *, what: str, positive: bool = False) -> Decimal:
    try:
        number = Decimal(str(value)).quantize(CENT)
    except (InvalidOperation, ValueError) as error:
        raise ValidationError(_("%(what)s is not a number.") % {"what": what}) from error
    if not number.is_finite() or number < 0 or number > LARGEST or (positive and number <= 0):
        raise ValidationError(_("%(what)s is out of range.") % {"what": what})
    return number


def _clean_text(fields: dict[str, object]) -> dict[str, object]:
    cleaned: dict[str, object] = {}
    for name, value in fields.items():
        if name in TEXT_FIELDS:
            text = str(value or "").strip()
            if len(text) > TEXT_FIELDS[name]:
                raise ValidationError(_("%(what)s is too long.") % {"what": name})
            cleaned[name] = text
        else:
            cleaned[name] = value
    return cleaned


def _check_dates(starts_at: datetime.datetime | None, ends_at: datetime.datetime | None) -> None:
    if starts_at is not None and ends_at is not None and ends_at < starts_at:
        raise ValidationError(_("The end comes before the start."))


@transaction.atomic
def create_item(
    course: Course,
    *,
    title: str,
    score_maximum: object,
    source: str,
    source_key: str,
    resource_link_id: str = "",
    resource_id: str = "",
    tag: str = "",
    starts_at: datetime.datetime | None = None,
    ends_at: datetime.datetime | None = None,
) -> OutsideItem:
    """A new outside item of ``course``: a column of its gradebook, weight 1."""
    fields = _clean_text(
        {
            "title": title,
            "source": source,
            "resource_link_id": resource_link_id,
            "resource_id": resource_id,
            "tag": tag,
        }
    )
    if not fields["title"]:
        raise ValidationError(_("Give the item a title."))
    _check_dates(starts_at, ends_at)
    return OutsideItem.objects.create(
        course=course,
        score_maximum=_decimal(score_maximum, what="scoreMaximum", positive=True),
        source_key=source_key,
        starts_at=starts_at,
        ends_at=ends_at,
        **fields,
    )


UPDATABLE = {
    "title",
    "score_maximum",
    "resource_link_id",
    "resource_id",
    "tag",
    "starts_at",
    "ends_at",
}


@transaction.atomic
def update_item(item: OutsideItem, **changes: object) -> OutsideItem:
    """Change an item's title, maximum, resource link, resource id, tag or dates (what a tool's
    PUT may change). Its course, tool and weight stay."""
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ValueError(f"cannot change {sorted(unknown)}")
    changes = _clean_text(changes)
    if "title" in changes and not changes["title"]:
        raise ValidationError(_("Give the item a title."))
    if "score_maximum" in changes:
        changes["score_maximum"] = _decimal(
            changes["score_maximum"], what="scoreMaximum", positive=True
        )
    for name, value in changes.items():
        setattr(item, name, value)
    _check_dates(item.starts_at, item.ends_at)
    item.save()
    return item


@transaction.atomic
def delete_item(item: OutsideItem) -> None:
    """Remove the item and every score in it (the tool deleted its line item)."""
    item.delete()


@dataclass
class Recorded:
    """What ``record_score`` did: the score in force, and whether this call changed it."""

    score: OutsideScore
    changed: bool


def record_score(
    item: OutsideItem,
    student: User,
    *,
    timestamp: datetime.datetime,
    activity_progress: str,
    grading_progress: str,
    score_given: object = None,
    score_maximum: object = None,
    comment: str = "",
) -> Recorded:
    """Keep ``student``'s score in ``item`` as the tool sent it (see the module's docstring).
    Refused (ValidationError) for a student not enrolled in the item's course, an unknown
    progress value, a score without its maximum or a negative one."""
    if not Enrolment.objects.filter(course_id=item.course_id, student=student).exists():
        raise ValidationError(_("This student is not enrolled in the course."))
    if activity_progress not in OutsideScore.Activity.values:
        raise ValidationError(_("Unknown activityProgress."))
    if grading_progress not in OutsideScore.Grading.values:
        raise ValidationError(_("Unknown gradingProgress."))
    given = None if score_given is None else _decimal(score_given, what="scoreGiven")
    maximum = None
    if score_maximum is not None:
        maximum = _decimal(score_maximum, what="scoreMaximum", positive=True)
    elif given is not None:
        raise ValidationError(_("A scoreGiven needs its scoreMaximum."))
    values = {
        "score_given": given,
        "score_maximum": maximum,
        "comment": str(comment or "")[:10000],
        "activity_progress": activity_progress,
        "grading_progress": grading_progress,
        "timestamp": timestamp,
    }
    for _round in range(2):  # a parallel first score of the same student: read it and retry
        try:
            with transaction.atomic():
                current = (
                    OutsideScore.objects.select_for_update()
                    .filter(item=item, student=student)
                    .first()
                )
                if current is None:
                    score = OutsideScore.objects.create(item=item, student=student, **values)
                    return Recorded(score, True)
                if timestamp < current.timestamp:
                    return Recorded(current, False)
                for name, value in values.items():
                    setattr(current, name, value)
                current.save()
                return Recorded(current, True)
        except IntegrityError:
            continue
    raise ValidationError(_("The score changed meanwhile. Send it again."))
