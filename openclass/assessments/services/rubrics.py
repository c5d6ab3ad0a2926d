"""Rubrics: a teacher's own grading scales (criteria, each with levels worth points), used by
assignments (see ``services.assignments`` for how a rubric grade becomes a score).

- A rubric belongs to the teacher who made it; only they edit, copy or delete it, and only
  their rubrics can be chosen for an assignment (co-teachers grade with the one it has).
- Once any submission has been graded with it, a rubric is *locked*: changing its criteria or
  points would silently disagree with grades already given, so the teacher copies it instead.
- A rubric chosen by an assignment cannot be deleted.
- The 사이버논술 (online essay) starting rubric is made on demand from ``ESSAY_TEMPLATE``, in
  the teacher's language; its points live there and nowhere else.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, TypedDict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openclass.accounts.capabilities import has_capability
from openclass.accounts.models import User

from ..models import Rubric, RubricCriterion, RubricLevel, RubricScore

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# (title, description, levels: (title, description, points) from best to weakest)


class RubricTemplate(TypedDict):
    """A starting rubric: criteria of (title, description, levels of (title, description,
    points))."""

    title: StrOrPromise
    description: StrOrPromise
    criteria: list[tuple[StrOrPromise, StrOrPromise, list[tuple[StrOrPromise, StrOrPromise, int]]]]


ESSAY_TEMPLATE: RubricTemplate = {
    "title": gettext_lazy("Online essay (사이버논술) rubric"),
    "description": gettext_lazy(
        "Four criteria of 25 points each, four levels per criterion. Adjust the wording and the "
        "points to your class before using it."
    ),
    "criteria": [
        (
            gettext_lazy("Understanding the question"),
            gettext_lazy("Grasps what the question asks and answers that question."),
            [
                (
                    gettext_lazy("Excellent"),
                    gettext_lazy("Answers every part of the question exactly."),
                    25,
                ),
                (
                    gettext_lazy("Good"),
                    gettext_lazy("Understands the question; one part is answered loosely."),
                    18,
                ),
                (
                    gettext_lazy("Fair"),
                    gettext_lazy("Understands part of the question and drifts from it."),
                    12,
                ),
                (
                    gettext_lazy("Needs work"),
                    gettext_lazy("Misreads the question or answers another one."),
                    6,
                ),
            ],
        ),
        (
            gettext_lazy("Logical development"),
            gettext_lazy("A clear claim, developed in order from introduction to conclusion."),
            [
                (
                    gettext_lazy("Excellent"),
                    gettext_lazy("Clear claim; every paragraph leads to the conclusion."),
                    25,
                ),
                (
                    gettext_lazy("Good"),
                    gettext_lazy("Clear claim; the order breaks in one place."),
                    18,
                ),
                (
                    gettext_lazy("Fair"),
                    gettext_lazy("The claim is vague or the paragraphs do not connect."),
                    12,
                ),
                (
                    gettext_lazy("Needs work"),
                    gettext_lazy("No claim can be found, or it contradicts itself."),
                    6,
                ),
            ],
        ),
        (
            gettext_lazy("Use of evidence"),
            gettext_lazy("Reasons, examples and sources that support the claim."),
            [
                (
                    gettext_lazy("Excellent"),
                    gettext_lazy("Relevant, varied evidence for every point."),
                    25,
                ),
                (gettext_lazy("Good"), gettext_lazy("Relevant evidence for most points."), 18),
                (
                    gettext_lazy("Fair"),
                    gettext_lazy("Little evidence, or evidence that does not fit."),
                    12,
                ),
                (gettext_lazy("Needs work"), gettext_lazy("Opinions only, without evidence."), 6),
            ],
        ),
        (
            gettext_lazy("Expression"),
            gettext_lazy(
                "Spelling and spacing, sentence structure, word choice and the required length."
            ),
            [
                (
                    gettext_lazy("Excellent"),
                    gettext_lazy("Accurate, clear sentences of the required length."),
                    25,
                ),
                (
                    gettext_lazy("Good"),
                    gettext_lazy("A few errors that do not hinder reading."),
                    18,
                ),
                (gettext_lazy("Fair"), gettext_lazy("Frequent errors or noticeably short."), 12),
                (gettext_lazy("Needs work"), gettext_lazy("Errors make it hard to read."), 6),
            ],
        ),
    ],
}


def rubrics_of(user: User) -> QuerySet[Rubric]:
    """The rubrics ``user`` owns (and may edit and choose for an assignment)."""
    if not has_capability(user, "assessments.author"):
        return Rubric.objects.none()
    return Rubric.objects.filter(owner=user)


def is_locked(rubric: Rubric) -> bool:
    """Some submission has been graded with it."""
    return RubricScore.objects.filter(criterion__rubric=rubric).exists()


def _check_owner(user: User, rubric: Rubric) -> None:
    if not rubrics_of(user).filter(pk=rubric.pk).exists():
        raise PermissionDenied(_("This is not your rubric."))


def check_editable(user: User, rubric: Rubric) -> None:
    _check_owner(user, rubric)
    if is_locked(rubric):
        raise ValidationError(
            _("Submissions have been graded with this rubric, so it can no longer change. Copy it.")
        )


@transaction.atomic
def delete_rubric(user: User, rubric: Rubric) -> None:
    _check_owner(user, rubric)
    if rubric.assignments.exists():
        raise ValidationError(
            _("An assignment uses this rubric. Choose another rubric there first.")
        )
    if is_locked(rubric):
        raise ValidationError(_("Submissions have been graded with this rubric; it is kept."))
    rubric.delete()


@transaction.atomic
def delete_criterion(user: User, criterion: RubricCriterion) -> None:
    check_editable(user, criterion.rubric)
    criterion.delete()


@transaction.atomic
def copy_rubric(user: User, rubric: Rubric) -> Rubric:
    """A new rubric of ``user`` with the same criteria and levels (unlocked)."""
    _check_owner(user, rubric)
    copy = Rubric.objects.create(
        owner=user,
        title=(_("%(title)s (copy)") % {"title": rubric.title})[:120],
        description=rubric.description,
    )
    for criterion in rubric.criteria.prefetch_related("levels"):
        new = RubricCriterion.objects.create(
            rubric=copy,
            title=criterion.title,
            description=criterion.description,
            position=criterion.position,
        )
        RubricLevel.objects.bulk_create(
            RubricLevel(
                criterion=new, title=level.title, description=level.description, points=level.points
            )
            for level in criterion.levels.all()
        )
    return copy


@transaction.atomic
def create_essay_rubric(user: User) -> Rubric:
    """The 사이버논술 starting rubric, as the teacher's own rubric to adjust."""
    if not has_capability(user, "assessments.author"):
        raise PermissionDenied(_("Only teachers make rubrics."))
    rubric = Rubric.objects.create(
        owner=user,
        title=str(ESSAY_TEMPLATE["title"]),
        description=str(ESSAY_TEMPLATE["description"]),
    )
    for position, (title, description, levels) in enumerate(ESSAY_TEMPLATE["criteria"], start=1):
        criterion = RubricCriterion.objects.create(
            rubric=rubric, title=str(title), description=str(description), position=position
        )
        RubricLevel.objects.bulk_create(
            RubricLevel(
                criterion=criterion,
                title=str(level_title),
                description=str(level_description),
                points=Decimal(points),
            )
            for level_title, level_description, points in levels
        )
    return rubric


def next_criterion_position(rubric: Rubric) -> int:
    last = rubric.criteria.order_by("-position").values_list("position", flat=True).first()
    return (last or 0) + 1
