"""Courses (강좌) with their sections (단원) and lessons (차시), enrolment, watch progress (진도율),
the dated timeline of sessions, and attendance (출결) on the lesson side.

A course is opened at one organisation of the tree (office, school, grade or class: its scope) and
is visible to the students under it; enrolment decides who studies it. Progress and attendance rows
belong to one student each and are only ever read through ``accounts.scoping``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openclass.accounts.models import Organisation
from openclass.core.stamps import Stamped

if TYPE_CHECKING:
    from .services.reports import Cell

DEFAULT_SPEEDS = [1.0, 1.25, 1.5]


def default_speeds() -> list[float]:
    return list(DEFAULT_SPEEDS)


class Course(Stamped):
    class Scope(models.TextChoices):
        OFFICE = "office", _("Office-provided")
        SCHOOL = "school", _("School")
        GRADE = "grade", _("Grade")
        CLASS = "class", _("Class")

    class Arrangement(models.TextChoices):
        OFFICE_INSTRUCTOR = "office_instructor", _("Office-provided instructor")
        EXTERNAL_INSTRUCTOR = "external_instructor", _("External instructor")
        SCHOOL_INSTRUCTOR = "school_instructor", _("School-designated instructor")
        TEACHER = "teacher", _("The teacher directly")

    class Delivery(models.TextChoices):
        RECORDED = "recorded", _("Recorded lessons")
        LIVE = "live", _("Live classes")
        BLENDED = "blended", _("Blended")

    # The organisation kind each scope opens a course at.
    SCOPE_KIND: dict[str, str] = {
        Scope.OFFICE: Organisation.Kind.OFFICE,
        Scope.SCHOOL: Organisation.Kind.SCHOOL,
        Scope.GRADE: Organisation.Kind.GRADE,
        Scope.CLASS: Organisation.Kind.CLASS,
    }

    title = models.CharField(_("title"), max_length=120)
    summary = models.TextField(_("summary"), blank=True)
    topic = models.ForeignKey(
        "catalog.Topic", verbose_name=_("topic"), on_delete=models.PROTECT, related_name="courses"
    )
    content_elements = models.ManyToManyField(
        "catalog.ContentElement", verbose_name=_("content elements"), blank=True
    )
    audience = models.ManyToManyField("catalog.AudienceTag", verbose_name=_("audience"), blank=True)
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("opened at"),
        on_delete=models.PROTECT,
        related_name="courses",
    )
    arrangement = models.CharField(
        _("instructor arrangement"),
        max_length=20,
        choices=Arrangement.choices,
        default=Arrangement.TEACHER,
    )
    delivery = models.CharField(
        _("delivery"), max_length=10, choices=Delivery.choices, default=Delivery.RECORDED
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        on_delete=models.PROTECT,
        related_name="owned_courses",
    )
    teachers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("teachers and instructors"),
        related_name="taught_courses",
        blank=True,
    )
    is_published = models.BooleanField(_("published"), default=False)
    self_enrolment = models.BooleanField(
        _("students may enrol themselves"),
        default=False,
        help_text=_("Otherwise teachers and school admins enrol their students."),
    )
    opens_on = models.DateField(_("opens on"), null=True, blank=True)
    closes_on = models.DateField(_("closes on"), null=True, blank=True)
    no_skip = models.BooleanField(
        _("no skipping"),
        default=True,
        help_text=_("Students cannot move past the furthest point they have watched."),
    )
    allowed_speeds = models.JSONField(_("allowed playback speeds"), default=default_speeds)
    completion_threshold = models.PositiveSmallIntegerField(
        _("completion threshold (%)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    attendance_needs_completion = models.BooleanField(
        _("attendance needs completion"),
        default=True,
        help_text=_(
            "Present only when the lesson is completed, not merely opened, on its scheduled day."
        ),
    )
    late_days = models.PositiveSmallIntegerField(
        _("days counted as late"),
        default=7,
        help_text=_("After the scheduled day, completing within this many days counts as late."),
    )
    live_late_minutes = models.PositiveSmallIntegerField(
        _("live class: minutes before late"),
        default=10,
        help_text=_("Joining a live class later than this after it starts counts as late."),
    )
    live_left_early_minutes = models.PositiveSmallIntegerField(
        _("live class: minutes before left early"),
        default=10,
        help_text=_("Leaving a live class more than this before it ends counts as left early."),
    )
    live_min_percent = models.PositiveSmallIntegerField(
        _("live class: least time present (%)"),
        default=50,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Present for less of the class than this counts as absent."),
    )
    copied_from = models.ForeignKey(
        "self",
        verbose_name=_("copied from"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="copies",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        expected = self.SCOPE_KIND.get(self.scope)
        if self.organisation_id and expected and self.organisation.kind != expected:
            raise ValidationError(
                {"organisation": _("The scope does not match the kind of organisation.")}
            )
        if self.opens_on and self.closes_on and self.closes_on < self.opens_on:
            raise ValidationError({"closes_on": _("The course cannot close before it opens.")})
        speeds = self.allowed_speeds
        if not isinstance(speeds, list) or not speeds or 1.0 not in speeds:
            raise ValidationError({"allowed_speeds": _("Normal speed (1×) must be allowed.")})


class Section(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="sections")
    title = models.CharField(_("title"), max_length=120)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title


class Lesson(Stamped):
    class Kind(models.TextChoices):
        VIDEO = "video", _("Uploaded video")
        YOUTUBE = "youtube", _("YouTube video")
        VIDEO_URL = "video_url", _("Video from a URL (MP4 or HLS)")
        DOCUMENT = "document", _("Document (PDF)")
        LINK = "link", _("Link")
        QUIZ = "quiz", _("Quiz")
        ASSIGNMENT = "assignment", _("Assignment")
        TOOL = "tool", _("Outside tool")

    VIDEO_KINDS = (Kind.VIDEO, Kind.YOUTUBE, Kind.VIDEO_URL)
    # Videos elsewhere: their length is measured or given when the lesson is saved (F-08).
    REMOTE_VIDEO_KINDS = (Kind.YOUTUBE, Kind.VIDEO_URL)
    # Opening these completes them; videos complete by watching, quizzes and assignments by
    # their results (``assessments``), an outside tool's lesson as ``lti`` decides (on launch, or
    # when a tool that posts scores reports the activity completed).
    OPEN_COMPLETES = (Kind.DOCUMENT, Kind.LINK)
    ASSESSMENT_KINDS = (Kind.QUIZ, Kind.ASSIGNMENT)

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="lessons")
    title = models.CharField(_("title"), max_length=120)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    position = models.PositiveIntegerField(_("position"), default=0)
    description = models.TextField(_("description"), blank=True)
    is_required = models.BooleanField(_("required for completion"), default=True)
    video = models.ForeignKey(
        "media.Video",
        verbose_name=_("video"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lessons",
    )
    url = models.URLField(_("URL"), max_length=500, blank=True)
    document = models.FileField(_("document"), upload_to="documents/%Y/%m/", blank=True)
    duration = models.FloatField(
        _("duration (seconds)"),
        null=True,
        blank=True,
        help_text=_(
            "Known from the video itself; for URL videos, from ffprobe or the teacher; for "
            "YouTube, from the teacher's page when the lesson is saved, or the teacher."
        ),
    )
    #: Not a column: the viewer's progress, which the course page sets for its template.
    my_progress: LessonProgress | None

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_video(self) -> bool:
        return self.kind in self.VIDEO_KINDS

    @property
    def known_duration(self) -> float | None:
        """The video's length as the server knows it (F-08): from media's probe for an uploaded
        video, else ``duration`` (ffprobe of the URL, the teacher's page or the teacher). Never
        from a student's player: without it, watching cannot complete the lesson."""
        if self.video_id is not None and self.video is not None and self.video.duration:
            return self.video.duration
        return self.duration or None

    def clean(self) -> None:
        if self.kind == self.Kind.VIDEO and not self.video_id:
            raise ValidationError({"video": _("Upload the lesson's video.")})
        if self.kind in (self.Kind.YOUTUBE, self.Kind.VIDEO_URL, self.Kind.LINK) and not self.url:
            raise ValidationError({"url": _("Give the address (URL).")})
        if self.kind == self.Kind.DOCUMENT and not self.document:
            raise ValidationError({"document": _("Choose the PDF file.")})


class Enrolment(Stamped):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrolments")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments"
    )
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    enrolled_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    last_lesson = models.ForeignKey(
        Lesson, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_activity_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(fields=["course", "student"], name="one_enrolment_per_student")
        ]
        indexes = [models.Index(fields=["student", "-last_activity_at"])]

    def __str__(self) -> str:
        return f"{self.student} → {self.course}"


