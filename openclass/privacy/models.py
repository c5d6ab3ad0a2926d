"""The access log of reads of student records (개인정보 접속기록), hash-chained.

Each ``AccessRecord`` says who (``actor``) read which students' records (``students``, and one
``AccessSubject`` row per student to search by), what (a short code and the object's id), in
which course or class, when and from which address. Rows form a chain: ``seq`` numbers them
1, 2, 3 … without gaps, and each row's ``digest`` is sha256 of the previous row's digest and the
row's own canonical content (``services.canonical``), so editing a row, or deleting one from
the middle, breaks the chain at that row (``services.verify_chain``). Expired rows are dropped
from the start of the chain only, leaving a ``ChainAnchor`` (the last dropped row's number and
digest) for the verification to start from.

Users are referred to by id without a database constraint: the log outlives what it names, and
a row must read the same for the chain whatever happens to the account later (pseudonymised
accounts keep their ids).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from openclass.accounts.models import Organisation


class AccessRecord(models.Model):
    class What(models.TextChoices):
        GRADEBOOK = "gradebook", _("Gradebook")
        GRADEBOOK_XLSX = "gradebook_xlsx", _("Gradebook export (XLSX)")
        ATTENDANCE = "attendance", _("Attendance grid")
        ATTENDANCE_XLSX = "attendance_xlsx", _("Attendance export (XLSX)")
        STUDENT_ATTENDANCE = "student_attendance", _("A student's attendance")
        SUBMISSION = "submission", _("Assignment submission")
        SUBMISSION_FILE = "submission_file", _("Submitted file")
        QUIZ_ATTEMPTS = "quiz_attempts", _("Quiz attempts")
        QUIZ_RESULT = "quiz_result", _("Quiz result")
        PERSON = "person", _("Person page")
        GRADES = "grades", _("Course grades")
        DATA_EXPORT = "data_export", _("Personal data download")

    seq = models.PositiveBigIntegerField(_("number"), unique=True)
    at = models.DateTimeField(_("when"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    what = models.CharField(_("what"), max_length=24, choices=What.choices)
    object_id = models.PositiveBigIntegerField(_("object"), null=True, blank=True)
    course_id = models.PositiveBigIntegerField(_("course"), null=True, blank=True)
    klass = models.ForeignKey(
        Organisation,
        verbose_name=_("class"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    #: The students' ids, ascending, comma-separated: what the digest covers.
    students = models.TextField(_("students"), blank=True)
    digest = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("access record")
        verbose_name_plural = _("access records")
        ordering = ["-seq"]
        indexes = [models.Index(fields=["actor", "at"]), models.Index(fields=["what", "at"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.what} by {self.actor_id}"

    def student_ids(self) -> list[int]:
        return [int(part) for part in self.students.split(",") if part]


class AccessSubject(models.Model):
    """One student a record names, with the school they belonged to when it was read: what the
    search by student, and a school's privacy officer's view, go through."""

    record = models.ForeignKey(AccessRecord, on_delete=models.CASCADE, related_name="subjects")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    school = models.ForeignKey(
        Organisation,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )

    class Meta:
        indexes = [
            models.Index(fields=["student", "record"]),
            models.Index(fields=["school", "record"]),
        ]

    def __str__(self) -> str:
        return f"{self.record_id}: {self.student_id}"


class ChainAnchor(models.Model):
    """Where the chain starts after expired rows were dropped: the last dropped row's number and
    digest. The newest anchor counts; older ones stay as the history of the drops."""

    seq = models.PositiveBigIntegerField()
    digest = models.CharField(max_length=64)
    dropped = models.PositiveBigIntegerField(default=0)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-seq"]

    def __str__(self) -> str:
        return f"anchor at #{self.seq}"


class Departure(models.Model):
    """A student who left school (전학, 졸업, 자퇴): their account is deactivated on the day it is
    recorded, and pseudonymised on ``pseudonymise_on`` (the retention the school must keep:
    ``OPENCLASS_LEAVER_RETENTION_DAYS`` after ``left_on``) — name, user name, e-mail, phone,
    student number and parent links go; the records stay, keyed by the same id, for statistics."""

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("student"),
        on_delete=models.CASCADE,
        related_name="departure",
    )
    school = models.ForeignKey(
        Organisation,
        verbose_name=_("school"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    left_on = models.DateField(_("left school on"))
    pseudonymise_on = models.DateField(_("pseudonymised on"), db_index=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    pseudonymised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("departure")
        verbose_name_plural = _("departures")
        ordering = ["pseudonymise_on", "pk"]

    def __str__(self) -> str:
        return f"{self.person_id} left {self.left_on}"


class Consent(models.Model):
    """A consent given for a student for one purpose, to one version of its text (see
    ``consents.PURPOSES``): by the student, or by their parent while they are under 14 (법정대리인
    동의). Withdrawing stamps the row; giving again adds a row, so the history stays."""

    class Purpose(models.TextChoices):
        YOUTUBE = "youtube", _("Lessons from YouTube")
        COMMUNITY_MEDIA = "community_media", _("Photos and videos in the community")

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("for whom"),
        on_delete=models.CASCADE,
        related_name="consents",
    )
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("given by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    version = models.CharField(_("version of the text"), max_length=20)
    given_at = models.DateTimeField(_("given at"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-given_at", "-pk"]
        indexes = [models.Index(fields=["person", "purpose", "withdrawn_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "purpose"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="one_standing_consent_per_purpose",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.purpose} {self.version}"
