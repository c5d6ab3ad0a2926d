"""The instructor pool (강사 인력풀, F-06): who can be invited to teach, in which fields, when."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class InstructorProfile(models.Model):
    """An instructor's entry in the pool. Only approved profiles are offered to schools; the
    office approves each new one (a school's own instructor too, because the office pays)."""

    class Kind(models.TextChoices):
        # The rate table has a row per kind (the office's "existing instructor pay standard").
        GENERAL = "general", _("Instructor")
        EXPERT = "expert", _("Expert instructor")
        TEACHER = "teacher", _("Serving teacher")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Not approved")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="instructor_profile"
    )
    kind = models.CharField(_("instructor type"), max_length=10, choices=Kind.choices)
    topics = models.ManyToManyField(
        "catalog.Topic", verbose_name=_("fields"), related_name="instructors"
    )
    headline = models.CharField(_("one line about you"), max_length=120)
    career = models.TextField(_("career"), help_text=_("Teaching and work experience."))
    registered_by_school = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("registered by the school"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="own_instructors",
        help_text=_("A school's own instructor (자체 강사)."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(m2m_fields=[topics], excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("instructor profile")
        verbose_name_plural = _("instructor profiles")
        ordering = ["user__name", "pk"]

    def __str__(self) -> str:
        return str(self.user)


def document_path(document: InstructorDocument, filename: str) -> str:
    return f"instructors/{document.profile_id}/{filename}"


class InstructorDocument(models.Model):
    """A certificate or CV the office checks before approving; served only as a download."""

    profile = models.ForeignKey(
        InstructorProfile, on_delete=models.CASCADE, related_name="documents"
    )

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the office's check")
        ACCEPTED = "accepted", _("Checked")
        REFUSED = "refused", _("Not accepted")

    title = models.CharField(_("title"), max_length=120)
    file = models.FileField(_("file"), upload_to=document_path, max_length=300)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(_("note"), max_length=300, blank=True)
    history = HistoricalRecords(excluded_fields=["file"])

    class Meta:
        verbose_name = _("instructor document")
        verbose_name_plural = _("instructor documents")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.title


class AvailabilitySlot(models.Model):
    """A time an instructor can teach (their availability calendar)."""

    profile = models.ForeignKey(
        InstructorProfile, on_delete=models.CASCADE, related_name="availability"
    )
    day = models.DateField(_("day"))
    starts_at = models.TimeField(_("from"))
    ends_at = models.TimeField(_("until"))

    class Meta:
        verbose_name = _("available time")
        verbose_name_plural = _("available times")
        ordering = ["day", "starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="slot_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"
