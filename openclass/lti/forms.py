"""The tools pages' forms: registering a tool, a tool lesson's settings, and starting deep
linking."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from openclass.accounts.models import User
from openclass.core.forms import get_field

from .access import usable_tools
from .models import ResourceLink, Tool


def _https_urls(field: models.Field, **kwargs: Any) -> forms.Field | None:
    """A model's URL fields as form fields that read a bare host as https."""
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class ToolForm(forms.ModelForm):
    redirect_uris_text = forms.CharField(
        label=_("Redirect URIs"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: where the tool receives the launch (its launch URL, usually)."),
    )

    class Meta:
        model = Tool
        fields = [
            "name",
            "description",
            "login_url",
            "launch_url",
            "deep_linking_url",
            "jwks_url",
            "share_name",
            "share_email",
            "may_post_scores",
            "may_read_members",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
        formfield_callback = _https_urls
        help_texts = {
            "login_url": _("The tool's OIDC login initiation URL (third-party-initiated login)."),
            "launch_url": _("Where a lesson's launch goes (target_link_uri)."),
            "jwks_url": _("The tool's public keys: they check what the tool sends back."),
            "share_name": _("The tool receives the person's name; otherwise only an opaque id."),
            "may_post_scores": _(
                "Assignment and Grade Services: scores land in the gradebook, and a lesson is "
                "completed when the tool reports it completed (otherwise when the student opens "
                "the tool)."
            ),
            "may_read_members": _("Names and Role Provisioning Services: the course's members."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial.setdefault("redirect_uris_text", "\n".join(self.instance.redirect_uris))

    def clean_redirect_uris_text(self) -> list[str]:
        text = self.cleaned_data.get("redirect_uris_text") or ""
        return [line.strip() for line in text.splitlines() if line.strip()]

    def save(self, commit: bool = True) -> Tool:
        tool = super().save(commit=False)
        tool.redirect_uris = self.cleaned_data.get("redirect_uris_text") or []
        if commit:
            tool.save()
        return tool


class LessonToolForm(forms.Form):
    tool = forms.ModelChoiceField(label=_("Tool"), queryset=Tool.objects.none())
    presentation = forms.ChoiceField(
        label=_("How it opens"),
        choices=ResourceLink.Presentation.choices,
        initial=ResourceLink.Presentation.IFRAME,
        widget=forms.RadioSelect,
    )
    custom = forms.CharField(
        label=_("Custom parameters"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional, one key=value per line: sent to the tool with each launch."),
    )

    def __init__(self, *args: Any, user: User, keeping: Tool | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        queryset = usable_tools(user)
        if keeping is not None:
            queryset = queryset | Tool.objects.filter(pk=keeping.pk)
        get_field(self, "tool", forms.ModelChoiceField).queryset = queryset.distinct().order_by(
            "name", "pk"
        )


class DeepLinkForm(forms.Form):
    tool = forms.ModelChoiceField(label=_("Tool"), queryset=Tool.objects.none())

    def __init__(self, *args: Any, user: User, **kwargs: Any):
        super().__init__(*args, **kwargs)
        get_field(self, "tool", forms.ModelChoiceField).queryset = usable_tools(user).order_by(
            "name", "pk"
        )
