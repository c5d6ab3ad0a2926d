"""The office's form for an outside catalog. Its address is checked here (only http and https)
and again by ``feeds.services``, which decides."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import OutsideCatalog
from .services import CatalogDetails, is_web_address


class CatalogForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    site_name = forms.CharField(
        label=_("Source site"),
        max_length=100,
        help_text=_("The site's name, as search results group them (꿀박사, 진로진학정보센터 …)."),
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=OutsideCatalog.Kind.choices,
        help_text=_(
            "A feed is a CSV or JSON file (columns id, title, url, description, tags, area, "
            "grade_band, audience, published); an OAI-PMH endpoint is harvested in Dublin Core "
            "(oai_dc)."
        ),
    )
    url = forms.CharField(
        label=_("Address"),
        max_length=1000,
        widget=forms.URLInput(attrs={"spellcheck": "false"}),
        help_text=_("The feed's or the OAI-PMH endpoint's address (http:// or https://)."),
    )
    oai_set = forms.CharField(
        label=_("OAI-PMH set"),
        max_length=200,
        required=False,
        help_text=_("Only for an OAI-PMH endpoint: the set to harvest (empty: everything)."),
    )
    interval_hours = forms.IntegerField(
        label=_("Fetch every (hours)"), min_value=1, max_value=24 * 90, initial=24
    )

    def __init__(self, *args: Any, catalog: OutsideCatalog | None = None, **kwargs: Any) -> None:
        if catalog is not None and not kwargs.get("data") and not (args and args[0]):
            kwargs["initial"] = {
                "name": catalog.name,
                "site_name": catalog.site_name,
                "kind": catalog.kind,
                "url": catalog.url,
                "oai_set": catalog.oai_set,
                "interval_hours": catalog.interval_hours,
            }
        super().__init__(*args, **kwargs)

    def clean_url(self) -> str:
        url = str(self.cleaned_data["url"]).strip()
        if not is_web_address(url):
            raise forms.ValidationError(_("Only http:// and https:// addresses can be fetched."))
        return url

    def details(self) -> CatalogDetails:
        data = self.cleaned_data
        return CatalogDetails(
            name=data["name"],
            site_name=data["site_name"],
            kind=data["kind"],
            url=data["url"],
            oai_set=data.get("oai_set") or "",
            interval_hours=data["interval_hours"],
        )
