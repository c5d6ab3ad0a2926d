"""The office's forms for the sites that log in through openclass. The rules on what a site may
be (addresses, scopes, service accounts) are checked by ``hub.services``; these forms only read
the fields and check the logo file."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from openclass.accounts.models import User

from .models import AuthEvent, Site
from .services import OPENID, SiteDetails

#: The largest logo the office may upload; the consent page shows it small.
LOGO_MAX_BYTES = 256 * 1024
#: Image formats a logo may be in (Pillow's names): no SVG, which can carry script.
LOGO_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}
#: The ending a stored logo is named with, by format: the logo view sends the type it names.
LOGO_ENDINGS = {"png": "PNG", "jpg": "JPEG", "webp": "WEBP", "gif": "GIF"}
LOGO_MAX_SIDE = 1024
#: The address lists' fields: one address a line.
URI_ROWS = 3


def _scope_choices() -> list[tuple[str, str]]:
    """The scopes a site may be given (settings' OAUTH2_PROVIDER["SCOPES"]) but "openid",
    which every site has."""
    return [
        (name, f"{name} — {label}")
        for name, label in settings.OAUTH2_PROVIDER["SCOPES"].items()
        if name != OPENID
    ]


def _site_choices() -> list[tuple[object, str]]:
    return [("", _("All")), *Site.objects.order_by("name").values_list("pk", "name")]


class SiteForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=255)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown to people on the consent page."),
    )
    home_url = forms.CharField(label=_("Site address"), required=False, max_length=200)
    redirect_uris = forms.CharField(
        label=_("Redirect URIs"),
        widget=forms.Textarea(attrs={"rows": URI_ROWS, "spellcheck": "false"}),
        help_text=_("Where the site receives its sign-ins: one full address a line."),
    )
    post_logout_redirect_uris = forms.CharField(
        label=_("Addresses after signing out"),
        required=False,
        widget=forms.Textarea(attrs={"rows": URI_ROWS, "spellcheck": "false"}),
        help_text=_("Where the site may send people after they sign out: one a line."),
    )
    backchannel_logout_uri = forms.CharField(
        label=_("Back-channel logout address"),
        required=False,
        max_length=200,
        help_text=_("openclass calls it when someone signs out, so the site ends their session."),
    )
    logo = forms.ImageField(
        label=_("Logo"),
        required=False,
        help_text=_("PNG, JPEG, WebP or GIF, at most 256 KB: shown on the consent page."),
        widget=forms.FileInput(attrs={"accept": ",".join(LOGO_FORMATS.values())}),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)
    trusted = forms.BooleanField(
        label=_("Trusted site (no consent screen)"),
        required=False,
        help_text=_(
            "People are signed in without being asked. Students under 14 may use only trusted "
            "sites: an untrusted site is refused to them, since it would need their parents' "
            "consent. Mark a site trusted only when the office vouches for it."
        ),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=_scope_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("What the site may ask for. “openid” is always given."),
    )
    subject_type = forms.ChoiceField(
        label=_("User identifier"),
        choices=Site.Subject.choices,
        initial=Site.Subject.PAIRWISE,
        widget=forms.RadioSelect,
        help_text=_("An identifier of the site's own keeps sites from matching people up."),
    )
    client_type = forms.ChoiceField(
        label=_("Kind of client"),
        choices=[
            (Site.CLIENT_CONFIDENTIAL, _("Confidential: a server that keeps a secret")),
            (Site.CLIENT_PUBLIC, _("Public: an app in the browser or on a phone, no secret")),
        ],
        initial=Site.CLIENT_CONFIDENTIAL,
        widget=forms.RadioSelect,
    )
    service_account = forms.CharField(
        label=_("Service account (user name)"),
        required=False,
        max_length=150,
        help_text=_(
            "Optional. With one, the site may also sign in as this account without a person "
            "(client credentials), within its scopes: for syncing rosters between sites."
        ),
    )

    def __init__(self, *args: Any, site: Site | None = None, **kwargs: Any) -> None:
        if site is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": site.name,
                "description": site.description,
                "home_url": site.home_url,
                "redirect_uris": "\n".join(site.redirect_uris.split()),
                "post_logout_redirect_uris": "\n".join(site.post_logout_redirect_uris.split()),
                "backchannel_logout_uri": site.backchannel_logout_uri,
                "trusted": site.trusted,
                "scopes": sorted(site.scope_set() - {OPENID}),
                "subject_type": site.subject_type,
                "client_type": site.client_type,
                "service_account": site.service_account.username if site.service_account else "",
            }
        super().__init__(*args, **kwargs)
        self.site = site
        if site is None or not site.logo:
            del self.fields["remove_logo"]

    def clean_logo(self) -> Any:
        logo = self.cleaned_data.get("logo")
        if not logo:
            return None
        if logo.size > LOGO_MAX_BYTES:
            raise forms.ValidationError(_("The logo may be at most 256 KB."))
        # ImageField has opened it with Pillow (Image.verify) and kept the image it read.
        image = getattr(logo, "image", None)
        if image is None or image.format not in LOGO_FORMATS:
            raise forms.ValidationError(_("The logo must be a PNG, JPEG, WebP or GIF image."))
        if max(image.size) > LOGO_MAX_SIDE:
            raise forms.ValidationError(
                _("The logo may be at most %(n)d pixels wide and high.") % {"n": LOGO_MAX_SIDE}
            )
        # Stored under a name of its real format, whatever the file was called.
        ending = next(end for end, kind in LOGO_ENDINGS.items() if kind == image.format)
        logo.name = f"logo.{ending}"
        return logo

    def clean_service_account(self) -> User | None:
        name = self.cleaned_data.get("service_account", "").strip()
        if not name:
            return None
        account = User.objects.filter(username=name).first()
        if account is None:
            raise forms.ValidationError(_("No account has this user name."))
        return account

    def details(self) -> SiteDetails:
        data = self.cleaned_data
        return SiteDetails(
            name=data["name"],
            description=data["description"],
            home_url=data["home_url"],
            redirect_uris=data["redirect_uris"],
            post_logout_redirect_uris=data["post_logout_redirect_uris"],
            backchannel_logout_uri=data["backchannel_logout_uri"],
            trusted=data["trusted"],
            scopes=(OPENID, *data["scopes"]),
            subject_type=data["subject_type"],
            client_type=data["client_type"],
            service_account=data["service_account"],
            logo=data.get("logo"),
            remove_logo=data.get("remove_logo", False),
        )


class AuthLogFilter(forms.Form):
    """The authentication log's search: every field optional, a wrong value is "not given"."""

    kind = forms.ChoiceField(
        label=_("Kind of event"), required=False, choices=[("", _("All")), *AuthEvent.Kind.choices]
    )
    person = forms.CharField(label=_("Person (name or user name)"), required=False, max_length=60)
    site = forms.TypedChoiceField(
        label=_("Site"), required=False, coerce=int, empty_value=None, choices=_site_choices
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    address = forms.GenericIPAddressField(label=_("Address"), required=False)
