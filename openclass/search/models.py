"""The one search index (SPEC F-14): a row per thing a search can find, and the query log.

A ``Document`` is what a registered source (``core.registry.SearchSource``) said about one of
its objects, with the facets the results page groups by. Its words are not here: each backend
keeps them in a table of its own beside it (``search.backends``: SQLite's FTS5, PostgreSQL's
tsvector with GIN), written in the same transaction. Who may see a document is not stored either:
the source answers that at query time (``services.search``), so a result never outlives the
right to open it.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Document(models.Model):
    source = models.CharField(_("source"), max_length=64)
    key = models.PositiveBigIntegerField(_("key"))
    kind = models.CharField(_("kind"), max_length=24)
    title = models.CharField(_("title"), max_length=300)
    url = models.CharField(_("address"), max_length=500)
    #: The start of the body, for snippets (the backend indexes all of it).
    body = models.TextField(_("body"), blank=True)
    tags = models.CharField(_("tags"), max_length=500, blank=True)
    area = models.CharField(_("area"), max_length=120, blank=True)
    grade_band = models.CharField(_("grade band"), max_length=16, blank=True)
    audience = models.CharField(_("audience"), max_length=16, blank=True)
    site = models.CharField(_("site"), max_length=120, blank=True)
    mode = models.CharField(_("live or recorded"), max_length=16, blank=True)
    popularity = models.PositiveIntegerField(_("popularity"), default=0)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    #: The title's and tags' terms, space-separated: the vocabulary "did you mean" draws from.
    terms = models.TextField(blank=True)
    indexed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")
        constraints = [
            models.UniqueConstraint(fields=["source", "key"], name="search_document_source_key")
        ]
        indexes = [models.Index(fields=["indexed_at"])]

    def __str__(self) -> str:
        return f"{self.source}:{self.key} {self.title}"


class Query(models.Model):
    """One search, anonymised: the words and the school level of who asked, never who.

    Feeds "popular searches" per school level and the office's page of queries that found
    nothing."""

    class Level(models.TextChoices):
        ELEMENTARY = "elementary", _("Elementary school")
        MIDDLE = "middle", _("Middle school")
        HIGH = "high", _("High school")
        OTHER = "", _("Other")

    text = models.CharField(_("query"), max_length=200)
    level = models.CharField(_("school level"), max_length=16, blank=True, choices=Level.choices)
    results = models.PositiveIntegerField(_("results"))
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("search query")
        verbose_name_plural = _("search queries")
        indexes = [models.Index(fields=["at", "level"]), models.Index(fields=["results", "at"])]

    def __str__(self) -> str:
        return self.text


class Generation(models.Model):
    """How many times the index has been written: one row, bumped in the same transaction as
    every write (``services``), so each process's kept matches (``search.matches``) know they
    are out of date whichever process wrote — the Huey consumer, another web worker."""

    value = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("index generation")
        verbose_name_plural = _("index generations")

    def __str__(self) -> str:
        return str(self.value)
