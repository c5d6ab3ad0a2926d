"""Outside catalogs: the sources the office registers (a CSV/JSON feed or an OAI-PMH endpoint) and
the entries last fetched from each. The entries are what the search finds (``feeds.search``); each
links out to the outside site."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from openclass.accounts.models import User


class OutsideCatalog(models.Model):
    """An outside source of entries: where it is, what kind it is, how often it is fetched, and
    how its last fetch went."""

    class Kind(models.TextChoices):
        FEED = "feed", _("CSV or JSON feed")
        OAI = "oai", _("OAI-PMH endpoint (Dublin Core)")

    class Outcome(models.TextChoices):
        NEVER = "", _("Not fetched yet")
        OK = "ok", _("Fetched")
        FAILED = "failed", _("Failed")

    name: models.CharField[str, str] = models.CharField(_("name"), max_length=200)
    #: The "source site" facet of the search's results (꿀박사, 진로진학정보센터 …).
    site_name: models.CharField[str, str] = models.CharField(_("source site"), max_length=100)
    kind: models.CharField[str, str] = models.CharField(
        _("kind"), max_length=8, choices=Kind.choices, default=Kind.FEED
    )
    url: models.URLField[str, str] = models.URLField(_("address"), max_length=1000)
    #: An OAI-PMH set to harvest (``set=``); empty for the whole repository.
    oai_set: models.CharField[str, str] = models.CharField(
        _("OAI-PMH set"), max_length=200, blank=True
    )
    interval_hours: models.PositiveIntegerField[int, int] = models.PositiveIntegerField(
        _("fetch every (hours)"), default=24
    )
    is_active: models.BooleanField[bool, bool] = models.BooleanField(_("active"), default=True)
    last_fetched_at: models.DateTimeField[datetime.datetime | None, datetime.datetime | None] = (
        models.DateTimeField(_("last fetched"), null=True, blank=True)
    )
    last_outcome: models.CharField[str, str] = models.CharField(
        _("last outcome"), max_length=8, choices=Outcome.choices, default=Outcome.NEVER, blank=True
    )
    entry_count: models.PositiveIntegerField[int, int] = models.PositiveIntegerField(
        _("entries"), default=0
    )
    last_error: models.TextField[str, str] = models.TextField(_("last error"), blank=True)
    #: Set while a fetch runs (``services.fetch_catalog`` claims the catalog with it): another
    #: worker does not fetch it meanwhile. A claim older than ``services.CLAIM_SECONDS`` is a
    #: worker that died and is taken over.
    fetching_since: models.DateTimeField[datetime.datetime | None, datetime.datetime | None] = (
        models.DateTimeField(null=True, blank=True, editable=False)
    )
    created_by: models.ForeignKey[User | None, User | None] = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)

    class Meta:
        verbose_name = _("outside catalog")
        verbose_name_plural = _("outside catalogs")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    def is_due(self, now: datetime.datetime | None = None) -> bool:
        """Active, and never fetched or last fetched at least ``interval_hours`` ago."""
        if not self.is_active:
            return False
        if self.last_fetched_at is None:
            return True
        now = now or timezone.now()
        return self.last_fetched_at + datetime.timedelta(hours=self.interval_hours) <= now


class OutsideEntry(models.Model):
    """One entry of an outside catalog, as its last fetch described it."""

    catalog: models.ForeignKey[OutsideCatalog, OutsideCatalog] = models.ForeignKey(
        OutsideCatalog, on_delete=models.CASCADE, related_name="entries"
    )
    #: The feed's ``id`` or the OAI-PMH record's identifier: unique within its catalog.
    identifier: models.CharField[str, str] = models.CharField(_("identifier"), max_length=500)
    title: models.CharField[str, str] = models.CharField(_("title"), max_length=500)
    description: models.TextField[str, str] = models.TextField(_("description"), blank=True)
    url: models.URLField[str, str] = models.URLField(_("address"), max_length=1000)
    #: Keywords, one per line.
    tags: models.TextField[str, str] = models.TextField(_("tags"), blank=True)
    area: models.CharField[str, str] = models.CharField(_("area"), max_length=200, blank=True)
    grade_band: models.CharField[str, str] = models.CharField(
        _("grade band"), max_length=20, blank=True
    )
    audience: models.CharField[str, str] = models.CharField(
        _("audience"), max_length=20, blank=True
    )
    published_at: models.DateTimeField[datetime.datetime | None, datetime.datetime | None] = (
        models.DateTimeField(_("published"), null=True, blank=True)
    )
    fetched_at = models.DateTimeField(_("fetched"))

    class Meta:
        verbose_name = _("outside entry")
        verbose_name_plural = _("outside entries")
        ordering = ["catalog", "title", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["catalog", "identifier"], name="feeds_entry_identifier_per_catalog"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def tag_list(self) -> tuple[str, ...]:
        return tuple(tag for tag in self.tags.splitlines() if tag)
