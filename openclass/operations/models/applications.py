"""Opening a course through the office (개설 신청, F-05): the office's calls for applications, a
school's application, and the history of every step it went through."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from openclass.core.stamps import Stamped
from openclass.courses.models import Course


class Call(models.Model):
    """Step a: the fields (topics) the office takes applications for, and until when."""

    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    topics = models.ManyToManyField(
        "catalog.Topic", verbose_name=_("fields open for application"), related_name="calls"
    )
    opens_on = models.DateField(_("applications from"))
    closes_on = models.DateField(_("applications until"))
    is_published = models.BooleanField(_("published"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[topics])

    class Meta:
        verbose_name = _("call for applications")
        verbose_name_plural = _("calls for applications")
        ordering = ["-opens_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_on__gte=models.F("opens_on")), name="call_closes_after"
            )
        ]

    def __str__(self) -> str:
        return self.title


class Application(Stamped):
    """Steps b–j for one course a school or class asks for. ``state`` changes only through
    ``operations.workflow``, which writes an ``ApplicationEvent`` for each change."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        APPROVED = "approved", _("Approved: choose an instructor")
        INSTRUCTOR_INVITED = "instructor_invited", _("Waiting for the instructor")
        INSTRUCTOR_ACCEPTED = "instructor_accepted", _("Instructor confirmed")
        OPENED = "opened", _("Course opened")
        COMPLETED = "completed", _("Course finished")
        CLOSED = "closed", _("Closed")

    class Recording(models.TextChoices):
        UNDECIDED = "undecided", _("Not decided yet")
        PRIVATE = "private", _("Keep private to the course")
        PUBLISH = "publish", _("Publish to the catalog")
        DELETE = "delete", _("Delete after a number of days")

    call = models.ForeignKey(
        Call, verbose_name=_("call"), on_delete=models.PROTECT, related_name="applications"
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applicant"),
        on_delete=models.PROTECT,
        related_name="course_applications",
    )
    school = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("school"),
        on_delete=models.PROTECT,
        related_name="course_applications",
    )
    audience = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("for"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The school, a grade or a class."),
    )
    topic = models.ForeignKey(
        "catalog.Topic", verbose_name=_("field"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("course title"), max_length=120)
    plan = models.TextField(_("what the course will do"))
    expected_students = models.PositiveIntegerField(
        _("number of students"), validators=[MinValueValidator(1), MaxValueValidator(2000)]
    )
    delivery = models.CharField(_("delivery"), max_length=10, choices=Course.Delivery.choices)
    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("instructor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="instructor_applications",
    )
    course = models.OneToOneField(
        "courses.Course",
        verbose_name=_("course"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="application",
    )
    recording = models.CharField(
        _("recordings"), max_length=10, choices=Recording.choices, default=Recording.UNDECIDED
    )
    recording_days = models.PositiveSmallIntegerField(
        _("delete after (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
    )
    recording_decided_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.SUBMITTED
    )
    state_changed_at = models.DateTimeField(auto_now_add=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("course application")
        verbose_name_plural = _("course applications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state"], name="application_state")]

    def __str__(self) -> str:
        return self.title


class PreferredSession(models.Model):
    """A date and time the applicant would like a session on (the course's timeline is made from
    these when it opens)."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="preferred_sessions"
    )
    day = models.DateField(_("day"))
    starts_at = models.TimeField(_("starts at"))
    ends_at = models.TimeField(_("ends at"))

    class Meta:
        verbose_name = _("preferred session")
        verbose_name_plural = _("preferred sessions")
        ordering = ["day", "starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="preferred_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"


class ApplicationEvent(models.Model):
    """One step of an application's history: who moved it from which state to which, when and
    why. Never edited or deleted."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=30)
    from_state = models.CharField(max_length=20, choices=Application.State.choices, blank=True)
    to_state = models.CharField(max_length=20, choices=Application.State.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    reason = models.TextField(_("reason"), blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("application step")
        verbose_name_plural = _("application steps")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.application}: {self.from_state or '—'} → {self.to_state}"
