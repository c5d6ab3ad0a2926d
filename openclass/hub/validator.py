"""openclass's OAuth2/OpenID Connect validator (django-oauth-toolkit's ``OAUTH2_VALIDATOR_CLASS``).

What openclass decides beyond django-oauth-toolkit:

- **Claims by scope.** ``sub`` always, stable and never the raw primary key: public (the same at
  every site, an HMAC of the user's id) or pairwise (an HMAC over the site's sector — the host of
  its first redirect URI — and the user's id), as the office chose for the site. ``profile``:
  name, preferred_username, role. ``school``: the organisation path (office, district, school,
  grade, class: names and codes). ``roster`` adds no claim (it lets the API read rosters).
- **Scopes narrowed, not refused.** A site is granted only what it asks for *and* the office
  allowed it; an authorization without ``openid`` left is refused (openclass signs people in).
- **Client credentials** act as the site's service account, within its scopes (less openid).
- **The authentication log** (``hub.audit``): every token issued or refreshed, every refusal at
  the token endpoint with the reason — never the secret, code or token.
- **Keys.** The keys of ``hub.keys`` verify the ID tokens presented back to us (an
  ``id_token_hint`` at logout), a retired key as long as it is published.

Disabled sites are refused by ``Site.is_usable``, which django-oauth-toolkit asks everywhere.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any
from urllib.parse import unquote_plus, urlparse

from django.http import HttpRequest
from django.utils.crypto import constant_time_compare, salted_hmac
from jwcrypto import jwk, jws
from oauth2_provider.models import get_access_token_model, get_grant_model, get_id_token_model
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.settings import oauth2_settings
from oauthlib.common import Request

from openclass.accounts.models import Organisation, User
from openclass.core.db import CompiledObjectQuery, CompiledQuery, every_column
from openclass.privacy.access import under_fourteen

from . import audit, keys
from .models import AuthEvent, Site, site_by_client_id

Grant = get_grant_model()
AccessToken = get_access_token_model()
IDToken = get_id_token_model()


#: A Bearer token with its site and person, as django-oauth-toolkit's own lookup reads them
#: (``select_related``), compiled once: every Open API and LRS request starts here, and the
#: ORM took 1.5 ms to build this three-table query and its objects against 0.3 ms to run it.
_TOKEN = CompiledObjectQuery(
    lambda checksum: AccessToken.objects.filter(token_checksum=checksum),
    {
        "": every_column(AccessToken),
        "application": every_column(Site),
        "user": every_column(User),
        # Every API request asks for the caller's school or class next (the scoping helpers).
        "user__organisation": every_column(Organisation),
    },
)

#: An authorization code of a site with its person, compiled once (a code exchange reads it for
#: each of oauthlib's questions, and the person's class for the ID token's claims).
_GRANT = CompiledObjectQuery(
    lambda code, site_id: Grant.objects.filter(code=code, application_id=site_id),
    {
        "": every_column(Grant),
        "user": every_column(User),
        "user__organisation": every_column(Organisation),
    },
)
#: An authorization code's scopes, asked before the site is known (to choose OpenID Connect).
_GRANT_SCOPES = CompiledQuery(
    lambda code: Grant.objects.filter(code=code).order_by("pk").values_list("scope")[:1]
)

#: Which scope lets a site have which claim (``sub`` comes with ``openid``).
CLAIM_SCOPE = {
    "sub": "openid",
    "name": "profile",
    "preferred_username": "profile",
    "role": "profile",
    "organisation": "school",
}


def sector(site: Site) -> str:
    """The site's sector identifier: the host of its first redirect URI (OpenID Connect Core
    §8.1), so two sites of one host see one pairwise ``sub``."""
    uris = site.redirect_uris.split()
    return (urlparse(uris[0]).hostname or "") if uris else site.client_id


def subject(user: Any, site: Site | None) -> str:
    """The ``sub`` of ``user`` at ``site``: an HMAC with a key derived from SECRET_KEY, so it is
    stable, reveals no id and cannot be computed outside openclass."""
    if site is not None and site.subject_type == Site.Subject.PAIRWISE:
        value = f"{sector(site)}|{user.pk}"
        return salted_hmac("openclass.hub.sub.pairwise", value, algorithm="sha256").hexdigest()
    return salted_hmac("openclass.hub.sub.public", str(user.pk), algorithm="sha256").hexdigest()


def organisation_claim(user: User) -> dict[str, dict[str, Any]]:
    """The organisation path of ``user`` by kind, root first: ``{"office": {"name", "code"},
    "school": …, "grade": {"name", "code", "number"}, "class": …}``."""
    organisation = user.organisation
    if organisation is None:
        return {}
    path: dict[str, dict[str, Any]] = {}
    for node in organisation.path_nodes():
        entry: dict[str, Any] = {"name": node.name, "code": node.code}
        if node.number is not None:
            entry["number"] = node.number
        path[node.kind] = entry
    return path


def _http_request(validator: OAuth2Validator, request: Request) -> HttpRequest | None:
    """A Django request carrying the client's address, for the log."""
    try:
        return validator.build_http_request(request)
    except Exception:  # the log must not turn a refusal into an error
        return None


