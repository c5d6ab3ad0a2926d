"""Signing in through an outside OpenID Connect provider (the city's SSO), with
mozilla-django-oidc: its views start the login and take the provider's answer
(``hub.views.outside``), this backend turns the answer into one of our accounts.

An outside login is matched to exactly one existing, active account: the configured claim
(``OUTSIDE_OIDC_MATCH_CLAIM``, from the ID token or userinfo) must equal the account's
``OUTSIDE_OIDC_MATCH_FIELD`` (user name or e-mail). Nobody is ever created: a login that
matches no account, or several, fails with its reason (``Failure``), which the callback view
logs and shows on a page of its own.

The provider's endpoints come from the settings or, for those not set, from its discovery
document, fetched on first use and kept for an hour: nothing here touches the network at import
or when a password login asks every backend in turn (this one answers only the callback).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.db.models import QuerySet
from django.http import HttpRequest
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from openclass.core.runtime import runtime

LOGGER = logging.getLogger(__name__)

BACKEND = "openclass.hub.outside.OutsideBackend"
#: The session's ``login_method`` after an outside sign-in.
LOGIN_METHOD = "outside"

# mozilla-django-oidc's setting → the discovery document's key.
ENDPOINTS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}
DISCOVERY_SECONDS = 3600


class Unavailable(Exception):
    """The provider's discovery document could not be read (or does not describe it)."""


@dataclass(frozen=True)
class Failure:
    """Why an outside login ended without an account. ``value`` is the claim's value (the
    person's identifier at the provider: shown to them and logged), or a short technical note
    (an error code, an exception's class name) — never a token."""

    UNMATCHED = "unmatched"  # no active account has the claim's value
    AMBIGUOUS = "ambiguous"  # several do
    NO_CLAIM = "no_claim"  # the provider did not send the claim
    REFUSED = "refused"  # the provider answered with an error (the person cancelled …)
    EXPIRED = "expired"  # an answer to no login this browser started (a stale tab)
    FAILED = "failed"  # the code exchange or the token's checks failed
    UNAVAILABLE = "unavailable"  # the provider could not be reached

    reason: str
    value: str = ""

    @property
    def unmatched(self) -> bool:
        """A person the provider knows, but no account of ours (``OUTSIDE_UNMATCHED``)."""
        return self.reason in {self.UNMATCHED, self.AMBIGUOUS, self.NO_CLAIM}


def enabled() -> bool:
    return bool(getattr(settings, "OUTSIDE_OIDC_ENABLED", False))


