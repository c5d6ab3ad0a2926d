"""The platform's OAuth 2.0 token endpoint for LTI Advantage services (``/lti/token/``).

A tool asks for an access token with the client-credentials grant and a JWT client assertion
(RFC 7523, LTI Security Framework 1.0 §4.1): ``grant_type=client_credentials``,
``client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer``,
``client_assertion=<JWT>``, ``scope=<space-separated>``. The assertion is checked here:

- signed (RS256/384/512, ES256/384) by a key of the tool's key set (its JWKS URL, fetched by
  ``keys.tool_key_set``: httpx, a timeout, a short cache, fetched again for an unknown ``kid``);
- ``iss`` and ``sub`` are the tool's ``client_id`` (an active tool);
- ``aud`` names this endpoint's address (or the platform's issuer);
- ``exp`` is in the future and at most ``ASSERTION_MAX_SECONDS`` away, ``iat`` not in the
  future;
- ``jti`` is new: each seen jti is kept until its ``exp`` (``UsedAssertion``) and a second use is
  refused.

The scopes granted are those asked for that the tool is granted (``granted_scopes``: AGS with
``may_post_scores``, NRPS with ``may_read_members``); none of them left is ``invalid_scope``. The
answer is an opaque bearer token (``ServiceToken`` keeps its SHA-256, never the token) good for
``TOKEN_SECONDS``; ``authenticate`` turns a request's ``Authorization: Bearer`` back into the tool
and its scopes, intersected again with what the tool is granted now (a grant the office takes
back takes effect at once). Refusals are RFC 6749 §5.2 JSON errors: ``invalid_client`` (401),
``invalid_grant``, ``invalid_scope``, ``invalid_request``, ``unsupported_grant_type`` (400).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from jwcrypto import jws, jwt
from jwcrypto.common import JWException

from . import claims
from .keys import tool_key_set
from .models import ServiceToken, Tool, UsedAssertion

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
AGS_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
AGS_LINEITEM_READ = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
AGS_RESULT_READ = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
AGS_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
NRPS_MEMBERS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
AGS_SCOPES = (AGS_LINEITEM, AGS_LINEITEM_READ, AGS_RESULT_READ, AGS_SCORE)

#: How long an access token is good for.
TOKEN_SECONDS = 3600
#: The longest an assertion may live (its jti is kept that long); PyLTI1p3 makes them 60 s.
ASSERTION_MAX_SECONDS = 3600
#: Clock difference allowed between the tool and us, for ``iat``.
LEEWAY_SECONDS = 60
ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384"]


class TokenError(Exception):
    """An RFC 6749 error answer: ``error``, a description, the HTTP status."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status

    def as_json(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


@dataclass(frozen=True)
class Caller:
    """A tool calling a service with a valid access token, and the scopes it may use now."""

    tool: Tool
    scopes: frozenset[str]

    def has(self, *any_of: str) -> bool:
        return any(scope in self.scopes for scope in any_of)


def granted_scopes(tool: Tool) -> set[str]:
    """The service scopes ``tool`` is granted by its registration."""
    scopes: set[str] = set()
    if tool.may_post_scores:
        scopes.update(AGS_SCOPES)
    if tool.may_read_members:
        scopes.add(NRPS_MEMBERS)
    return scopes


def token_url() -> str:
    """This endpoint's absolute address: what an assertion's ``aud`` names."""
    return claims.absolute(reverse("lti:token"))


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _unverified_claims(assertion: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The header and claims of a compact JWS, read before its signature is checked (to find
    the tool and its key)."""
    try:
        token = jws.JWS()
        token.deserialize(assertion)
        header = token.jose_header
        payload = json.loads(token.objects["payload"])
    except (JWException, ValueError, KeyError, TypeError) as error:
        raise TokenError("invalid_client", "The client assertion is not a JWT.", 401) from error
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise TokenError("invalid_client", "The client assertion is not a JWT.", 401)
    return header, payload


def _verified_claims(tool: Tool, assertion: str, kid: str | None) -> dict[str, Any]:
    try:
        keys = tool_key_set(tool, kid=kid)
    except ValidationError as error:  # the key set could not be fetched or read
        raise TokenError("invalid_client", "The tool's key set could not be read.", 401) from error
    try:
        token = jwt.JWT(jwt=assertion, key=keys, algs=ALGORITHMS, check_claims=False)
        verified = json.loads(token.claims)
    except (JWException, ValueError, TypeError) as error:
        raise TokenError(
            "invalid_client", "The client assertion's signature is not valid.", 401
        ) from error
    if not isinstance(verified, dict):
        raise TokenError("invalid_client", "The client assertion is not a JWT.", 401)
    return verified


def _number(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)


def _check_claims(tool: Tool, found: dict[str, Any], now: datetime.datetime) -> datetime.datetime:
    """The assertion's own rules; its expiry (how long its jti is kept)."""
    if found.get("iss") != tool.client_id or found.get("sub") != tool.client_id:
        raise TokenError("invalid_client", "iss and sub must be the client_id.", 401)
    audience = found.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if not {token_url(), claims.issuer()} & {a for a in audiences if isinstance(a, str)}:
        raise TokenError("invalid_grant", "aud must be the token endpoint's address.")
    stamp = now.timestamp()
    exp = _number(found.get("exp"))
    if exp is None or exp <= stamp:
        raise TokenError("invalid_grant", "The client assertion has expired.")
    if exp > stamp + ASSERTION_MAX_SECONDS + LEEWAY_SECONDS:
        raise TokenError("invalid_grant", "The client assertion lives too long.")
    iat = _number(found.get("iat"))
    if iat is not None and iat > stamp + LEEWAY_SECONDS:
        raise TokenError("invalid_grant", "The client assertion was issued in the future.")
    jti = found.get("jti")
    if not isinstance(jti, str) or not jti or len(jti) > 255:
        raise TokenError("invalid_grant", "The client assertion needs a jti.")
    return datetime.datetime.fromtimestamp(exp, tz=datetime.UTC)


def _forget_expired(now: datetime.datetime) -> None:
    UsedAssertion.objects.filter(expires_at__lt=now).delete()
    ServiceToken.objects.filter(expires_at__lt=now).delete()


def issue(form: Mapping[str, str], *, now: datetime.datetime | None = None) -> dict[str, Any]:
    """The token endpoint's answer to ``form`` (the POSTed fields), or a ``TokenError``."""
    now = now or timezone.now()
    if form.get("grant_type") != "client_credentials":
        raise TokenError("unsupported_grant_type", "Only client_credentials is supported.")
    if form.get("client_assertion_type") != ASSERTION_TYPE:
        raise TokenError("invalid_client", "A JWT client assertion is required.", 401)
    assertion = form.get("client_assertion") or ""
    header, unverified = _unverified_claims(assertion)
    client_id = unverified.get("iss")
    tool = (
        Tool.objects.filter(client_id=client_id, is_active=True).first()
        if isinstance(client_id, str)
        else None
    )
    if tool is None:
        raise TokenError("invalid_client", "Unknown client.", 401)
    kid = header.get("kid")
    found = _verified_claims(tool, assertion, kid if isinstance(kid, str) else None)
    expires = _check_claims(tool, found, now)

    asked = set((form.get("scope") or "").split())
    granted = granted_scopes(tool)
    scopes = sorted(asked & granted) if asked else sorted(granted)
    if not scopes:
        raise TokenError("invalid_scope", "None of the scopes asked for is granted to the tool.")

    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        _forget_expired(now)
        try:
            with transaction.atomic():
                UsedAssertion.objects.create(tool=tool, jti=found["jti"], expires_at=expires)
        except IntegrityError as error:
            raise TokenError("invalid_grant", "The client assertion was used before.") from error
        ServiceToken.objects.create(
            tool=tool,
            token_hash=_hash(token),
            scopes=scopes,
            expires_at=now + datetime.timedelta(seconds=TOKEN_SECONDS),
        )
    return {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": TOKEN_SECONDS,
        "scope": " ".join(scopes),
    }


def authenticate(request: HttpRequest, *, now: datetime.datetime | None = None) -> Caller:
    """The tool behind the request's bearer token and the scopes it may use now; a
    ``TokenError`` (401 ``invalid_token``) for a missing, unknown or expired token or a tool
    disabled since."""
    now = now or timezone.now()
    header = request.headers.get("Authorization", "")
    kind, _space, token = header.partition(" ")
    if kind.lower() != "bearer" or not token.strip():
        raise TokenError("invalid_token", "A bearer access token is required.", 401)
    try:
        digest = _hash(token.strip())
    except UnicodeEncodeError as error:
        raise TokenError("invalid_token", "The access token is not valid.", 401) from error
    row = (
        ServiceToken.objects.select_related("tool")
        .filter(token_hash=digest, expires_at__gt=now, tool__is_active=True)
        .first()
    )
    if row is None:
        raise TokenError("invalid_token", "The access token is not valid or has expired.", 401)
    return Caller(row.tool, frozenset(set(row.scopes) & granted_scopes(row.tool)))
