"""The question bank: a teacher's own questions, some shared with their school."""

from __future__ import annotations

from decimal import Decimal
from typing import TypedDict

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from openclass.accounts.models import Organisation


class _Digits(TypedDict):
    """A DecimalField's size, spelled once (a TypedDict so ``**POINTS`` keeps its types)."""

    max_digits: int
    decimal_places: int


POINTS: _Digits = {"max_digits": 7, "decimal_places": 2}


class Question(models.Model):
    """One question. What counts as its right answer depends on ``kind``:

    - single / multiple: the ``Choice`` rows marked correct;
    - true_false: ``answer_true``;
    - short: ``accepted_answers`` (a list of strings) compared under ``case_sensitive`` and
      ``ignore_spaces`` (Korean spacing varies: "독도 는" and "독도는" are the same answer);
    - numeric: ``numeric_answer`` ± ``tolerance`` (absolute);
    - essay: graded by hand.

    A student's response is stored as JSON (``Answer.response``): ``{"choice": id}``,
    ``{"choices": [id, …]}``, ``{"value": true}``, ``{"text": "…"}`` (short, numeric as typed,
    essay).
    """

    class Kind(models.TextChoices):
        SINGLE = "single", _("Multiple choice (one answer)")
        MULTIPLE = "multiple", _("Multiple answers")
        TRUE_FALSE = "true_false", _("True or false")
        SHORT = "short", _("Short answer")
        NUMERIC = "numeric", _("Numeric")
        ESSAY = "essay", _("Essay")

    CHOICE_KINDS = (Kind.SINGLE, Kind.MULTIPLE)
    AUTO_GRADED = (Kind.SINGLE, Kind.MULTIPLE, Kind.TRUE_FALSE, Kind.SHORT, Kind.NUMERIC)

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="questions",
    )
    school = models.ForeignKey(
        Organisation,
        verbose_name=_("school"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The school the question is shared with, when it is shared."),
    )
    is_shared = models.BooleanField(_("shared with my school"), default=False)
    category = models.CharField(_("category"), max_length=80, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    text = models.TextField(_("question"))
    image = models.ImageField(_("image"), upload_to="questions/%Y/%m/", blank=True)
    image_alt = models.CharField(
        _("image description"),
        max_length=300,
        blank=True,
        help_text=_("What the image shows, read aloud to students who cannot see it."),
    )
    points = models.DecimalField(
        _("points"), default=Decimal(1), validators=[MinValueValidator(Decimal(0))], **POINTS
    )
    answer_true = models.BooleanField(_("the statement is true"), null=True, blank=True)
    accepted_answers = models.JSONField(_("accepted answers"), default=list, blank=True)
    case_sensitive = models.BooleanField(_("case sensitive"), default=False)
    ignore_spaces = models.BooleanField(_("ignore spaces"), default=True)
    numeric_answer = models.FloatField(_("answer"), null=True, blank=True)
    tolerance = models.FloatField(_("tolerance (±)"), default=0, validators=[MinValueValidator(0)])
    explanation = models.TextField(
        _("explanation"), blank=True, help_text=_("Shown with the correct answer.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["-updated_at", "pk"]
        indexes = [models.Index(fields=["school", "is_shared"])]

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def is_auto_graded(self) -> bool:
        return self.kind in self.AUTO_GRADED


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    text = models.CharField(_("choice"), max_length=500)
    is_correct = models.BooleanField(pgettext_lazy("quiz answer", "correct"), default=False)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("choice")
        verbose_name_plural = _("choices")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.text
