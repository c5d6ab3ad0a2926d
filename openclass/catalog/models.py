"""The topic taxonomy courses are filed under (SPEC F-04).

The seed lists the ten cross-curricular areas (범교과학습) with their content elements; beside them
sit the creative experiential activities (창의적 체험활동), school subjects and parent-education
topics. Names are stored in Korean and English as data rather than as translatable strings: they
are loaded by a data migration and may be edited by the office in the admin, which gettext cannot
follow.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


def _prefers_english() -> bool:
    """Korean is the default language; only an active English locale switches the names."""
    language = get_language() or ""
    return language.lower().startswith("en")


class BilingualName(models.Model):
    """A Korean and an English name, and ``name`` picking the one for the active language."""

    name_ko = models.CharField(_("name (Korean)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """English only when English is active and an English name is set; Korean otherwise."""
        if _prefers_english() and self.name_en:
            return self.name_en
        return self.name_ko


class Topic(BilingualName):
    """A field a course is filed under: one cross-curricular area, creative activity area,
    subject or parent-education topic."""

    class Kind(models.TextChoices):
        CROSS_CURRICULAR = "cross_curricular", _("Cross-curricular learning")
        CREATIVE_EXPERIENTIAL = "creative_experiential", _("Creative experiential activities")
        SUBJECT = "subject", _("Subject")
        PARENT_EDUCATION = "parent_education", _("Parent education")

    class Group(models.TextChoices):
        # The seed's 구분 column for the cross-curricular areas.
        INDIVIDUAL = "individual", _("Individual")
        CIVIL_SOCIETY = "civil_society", _("Civil society")
        NATIONAL_COMMUNITY = "national_community", _("National community")

    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    group = models.CharField(
        _("group"),
        max_length=24,
        choices=Group.choices,
        blank=True,
        help_text=_(
            "Only for cross-curricular areas: individual, civil society, national community."
        ),
    )
    code = models.SlugField(_("code"), max_length=50, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    retired_at = models.DateTimeField(
        _("retired"),
        null=True,
        blank=True,
        help_text=_(
            "A retired topic keeps its courses but is no longer offered for new courses, "
            "calls and instructor profiles."
        ),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["kind", "position", "code"]
        indexes = [models.Index(fields=["kind", "position"])]

    def clean(self) -> None:
        """The seed sorts only the cross-curricular areas into 개인 / 시민 사회 / 국가 공동체; a
        group on any other kind would put a subject under a heading the catalog never shows."""
        if self.kind == self.Kind.CROSS_CURRICULAR and not self.group:
            raise ValidationError({"group": _("A cross-curricular area needs its group.")})
        if self.kind != self.Kind.CROSS_CURRICULAR and self.group:
            raise ValidationError({"group": _("Only cross-curricular areas have a group.")})


class ContentElement(BilingualName):
    """One content element (관련 내용요소) of a topic, e.g. 보건·성교육 under 안전·건강교육."""

    topic = models.ForeignKey(
        Topic,
        verbose_name=_("topic"),
        on_delete=models.CASCADE,
        related_name="elements",
    )
    code = models.SlugField(_("code"), max_length=60, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("content element")
        verbose_name_plural = _("content elements")
        ordering = ["topic_id", "position", "code"]


class AudienceTag(BilingualName):
    """Who a course is meant for: students, parents, health-impaired students, multicultural
    families (the seed's 사용 대상별)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("audience tag")
        verbose_name_plural = _("audience tags")
        ordering = ["position", "code"]
