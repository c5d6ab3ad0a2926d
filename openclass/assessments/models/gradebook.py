"""The gradebook's own data: how completion weighs in a course, and teachers' overrides.
Quiz and assignment weights sit on ``Quiz.weight`` and ``Assignment.weight``."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .bank import POINTS


class GradebookSettings(models.Model):
    course = models.OneToOneField(
        "courses.Course", on_delete=models.CASCADE, related_name="gradebook_settings"
    )
    completion_weight = models.DecimalField(
        _("weight of lesson completion"),
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
        **POINTS,
    )

    class Meta:
        verbose_name = _("gradebook settings")
        verbose_name_plural = _("gradebook settings")

    def __str__(self) -> str:
        return str(self.course)


class GradeOverride(models.Model):
    """A teacher's override of one cell (``lesson`` set) or of the course total (``lesson``
    empty), in percent. Never edited: a new row replaces the previous one, so the history stays;
    ``percent`` empty lifts the override."""

    course = models.ForeignKey(
        "courses.Course", on_delete=models.CASCADE, related_name="grade_overrides"
    )
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grade_overrides"
    )
    lesson = models.ForeignKey(
        "courses.Lesson", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    percent = models.DecimalField(
        _("grade (%)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
        **POINTS,
    )
    reason = models.CharField(_("reason"), max_length=300)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("grade override")
        verbose_name_plural = _("grade overrides")
        ordering = ["course", "student", "lesson", "-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.student} · {self.lesson or self.course}: {self.percent}"