class LessonProgress(Stamped):
    """What one student has watched or opened of one lesson.

    ``intervals`` is the sorted, disjoint union of watched [start, end] seconds; ``watched`` is its
    total length and ``furthest`` the furthest point reached by watching (not by seeking), which
    the no-skip rule measures against.
    """

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_progress"
    )
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="progress")
    intervals = models.JSONField(default=list)
    watched = models.FloatField(default=0)
    furthest = models.FloatField(default=0)
    position = models.FloatField(_("resume position"), default=0)
    duration = models.FloatField(null=True, blank=True)
    last_seq = models.PositiveIntegerField(default=0)
    opened_at = models.DateTimeField(default=timezone.now)
    last_beat_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("lesson progress")
        verbose_name_plural = _("lesson progress")
        constraints = [
            models.UniqueConstraint(fields=["student", "lesson"], name="one_progress_per_lesson")
        ]

    def __str__(self) -> str:
        return f"{self.student} · {self.lesson}: {self.percent} %"

    @property
    def percent(self) -> int:
        from .services import progress

        if self.completed_at and not self.duration:
            return 100
        return progress.percent(self.watched, self.duration)


class RejectedHeartbeat(models.Model):
    """A heartbeat the server refused to credit, kept for the teacher and for audits."""

    class Reason(models.TextChoices):
        PAST_DURATION = "past_duration", _("Interval past the end of the video")
        TOO_FAST = "too_fast", _("More credit than time allows")
        REPLAYED = "replayed", _("Replayed or out-of-order heartbeat")
        SKIPPED_AHEAD = "skipped_ahead", _("Interval beyond the furthest point watched")
        SPEED = "speed", _("Playback speed not allowed")
        MALFORMED = "malformed", _("Malformed heartbeat")
        UNKNOWN_DURATION = "unknown_duration", _("The video's length is not known yet")

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="rejected_beats")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("rejected heartbeat")
        verbose_name_plural = _("rejected heartbeats")

    def __str__(self) -> str:
        return f"{self.student} · {self.lesson}: {self.get_reason_display()}"


