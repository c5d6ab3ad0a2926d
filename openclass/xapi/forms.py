"""The office's forms: an outside LRS (``DestinationForm``) and an LRS client (``ClientForm``).
They check what a person can get wrong; ``forwarding`` and ``clients`` decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from openclass.accounts.models import Organisation

from . import auth, forwarding
from .models import Destination
from .vocabulary import VERBS

#: What each xAPI scope lets a client do, for the form's checkboxes.
SCOPE_LABELS = {
    "statements/write": _("Write statements"),
    "statements/read": _("Read statements"),
    "statements/read/mine": _("Read the statements it wrote"),
    "state": _("Read and write state documents"),
    "profile": _("Read and write profile documents"),
    "define": _("Define activities"),
    "all/read": _("Read everything"),
    "all": _("Everything"),
}


def _schools() -> Any:
    return Organisation.objects.filter(kind=Organisation.Kind.SCHOOL, is_active=True).order_by(
        "name"
    )


def _verb_choices() -> list[tuple[str, str]]:
    korean = (get_language() or "ko").startswith("ko")
    return [
        (verb.id, f"{verb.display_ko if korean else verb.display_en} ({verb.id})")
        for verb in VERBS.values()
    ]


class DestinationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    endpoint = forms.URLField(
        label=_("Endpoint"),
        max_length=500,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"spellcheck": "false"}),
        help_text=_(
            "The LRS's xAPI address, e.g. https://lrs.example.org/xapi/ (statements are "
            "sent to …/statements)."
        ),
    )
    username = forms.CharField(
        label=_("Key (user name)"),
        max_length=255,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    password = forms.CharField(
        label=_("Secret (password)"),
        max_length=255,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}, render_value=False),
    )
    verbs = forms.MultipleChoiceField(
        label=_("Verbs to send"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: every verb."),
    )
    schools = forms.ModelMultipleChoiceField(
        label=_("Schools"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: every school's statements."),
    )
    mode = forms.ChoiceField(
        label=_("Mode"),
        choices=Destination.Mode.choices,
        help_text=_(
            "Near real time: a few seconds after each statement. Nightly batch: "
            "everything pending, once a night (as the national hub expects)."
        ),
    )
    batch_size = forms.IntegerField(
        label=_("Statements per batch"), min_value=1, max_value=forwarding.MAX_BATCH, initial=200
    )

    def __init__(self, *args: Any, destination: Destination | None = None, **kwargs: Any) -> None:
        if destination is not None and not kwargs.get("data") and not (args and args[0]):
            kwargs["initial"] = {
                "name": destination.name,
                "endpoint": destination.endpoint,
                "username": destination.username,
                "verbs": list(destination.verbs),
                "schools": list(destination.schools.all()),
                "mode": destination.mode,
                "batch_size": destination.batch_size,
            }
        super().__init__(*args, **kwargs)
        self.destination = destination
        verbs = self.fields["verbs"]
        assert isinstance(verbs, forms.MultipleChoiceField)
        verbs.choices = _verb_choices()
        schools = self.fields["schools"]
        assert isinstance(schools, forms.ModelMultipleChoiceField)
        schools.queryset = _schools()
        if destination is not None:
            self.fields["password"].help_text = _("Leave it blank to keep the current secret.")

    def clean_endpoint(self) -> str:
        endpoint = str(self.cleaned_data["endpoint"]).strip()
        if not endpoint.startswith(("http://", "https://")):
            raise forms.ValidationError(
                _("An outside LRS's address starts with http:// or https://.")
            )
        return endpoint

    def details(self) -> forwarding.DestinationDetails:
        data = self.cleaned_data
        return forwarding.DestinationDetails(
            name=data["name"],
            endpoint=data["endpoint"],
            username=data["username"],
            password=data["password"] or (None if self.destination is not None else ""),
            verbs=list(data["verbs"]),
            schools=list(data["schools"]),
            mode=data["mode"],
            batch_size=data["batch_size"],
        )


class ClientForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=[
            (scope, format_lazy("{} ({})", SCOPE_LABELS[scope], scope)) for scope in auth.SCOPES
        ],
        widget=forms.CheckboxSelectMultiple,
    )
    schools = forms.ModelMultipleChoiceField(
        label=_("Schools"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: it may read every school's statements its scopes allow."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        schools = self.fields["schools"]
        assert isinstance(schools, forms.ModelMultipleChoiceField)
        schools.queryset = _schools()
