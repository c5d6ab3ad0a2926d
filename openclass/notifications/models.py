"""What the platform tells a user needs them: in-app, and by e-mail for those who chose it.

A notification keeps what is needed to say it again in the reader's language: the message's
msgids (``subject_key``, ``body_key``, marked with ``gettext_noop`` where they are sent) and
their parameters; ``subject`` and ``body`` keep the text as the recipient was first told it (in
their language then), which is what rows from before keys existed show.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from openclass.accounts.models import User
from openclass.core.stamps import Stamped


class Kind(models.TextChoices):
    """What a notification is about: each person chooses per kind how (or whether) to hear."""

    WORK = "work", _("Applications, reviews and surveys")
    GRADE = "grade", _("Grades and feedback")
    DUE = "due", _("Assignments due tomorrow")
    LIVE = "live", _("Live classes about to start")
    LESSON = "lesson", _("New lessons")
    MESSAGE = "message", _("Messages from teachers")


class Channel(models.TextChoices):
    APP = "app", _("In the app")
    EMAIL = "email", _("By e-mail and in the app")
    NONE = "none", _("Not at all")


def render(msgid: str, params: Mapping[str, object] | None) -> str:
    """A stored message in the active language; a translation that names a parameter the
    message was not given (a broken msgstr) falls back to the original wording."""
    text = gettext(msgid)
    if not params:
        return text
    for wording in (text, msgid):
        try:
            return wording % params
        except (KeyError, ValueError, TypeError):
            continue
    return msgid


class Notification(Stamped):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    # Database defaults too: rows written without the ORM (core.db.insert_rows) need none of these.
    kind = models.CharField(
        _("kind"), max_length=16, choices=Kind.choices, default=Kind.WORK, db_default=Kind.WORK
    )
    # The text as the recipient was told it when the event happened, in their language then.
    subject = models.CharField(pgettext_lazy("message title", "subject"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    # What renders it again in the reader's language now (blank on rows from before).
    subject_key = models.CharField(max_length=200, blank=True, default="", db_default="")
    body_key = models.TextField(blank=True, default="", db_default="")
    params = models.JSONField(default=dict, blank=True, null=True)
    # What a person wrote (a reason, a teacher's message): shown as written, never translated.
    note = models.TextField(blank=True, default="", db_default="")
    # What happened, for what must be told once only ("live:12": a class's reminder).
    event = models.CharField(max_length=100, blank=True, default="", db_default="")
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "event"],
                condition=~Q(event=""),
                name="notification_once_per_event",
            )
        ]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.subject}"

    @property
    def shown_subject(self) -> str:
        """The subject in the active language (the reader's)."""
        return render(self.subject_key, self.params) if self.subject_key else self.subject

    @property
    def shown_body(self) -> str:
        """The message in the active language, with what a person wrote after it as written."""
        if not self.subject_key:
            return self.body  # a row from before: the text as it was sent
        parts = [render(self.body_key, self.params) if self.body_key else "", self.note]
        return "\n\n".join(part for part in parts if part)


class Preference(models.Model):
    """How a person wants to hear of one kind; no row is the default for their role."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    channel = models.CharField(_("how"), max_length=8, choices=Channel.choices)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind} → {self.channel}"

    @staticmethod
    def default_for(user: User, kind: str) -> str:
        """E-mail where waiting for the app would be too late or where e-mail is how it was
        always done: the office's work (as before preferences existed) and, for parents, a
        child's class about to start; in the app for the rest."""
        if kind == Kind.WORK:
            return Channel.EMAIL
        if kind == Kind.LIVE and user.role == User.Role.PARENT:
            return Channel.EMAIL
        return Channel.APP
