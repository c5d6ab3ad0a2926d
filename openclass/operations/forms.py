"""Forms of the operations pages: the edge where what people type is checked."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from openclass.accounts.models import Organisation
from openclass.catalog.models import Topic
from openclass.catalog.selectors import offered_topics
from openclass.core.forms import get_field
from openclass.core.params import parse_int
from openclass.courses.models import Course

from .models import Call, InstructorProfile, PointRule, Rate, RateTable
from .services.closing import QUESTIONS


class ApplicationForm(forms.Form):
    call = forms.ModelChoiceField(label=_("Call"), queryset=Call.objects.none())
    topic = forms.ModelChoiceField(label=_("Field"), queryset=Topic.objects.none())
    audience = forms.ModelChoiceField(label=_("For"), queryset=Organisation.objects.none())
    title = forms.CharField(label=_("Course title"), max_length=120)
    plan = forms.CharField(
        label=_("What the course will do"), widget=forms.Textarea(attrs={"rows": 5})
    )
    expected_students = forms.IntegerField(
        label=_("Number of students"), min_value=1, max_value=2000
    )
    delivery = forms.ChoiceField(label=_("Delivery"), choices=Course.Delivery.choices)

    def __init__(self, *args, calls, audiences, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        get_field(self, "call", forms.ModelChoiceField).queryset = Call.objects.filter(
            pk__in=[c.pk for c in calls]
        )
        # Each choice is labelled with its name, which reads its grade (and school).
        get_field(self, "audience", forms.ModelChoiceField).queryset = audiences.select_related(
            "parent__parent"
        )
        get_field(self, "topic", forms.ModelChoiceField).queryset = (
            offered_topics().filter(calls__in=calls).distinct()
        )


class TimeSlotForm(forms.Form):
    """A day and a time range: a preferred session, an instructor's available time."""

    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    starts_at = forms.TimeField(label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}))
    ends_at = forms.TimeField(label=_("Until"), widget=forms.TimeInput(attrs={"type": "time"}))


TimeSlotFormSet = forms.formset_factory(TimeSlotForm, extra=4, max_num=60, absolute_max=60)

DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
DOCUMENT_TYPES = (".pdf", ".jpg", ".jpeg", ".png", ".hwp", ".hwpx", ".docx")


class ProfileForm(forms.Form):
    kind = forms.ChoiceField(label=_("Instructor type"), choices=InstructorProfile.Kind.choices)
    topics = forms.ModelMultipleChoiceField(
        label=_("Fields"), queryset=offered_topics(), widget=forms.CheckboxSelectMultiple
    )
    headline = forms.CharField(label=_("One line about you"), max_length=120)
    career = forms.CharField(
        label=_("Career"), widget=forms.Textarea(attrs={"rows": 6}), max_length=5000
    )


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("Document title"), max_length=120)
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, image, HWP or Word, at most 10 MB."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > DOCUMENT_MAX_BYTES:
            raise forms.ValidationError(_("The file may be at most 10 MB."))
        if not upload.name.lower().endswith(DOCUMENT_TYPES):
            raise forms.ValidationError(_("Upload a PDF, an image, an HWP or a Word file."))
        return upload


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("reject", _("Do not approve"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note to the instructor"), required=False, max_length=300)


class OwnInstructorForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)
    email = forms.EmailField(label=_("E-mail"), required=False)
    kind = forms.ChoiceField(label=_("Instructor type"), choices=InstructorProfile.Kind.choices)
    topics = forms.ModelMultipleChoiceField(
        label=_("Fields"), queryset=offered_topics(), widget=forms.CheckboxSelectMultiple
    )
    headline = forms.CharField(label=_("One line about them"), max_length=120, required=False)


MINUTES_TAUGHT = _("Give the minutes taught, from 0 to 1,440.")


class SessionReportForm(forms.Form):
    """A session held, as the school confirms or corrects it: the minutes taught (empty: the
    measured figure, or unchanged), in person or not, and why it changes."""

    minutes = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=24 * 60,
        error_messages={
            "invalid": MINUTES_TAUGHT,
            "min_value": MINUTES_TAUGHT,
            "max_value": MINUTES_TAUGHT,
        },
    )
    in_person = forms.BooleanField(required=False)
    reason = forms.CharField(required=False)


class SurveyAnswerForm(forms.Form):
    """One answer to the survey: a score from 1 to 5 per question (checked by
    ``closing.answer_survey``, which says what is wrong) and a comment."""

    comment = forms.CharField(required=False)

    def scores(self) -> dict[str, int]:
        """The posted scores; anything but a number counts as none given (0)."""
        raw = {name: str(self.data.get(name, "")) for name in QUESTIONS}
        return {name: parse_int(value) or 0 for name, value in raw.items()}


# --- the office's settings (issue 18, item 5) ----------------------------------------------------


class CallForm(forms.ModelForm):
    topics = forms.ModelMultipleChoiceField(
        label=_("Fields open for application"),
        queryset=Topic.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Call
        fields = ["title", "description", "opens_on", "closes_on", "topics"]
        widgets = {
            "opens_on": forms.DateInput(attrs={"type": "date"}),
            "closes_on": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        offered = offered_topics()
        if self.instance.pk is not None:
            offered = offered | self.instance.topics.all()
        get_field(self, "topics", forms.ModelMultipleChoiceField).queryset = offered.distinct()


class RateTableForm(forms.ModelForm):
    class Meta:
        model = RateTable
        fields = ["name", "effective_from"]
        widgets = {"effective_from": forms.DateInput(attrs={"type": "date"})}


class RateForm(forms.ModelForm):
    """One row of the rate table (an instructor type × a kind of session); an empty hourly rate
    leaves the row out (such sessions are not paid)."""

    class Meta:
        model = Rate
        fields = [
            "hourly_won",
            "max_minutes",
            "travel_won",
            "min_attendance_percent",
            "reduced_percent",
            "monthly_cap_won",
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class PointRulesForm(forms.Form):
    """The points a student earns per event; empty: none."""

    def __init__(self, *args, rules: dict[str, int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for event, label in PointRule.Event.choices:
            self.fields[event] = forms.IntegerField(
                label=label,
                required=False,
                min_value=0,
                max_value=100_000,
                initial=rules.get(event),
                help_text=_("Leave empty to give no points for it."),
            )
