"""The login hub's records: the sites registered to log in through openclass, the keys that sign
their ID tokens, and the log of authentication (tokens issued, failed sign-ins, API reads)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import AbstractApplication

from openclass.core.db import CompiledObjectQuery, every_column

if TYPE_CHECKING:
    from openclass.accounts.models import User


class Site(AbstractApplication):
    """A site of the city (an OpenID Connect relying party) that logs its users in through
    openclass, and may call the Open API: django-oauth-toolkit's application, with what the
    office decides about it. ``skip_authorization`` is "trusted": no consent screen, and students
    under 14 may use it (the office vouches for it, as their school does for its tools)."""

    class Subject(models.TextChoices):
        PUBLIC = "public", _("The same identifier at every site")
        PAIRWISE = "pairwise", _("An identifier of this site's own")

    description: models.TextField[str, str] = models.TextField(_("description"), blank=True)
    logo = models.ImageField(_("logo"), upload_to="hub/logos/", blank=True)
    home_url: models.URLField[str, str] = models.URLField(_("site address"), blank=True)
    #: Space-separated scopes the site may ask for (``openid profile school roster`` …).
    allowed_scopes: models.CharField[str, str] = models.CharField(
        _("scopes"), max_length=255, default="openid profile"
    )
    subject_type: models.CharField[str, str] = models.CharField(
        _("user identifier"), max_length=10, choices=Subject.choices, default=Subject.PAIRWISE
    )
    backchannel_logout_uri: models.URLField[str, str] = models.URLField(
        _("back-channel logout address"), blank=True
    )
    is_active: models.BooleanField[bool, bool] = models.BooleanField(_("active"), default=True)
    #: With one, the site may also use client credentials, acting as this account within
    #: ``allowed_scopes`` (site-to-site sync, no person logged in).
    service_account: models.ForeignKey[User | None, User | None] = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("service account"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_sites",
    )
    secret_rotated_at: models.DateTimeField[datetime | None, datetime | None] = (
        models.DateTimeField(_("secret last changed"), null=True, blank=True)
    )
    #: Every site's ID tokens are RS256, signed by the key of ``hub.keys`` (the relying party
    #: verifies them with the JWKS; no site holds a key that could forge another's tokens).
    algorithm: models.CharField[str, str] = models.CharField(
        _("algorithm"),
        max_length=5,
        choices=AbstractApplication.ALGORITHM_TYPES,
        default=AbstractApplication.RS256_ALGORITHM,
        blank=True,
    )
    created_by: models.ForeignKey[User | None, User | None] = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta(AbstractApplication.Meta):
        swappable = "OAUTH2_PROVIDER_APPLICATION_MODEL"
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["name"]

    @property
    def trusted(self) -> bool:
        return self.skip_authorization

    def scope_set(self) -> set[str]:
        return set(self.allowed_scopes.split())

    # --- django-oauth-toolkit's hooks ------------------------------------------------------

    @property
    def jwk_key(self) -> Any:
        """The key that signs this site's ID tokens: the database's signing key for RS256
        (``hub.keys``), not django-oauth-toolkit's OIDC_RSA_PRIVATE_KEY setting."""
        if self.algorithm == self.RS256_ALGORITHM:
            from .keys import active_jwk

            # Read once per loaded site (a token request asks twice: the kid, then the key).
            if "_active_jwk" not in self.__dict__:
                self.__dict__["_active_jwk"] = active_jwk()
            return self.__dict__["_active_jwk"]
        return super().jwk_key

    def is_usable(self, request: Any) -> bool:
        """A disabled site is refused everywhere: authorization, token, introspection, and
        every token it was given (django-oauth-toolkit asks this at each)."""
        return self.is_active

    def allows_grant_type(self, *grant_types: str) -> bool:
        """Client credentials only for a confidential site with a service account (the token
        acts as that account), whatever else the site was registered for."""
        if self.GRANT_CLIENT_CREDENTIALS in grant_types and (
            self.service_account_id is not None and self.client_type == self.CLIENT_CONFIDENTIAL
        ):
            return True
        return self.authorization_grant_type in grant_types and (
            self.authorization_grant_type != self.GRANT_CLIENT_CREDENTIALS
            or self.service_account_id is not None
        )

    def clean(self) -> None:
        """django-oauth-toolkit's checks, less "set OIDC_RSA_PRIVATE_KEY for RS256": the RS256
        key is in the database (``hub.keys``), not in that setting."""
        try:
            super().clean()
        except ValidationError as error:
            kept = {
                field: [
                    message
                    for message in messages
                    if not (field == "algorithm" and "OIDC_RSA_PRIVATE_KEY" in str(message.message))
                ]
                for field, messages in error.error_dict.items()
            }
            kept = {field: messages for field, messages in kept.items() if messages}
            if kept:
                raise ValidationError(kept) from error


