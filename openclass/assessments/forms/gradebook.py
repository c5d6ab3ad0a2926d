"""Forms of the gradebook: the weights of a course in one form, and one override."""

from __future__ import annotations

from decimal import Decimal
from typing import TypedDict

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ..services.gradebook import MAX_WEIGHT, Column, OutsideColumn


class _Weight(TypedDict):
    """A weight field's bounds and widget (a TypedDict so ``**WEIGHT`` keeps its types)."""

    min_value: Decimal
    max_value: Decimal
    max_digits: int
    decimal_places: int
    widget: forms.Widget


WEIGHT: _Weight = {
    "min_value": Decimal(0),
    "max_value": MAX_WEIGHT,
    "max_digits": 7,
    "decimal_places": 2,
    "widget": forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}),
}


class WeightsForm(forms.Form):
    """One weight per quiz, assignment and outside item of the course, and the weight of
    completion."""

    def __init__(
        self,
        *args,
        columns: list[Column],
        completion_weight: Decimal | int,
        outside: list[OutsideColumn] | None = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.columns = columns
        self.outside = outside or []
        for column in columns:
            self.fields[self.field_name(column)] = forms.DecimalField(
                label=f"{column.title} ({column.kind_label})",
                initial=column.weight,
                **WEIGHT,
            )
        for item in self.outside:
            self.fields[self.outside_field_name(item)] = forms.DecimalField(
                label=f"{item.title} ({item.kind_label})",
                initial=item.weight,
                **WEIGHT,
            )
        self.fields["completion_weight"] = forms.DecimalField(
            label=_("Lesson completion"),
            initial=completion_weight,
            help_text=_("0 leaves completion out of the total."),
            **WEIGHT,
        )

    @staticmethod
    def field_name(column: Column) -> str:
        return f"weight_{column.lesson.pk}"

    @staticmethod
    def outside_field_name(column: OutsideColumn) -> str:
        return f"outside_{column.item.pk}"

    def weights(self) -> dict[int, Decimal]:
        return {
            column.lesson.pk: self.cleaned_data[self.field_name(column)] for column in self.columns
        }

    def outside_weights(self) -> dict[int, Decimal]:
        return {
            column.item.pk: self.cleaned_data[self.outside_field_name(column)]
            for column in self.outside
        }


class OverrideForm(forms.Form):
    percent = forms.DecimalField(
        label=_("Grade (%)"),
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(100),
        max_digits=5,
        decimal_places=2,
        help_text=_("From 0 to 100. Leave empty to lift the override."),
        widget=forms.NumberInput(
            attrs={"step": "0.01", "min": "0", "max": "100", "inputmode": "decimal"}
        ),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        help_text=_("Kept in the history with your name."),
        error_messages={"required": _("Give the reason for the change.")},
    )

    def __init__(self, *args, has_override: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.has_override = has_override

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        if "percent" in data and data["percent"] is None and not self.has_override:
            raise ValidationError(_("Give a grade: there is no override to lift."))
        return data
