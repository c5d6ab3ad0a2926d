"""Grades that come from outside: an item of a course graded by an outside tool (an LTI
Advantage line item) and each student's score in it, as the tool sent it.

``assessments`` sits below ``lti``: an item names its tool and resource link as text
(``source_key``, ``resource_link_id``), never by a foreign key; ``lti.ags`` keeps them."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from openclass.core.stamps import Stamped

from .bank import POINTS, _Digits

#: A tool's score: AGS sends floats; two decimals kept, large enough for any sane maximum.
SCORE: _Digits = {"max_digits": 12, "decimal_places": 2}


class OutsideItem(Stamped):
    """A column of the gradebook graded by an outside tool (an AGS line item). ``source`` is
    the tool's name as shown to teachers; ``source_key`` says which tool owns the item (the
    ``lti`` app writes ``"lti:<tool id>"``), so a tool reads and writes only its own items."""

    course = models.ForeignKey(
        "courses.Course", on_delete=models.CASCADE, related_name="outside_items"
    )
    title = models.CharField(_("title"), max_length=200)
    score_maximum = models.DecimalField(
        _("maximum score"), validators=[MinValueValidator(Decimal("0.01"))], **SCORE
    )
    weight = models.DecimalField(
        _("weight in the gradebook"),
        default=Decimal(1),
        validators=[MinValueValidator(Decimal(0))],
        **POINTS,
    )
    source = models.CharField(_("outside tool"), max_length=200)
    source_key = models.CharField(max_length=100, db_index=True)
    resource_link_id = models.CharField(max_length=255, blank=True, db_index=True)
    resource_id = models.CharField(max_length=255, blank=True)
    tag = models.CharField(max_length=255, blank=True)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(_("due"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("outside grade item")
        verbose_name_plural = _("outside grade items")
        ordering = ["course", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.course} · {self.title}"


class OutsideScore(Stamped):
    """A student's latest score in an outside item, as the tool sent it (the AGS score's
    fields). Only a ``FullyGraded`` score counts in the gradebook; ``timestamp`` is the tool's
    and an older one than the stored is ignored."""

    class Activity(models.TextChoices):
        INITIALIZED = "Initialized", _("Activity initialized")
        STARTED = "Started", _("Activity started")
        IN_PROGRESS = "InProgress", _("Activity in progress")
        SUBMITTED = "Submitted", _("Activity submitted")
        COMPLETED = "Completed", _("Activity completed")

    class Grading(models.TextChoices):
        FULLY_GRADED = "FullyGraded", _("Graded")
        PENDING = "Pending", _("Waiting for grading")
        PENDING_MANUAL = "PendingManual", _("Waiting for grading")
        FAILED = "Failed", _("Grading failed")
        NOT_READY = "NotReady", _("Not graded")

    item = models.ForeignKey(OutsideItem, on_delete=models.CASCADE, related_name="scores")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="outside_scores"
    )
    score_given = models.DecimalField(_("score"), null=True, blank=True, **SCORE)
    score_maximum = models.DecimalField(_("maximum score"), null=True, blank=True, **SCORE)
    comment = models.TextField(_("comment"), blank=True)
    activity_progress = models.CharField(max_length=12, choices=Activity.choices)
    grading_progress = models.CharField(max_length=13, choices=Grading.choices)
    timestamp = models.DateTimeField()

    class Meta:
        verbose_name = _("outside score")
        verbose_name_plural = _("outside scores")
        constraints = [
            models.UniqueConstraint(fields=["item", "student"], name="one_outside_score")
        ]

    def __str__(self) -> str:
        return f"{self.student} · {self.item}: {self.score_given}"

    @property
    def counts(self) -> bool:
        return self.grading_progress == self.Grading.FULLY_GRADED and self.score_given is not None

    @property
    def percent(self) -> Decimal | None:
        """The score in percent of its own maximum (the item's when the score has none)."""
        if self.score_given is None:
            return None
        maximum = self.score_maximum or self.item.score_maximum
        if not maximum:
            return Decimal(100)
        return (self.score_given * 100 / maximum).quantize(Decimal("0.01"))