class Session(Stamped):
    """One dated entry of a course's timeline (F-13): a recorded lesson to study on a day, or a
    live class at a time. Live sessions get their room with the live-class feature."""

    class Kind(models.TextChoices):
        RECORDED = "recorded", _("Recorded lesson")
        LIVE = "live", _("Live class")

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="sessions")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    #: What its teacher called it, shown as written; blank for a session the platform numbered.
    title = models.CharField(_("title"), max_length=120, blank=True)
    #: A numbered session's number (a course opened through the office: 1회차, 2회차, …), named
    #: in each reader's language when shown (``shown_title``), not stored in the opener's.
    number = models.PositiveSmallIntegerField(_("number"), null=True, blank=True)
    lesson = models.ForeignKey(
        Lesson,
        verbose_name=_("lesson"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sessions",
    )
    day = models.DateField(_("day"))
    starts_at = models.TimeField(_("starts at"), null=True, blank=True)
    ends_at = models.TimeField(_("ends at"), null=True, blank=True)
    #: Not columns: the viewer's own mark, and whether its link opens for them, which the
    #: timeline page sets for its template.
    my_mark: Cell | None
    may_open: bool

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["day", "starts_at", "pk"]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.shown_title}"

    @property
    def shown_title(self) -> str:
        """The title in the active language (the reader's): as its teacher wrote it, or for a
        numbered session "3회차" / "Session 3"."""
        if self.title or self.number is None:
            return self.title
        return _("Session %(number)d") % {"number": self.number}

    def clean(self) -> None:
        if self.kind == self.Kind.RECORDED and not self.lesson_id:
            raise ValidationError({"lesson": _("Choose the lesson to study on this day.")})
        if self.kind == self.Kind.LIVE and not (self.starts_at and self.ends_at):
            raise ValidationError({"starts_at": _("A live class needs its start and end time.")})
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The class must end after it starts.")})


class Attendance(Stamped):
    class Status(models.TextChoices):
        PENDING = "pending", _("In progress")
        PRESENT = "present", _("Present")
        LATE = "late", _("Late")
        LEFT_EARLY = "left_early", _("Left early")
        ABSENT = "absent", _("Absent")
        EXCUSED = "excused", _("Excused")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attendance"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    first_seen_at = models.DateTimeField(_("first seen at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    minutes = models.PositiveIntegerField(_("minutes present"), default=0)
    corrected = models.BooleanField(_("corrected by a teacher"), default=False)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["session", "student"], name="one_mark_per_session")
        ]

    def __str__(self) -> str:
        return f"{self.session} · {self.student}: {self.get_status_display()}"


class AttendanceCorrection(models.Model):
    """A teacher's change of a mark, with the reason; never deleted."""

    attendance = models.ForeignKey(Attendance, on_delete=models.CASCADE, related_name="corrections")
    old_status = models.CharField(max_length=10, choices=Attendance.Status.choices)
    new_status = models.CharField(max_length=10, choices=Attendance.Status.choices)
    reason = models.CharField(_("reason"), max_length=200)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    corrected_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attendance correction")
        verbose_name_plural = _("attendance corrections")
        ordering = ["corrected_at", "pk"]

    def __str__(self) -> str:
        return f"{self.attendance}: {self.old_status} → {self.new_status}"