class Validator(OAuth2Validator):
    oidc_claim_scope = CLAIM_SCOPE

    # --- claims ----------------------------------------------------------------------------

    def get_claim_dict(self, request: Request) -> dict[str, Any]:
        user = request.user
        site = request.client if isinstance(request.client, Site) else None
        return {
            "sub": subject(user, site),
            "name": user.name or user.username,
            "preferred_username": user.username,
            "role": user.role,
            "organisation": lambda r: organisation_claim(user),
        }

    def get_discovery_claims(self, request: Any) -> list[str]:
        return list(CLAIM_SCOPE)

    # --- scopes ----------------------------------------------------------------------------

    def validate_scopes(
        self, client_id: str, scopes: list[str], client: Any, request: Request, *args, **kwargs
    ) -> bool:
        """Narrow ``scopes`` to what the site may have (``request.scopes`` becomes that);
        refuse only when nothing useful is left."""
        if not isinstance(client, Site):
            return False
        available = set(oauth2_settings._SCOPES)
        granted = [scope for scope in scopes if scope in client.scope_set() & available]
        if request.grant_type == "client_credentials":
            granted = [scope for scope in granted if scope != "openid"]
            ok = bool(granted)
        elif request.grant_type == "refresh_token":
            ok = True
        else:
            ok = "openid" in granted
        request.scopes = granted
        return ok

    def get_default_scopes(self, client_id: str, request: Request, *args, **kwargs) -> list[str]:
        client = request.client
        if request.grant_type == "client_credentials" and isinstance(client, Site):
            return sorted(client.scope_set() - {"openid"})
        return super().get_default_scopes(client_id, request, *args, **kwargs)

    # --- client credentials act as the service account --------------------------------------

    def _create_access_token(self, expires, request, token, source_refresh_token=None):
        if request.grant_type == "client_credentials":
            request.user = request.client.service_account
        id_token = getattr(request, "id_token", None)
        id_token = id_token if isinstance(id_token, IDToken) else None
        if id_token is None or "id_token" not in token:
            return super()._create_access_token(expires, request, token, source_refresh_token)
        # The ID token was made and signed by this request (``finalize_id_token`` keeps it on
        # the request): django-oauth-toolkit would verify its signature and read it back.
        access_token = AccessToken(
            user=request.user,
            scope=token["scope"],
            expires=expires,
            id_token=id_token,
            application=request.client,
            source_refresh_token=source_refresh_token,
            resource=getattr(request, "resource", []),
        )
        self._set_token_value(access_token, token["access_token"])
        access_token.save()
        return access_token

    # --- the site, read once a request --------------------------------------------------------

    def _load_application(self, client_id: str, request: Request) -> Any:
        """django-oauth-toolkit's, with the site read by the compiled lookup: an authorization
        asks three times, a token request twice (it then checks ``is_usable`` itself)."""
        loaded = request.client
        if not (isinstance(loaded, Site) and loaded.client_id == client_id):
            request.client = site_by_client_id(client_id)
        return super()._load_application(client_id, request)

    # --- a Bearer token, looked up on every API request --------------------------------------

    def _load_access_token(self, token: str) -> Any:
        return _TOKEN.first(hashlib.sha256(token.encode("utf-8")).hexdigest())

    # --- under 14: no untrusted site, not even by refreshing an older token -----------------

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs) -> bool:
        valid = super().validate_refresh_token(refresh_token, client, request, *args, **kwargs)
        if not valid:
            self._refused(request, "refresh token unknown, revoked, expired or of another site")
            return False
        if not client.skip_authorization and under_fourteen(request.user):
            self._refused(request, "a student under 14 at an untrusted site")
            return False
        return True

    # --- the authentication log ------------------------------------------------------------

    def _refused(self, request: Request, why: str) -> None:
        site = request.client if isinstance(request.client, Site) else None
        grant = request.grant_type or "-"
        audit.record(
            AuthEvent.Kind.TOKEN_REFUSED,
            request=_http_request(self, request),
            user=getattr(request, "user", None) if isinstance(request.user, User) else None,
            site=site,
            detail=f"{grant}: {why}",
        )

    def authenticate_client(self, request: Request, *args, **kwargs) -> bool:
        if super().authenticate_client(request, *args, **kwargs):
            return True
        client_id = request.client_id or self._basic_client_id(request)
        site = site_by_client_id(client_id)
        if site is None:
            why = "unknown client"
        elif not site.is_active:
            why = "the site is disabled"
        else:
            why = "wrong client secret"
        request.client = site
        self._refused(request, f"client authentication failed ({why})")
        request.client = None
        return False

    def _basic_client_id(self, request: Request) -> str | None:
        """The client id of an HTTP Basic header (never its secret)."""
        encoded = self._extract_basic_auth(request)
        if not encoded:
            return None
        try:
            decoded = base64.b64decode(encoded).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return None
        return unquote_plus(decoded.split(":", 1)[0])

    def authenticate_client_id(self, client_id: str, request: Request, *args, **kwargs) -> bool:
        if super().authenticate_client_id(client_id, request, *args, **kwargs):
            return True
        if request.grant_type:  # the token endpoint, not an authorization request
            self._refused(request, "client not authenticated")
        return False

    def validate_grant_type(self, client_id, grant_type, client, request, *args, **kwargs) -> bool:
        if super().validate_grant_type(client_id, grant_type, client, request, *args, **kwargs):
            return True
        self._refused(request, "grant type not allowed for this site")
        return False

    # --- the grant, read once a token request -----------------------------------------------
    # django-oauth-toolkit reads the authorization code's row again for each question oauthlib
    # asks (is it valid, its PKCE challenge and method, its redirect URI, scopes, nonce): seven
    # identical queries a code exchange. The row is kept on the request (never on the
    # validator: one instance serves every thread).

    def _grant(self, code: str, request: Request) -> Any:
        cache: dict[tuple[str, Any], Any] | None = getattr(request, "_openclass_grants", None)
        if cache is None:
            cache = {}
            request._openclass_grants = cache
        if not isinstance(request.client, Site):
            return None
        key = (code, request.client.pk)
        if key not in cache:
            cache[key] = _GRANT.first(code, request.client.pk)
        return cache[key]

    def _check_and_set_request_resource(self, request: Request) -> None:
        """django-oauth-toolkit reads the code's row once more to inherit its resource indicators
        (RFC 8707); a code exchange asking for none, of a code that has none, has none."""
        if request.grant_type == "authorization_code" and not getattr(request, "resource", None):
            grant = self._grant(request.code, request)
            if grant is not None and not grant.resource:
                request.resource = []
                return
        super()._check_and_set_request_resource(request)

    def validate_code(self, client_id, code, client, request, *args, **kwargs) -> bool:
        grant = self._grant(code, request) if client is request.client else None
        if grant is not None and not grant.is_expired():
            request.scopes = grant.scope.split(" ")
            request.user = grant.user
            if grant.nonce:
                request.nonce = grant.nonce
            if grant.claims:
                request.claims = json.loads(grant.claims)
            return True
        self._refused(request, "authorization code unknown, used or expired")
        return False

    def get_code_challenge_method(self, code: str, request: Request) -> str | None:
        grant = self._grant(code, request)
        return (grant.code_challenge_method or None) if grant is not None else None

    def get_authorization_code_scopes(self, client_id, code, redirect_uri, request) -> list[str]:
        # Asked first, before the client is known (to choose the OpenID Connect grant).
        if not isinstance(request.client, Site):
            rows = _GRANT_SCOPES.rows(code)
            return rows[0][0].split() if rows and rows[0][0] else []
        grant = self._grant(code, request)
        return grant.scope.split() if grant is not None and grant.scope else []

    def get_authorization_code_nonce(self, client_id, code, redirect_uri, request) -> str | None:
        if not isinstance(request.client, Site):
            return super().get_authorization_code_nonce(client_id, code, redirect_uri, request)
        grant = self._grant(code, request)
        return (grant.nonce or None) if grant is not None else None

    def get_code_challenge(self, code: str, request: Request) -> str | None:
        """The grant's PKCE challenge; a missing or wrong verifier is logged here, where the
        reason is still known (oauthlib then refuses the request)."""
        grant = self._grant(code, request)
        challenge = (grant.code_challenge or None) if grant is not None else None
        verifier = request.code_verifier
        if challenge is None:
            if verifier is None:
                self._refused(request, "PKCE: the authorization had no code challenge")
        elif verifier is None:
            self._refused(request, "PKCE: code verifier missing")
        else:
            digest = hashlib.sha256(verifier.encode("utf-8")).digest()
            computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
            if not constant_time_compare(computed, challenge):
                self._refused(request, "PKCE: code verifier does not match")
        return challenge

    def confirm_redirect_uri(self, client_id, code, redirect_uri, client, *args, **kwargs) -> bool:
        request = kwargs.get("request") or (args[0] if args else None)
        if not isinstance(request, Request):
            confirmed = super().confirm_redirect_uri
            return confirmed(client_id, code, redirect_uri, client, *args, **kwargs)
        grant = self._grant(code, request) if client is request.client else None
        if grant is not None and grant.redirect_uri_allowed(redirect_uri):
            return True
        self._refused(request, "redirect URI differs from the authorization's")
        return False

    def save_bearer_token(self, token, request, *args, **kwargs) -> Any:
        result = super().save_bearer_token(token, request, *args, **kwargs)
        refreshed = request.grant_type == "refresh_token"
        kind = AuthEvent.Kind.TOKEN_REFRESHED if refreshed else AuthEvent.Kind.TOKEN_ISSUED
        audit.record(
            kind,
            request=_http_request(self, request),
            user=request.user if isinstance(request.user, User) else None,
            site=request.client if isinstance(request.client, Site) else None,
            detail=f"{request.grant_type}: {token.get('scope', '')}",
        )
        return result

    # --- keys ------------------------------------------------------------------------------

    def _get_key_for_token(self, token: str) -> jwk.JWK | None:
        """The published key named in the token's header, if the token names an active site
        of ours (django-oauth-toolkit's looks only at the current key)."""
        unverified = jws.JWS()
        unverified.deserialize(token)
        header: dict[str, Any] = unverified.jose_header
        claims = json.loads(unverified.objects["payload"].decode("utf-8"))
        site = self._get_client_by_audience(claims.get("aud", []))
        if not isinstance(site, Site) or not site.is_active:
            return None
        if site.algorithm != Site.RS256_ALGORITHM:
            return site.jwk_key
        kid = header.get("kid")
        return keys.published_jwk(kid) if isinstance(kid, str) else None
