"""The forms of the saved-list pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from . import services


class ListForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=services.NAME_LENGTH)
    description = forms.CharField(
        label=_("Description"),
        max_length=services.DESCRIPTION_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    category = forms.CharField(
        label=_("Category"),
        max_length=services.CATEGORY_LENGTH,
        required=False,
        help_text=_("A label of your own to group lists by (진로, 독서 …)."),
    )
