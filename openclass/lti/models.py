"""openclass as an LTI 1.3 platform: the outside tools registered with it, the lessons that launch
them, and the launches in flight.

``Tool`` is one registration: the values the tool gave us (its OIDC third-party-initiated login
address, its launch and deep-linking addresses, its key set, the redirect URIs it may be answered
at) and the values we made for it (``client_id``, ``deployment_id``), with what it may receive
(names, e-mail) and which services it is granted (scores through AGS, members through NRPS).
A tool registered by the office (``city_wide``) is offered to every teacher; one a teacher
registered only to that teacher, for their own courses.

``ResourceLink`` is the LTI resource link behind a lesson of kind ``tool``: one per lesson.

``LaunchRequest`` is one launch between our launch page and the id_token we answer the tool's
authorization request with: made when a person opens a tool lesson (or a teacher starts deep
linking), used once (``used_at``) within ``LAUNCH_LIFETIME``. A deep-linking launch keeps the
``data`` the tool must echo and the section its items become lessons in, and is returned to once
(``returned_at``) within ``DEEP_LINKING_LIFETIME`` of its use.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from openclass.accounts.models import Organisation

#: How long after our launch page the tool's authorization request may come.
LAUNCH_LIFETIME = timedelta(minutes=10)
#: How long after the deep-linking launch the tool may send the teacher back with items.
DEEP_LINKING_LIFETIME = timedelta(hours=1)


def new_client_id() -> str:
    return uuid.uuid4().hex


def new_deployment_id() -> str:
    return uuid.uuid4().hex[:16]


def new_hint() -> str:
    return secrets.token_urlsafe(32)


def empty_list() -> list[str]:
    return []


def empty_dict() -> dict[str, str]:
    return {}


class Tool(models.Model):
    """An outside tool registered with openclass (an LTI 1.3 client)."""

    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    client_id = models.CharField(
        _("client ID"), max_length=64, unique=True, default=new_client_id, editable=False
    )
    deployment_id = models.CharField(
        _("deployment ID"), max_length=64, default=new_deployment_id, editable=False
    )
    login_url = models.URLField(_("login URL"), max_length=500)
    launch_url = models.URLField(_("launch URL"), max_length=500)
    deep_linking_url = models.URLField(
        _("deep linking URL"),
        max_length=500,
        blank=True,
        help_text=_("Leave empty if it is the launch URL."),
    )
    jwks_url = models.URLField(_("key set URL (JWKS)"), max_length=500)
    redirect_uris = models.JSONField(_("redirect URIs"), default=empty_list)
    share_name = models.BooleanField(_("share names"), default=False)
    share_email = models.BooleanField(
        _("share e-mail addresses"),
        default=False,
        help_text=_("Never for students under 14."),
    )
    may_post_scores = models.BooleanField(_("may post scores"), default=False)
    may_read_members = models.BooleanField(_("may read the course's members"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    #: Registered by the office and offered to every teacher of the city; else only to the
    #: teacher who registered it, for their own courses.
    city_wide = models.BooleanField(_("offered city-wide"), default=False)
    #: The registering teacher's school (empty for the office's tools and for instructors).
    school = models.ForeignKey(
        Organisation,
        verbose_name=_("school"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": Organisation.Kind.SCHOOL},
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("outside tool")
        verbose_name_plural = _("outside tools")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def deep_linking_target(self) -> str:
        return self.deep_linking_url or self.launch_url

    def origins(self) -> list[str]:
        """Where the tool's pages come from (its addresses' origins): what a page framing its
        launch lets in (``frame-src``)."""
        found: list[str] = []
        for url in [self.login_url, self.launch_url, self.deep_linking_url, *self.redirect_uris]:
            parts = urlsplit(url)
            origin = f"{parts.scheme}://{parts.netloc}"
            if parts.scheme in ("http", "https") and parts.netloc and origin not in found:
                found.append(origin)
        return found

    def subject(self, user_id: int) -> str:
        """The person's ``sub`` at this tool: stable, opaque, and different at every tool (so two
        tools cannot join their people), never the user name or id."""
        return salted_hmac(
            "openclass.lti.sub", f"{self.client_id}:{user_id}", algorithm="sha256"
        ).hexdigest()[:40]


class ResourceLink(models.Model):
    """The LTI resource link a lesson of kind ``tool`` launches."""

    class Presentation(models.TextChoices):
        IFRAME = "iframe", _("In the page")
        WINDOW = "window", _("In a new window")

    lesson = models.OneToOneField(
        "courses.Lesson", on_delete=models.CASCADE, related_name="lti_link"
    )
    tool = models.ForeignKey(
        Tool, verbose_name=_("tool"), on_delete=models.PROTECT, related_name="links"
    )
    resource_link_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    #: Where the launch goes: empty is the tool's launch URL (a deep-linked item's own ``url``).
    target_link_uri = models.URLField(_("launch address"), max_length=500, blank=True)
    custom = models.JSONField(_("custom parameters"), default=empty_dict, blank=True)
    presentation = models.CharField(
        _("presentation"), max_length=10, choices=Presentation.choices, default=Presentation.IFRAME
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("resource link")
        verbose_name_plural = _("resource links")

    def __str__(self) -> str:
        return str(self.resource_link_id)

    @property
    def target(self) -> str:
        return self.target_link_uri or self.tool.launch_url


class LaunchRequest(models.Model):
    """One launch in flight: our hints to the tool, then the tool's state and nonce, used once."""

    class Kind(models.TextChoices):
        RESOURCE_LINK = "resource_link", _("Resource link launch")
        DEEP_LINKING = "deep_linking", _("Deep linking")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lti_launches"
    )
    tool = models.ForeignKey(Tool, on_delete=models.CASCADE, related_name="launches")
    #: The lesson's link (a resource link launch).
    resource_link = models.ForeignKey(
        ResourceLink, on_delete=models.CASCADE, null=True, blank=True, related_name="launches"
    )
    #: The course (both kinds) and, for deep linking, the section the items become lessons in.
    course = models.ForeignKey(
        "courses.Course", on_delete=models.CASCADE, related_name="lti_launches"
    )
    section = models.ForeignKey(
        "courses.Section", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    login_hint = models.CharField(max_length=64, default=new_hint)
    message_hint = models.CharField(max_length=64, unique=True, default=new_hint)
    #: What the tool must echo in its deep-linking response.
    data = models.CharField(max_length=64, default=new_hint)
    #: The tool's, from its authorization request.
    state = models.CharField(max_length=500, blank=True)
    nonce = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # A nonce the tool used once is never answered again (replay).
            models.UniqueConstraint(
                fields=["tool", "nonce"],
                condition=~models.Q(nonce=""),
                name="lti_launch_nonce_once",
            )
        ]
        indexes = [models.Index(fields=["created_at"], name="lti_launch_created")]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"


class ServiceToken(models.Model):
    """An access token to the LTI Advantage services (AGS, NRPS) issued to a tool by
    ``/lti/token/`` (``lti.token``): only its SHA-256 is kept, never the token."""

    tool = models.ForeignKey(Tool, on_delete=models.CASCADE, related_name="service_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=empty_list)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.tool} · {self.expires_at:%Y-%m-%d %H:%M}"


class UsedAssertion(models.Model):
    """A tool's client assertion (its ``jti``) the token endpoint accepted, kept until the
    assertion expires so it is never accepted twice."""

    tool = models.ForeignKey(Tool, on_delete=models.CASCADE, related_name="+")
    jti = models.CharField(max_length=255)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tool", "jti"], name="lti_assertion_once")]

    def __str__(self) -> str:
        return self.jti
