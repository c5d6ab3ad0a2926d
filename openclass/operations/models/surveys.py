"""Step i: the lecture evaluation and satisfaction survey (강의 평가, 만족도 조사)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .applications import Application


class SurveyResponse(models.Model):
    """One answer to a course's survey. It names no one and keeps only the day it was given,
    so the instructor's view cannot tie it to a student; ``SurveyReceipt`` separately records
    that someone answered (one answer each)."""

    class Respondent(models.TextChoices):
        STUDENT = "student", _("Student")
        SCHOOL = "school", _("School")

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="survey_responses"
    )
    respondent = models.CharField(max_length=10, choices=Respondent.choices)
    clarity = models.PositiveSmallIntegerField(
        _("The lessons were easy to follow"),
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    instructor = models.PositiveSmallIntegerField(
        _("The instructor answered questions well"),
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    overall = models.PositiveSmallIntegerField(
        _("Overall, I am satisfied with the course"),
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    comment = models.TextField(_("Anything else"), blank=True, max_length=2000)
    answered_on = models.DateField()

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        # Not in the order they came in: the order must not tell who answered when.
        ordering = ["comment", "pk"]

    def __str__(self) -> str:
        return f"{self.application}: {self.overall}"


class SurveyReceipt(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["application", "user"], name="one_survey_answer")
        ]

    def __str__(self) -> str:
        return f"{self.application}: {self.user_id}"
