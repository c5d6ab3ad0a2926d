"""Forms of the quiz pages: the quiz's settings and a teacher's score for one answer."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from openclass.core.forms import get_field

from ..models import Quiz
from ..services import quizzes

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs=attrs, format=DATETIME_FORMAT)


class QuizSettingsForm(forms.ModelForm):
    class Meta:
        model = Quiz
        fields = [
            "opens_at",
            "closes_at",
            "time_limit_minutes",
            "attempts_allowed",
            "grading",
            "question_count",
            "shuffle_questions",
            "shuffle_choices",
            "show_results",
            "show_answers",
            "pass_percent",
            "weight",
        ]
        widgets = {"opens_at": DateTimeLocalInput(), "closes_at": DateTimeLocalInput()}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("opens_at", "closes_at"):
            field = get_field(self, name, forms.DateTimeField)
            field.input_formats = [DATETIME_FORMAT, "%Y-%m-%d %H:%M"]
        total = self.instance.items.count() if self.instance.pk else 0
        self.fields["question_count"].help_text = _(
            "Pick this many of the quiz's %(total)d questions at random for each attempt; "
            "empty means all."
        ) % {"total": total}

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        # A setting that is not valid is absent: "" is no reveal to compare, as None was.
        probe = Quiz(
            opens_at=data.get("opens_at"),
            closes_at=data.get("closes_at"),
            question_count=data.get("question_count"),
            show_results=data.get("show_results", ""),
            show_answers=data.get("show_answers", ""),
        )
        total = self.instance.items.count() if self.instance.pk else 0
        problems = quizzes.settings_errors(probe, question_total=total, changed=self.changed_data)
        for name, message in problems.items():
            if name not in self.errors:
                self.add_error(name, message)
        return data


class GradeAnswerForm(forms.Form):
    score = forms.DecimalField(
        label=_("Score"), min_value=Decimal(0), max_digits=7, decimal_places=2
    )
    feedback = forms.CharField(
        label=_("Feedback"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, points: Decimal, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.points = points
        self.fields["score"].widget.attrs.update({"max": str(points), "step": "0.01", "min": "0"})
        self.fields["score"].help_text = _("From 0 to %(points)s points.") % {
            "points": points.normalize()
        }

    def clean_score(self) -> Decimal:
        score = self.cleaned_data["score"]
        if score > self.points:
            limit = {"points": self.points.normalize()}
            raise forms.ValidationError(_("The score must be between 0 and %(points)s.") % limit)
        return score
