"""Step g (sessions confirmed), step h (instructor pay, students' points). Money is integer won."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from openclass.core.stamps import Stamped

from .pool import InstructorProfile


class SessionReport(models.Model):
    """What a session of an application's course actually was, as the school (or the opener)
    confirmed it: how long it ran, whether in person, and the attendance at that moment.
    Confirmed reports are what pay is computed from; changing one needs a reason."""

    session = models.OneToOneField(
        "courses.Session", on_delete=models.PROTECT, related_name="report"
    )
    minutes = models.PositiveIntegerField(
        _("minutes delivered"), validators=[MaxValueValidator(24 * 60)]
    )
    in_person = models.BooleanField(_("taught in person at the school"), default=False)
    enrolled = models.PositiveIntegerField(_("students enrolled"))
    attended = models.PositiveIntegerField(_("students who attended"))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("session report")
        verbose_name_plural = _("session reports")
        ordering = ["session__day", "session__starts_at", "pk"]

    def __str__(self) -> str:
        return str(self.session)

    @property
    def attendance_percent(self) -> int:
        return 100 * self.attended // self.enrolled if self.enrolled else 0


class SessionReportChange(models.Model):
    """A change of a confirmed report: what it was, what it became, who, why."""

    report = models.ForeignKey(SessionReport, on_delete=models.CASCADE, related_name="changes")
    before = models.JSONField()
    after = models.JSONField()
    reason = models.CharField(_("reason"), max_length=300)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.report}: {self.reason}"


class RateTable(models.Model):
    """The office's pay standard (강사료 지원 기준) from a date on; the newest one in force on a
    session's day prices it."""

    name = models.CharField(_("name"), max_length=120)
    effective_from = models.DateField(_("in force from"), unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rate table")
        verbose_name_plural = _("rate tables")
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return self.name


class Rate(models.Model):
    class SessionKind(models.TextChoices):
        LIVE = "live", _("Live online class")
        RECORDED = "recorded", _("Recorded lesson")
        IN_PERSON = "in_person", _("In person at the school")

    table = models.ForeignKey(RateTable, on_delete=models.CASCADE, related_name="rates")
    instructor_kind = models.CharField(
        _("instructor type"), max_length=10, choices=InstructorProfile.Kind.choices
    )
    session_kind = models.CharField(_("session kind"), max_length=10, choices=SessionKind.choices)
    hourly_won = models.PositiveIntegerField(_("per hour (won)"))
    max_minutes = models.PositiveIntegerField(
        _("paid minutes per session at most"), default=120, validators=[MinValueValidator(1)]
    )
    travel_won = models.PositiveIntegerField(_("travel allowance (won)"), default=0)
    min_attendance_percent = models.PositiveSmallIntegerField(
        _("full rate from attendance (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    reduced_percent = models.PositiveSmallIntegerField(
        _("rate below that attendance (%)"), default=100, validators=[MaxValueValidator(100)]
    )
    monthly_cap_won = models.PositiveIntegerField(
        _("at most per month (won)"), null=True, blank=True
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rate")
        verbose_name_plural = _("rates")
        constraints = [
            models.UniqueConstraint(
                fields=["table", "instructor_kind", "session_kind"], name="one_rate_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_instructor_kind_display()} · {self.get_session_kind_display()}"


class PayMonth(models.Model):
    """A month of pay; once closed (statements issued to payroll) its lines never change, and a
    later correction becomes an adjustment in the next open month."""

    month = models.DateField(_("month"), unique=True)  # the first day of the month
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


class PayLine(Stamped):
    class Kind(models.TextChoices):
        SESSION = "session", _("Session")
        ADJUSTMENT = "adjustment", _("Adjustment")

    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="pay_lines"
    )
    month = models.ForeignKey(PayMonth, on_delete=models.PROTECT, related_name="lines")
    report = models.ForeignKey(SessionReport, on_delete=models.PROTECT, related_name="pay_lines")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    minutes = models.IntegerField(_("minutes"))
    amount_won = models.IntegerField(_("amount (won)"))
    detail = models.CharField(_("how it was computed"), max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("pay line")
        verbose_name_plural = _("pay lines")
        ordering = ["report__session__day", "pk"]

    def __str__(self) -> str:
        return f"{self.instructor} {self.month}: {self.amount_won} won"


class PointRule(models.Model):
    """Points a student earns for an event, set by the office."""

    class Event(models.TextChoices):
        ATTENDED = "attended", _("Attended a session")
        COMPLETED = "completed", _("Completed a course")

    event = models.CharField(_("event"), max_length=12, choices=Event.choices, unique=True)
    points = models.PositiveIntegerField(pgettext_lazy("reward points", "points"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("point rule")
        verbose_name_plural = _("point rules")

    def __str__(self) -> str:
        return f"{self.get_event_display()}: {self.points}"


class PointEntry(models.Model):
    """One line of a student's points ledger; a balance is the sum of the lines, never stored.
    ``source`` names what earned it, once (``session:12``, ``course:3``)."""

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="point_entries"
    )
    event = models.CharField(max_length=12, choices=PointRule.Event.choices)
    source = models.CharField(max_length=40)
    points = models.IntegerField(pgettext_lazy("reward points", "points"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points ledger")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "event", "source"], name="points_once_per_source"
            )
        ]

    def __str__(self) -> str:
        return f"{self.student} {self.source}: {self.points}"