class Discovery:
    """The provider's discovery document, as last read (process state: ``core.runtime``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._document: dict[str, Any] | None = None
            self._read_at = 0.0

    def document(self) -> dict[str, Any]:
        with self._lock:
            if self._document is not None and time.monotonic() - self._read_at < DISCOVERY_SECONDS:
                return self._document
        # Read outside the lock: two threads may both read it once, neither waits on the other.
        document = self._read()
        with self._lock:
            self._document, self._read_at = document, time.monotonic()
        return document

    @staticmethod
    def _read() -> dict[str, Any]:
        issuer = settings.OUTSIDE_OIDC_ISSUER
        if not issuer:
            raise Unavailable("no issuer configured")
        url = f"{issuer}/.well-known/openid-configuration"
        try:
            response = requests.get(
                url,
                timeout=settings.OIDC_TIMEOUT,
                verify=getattr(settings, "OIDC_VERIFY_SSL", True),
            )
            response.raise_for_status()
            document = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise Unavailable(f"{url}: {type(exc).__name__}") from exc
        # OpenID Connect Discovery 1.0, 4.3: the document must name the issuer asked for.
        if not isinstance(document, dict) or document.get("issuer", "").rstrip("/") != issuer:
            raise Unavailable(f"{url} names another issuer")
        return document


discovery = runtime.register("hub.outside_discovery", Discovery())


def setting(name: str, *default: Any) -> Any:
    """mozilla-django-oidc's setting ``name``: the endpoints fall back on discovery.
    Raises ``Unavailable`` when an endpoint is needed and discovery cannot be read."""
    value = getattr(settings, name, None)
    if name in ENDPOINTS:
        value = value or discovery.document().get(ENDPOINTS[name])
        if not value:
            raise Unavailable(f"discovery names no {ENDPOINTS[name]}")
    elif value is None:
        if not default:
            raise ImproperlyConfigured(f"Setting {name} not found")
        value = default[0]
    return value


def expected_issuer() -> str:
    return settings.OUTSIDE_OIDC_ISSUER or ""


def match(value: str) -> QuerySet:
    """The active accounts an outside login with the claim ``value`` names."""
    users = get_user_model().objects.filter(is_active=True)
    if settings.OUTSIDE_OIDC_MATCH_FIELD == "email":
        return users.filter(email__iexact=value)
    return users.filter(username=value)


def note(request: HttpRequest, failure: Failure) -> None:
    """Leave why the login failed on the request, for the callback view."""
    setattr(request, "outside_failure", failure)  # noqa: B010 - HttpRequest declares no such field


def failure_of(request: HttpRequest) -> Failure | None:
    return getattr(request, "outside_failure", None)


class OutsideBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend, matching (never creating) an account. Listed in
    ``AUTHENTICATION_BACKENDS`` only when outside sign-in is configured (so sessions it signed
    in load their user); it authenticates only what the callback view hands it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Not the parent's: it reads every endpoint now, and Django makes a backend for every
        # password login too. The endpoints are read when used (below).
        self.UserModel = get_user_model()

    get_settings = staticmethod(setting)

    # The parent's attributes, read when used.
    @property
    def OIDC_OP_TOKEN_ENDPOINT(self) -> str:
        return setting("OIDC_OP_TOKEN_ENDPOINT")

    @property
    def OIDC_OP_USER_ENDPOINT(self) -> str:
        return setting("OIDC_OP_USER_ENDPOINT")

    @property
    def OIDC_OP_JWKS_ENDPOINT(self) -> str:
        return setting("OIDC_OP_JWKS_ENDPOINT")

    @property
    def OIDC_RP_CLIENT_ID(self) -> str:
        return settings.OIDC_RP_CLIENT_ID

    @property
    def OIDC_RP_CLIENT_SECRET(self) -> str:
        return settings.OIDC_RP_CLIENT_SECRET

    @property
    def OIDC_RP_SIGN_ALGO(self) -> str:
        return settings.OIDC_RP_SIGN_ALGO

    OIDC_RP_IDP_SIGN_KEY = None

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> Any:
        # Only the callback's call (a nonce, no password): a password form's POST with a
        # ?code= in its address must not start a code exchange.
        if request is None or not enabled() or "nonce" not in kwargs or "password" in kwargs:
            return None
        try:
            return super().authenticate(request, **kwargs)
        except Unavailable as exc:
            LOGGER.warning("outside sign-in: provider unavailable: %s", exc)
            note(request, Failure(Failure.UNAVAILABLE, "discovery"))
        except (requests.RequestException, SuspiciousOperation, jwt.PyJWTError, ValueError) as exc:
            # The code refused, the ID token's signature, audience, issuer, nonce or expiry
            # wrong, the provider unreachable: the person sees the failure page, never a 500.
            LOGGER.warning("outside sign-in failed: %s: %s", type(exc).__name__, exc)
            note(request, Failure(Failure.FAILED, type(exc).__name__))
        return None

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        """The parent checks the signature (against the provider's keys), expiry and nonce; an
        ID token must also be for us (``aud``, ``azp``) and from the provider (``iss``)."""
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = [audience] if isinstance(audience, str) else list(audience or [])
        client_id = self.OIDC_RP_CLIENT_ID
        if client_id not in audiences:
            raise SuspiciousOperation("The ID token is for another client.")
        if len(audiences) > 1 and payload.get("azp") != client_id:
            raise SuspiciousOperation("The ID token's azp is another client.")
        issuer = expected_issuer()
        if issuer and str(payload.get("iss", "")).rstrip("/") != issuer:
            raise SuspiciousOperation("The ID token is from another issuer.")
        return payload

    def get_userinfo(self, access_token: str, id_token: str, payload: dict) -> dict[str, Any]:
        """Userinfo's claims over the ID token's: the match claim may come from either. Both
        must be about the same person (OpenID Connect Core 5.3.2)."""
        userinfo = super().get_userinfo(access_token, id_token, payload)
        if userinfo.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("Userinfo is about another subject than the ID token.")
        return {**payload, **userinfo}

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        return bool(claims.get("sub"))

    def filter_users_by_claims(self, claims: dict[str, Any]) -> QuerySet:
        value = claims.get(settings.OUTSIDE_OIDC_MATCH_CLAIM)
        if not isinstance(value, str) or not value.strip():
            return self.UserModel.objects.none()
        return match(value.strip())

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict) -> Any:
        """Exactly one account, or none with the reason noted; never a new one."""
        claims = self.get_userinfo(access_token, id_token, payload)
        if not self.verify_claims(claims):
            raise SuspiciousOperation("Claims verification failed")
        value = claims.get(settings.OUTSIDE_OIDC_MATCH_CLAIM)
        if not isinstance(value, str) or not value.strip():
            note(self.request, Failure(Failure.NO_CLAIM, f"({settings.OUTSIDE_OIDC_MATCH_CLAIM})"))
            return None
        users = list(self.filter_users_by_claims(claims)[:2])
        if len(users) == 1:
            return self.update_user(users[0], claims)
        reason = Failure.AMBIGUOUS if users else Failure.UNMATCHED
        note(self.request, Failure(reason, value.strip()))
        return None

    def create_user(self, claims: dict[str, Any]) -> Any:
        raise SuspiciousOperation("Outside sign-in never creates an account.")
