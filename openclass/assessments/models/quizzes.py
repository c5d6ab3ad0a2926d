"""Quizzes (a lesson of kind "quiz"), their questions, and students' attempts and answers."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from openclass.core.stamps import Stamped

from .bank import POINTS, Question

if TYPE_CHECKING:
    from django.forms import BaseForm


class Quiz(models.Model):
    class Grading(models.TextChoices):
        BEST = "best", _("Keep the best attempt")
        LAST = "last", _("Keep the last attempt")
        AVERAGE = "average", _("Average of the attempts")

    class Reveal(models.TextChoices):
        NOW = "now", _("As soon as the attempt is submitted")
        AFTER_CLOSE = "after_close", _("After the quiz closes")
        NEVER = "never", pgettext_lazy("show results", "Never")

    lesson = models.OneToOneField(
        "courses.Lesson", on_delete=models.CASCADE, related_name="quiz", verbose_name=_("lesson")
    )
    time_limit_minutes = models.PositiveIntegerField(
        _("time limit (minutes)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
        help_text=_("Leave empty for no time limit."),
    )
    opens_at = models.DateTimeField(_("opens at"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    attempts_allowed = models.PositiveIntegerField(
        _("attempts allowed"), default=1, help_text=_("0 means unlimited.")
    )
    grading = models.CharField(
        _("grade kept"), max_length=8, choices=Grading.choices, default=Grading.BEST
    )
    question_count = models.PositiveIntegerField(
        _("questions per attempt"),
        null=True,
        blank=True,
        help_text=_("Pick this many questions at random for each attempt; empty means all."),
    )
    shuffle_questions = models.BooleanField(_("shuffle questions"), default=False)
    shuffle_choices = models.BooleanField(_("shuffle choices"), default=True)
    show_results = models.CharField(
        _("show score"), max_length=12, choices=Reveal.choices, default=Reveal.NOW
    )
    show_answers = models.CharField(
        _("show correct answers"), max_length=12, choices=Reveal.choices, default=Reveal.AFTER_CLOSE
    )
    pass_percent = models.PositiveIntegerField(
        _("pass mark (%)"),
        default=0,
        validators=[MaxValueValidator(100)],
        help_text=_(
            "The lesson completes when the kept grade reaches this; 0 means on submission."
        ),
    )
    weight = models.DecimalField(
        _("weight in the gradebook"),
        default=Decimal(1),
        validators=[MinValueValidator(Decimal(0))],
        **POINTS,
    )

    class Meta:
        verbose_name = _("quiz")
        verbose_name_plural = _("quizzes")

    def __str__(self) -> str:
        return str(self.lesson)

    def kept_percent(self, percents: list[Decimal]) -> Decimal | None:
        """The grade that counts, from the percents of the graded attempts in the order taken."""
        if not percents:
            return None
        if self.grading == self.Grading.LAST:
            return percents[-1]
        if self.grading == self.Grading.AVERAGE:
            return (sum(percents, Decimal(0)) / len(percents)).quantize(Decimal("0.01"))
        return max(percents)


class QuizQuestion(models.Model):
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="items")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="quiz_items")
    position = models.PositiveIntegerField(_("position"), default=0)
    points = models.DecimalField(
        _("points"),
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("Empty means the question's own points."),
        **POINTS,
    )

    class Meta:
        verbose_name = _("quiz question")
        verbose_name_plural = _("quiz questions")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["quiz", "question"], name="question_once_per_quiz")
        ]

    def __str__(self) -> str:
        return f"{self.quiz} · {self.question}"

    @property
    def max_points(self) -> Decimal:
        return self.points if self.points is not None else self.question.points


class Attempt(Stamped):
    """One go at a quiz. ``layout`` fixes what this attempt shows, in order:
    ``[{"question": id, "points": "1.00", "choices": [id, …]}, …]``, so shuffling and random
    picks stay the same across reloads. ``deadline`` is when answers stop counting."""

    class State(models.TextChoices):
        IN_PROGRESS = "in_progress", pgettext_lazy("quiz attempt", "In progress")
        SUBMITTED = "submitted", _("Waiting for grading")
        GRADED = "graded", _("Graded")

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="attempts")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts"
    )
    number = models.PositiveIntegerField(_("attempt"))
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.IN_PROGRESS
    )
    layout = models.JSONField(default=list)
    started_at = models.DateTimeField(_("started at"))
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    graded_at = models.DateTimeField(_("graded at"), null=True, blank=True)
    score = models.DecimalField(_("score"), null=True, blank=True, **POINTS)
    max_score = models.DecimalField(_("maximum score"), default=Decimal(0), **POINTS)

    class Meta:
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")
        ordering = ["quiz", "student", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["quiz", "student", "number"], name="attempt_number_once"
            ),
            # A second tab cannot start a parallel attempt.
            models.UniqueConstraint(
                fields=["quiz", "student"],
                condition=Q(state="in_progress"),
                name="one_open_attempt",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student} · {self.quiz} #{self.number}"

    @property
    def percent(self) -> Decimal | None:
        if self.score is None:
            return None
        if not self.max_score:
            return Decimal(100)
        return (self.score * 100 / self.max_score).quantize(Decimal("0.01"))


class Answer(models.Model):
    """A student's response to one question of an attempt, saved as they go. ``score`` is empty
    until graded (an essay waits for the teacher)."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    response = models.JSONField(default=dict)
    saved_at = models.DateTimeField(_("saved at"))
    score = models.DecimalField(_("score"), null=True, blank=True, **POINTS)
    feedback = models.TextField(_("feedback"), blank=True)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    graded_at = models.DateTimeField(null=True, blank=True)
    #: Not a column: the grading page's form for this answer, set for its template.
    form: BaseForm

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["attempt", "question"], name="one_answer_per_question")
        ]

    def __str__(self) -> str:
        return f"{self.attempt} · {self.question}"
