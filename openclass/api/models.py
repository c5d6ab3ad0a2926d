"""The Open API's records: the personal access tokens people make for their own scripts, and the
answers kept for idempotency keys (a POST repeated after a lost connection is answered, not
done twice)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PersonalAccessToken(models.Model):
    """A token a person makes on their own page (``/api/tokens/``) to call the API as themself,
    narrowed to ``scopes``. Only the SHA-256 ``digest`` of the token is kept: the token is shown
    once, when made; ``prefix`` (its first characters) names it in the list."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=80)
    #: Space-separated API scopes (``openclass.api.scopes.API_SCOPES``).
    scopes = models.CharField(_("scopes"), max_length=255)
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)
    created_at = models.DateTimeField(_("made"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("personal access token")
        verbose_name_plural = _("personal access tokens")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.name

    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())

    @property
    def is_usable(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()


class IdempotencyRecord(models.Model):
    """The answer given to a POST that carried an ``Idempotency-Key``: the same caller sending
    the same key and body again gets this answer back (the work is not done twice); the same key
    with another body is refused. Kept a day (``api.tasks.prune_idempotency_records``)."""

    key = models.CharField(max_length=255)
    #: Who sent it: ``Caller.key`` (the token's kind and id), never the token.
    caller = models.CharField(max_length=64)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=255)
    body_digest = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    content_type = models.CharField(max_length=100)
    body = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["caller", "key"], name="api_idempotency_once")
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.key})"
