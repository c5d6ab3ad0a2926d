"""Forms of the assignment and rubric pages. The rules themselves live in
``services.assignments`` and ``services.rubrics``; these forms only parse and show errors."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.forms import BoundField, inlineformset_factory
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from openclass.accounts.models import User
from openclass.core.forms import get_field

from ..models import Assignment, Rubric, RubricCriterion, RubricLevel
from ..services import assignments, rubrics

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one ``<input type=file multiple>``; the checks are the services'."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


def _datetime_widget() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT)


class AssignmentSettingsForm(forms.ModelForm):
    class Meta:
        model = Assignment
        fields = [
            "instructions",
            "due_at",
            "late_policy",
            "late_penalty_percent",
            "accept_until",
            "allow_text",
            "allow_files",
            "max_files",
            "max_file_mb",
            "allowed_extensions",
            "max_score",
            "rubric",
            "pass_score",
            "weight",
        ]
        widgets = {
            "instructions": forms.Textarea(attrs={"rows": 8}),
            "due_at": _datetime_widget(),
            "accept_until": _datetime_widget(),
        }

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("due_at", "accept_until"):
            field = get_field(self, name, forms.DateTimeField)
            field.input_formats = [DATETIME_FORMAT, "%Y-%m-%d %H:%M"]
        choices = rubrics.rubrics_of(user)
        if self.instance.rubric_id:
            choices = choices | Rubric.objects.filter(pk=self.instance.rubric_id)
        rubric = get_field(self, "rubric", forms.ModelChoiceField)
        rubric.queryset = choices.distinct().order_by("title", "pk")
        self.fields["rubric"].help_text = _(
            "Grade with a rubric instead of a single score; its total is scaled to the maximum "
            "score."
        )
        self.fields["max_file_mb"].help_text = _("At most %(mb)d MB.") % {
            "mb": assignments.FILE_MAX_MB
        }

    def full_clean(self) -> None:
        super().full_clean()
        # ModelForm copies the cleaned values onto the instance last in full_clean, after
        # clean(): run the assignment rules on the values as they will be saved (a form that
        # is not bound was not cleaned).
        if self.is_bound and not self.errors:
            for field, message in assignments.settings_errors(self.instance).items():
                self.add_error(field if field in self.fields else None, message)


class InstructionFilesForm(forms.Form):
    # A field named "files": the form's metaclass takes it off the class, so it does not
    # shadow ``BaseForm.files`` (the uploads), but the stubs cannot know.
    files = MultipleFileField(label=_("Add files to the instructions"))  # type: ignore[assignment]


class SubmissionForm(forms.Form):
    text = forms.CharField(
        label=_("Your answer"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        max_length=assignments.TEXT_MAX_CHARS,
    )
    files = MultipleFileField(label=_("Files"))  # type: ignore[assignment]  # (as above)
    keep_files = forms.BooleanField(
        label=_("Keep the files of my previous version"), required=False, initial=True
    )

    def __init__(self, *args, assignment: Assignment, has_previous_files: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not assignment.allow_text:
            del self.fields["text"]
        if not assignment.allow_files:
            del self.fields["files"]
        if not (assignment.allow_files and has_previous_files):
            del self.fields["keep_files"]
        if "files" in self.fields:
            allowed = assignments.extensions(assignment)
            self.fields["files"].widget.attrs["accept"] = ",".join(f".{ext}" for ext in allowed)
            self.fields["files"].help_text = ngettext(
                "Up to %(n)d file of at most %(mb)d MB: %(list)s.",
                "Up to %(n)d files, each at most %(mb)d MB: %(list)s.",
                assignment.max_files,
            ) % {
                "n": assignment.max_files,
                "mb": min(assignment.max_file_mb, assignments.FILE_MAX_MB),
                "list": ", ".join(allowed),
            }


@dataclass(frozen=True)
class CriterionFields:
    """A rubric criterion of ``GradeForm`` with its level and comment fields."""

    criterion: RubricCriterion
    level: BoundField
    comment: BoundField


class GradeForm(forms.Form):
    """A score, or one level per rubric criterion with a comment; feedback and a file back."""

    score = forms.DecimalField(label=_("Score"), required=False, min_value=0, decimal_places=2)
    feedback = forms.CharField(
        label=_("Feedback"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    feedback_file = forms.FileField(label=_("Annotated file back"), required=False)
    remove_feedback_file = forms.BooleanField(
        label=_("Remove the annotated file given before"), required=False
    )

    def __init__(self, *args, assignment: Assignment, submission, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.assignment = assignment
        self.criteria: list[CriterionFields] = []
        if assignment.rubric is not None:
            del self.fields["score"]
            given = {score.criterion_id: score for score in submission.rubric_scores.all()}
            for criterion in assignment.rubric.criteria.prefetch_related("levels"):
                levels = sorted(criterion.levels.all(), key=lambda lv: (-lv.points, lv.pk))
                level_name = f"level_{criterion.pk}"
                comment_name = f"comment_{criterion.pk}"
                self.fields[level_name] = forms.TypedChoiceField(
                    label=criterion.title,
                    choices=[(lv.pk, f"{lv.title} ({lv.points})") for lv in levels],
                    coerce=int,
                    widget=forms.RadioSelect,
                    required=False,
                    help_text=criterion.description,
                )
                self.fields[comment_name] = forms.CharField(
                    label=_("Comment on «%(title)s»") % {"title": criterion.title},
                    required=False,
                )
                if criterion.pk in given:
                    self.initial.setdefault(level_name, given[criterion.pk].level_id)
                    self.initial.setdefault(comment_name, given[criterion.pk].comment)
                self.criteria.append(
                    CriterionFields(criterion, self[level_name], self[comment_name])
                )
        else:
            self.fields["score"].help_text = _(
                "0 to %(max)s, before any late penalty (applied automatically)."
            ) % {"max": assignment.max_score}
            if submission.score is not None:
                self.initial.setdefault("score", assignments.raw_score_of(submission))
        if not submission.feedback_file:
            del self.fields["remove_feedback_file"]
        self.initial.setdefault("feedback", submission.feedback)

    def picks(self) -> list[assignments.RubricPick]:
        result = []
        for item in self.criteria:
            criterion = item.criterion
            level = self.cleaned_data.get(f"level_{criterion.pk}")
            if level:
                result.append(
                    assignments.RubricPick(
                        criterion.pk, level, self.cleaned_data.get(f"comment_{criterion.pk}", "")
                    )
                )
        return result


class PublishForm(forms.Form):
    submissions = forms.TypedMultipleChoiceField(coerce=int, choices=())
    publish = forms.TypedChoiceField(coerce=int, choices=[(1, "1"), (0, "0")])

    def __init__(self, *args, ids: list[int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        submissions = get_field(self, "submissions", forms.TypedMultipleChoiceField)
        submissions.choices = [(pk, str(pk)) for pk in ids]
        submissions.error_messages["required"] = _("Choose at least one submission.")


class RubricForm(forms.ModelForm):
    class Meta:
        model = Rubric
        fields = ["title", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class CriterionForm(forms.ModelForm):
    class Meta:
        model = RubricCriterion
        fields = ["title", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class LevelForm(forms.ModelForm):
    class Meta:
        model = RubricLevel
        fields = ["title", "points", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


LevelFormSet = inlineformset_factory(
    RubricCriterion,
    RubricLevel,
    form=LevelForm,
    extra=2,
    can_delete=True,
    min_num=1,
    validate_min=True,
)
