"""Live two-way classes (실시간 쌍방향 수업, F-12): the Janus servers of the pool, one room per live
session of a course's timeline, who may take part, the tickets they join with, and the stays
Janus reports, from which attendance (F-09) is computed.

The media never passes through the app: a browser talks WebRTC to the Janus server its room is
placed on. What the app keeps is who was let in (``Ticket``), who was really there and when
(``Stay``, from Janus's own event handler, so a crashed tab still leaves), and what was said
and asked in class (chat, polls).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from openclass.core.stamps import Stamped


class JanusServer(models.Model):
    """One Janus server of ``OPENCLASS_JANUS_URLS``, with what the registry last saw of it."""

    api_url = models.CharField(_("API address"), max_length=200, unique=True)
    public_url = models.CharField(_("address for browsers"), max_length=200)
    is_listed = models.BooleanField(
        _("in the settings"),
        default=True,
        help_text=_("Servers dropped from the settings stay for their history."),
    )
    is_healthy = models.BooleanField(_("healthy"), default=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("Janus server")
        verbose_name_plural = _("Janus servers")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.api_url


class LiveRoom(Stamped):
    """The room of one live session. A breakout room (모둠 활동방) is a room with a parent: its own
    Janus room on the same server, for part of the class."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", pgettext_lazy("live class", "Not started")
        OPEN = "open", pgettext_lazy("live class", "Live now")
        ENDED = "ended", _("Ended")

    session = models.ForeignKey(
        "courses.Session", on_delete=models.CASCADE, related_name="live_rooms"
    )
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="breakouts"
    )
    name = models.CharField(_("name"), max_length=60, blank=True)
    server = models.ForeignKey(
        JanusServer, on_delete=models.SET_NULL, null=True, blank=True, related_name="rooms"
    )
    # The room's number on its Janus server, random so it cannot be guessed; a new one is drawn
    # when the room is re-created on another server.
    janus_room = models.BigIntegerField(null=True, blank=True, unique=True)
    janus_secret = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    started_at = models.DateTimeField(null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    locked = models.BooleanField(_("locked"), default=False)
    students_may_share_screen = models.BooleanField(
        _("students may share their screen"), default=False
    )
    spotlight = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_recording = models.BooleanField(_("recording"), default=False)
    attendance_confirmed_at = models.DateTimeField(null=True, blank=True)
    attendance_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("live room")
        verbose_name_plural = _("live rooms")
        constraints = [
            models.UniqueConstraint(
                fields=["session"],
                condition=models.Q(parent__isnull=True),
                name="one_main_room_per_session",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session} {self.name}".strip()

    @property
    def main(self) -> LiveRoom:
        return self.parent or self


class Participant(models.Model):
    """Someone who may be, or has been, in a room: the course's students and teachers, and
    guests (parents, outside instructors) who wait until the teacher admits them."""

    class Role(models.TextChoices):
        HOST = "host", _("Teacher")
        STUDENT = "student", _("Student")
        GUEST = "guest", _("Guest")

    class Admission(models.TextChoices):
        ADMITTED = "admitted", _("Admitted")
        WAITING = "waiting", _("Waiting")
        DENIED = "denied", _("Denied")

    room = models.ForeignKey(LiveRoom, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=10, choices=Role.choices)
    admission = models.CharField(
        max_length=10, choices=Admission.choices, default=Admission.ADMITTED
    )
    # Set when the teacher removes them: no ticket is issued again for this room.
    removed_at = models.DateTimeField(null=True, blank=True)
    breakout = models.ForeignKey(
        LiveRoom, on_delete=models.SET_NULL, null=True, blank=True, related_name="members"
    )
    # Open classroom connections (tabs) of this person, across server processes: presence.
    connections = models.PositiveSmallIntegerField(default=0)
    hand_raised_at = models.DateTimeField(null=True, blank=True)
    # What their page last reported: {"audio": bool, "video": bool, "screen": bool,
    # "streams": [{"feed": id, "mid": "0", "kind": "audio"}, …]}.
    media = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(fields=["room", "user"], name="one_participant_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.room}"

    @property
    def is_host(self) -> bool:
        return self.role == self.Role.HOST

    @property
    def is_student(self) -> bool:
        return self.role == self.Role.STUDENT

    @property
    def is_guest(self) -> bool:
        return self.role == self.Role.GUEST

    @classmethod
    def admission_on_entry(cls, role: str) -> str:
        """Guests (parents, visiting staff) wait until the host lets them in; the class and its
        teachers come straight in."""
        return cls.Admission.WAITING if role == cls.Role.GUEST else cls.Admission.ADMITTED

    def promote(self, role: str) -> bool:
        """Someone made a teacher of the course after they first came as a guest or a student
        hosts from now on, let in; returns whether the row changed (not saved here). Nothing
        else changes a participant's part during a class."""
        if role != self.Role.HOST or self.is_host:
            return False
        self.role = self.Role.HOST
        self.admission = self.Admission.ADMITTED
        return True


class Ticket(models.Model):
    """One permission to join one Janus room once, as one feed id, with one token.

    The feed id is drawn fresh for every ticket and the token is taken off the room's allowed
    list as soon as Janus reports the join, so a ticket cannot be shared or replayed, and a
    join under a feed id the app never issued is kicked.
    """

    class Purpose(models.TextChoices):
        CAMERA = "camera", _("Camera and microphone")
        SCREEN = "screen", _("Screen share")

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="tickets")
    room = models.ForeignKey(LiveRoom, on_delete=models.CASCADE, related_name="tickets")
    purpose = models.CharField(max_length=10, choices=Purpose.choices, default=Purpose.CAMERA)
    feed_id = models.BigIntegerField(unique=True)
    token = models.CharField(max_length=64, unique=True)
    issued_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("join ticket")
        verbose_name_plural = _("join tickets")

    def __str__(self) -> str:
        return f"{self.participant} #{self.feed_id}"


class Stay(models.Model):
    """One uninterrupted presence in a room, as Janus's event handler reported it."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="stays")
    room = models.ForeignKey(LiveRoom, on_delete=models.CASCADE, related_name="stays")
    feed_id = models.BigIntegerField()
    janus_session = models.BigIntegerField(null=True, blank=True)
    joined_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("stay")
        verbose_name_plural = _("stays")
        ordering = ["joined_at", "pk"]
        indexes = [models.Index(fields=["room", "feed_id"])]

    def __str__(self) -> str:
        return f"{self.participant}: {self.joined_at} – {self.left_at or '…'}"


class RejectedJoin(models.Model):
    """A join Janus reported that no ticket allowed (kicked at once), kept for audits."""

    room = models.ForeignKey(LiveRoom, on_delete=models.CASCADE, related_name="rejected_joins")
    feed_id = models.BigIntegerField()
    display = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("rejected join")
        verbose_name_plural = _("rejected joins")

    def __str__(self) -> str:
        return f"{self.room}: #{self.feed_id} {self.display}"


class ChatMessage(models.Model):
    room = models.ForeignKey(LiveRoom, on_delete=models.CASCADE, related_name="chat")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(_("message"), max_length=1000)
    sent_at = models.DateTimeField(auto_now_add=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("chat message")
        verbose_name_plural = _("chat messages")
        ordering = ["sent_at", "pk"]

    def __str__(self) -> str:
        return f"{self.author}: {self.text[:40]}"


class Poll(models.Model):
    """An in-class poll or quick quiz; a quick quiz has a correct choice."""

    room = models.ForeignKey(LiveRoom, on_delete=models.CASCADE, related_name="polls")
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    question = models.CharField(pgettext_lazy("poll", "question"), max_length=300)
    choices = models.JSONField(_("choices"))
    correct = models.PositiveSmallIntegerField(_("correct choice"), null=True, blank=True)
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("poll")
        verbose_name_plural = _("polls")
        ordering = ["opened_at", "pk"]

    def __str__(self) -> str:
        return self.question


class PollAnswer(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="answers")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    choice = models.PositiveSmallIntegerField()
    answered_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("poll answer")
        verbose_name_plural = _("poll answers")
        constraints = [
            models.UniqueConstraint(fields=["poll", "student"], name="one_answer_per_poll")
        ]

    def __str__(self) -> str:
        return f"{self.poll}: {self.student} → {self.choice}"


class Recording(models.Model):
    """The recording of a live class: Janus's files, post-processed into a video of the
    platform (``media``), kept private until the teacher decides what happens to it (F-05 j)."""

    class Status(models.TextChoices):
        RECORDING = "recording", _("Recording")
        PROCESSING = "processing", _("Processing")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")
        DELETED = "deleted", _("Deleted")

    room = models.OneToOneField(LiveRoom, on_delete=models.CASCADE, related_name="recording")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RECORDING)
    error = models.CharField(max_length=300, blank=True)
    video = models.ForeignKey(
        "media.Video", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Set when the teacher shares it with the course: a lesson of its own.
    lesson = models.ForeignKey(
        "courses.Lesson", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    shared_at = models.DateTimeField(null=True, blank=True)
    # Students absent from (or gone early from) the class are assigned the recording (F-13).
    assigned_to = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("recording")
        verbose_name_plural = _("recordings")

    def __str__(self) -> str:
        return f"{self.room}: {self.get_status_display()}"


class ServerProcess(models.Model):
    """A server process holding classroom connections, when several share the rooms (on
    Redis): which pages it has open, written every few seconds. A process that stops writing
    has crashed or been killed without closing its pages; its connections are then taken off
    the participants' counts, so nobody stays "online" for good."""

    key = models.CharField(max_length=100, unique=True)
    beat_at = models.DateTimeField()
    # {participant id: open classroom pages of theirs in this process}
    connections = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("server process")
        verbose_name_plural = _("server processes")

    def __str__(self) -> str:
        return self.key
