"""Back-channel logout (OpenID Connect Back-Channel Logout 1.0), which django-oauth-toolkit lacks.

When a person signs out of openclass — the site's own "log out" (Django's ``user_logged_out``)
or a site's RP-initiated logout (``hub.views.logout``) — every active site with a
``backchannel_logout_uri`` where they are signed in (they hold a live token of it) is told so:

1. at once, in the request: the person's tokens of that site are revoked (access, refresh and
   ID tokens) and the sign-out is logged (``AuthEvent.Kind.LOGOUT``), so nothing the site holds
   works any longer even if the message never arrives;
2. after the commit, a Huey task (``hub.tasks.send_logout_token``) POSTs a *logout token* to
   the site's address as ``application/x-www-form-urlencoded`` ``logout_token=…``: a JWT signed
   with the signing key of ``hub.keys`` (``typ: logout+jwt``; ``iss``, ``aud`` = the client id,
   ``iat``, a short ``exp``, ``jti``, the ``sub`` that site knows the person by, and the
   back-channel logout event). A failed delivery (no answer within a few seconds, or not 200)
   is tried again a few times; the last failure is logged.

Only the address the office registered for the site is called, read from the database when the
task runs (never from a request), only http(s) as the office's registration allows, and
redirects are not followed. A site the person never signed in to is not told anything, nor a
site whose service account is this person (client credentials act as the account; they are not
a person's sign-in).
"""

from __future__ import annotations

import time
import uuid
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models import Q
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone
from jwcrypto import jwt
from oauth2_provider.models import AccessToken, IDToken, RefreshToken
from oauth2_provider.settings import oauth2_settings

from . import audit, keys
from .models import AuthEvent, Site

#: The event a logout token carries (Back-Channel Logout 1.0, §2.4).
EVENT = "http://schemas.openid.net/event/backchannel-logout"
#: How long a logout token is valid: the site acts on it at once or not at all.
TOKEN_SECONDS = 120
#: How long a site has to answer one delivery.
TIMEOUT_SECONDS = 5.0
#: Deliveries tried after the first fails, and the seconds between them.
RETRIES = 3
RETRY_DELAY_SECONDS = 30


class DeliveryFailed(Exception):
    """A site did not take a logout token: no answer, or an answer other than 200/204."""


# --- Which sites -----------------------------------------------------------------------------


def _holds(user: Any) -> Q:
    """Sites where ``user`` holds a live token: an access token, an unrevoked refresh token,
    or an ID token not yet expired."""
    now = timezone.now()
    return (
        Q(pk__in=AccessToken.objects.filter(user=user, expires__gt=now).values("application"))
        | Q(
            pk__in=RefreshToken.objects.filter(user=user, revoked__isnull=True).values(
                "application"
            )
        )
        | Q(pk__in=IDToken.objects.filter(user=user, expires__gt=now).values("application"))
    )


def callable_uri(uri: str) -> bool:
    """Whether a registered back-channel address may be called: absolute http(s) with a host,
    in the schemes the office may register (https only in production)."""
    parts = urlsplit(uri)
    schemes = {s.lower() for s in oauth2_settings.ALLOWED_REDIRECT_URI_SCHEMES} & {
        "http",
        "https",
    }
    return parts.scheme.lower() in schemes and bool(parts.hostname) and not parts.fragment


def sites_to_tell(user: Any) -> list[Site]:
    """The active sites with a back-channel address where ``user`` is signed in."""
    sites = (
        Site.objects.filter(is_active=True)
        .exclude(backchannel_logout_uri="")
        .exclude(service_account=user)
        .filter(_holds(user))
        .order_by("pk")
    )
    return [site for site in sites if callable_uri(site.backchannel_logout_uri)]


def revoke_tokens(user: Any, site: Site) -> int:
    """Revoke every token ``user`` holds of ``site``; how many were live."""
    revoked = 0
    for refresh in RefreshToken.objects.filter(user=user, application=site, revoked__isnull=True):
        refresh.revoke()  # revokes its access token too
        revoked += 1
    for access in AccessToken.objects.filter(user=user, application=site):
        access.revoke()
        revoked += 1
    revoked += IDToken.objects.filter(user=user, application=site).delete()[0]
    return revoked


def issuer(request: HttpRequest | None) -> str:
    """The issuer the sites know openclass by: the one the ID tokens carry."""
    if oauth2_settings.OIDC_ISS_ENDPOINT:
        return str(oauth2_settings.OIDC_ISS_ENDPOINT)
    if request is not None:
        return str(oauth2_settings.oidc_issuer(request))
    return str(settings.SITE_URL).rstrip("/")


def sign_out_of_sites(
    user: Any, *, request: HttpRequest | None = None, how: str = "signed out of openclass"
) -> list[Site]:
    """Sign ``user`` out of every site to tell (see the module's docstring): their tokens of it
    revoked now, the logout token sent after the commit. Returns those sites."""
    if user is None or not getattr(user, "pk", None):
        return []
    sites = sites_to_tell(user)
    if not sites:
        return []
    iss = issuer(request)
    for site in sites:
        revoke_tokens(user, site)
        audit.record(
            AuthEvent.Kind.LOGOUT,
            request=request,
            user=user,
            site=site,
            detail=f"{how}; back-channel logout sent",
        )
        _send_after_commit(site.pk, user.pk, iss)
    return sites


def _send_after_commit(site_id: int, user_id: int, iss: str) -> None:
    from .tasks import send_logout_token

    transaction.on_commit(lambda: send_logout_token(site_id, user_id, iss))


@receiver(user_logged_out, dispatch_uid="hub.backchannel.signed_out")
def signed_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """Signing out of openclass signs the person out of the sites they used through it."""
    sign_out_of_sites(user, request=request)


# --- The logout token ------------------------------------------------------------------------


def subject(user: Any, site: Site) -> str:
    """``sub`` as ``site`` knows the person: the one its ID tokens carry."""
    from .validator import subject as subject_of

    return subject_of(user, site)


def logout_token(site: Site, user: Any, iss: str, *, now: float | None = None) -> str:
    """A logout token for ``site`` about ``user``, signed with the signing key."""
    issued = int(now if now is not None else time.time())
    claims = {
        "iss": iss,
        "aud": site.client_id,
        "iat": issued,
        "exp": issued + TOKEN_SECONDS,
        "jti": uuid.uuid4().hex,
        "sub": subject(user, site),
        "events": {EVENT: {}},
    }
    key = keys.active_key()
    token = jwt.JWT(header={"alg": "RS256", "kid": key.kid, "typ": "logout+jwt"}, claims=claims)
    token.make_signed_token(keys.jwk_of(key))
    return str(token.serialize())


def deliver(site: Site, user: Any, iss: str) -> None:
    """POST a fresh logout token to the site's registered address; DeliveryFailed unless it
    answers 200 (or 204, which some frameworks send for it) within ``TIMEOUT_SECONDS``."""
    uri = site.backchannel_logout_uri
    if not callable_uri(uri):
        raise DeliveryFailed("not an address that may be called")
    try:
        response = httpx.post(
            uri,
            data={"logout_token": logout_token(site, user, iss)},
            headers={"Cache-Control": "no-store"},
            timeout=TIMEOUT_SECONDS,
            follow_redirects=False,
        )
    except httpx.HTTPError as error:
        raise DeliveryFailed(type(error).__name__) from error
    if response.status_code not in (200, 204):
        raise DeliveryFailed(f"HTTP {response.status_code}")