class SigningKey(models.Model):
    """An RSA key that signs ID tokens. The newest unretired key signs; a retired key is still
    published in the JWKS until every token it signed has expired, then deleted."""

    kid = models.CharField(max_length=64, unique=True)
    private_pem = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.kid


#: A site by its client id, compiled once: the sign-in on the way to a site asks for it on the
#: login page and three times in the authorization, and each token request again.
_SITE_BY_CLIENT_ID = CompiledObjectQuery(
    lambda client_id: Site.objects.filter(client_id=client_id), {"": every_column(Site)}
)
#: The key that signs now (``hub.keys.active_key``), read for every ID token.
_SIGNING_KEY = CompiledObjectQuery(
    lambda: SigningKey.objects.filter(retired_at__isnull=True).order_by("-created_at", "-pk")[:1],
    {"": every_column(SigningKey)},
)


def site_by_client_id(client_id: str | None, *, active: bool = False) -> Site | None:
    """The site registered as ``client_id`` (only an active one with ``active``), or None."""
    if not client_id:
        return None
    site = _SITE_BY_CLIENT_ID.first(client_id)
    return site if site is not None and (site.is_active or not active) else None


def newest_signing_key() -> SigningKey | None:
    """The newest key not retired (``hub.keys.active_key`` makes one when there is none)."""
    return _SIGNING_KEY.first()


class AuthEvent(models.Model):
    """One authentication event: who, through which site or token, what, when and from where.
    Never a password, token or secret: only what names them (a site, a token's name)."""

    class Kind(models.TextChoices):
        LOGIN_FAILED = "login_failed", _("Sign-in failed")
        TOKEN_ISSUED = "token_issued", _("Token issued")
        TOKEN_REFRESHED = "token_refreshed", _("Token refreshed")
        TOKEN_REVOKED = "token_revoked", _("Token revoked")
        TOKEN_REFUSED = "token_refused", _("Token request refused")
        API_AUTH_FAILED = "api_auth_failed", _("API authentication failed")
        API_READ = "api_read", _("API read of people or records")
        CONSENT_GIVEN = "consent_given", _("Consent given to a site")
        SITE_REFUSED = "site_refused", _("Site refused")
        OUTSIDE_UNMATCHED = "outside_unmatched", _("Outside sign-in matched no account")
        LOGOUT = "logout", _("Signed out of the sites")
        SITE_REGISTERED = "site_registered", _("Site registered")
        SITE_CHANGED = "site_changed", _("Site changed")
        SECRET_ROTATED = "secret_rotated", _("Site given a new secret")
        SITE_DISABLED = "site_disabled", _("Site disabled")
        SITE_ENABLED = "site_enabled", _("Site enabled")

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("what"), max_length=20, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    site = models.ForeignKey(
        Site,
        verbose_name=_("site"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    #: What was asked for or read: scopes, an API path, a personal token's name, a user name
    #: typed at a failed sign-in.
    detail = models.CharField(_("detail"), max_length=255, blank=True)
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)

    class Meta:
        verbose_name = _("authentication event")
        verbose_name_plural = _("authentication events")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["kind", "at"]), models.Index(fields=["user", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind}"
