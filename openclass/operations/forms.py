"""Forms of the operations pages: the edge where what people type is checked."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from openclass.accounts.models import Organisation
from openclass.catalog.models import Topic
from openclass.courses.models import Course

from .models import Call


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
        self.fields["call"].queryset = Call.objects.filter(pk__in=[c.pk for c in calls])
        self.fields["audience"].queryset = audiences
        self.fields["topic"].queryset = Topic.objects.filter(calls__in=calls).distinct()


class SessionWishForm(forms.Form):
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    starts_at = forms.TimeField(label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}))
    ends_at = forms.TimeField(label=_("Until"), widget=forms.TimeInput(attrs={"type": "time"}))


SessionWishFormSet = forms.formset_factory(SessionWishForm, extra=4, max_num=30, absolute_max=30)
