from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from openclass.accounts.models import Organisation

from .models import Channel, Kind


def _languages() -> list[tuple[str, str]]:
    return [
        ("", _("The browser's (or the language switch at the top)")),
        *((code, get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES),
    ]


class SettingsForm(forms.Form):
    """내 설정: the language and, for each kind of notification, how to hear of it."""

    language = forms.ChoiceField(
        label=_("Language"),
        choices=_languages,
        required=False,
        help_text=_("Pages, notifications and e-mails are shown in it."),
    )

    def __init__(self, *args: Any, channels: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in Kind:
            self.fields[f"kind_{kind.value}"] = forms.ChoiceField(
                label=kind.label,
                choices=Channel.choices,
                widget=forms.RadioSelect,
                initial=channels[kind.value],
            )

    def channels(self) -> dict[str, str]:
        return {kind.value: self.cleaned_data[f"kind_{kind.value}"] for kind in Kind}


class ClassMessageForm(forms.Form):
    """A teacher's message to a class they teach."""

    klass = forms.ModelChoiceField(
        label=_("Class"), queryset=Organisation.objects.none(), empty_label=None
    )
    text = forms.CharField(label=_("Message"), max_length=2000, widget=forms.Textarea)
    with_parents = forms.BooleanField(label=_("Also to the students' parents"), required=False)

    def __init__(self, *args: Any, classes: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        klass = self.fields["klass"]
        if isinstance(klass, forms.ModelChoiceField):
            klass.queryset = classes
