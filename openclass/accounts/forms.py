from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    remember = forms.BooleanField(
        label=_("Keep me signed in on this device"),
        help_text=_("Untick this on a shared computer."),
        required=False,
        initial=True,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("User name")
        # Autofocus would jump past the skip link and the language switch for keyboard users.
        self.fields["username"].widget.attrs.pop("autofocus", None)
        self.fields["username"].widget.attrs.update(
            {"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        )
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


class LoginCardPinForm(forms.Form):
    pin = forms.RegexField(
        label=_("PIN"),
        regex=r"^\d{4}$",
        error_messages={"invalid": _("Type the 4 digits on your card.")},
        widget=forms.PasswordInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": "4"}
        ),
    )
