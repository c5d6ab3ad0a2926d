"""Assignments (과제, a lesson of kind "assignment"), submissions kept version by version, and
rubrics (used for 사이버논술 essays)."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from openclass.core.stamps import Stamped

from .bank import POINTS


def _private_path(folder: str, filename: str) -> str:
    """Stored under a random name: never guessable, never the uploader's own file name (which
    is kept in the row and used only as the download name)."""
    suffix = filename.rsplit(".", 1)[-1].lower()[:10] if "." in filename else "bin"
    return f"{folder}/{uuid.uuid4().hex}.{suffix}"


def assignment_file_path(instance: models.Model, filename: str) -> str:
    return _private_path("assignments", filename)


def submission_file_path(instance: models.Model, filename: str) -> str:
    return _private_path("submissions", filename)


class Rubric(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="rubrics"
    )
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("rubric")
        verbose_name_plural = _("rubrics")
        ordering = ["title", "pk"]

    def __str__(self) -> str:
        return self.title


class RubricCriterion(models.Model):
    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="criteria")
    title = models.CharField(_("criterion"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("rubric criterion")
        verbose_name_plural = _("rubric criteria")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title


class RubricLevel(models.Model):
    criterion = models.ForeignKey(RubricCriterion, on_delete=models.CASCADE, related_name="levels")
    title = models.CharField(_("level"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    points = models.DecimalField(_("points"), validators=[MinValueValidator(Decimal(0))], **POINTS)

    class Meta:
        verbose_name = _("rubric level")
        verbose_name_plural = _("rubric levels")
        ordering = ["points", "pk"]

    def __str__(self) -> str:
        return f"{self.title} ({self.points})"


class Assignment(models.Model):
    class LatePolicy(models.TextChoices):
        ACCEPT = "accept", _("Accept late work, marked late")
        PENALTY = "penalty", _("Accept late work with a penalty")
        REFUSE = "refuse", _("Refuse late work")

    lesson = models.OneToOneField(
        "courses.Lesson",
        on_delete=models.CASCADE,
        related_name="assignment",
        verbose_name=_("lesson"),
    )
    instructions = models.TextField(_("instructions"), blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    late_policy = models.CharField(
        _("late work"), max_length=8, choices=LatePolicy.choices, default=LatePolicy.ACCEPT
    )
    late_penalty_percent = models.PositiveIntegerField(
        _("late penalty (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    accept_until = models.DateTimeField(
        _("accept late work until"),
        null=True,
        blank=True,
        help_text=_("Empty means late work is accepted at any time."),
    )
    allow_text = models.BooleanField(_("text answer"), default=True)
    allow_files = models.BooleanField(_("file upload"), default=True)
    max_files = models.PositiveIntegerField(
        _("files per submission"), default=3, validators=[MinValueValidator(1)]
    )
    max_file_mb = models.PositiveIntegerField(
        _("largest file (MB)"), default=20, validators=[MinValueValidator(1)]
    )
    allowed_extensions = models.CharField(
        _("allowed file types"),
        max_length=200,
        default="pdf,hwp,hwpx,docx,pptx,xlsx,txt,jpg,jpeg,png,zip",
        help_text=_("File name endings, separated by commas."),
    )
    max_score = models.DecimalField(
        _("maximum score"),
        default=Decimal(100),
        validators=[MinValueValidator(Decimal(0))],
        **POINTS,
    )
    rubric = models.ForeignKey(
        Rubric,
        verbose_name=_("rubric"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assignments",
    )
    pass_score = models.DecimalField(
        _("pass score"),
        null=True,
        blank=True,
        help_text=_("Empty: the lesson completes on submission; otherwise when graded this high."),
        **POINTS,
    )
    weight = models.DecimalField(
        _("weight in the gradebook"),
        default=Decimal(1),
        validators=[MinValueValidator(Decimal(0))],
        **POINTS,
    )

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")

    def __str__(self) -> str:
        return str(self.lesson)


class AssignmentFile(models.Model):
    """A file attached to the instructions."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=assignment_file_path)
    name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class Submission(Stamped):
    """A student's work on an assignment: one row per student, with every version kept
    (``versions``); the teacher grades the latest. ``is_published`` shows it to classmates."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="submissions")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="submissions"
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    is_late = models.BooleanField(_("late"), default=False)
    version_count = models.PositiveIntegerField(default=0)
    score = models.DecimalField(_("score"), null=True, blank=True, **POINTS)
    feedback = models.TextField(_("feedback"), blank=True)
    feedback_file = models.FileField(
        _("annotated file"), upload_to=submission_file_path, blank=True
    )
    feedback_file_name = models.CharField(max_length=255, blank=True)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    graded_at = models.DateTimeField(_("graded at"), null=True, blank=True)
    is_published = models.BooleanField(_("shown to the class"), default=False)
    #: Not a column: the latest version, which ``published_for`` sets for the class's page.
    latest: SubmissionVersion | None

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "student"], name="one_submission_per_student"
            )
        ]

    def __str__(self) -> str:
        return f"{self.student} · {self.assignment}"


class SubmissionVersion(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    text = models.TextField(_("text"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"))
    is_late = models.BooleanField(_("late"), default=False)

    class Meta:
        ordering = ["submission", "number"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "number"], name="version_number_once")
        ]

    def __str__(self) -> str:
        return f"{self.submission} v{self.number}"


class SubmissionFile(models.Model):
    version = models.ForeignKey(SubmissionVersion, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=submission_file_path)
    name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class RubricScore(models.Model):
    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="rubric_scores"
    )
    criterion = models.ForeignKey(RubricCriterion, on_delete=models.CASCADE, related_name="+")
    level = models.ForeignKey(RubricLevel, on_delete=models.PROTECT, related_name="+")
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "criterion"], name="one_level_per_criterion"
            )
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.level}"
