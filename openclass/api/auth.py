"""Who is calling the API: a Bearer token is either an OAuth2 access token of the login hub
(django-oauth-toolkit's own lookup: stored hashed, expired or revoked refused, its site active)
or a personal access token (``ocp_…``). Every failure is logged (``AuthEvent`` API_AUTH_FAILED,
never the token) and answered 401; then the caller is counted against the rate limits."""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from openclass.core.cache import count
from openclass.hub import audit
from openclass.hub.models import AuthEvent

from . import idempotency
from .framework import ApiError, Caller
from .models import PersonalAccessToken
from .scopes import API_SCOPES

#: Personal tokens begin so (and OAuth2 tokens never do): the kind is known before a lookup.
PERSONAL_PREFIX = "ocp_"
#: Writing ``last_used_at`` at most this often per token.
LAST_USED_EVERY = timedelta(minutes=1)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_personal_token() -> str:
    return PERSONAL_PREFIX + secrets.token_urlsafe(32)


class AuthFailed(Exception):
    """The token was refused: why (for the log; never the token itself)."""

    def __init__(self, reason: str, *, user: Any = None, site: Any = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.user = user
        self.site = site


def _oauth_caller(request: HttpRequest) -> Caller:
    from oauth2_provider.models import AccessToken

    from openclass.core.bearer import bearer_token

    token = bearer_token(request)
    if token is None:
        # Name the token's site and person in the log, when the token exists at all.
        raw = request.headers.get("Authorization", "").partition(" ")[2].strip()
        known = (
            AccessToken.objects.select_related("application")
            .filter(token_checksum=digest(raw))
            .first()
        )
        if known is None:
            raise AuthFailed("unknown or revoked token")
        site = known.application
        reason = "site disabled" if site is not None and not site.is_active else "expired token"
        raise AuthFailed(reason, user=known.user, site=site)
    site = token.application
    if site is None or not site.is_active:
        raise AuthFailed("site disabled", user=token.user, site=site)
    user = token.user if token.user is not None else site.service_account
    if user is None:
        raise AuthFailed("client credentials without a service account", site=site)
    if not user.is_active:
        raise AuthFailed("account disabled", user=user, site=site)
    scopes = frozenset(token.scope.split()) & site.scope_set() & frozenset(API_SCOPES)
    return Caller(
        user=user,
        site=site,
        kind=Caller.OAUTH,
        token_id=token.pk,
        token_name=site.name,
        scopes=scopes,
        ref=token.token_checksum[:16],
    )


def _personal_caller(raw: str) -> Caller:
    token = PersonalAccessToken.objects.select_related("user").filter(digest=digest(raw)).first()
    if token is None:
        raise AuthFailed("unknown personal token")
    if token.revoked_at is not None:
        raise AuthFailed(f"personal token revoked: {token.name}", user=token.user)
    now = timezone.now()
    if token.expires_at is not None and token.expires_at <= now:
        raise AuthFailed(f"personal token expired: {token.name}", user=token.user)
    if not token.user.is_active:
        raise AuthFailed(f"account disabled: {token.name}", user=token.user)
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
        PersonalAccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return Caller(
        user=token.user,
        site=None,
        kind=Caller.PERSONAL,
        token_id=token.pk,
        token_name=token.name,
        scopes=token.scope_set() & frozenset(API_SCOPES),
        ref=token.digest[:16],
    )


# --- rate limits ----------------------------------------------------------------------------


def _count(key: str, limit: int) -> int | None:
    """Count one request against ``key`` in this minute's window; the seconds to wait when
    over ``limit``, else None."""
    now = time.time()
    window = int(now // 60)
    used = count(f"api-rate:{key}:{window}", timeout=90)
    if used is not None and used > limit:
        return max(1, int((window + 1) * 60 - now) + 1)
    return None


def check_rate(caller: Caller) -> None:
    waits = [_count(f"token:{caller.key}:{caller.ref}", settings.API_RATE_PER_MINUTE)]
    if caller.site is not None:
        waits.append(
            _count(
                f"site:{caller.site.pk}:{caller.site.client_id[:16]}",
                settings.API_CLIENT_RATE_PER_MINUTE,
            )
        )
    wait = max((w for w in waits if w is not None), default=None)
    if wait is not None:
        raise ApiError(
            429,
            _("Too many requests: wait %(seconds)s seconds before the next.") % {"seconds": wait},
            code="rate-limited",
            headers={"Retry-After": str(wait)},
        )


# --- the authentication of every operation --------------------------------------------------


class BearerAuth(HttpBearer):
    """ninja's Bearer scheme (the OpenAPI document's ``bearerAuth``)."""

    def __call__(self, request: HttpRequest) -> Any:
        scheme, _space, token = request.headers.get("Authorization", "").strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            _failed(request, AuthFailed("no bearer token"))
            raise ApiError(401, _("Send a token: Authorization: Bearer <token>."))
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Caller | None:
        try:
            if token.startswith(PERSONAL_PREFIX):
                caller = _personal_caller(token)
            else:
                caller = _oauth_caller(request)
        except AuthFailed as failure:
            _failed(request, failure)
            raise ApiError(
                401,
                _("The token is unknown, expired or revoked, or its site is disabled."),
                code="invalid-token",
                headers={"WWW-Authenticate": 'Bearer realm="openclass", error="invalid_token"'},
            ) from None
        request.user = caller.user
        check_rate(caller)
        idempotency.begin(request, caller)
        return caller


def _failed(request: HttpRequest, failure: AuthFailed) -> None:
    audit.record(
        AuthEvent.Kind.API_AUTH_FAILED,
        request=request,
        user=failure.user,
        site=failure.site,
        detail=f"{request.method} {request.path}: {failure.reason}",
    )
