"""The learning record store (xAPI 1.0.3) and its outbox.

``Statement`` is one stored statement: ``full`` is the statement as the LRS returns it (with
``id``, ``stored``, ``authority`` and ``version``); the other columns are what queries filter by.
Statements about our own people carry, besides, whom and where they are about in openclass terms
(``user``, ``course_id``, ``klass``, ``school``): the LRS scopes a teacher's or a student's reads by
them, never by parsing ``full``. ``course_id`` is a number without a constraint: this app sits
below ``courses`` (every area records statements through ``services.record``).

Actors are never named: ``Actor`` gives each person a random, stable key that is the
``account.name`` of every statement about them (``account.homePage`` is the installation).

``Delivery`` is the outbox: one row per statement and outside LRS it goes to, written in the
transaction that stores the statement, sent in batches by ``forwarding``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openclass.accounts.models import Organisation

#: IRIs and agent keys are at most this long (the spec sets no limit; our indexes do).
IRI_LENGTH = 500


class Actor(models.Model):
    """A person's opaque xAPI identity: ``key`` names them in every statement, nothing else."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="xapi_actor"
    )
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    def __str__(self) -> str:
        return str(self.key)


class Client(models.Model):
    """An LRS client the office registers: HTTP Basic credentials and the xAPI scopes they carry
    (``statements/write``, ``statements/read``, ``statements/read/mine``, ``state``, ``profile``,
    ``define``, ``all/read``, ``all``), optionally limited to some schools' statements."""

    name = models.CharField(_("name"), max_length=120)
    key = models.CharField(_("key"), max_length=64, unique=True)
    secret_hash = models.CharField(max_length=256)
    scopes = models.JSONField(_("scopes"), default=list)
    schools = models.ManyToManyField(
        Organisation,
        verbose_name=_("schools"),
        blank=True,
        related_name="+",
        limit_choices_to={"kind": Organisation.Kind.SCHOOL},
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("LRS client")
        verbose_name_plural = _("LRS clients")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class Statement(models.Model):
    number = models.BigAutoField(primary_key=True)
    statement_id = models.UUIDField(unique=True)
    stored = models.DateTimeField(default=timezone.now)
    timestamp = models.DateTimeField()
    verb = models.CharField(max_length=IRI_LENGTH)
    #: The actor's canonical key (``agents.key_of``): an IFI, or a group's members' keys.
    actor = models.CharField(max_length=IRI_LENGTH)
    #: The object, by kind: an activity's id, an agent's key, or a StatementRef's target.
    object_activity = models.CharField(max_length=IRI_LENGTH, blank=True)
    object_agent = models.CharField(max_length=IRI_LENGTH, blank=True)
    object_statement = models.UUIDField(null=True, blank=True)
    registration = models.UUIDField(null=True, blank=True)
    #: Voided by a later voiding statement (itself never voidable).
    voided = models.BooleanField(default=False)
    full = models.JSONField()
    #: Who wrote it: one of the office's LRS clients, or openclass itself (null).
    client = models.ForeignKey(Client, on_delete=models.SET_NULL, null=True, related_name="+")
    # Whom and where it is about, for scoping reads (see the module's docstring).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    course_id = models.PositiveBigIntegerField(null=True, blank=True)
    klass = models.ForeignKey(Organisation, on_delete=models.SET_NULL, null=True, related_name="+")
    school = models.ForeignKey(Organisation, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        indexes = [
            models.Index(fields=["stored", "number"], name="xapi_stmt_stored"),
            models.Index(fields=["verb", "number"], name="xapi_stmt_verb"),
            models.Index(fields=["actor", "number"], name="xapi_stmt_actor"),
            models.Index(fields=["object_activity", "number"], name="xapi_stmt_activity"),
            models.Index(fields=["object_agent", "number"], name="xapi_stmt_object_agent"),
            models.Index(fields=["object_statement"], name="xapi_stmt_ref"),
            models.Index(fields=["registration", "number"], name="xapi_stmt_registration"),
            models.Index(fields=["user", "number"], name="xapi_stmt_user"),
            models.Index(fields=["course_id", "number"], name="xapi_stmt_course"),
            models.Index(fields=["klass", "number"], name="xapi_stmt_klass"),
            models.Index(fields=["school", "number"], name="xapi_stmt_school"),
        ]

    def __str__(self) -> str:
        return str(self.statement_id)


class StatementActivity(models.Model):
    """Every activity a statement names anywhere (object, context activities, sub-statement):
    what ``related_activities=true`` matches."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="activities")
    activity = models.CharField(max_length=IRI_LENGTH)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["activity", "statement"], name="xapi_related_activity")
        ]

    def __str__(self) -> str:
        return self.activity


class StatementAgent(models.Model):
    """Every agent a statement names anywhere (actor, object, authority, instructor, team,
    sub-statement): what ``related_agents=true`` matches."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="agents")
    agent = models.CharField(max_length=IRI_LENGTH)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agent", "statement"], name="xapi_related_agent")
        ]

    def __str__(self) -> str:
        return self.agent


class Attachment(models.Model):
    """An attachment's raw content, once per SHA-2 digest, shared by the statements naming it."""

    sha2 = models.CharField(max_length=128, unique=True)
    content_type = models.CharField(max_length=255)
    content = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.sha2


class Activity(models.Model):
    """An activity's canonical definition, as the latest trusted statement gave it (the
    Activities resource answers it)."""

    activity_id = models.CharField(max_length=IRI_LENGTH, unique=True)
    definition = models.JSONField(default=dict)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.activity_id


class Document(models.Model):
    """A State, Activity Profile or Agent Profile document, with its ETag."""

    class Kind(models.TextChoices):
        STATE = "state", _("State")
        ACTIVITY_PROFILE = "activity_profile", _("Activity profile")
        AGENT_PROFILE = "agent_profile", _("Agent profile")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    #: ``stateId`` or ``profileId``.
    document_id = models.CharField(max_length=IRI_LENGTH)
    activity = models.CharField(max_length=IRI_LENGTH, blank=True)
    agent = models.CharField(max_length=IRI_LENGTH, blank=True)
    #: The registration as text ("" for none): a unique constraint treats NULLs as distinct.
    registration = models.CharField(max_length=36, blank=True)
    content = models.BinaryField()
    content_type = models.CharField(max_length=255)
    etag = models.CharField(max_length=64)
    updated = models.DateTimeField(default=timezone.now)
    #: The agent when it is one of our people (scoping), else null.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "activity", "agent", "registration", "document_id"],
                name="one_xapi_document",
            )
        ]
        indexes = [
            models.Index(
                fields=["kind", "activity", "agent", "registration", "updated"],
                name="xapi_document_since",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.document_id}"


class Destination(models.Model):
    """An outside LRS the office forwards statements to (the national hub, a district's LRS)."""

    class Mode(models.TextChoices):
        REALTIME = "realtime", _("Near real time")
        NIGHTLY = "nightly", _("Nightly batch")

    name = models.CharField(_("name"), max_length=120)
    endpoint = models.URLField(_("endpoint"), max_length=500)
    username = models.CharField(_("user name (key)"), max_length=255, blank=True)
    password = models.CharField(_("password (secret)"), max_length=255, blank=True)
    #: Verb IRIs to send (empty: every verb).
    verbs = models.JSONField(_("verbs"), default=list, blank=True)
    schools = models.ManyToManyField(
        Organisation,
        verbose_name=_("schools"),
        blank=True,
        related_name="+",
        limit_choices_to={"kind": Organisation.Kind.SCHOOL},
    )
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.REALTIME)
    batch_size = models.PositiveIntegerField(_("statements per batch"), default=200)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("outside LRS")
        verbose_name_plural = _("outside LRSs")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class Delivery(models.Model):
    """One statement on its way to one outside LRS (the outbox)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    destination = models.ForeignKey(
        Destination, on_delete=models.CASCADE, related_name="deliveries"
    )
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="deliveries")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["destination", "statement"], name="one_delivery_per_destination"
            )
        ]
        indexes = [
            models.Index(
                fields=["destination", "state", "next_attempt_at", "id"], name="xapi_outbox"
            )
        ]

    def __str__(self) -> str:
        return f"{self.destination} ← {self.statement}"


class ForwardBatch(models.Model):
    """One batch sent to an outside LRS: how many statements, its answer (the office's page lists
    the recent ones)."""

    class Outcome(models.TextChoices):
        SENT = "sent", _("Sent")
        RETRY = "retry", _("Will be retried")
        FAILED = "failed", _("Failed")

    destination = models.ForeignKey(Destination, on_delete=models.CASCADE, related_name="batches")
    started_at = models.DateTimeField(default=timezone.now)
    statements = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    #: The HTTP status the outside LRS answered (null: no answer, a connection error).
    status = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["destination", "-started_at"], name="xapi_batch_recent")]

    def __str__(self) -> str:
        return f"{self.destination} {self.started_at:%Y-%m-%d %H:%M} {self.outcome}"


class DemoReceived(models.Model):
    """A statement the demo outside LRS (``demo_lrs``, under /demo-lrs/) received: one row per
    statement id, however many times it was sent (``times`` counts them)."""

    statement_id = models.UUIDField(unique=True)
    statement = models.JSONField()
    received_at = models.DateTimeField(default=timezone.now)
    times = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return str(self.statement_id)
