"""Who is calling the learning record store, and what they may do (xAPI 1.0.3, part three §4
and §1.3): every /xapi/ view is wrapped in ``lrs_endpoint``.

Credentials are either HTTP Basic — an LRS ``Client`` the office registers (key and secret, the
secret stored hashed like the hub's site secrets: ``make_secret``/``check_secret``) — or a
Bearer OAuth2 access token of the login hub (django-oauth-toolkit's own lookup: stored hashed,
expired or revoked refused, its site active), acting for its person, or for its site's service
account when it was issued to the site itself (client credentials).

Scopes are the specification's: ``statements/write``, ``statements/read``,
``statements/read/mine``, ``state``, ``profile``, ``define``, ``all/read``, ``all``. A Client
carries them in ``Client.scopes``; an OAuth2 token in its scope, narrowed by its site's allowed
scopes. The hub already has an OpenID Connect ``profile`` scope (name and role): a token asks for
the xAPI one as ``xapi/profile`` (``OAUTH_NAMES``), so signing in somewhere with ``profile`` never
opens anyone's documents.

``Principal.may`` applies the scopes' implications (``all`` ⊃ ``all/read`` ⊃
``statements/read`` ⊃ ``statements/read/mine``; ``all`` ⊃ each of the others); reading a
document is ``may_read("state")`` (the scope, or ``all/read``).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import wraps
from typing import Any

from django.contrib.auth.hashers import check_password, make_password
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils import timezone
from django.utils.http import parse_header_parameters
from django.views.decorators.csrf import csrf_exempt

from . import access, agents, validation
from .models import Client

#: The version every answer names, and the versions a request may name (1.0.x).
VERSION = "1.0.3"
VERSION_HEADER = "X-Experience-API-Version"
ACCEPTED_VERSION = re.compile(r"^1\.0(\.\d+)?$")
REALM = "openclass LRS"

#: The specification's scopes, as Principal.scopes holds them.
SCOPES = (
    "statements/write",
    "statements/read",
    "statements/read/mine",
    "state",
    "profile",
    "define",
    "all/read",
    "all",
)
#: An OAuth2 token's name for each scope (the hub's ``profile`` is OpenID Connect's).
OAUTH_NAMES = {scope: "xapi/profile" if scope == "profile" else scope for scope in SCOPES}
#: What a scope grants besides itself.
IMPLIED_BY = {
    "all/read": {"all"},
    "statements/read": {"all", "all/read"},
    "statements/read/mine": {"all", "all/read", "statements/read"},
    "statements/write": {"all"},
    "state": {"all"},
    "profile": {"all"},
    "define": {"all"},
    "all": set(),
}
#: Writing a client's ``last_used_at`` at most this often.
LAST_USED_EVERY = timedelta(minutes=1)
#: The request headers the alternate request syntax may carry as form fields (§1.3).
FORM_HEADERS = {
    "authorization": "HTTP_AUTHORIZATION",
    "x-experience-api-version": "HTTP_X_EXPERIENCE_API_VERSION",
    "content-type": "CONTENT_TYPE",
    "content-length": "CONTENT_LENGTH",
    "if-match": "HTTP_IF_MATCH",
    "if-none-match": "HTTP_IF_NONE_MATCH",
}
ALTERNATE_METHODS = ("GET", "HEAD", "PUT", "POST", "DELETE")
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "HEAD, GET, POST, PUT, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": (
        "Authorization, Content-Type, Content-Length, If-Match, If-None-Match, "
        "X-Experience-API-Version, Accept-Language"
    ),
    "Access-Control-Expose-Headers": (
        "ETag, Last-Modified, Content-Type, Content-Length, X-Experience-API-Version, "
        "X-Experience-API-Consistent-Through"
    ),
    "Access-Control-Max-Age": "86400",
}


class LrsError(Exception):
    """A refusal, answered ``status`` with ``{"error": message}`` (JSON)."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Any:
    response = HttpResponse(
        json.dumps({"error": message}, ensure_ascii=False),
        status=status,
        content_type="application/json; charset=utf-8",
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


# --- credentials -----------------------------------------------------------------------------


def make_secret() -> tuple[str, str]:
    """A new client secret and its hash (for ``Client.secret_hash``): shown once, kept hashed
    with the hub's machine-secret hasher (long and random: nothing to stretch)."""
    raw = secrets.token_urlsafe(32)
    return raw, make_password(raw, hasher="sha256_secret")


def check_secret(client: Client, raw: str) -> bool:
    return bool(client.secret_hash) and check_password(raw, client.secret_hash)


@dataclass(frozen=True)
class Principal:
    """Who calls: a person (``user``, with ``site`` when through an OAuth2 token) or an LRS
    ``client``, and the scopes they carry."""

    user: Any = None
    client: Client | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)
    site: Any = None

    def may(self, scope: str) -> bool:
        return scope in self.scopes or bool(IMPLIED_BY.get(scope, set()) & self.scopes)

    def may_read(self, scope: str) -> bool:
        """Reading a document resource (``state``, ``profile``): its scope or ``all/read``."""
        return self.may(scope) or self.may("all/read")

    @property
    def reads_all_statements(self) -> bool:
        return self.may("statements/read")

    def readable_statements(self) -> Q:
        """The statements this principal may read, as a filter on ``Statement``."""
        nothing = Q(pk__in=[])
        if not self.may("statements/read/mine"):
            return nothing
        if self.client is not None:
            if not self.may("statements/read"):
                return Q(client=self.client)
            schools = list(self.client.schools.all())
            if schools:
                return Q(school__in=schools) | Q(client=self.client)
            return Q()
        if self.user is None:
            return nothing
        rule = access.readable_statements(self.user)
        if not self.may("statements/read"):
            rule &= Q(user=self.user)
        return rule

    def may_use_agent(self, agent: dict[str, Any]) -> bool:
        """Whether documents about ``agent`` (state, agent profile) are this principal's to
        read and write: an LRS client's, any; a student's or a parent's token, only their own;
        staff, their own, the people they may see, and outside agents."""
        if self.client is not None:
            return True
        if self.user is None:
            return False
        target = agents.user_of(agent)
        if target is None:
            return not access.reads_only_own(self.user)
        return access.may_use_agent_of(self.user, target)

    def may_write_about(self, target: Any) -> bool:
        """Whether a statement whose actor is ``target`` (one of our people, or None for an
        outside agent) is this principal's to store."""
        if self.client is not None:
            schools = {school.pk for school in self.client.schools.all()}
            if not schools or target is None:
                return True
            from openclass.accounts import scoping

            school = scoping.school_of(target)
            return school is not None and school.pk in schools
        if self.user is None:
            return False
        return access.may_write_about(self.user, target)

    def authority(self) -> dict[str, Any]:
        """The ``authority`` of the statements this principal stores: the client, or the site
        and its person together (a Group, as §4 describes for OAuth)."""
        home = agents.home_page()
        if self.client is not None:
            return {
                "objectType": "Agent",
                "account": {"homePage": f"{home}/xapi/clients", "name": self.client.key},
            }
        from .services import agent_for

        person = agent_for(self.user)
        if self.site is None:
            return person
        return {
            "objectType": "Group",
            "member": [
                {
                    "objectType": "Agent",
                    "account": {"homePage": f"{home}/o/sites", "name": self.site.client_id},
                },
                person,
            ],
        }


def _basic(header: str) -> Principal:
    try:
        decoded = base64.b64decode(header.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise _unauthorised("Malformed Basic credentials.") from None
    key, colon, raw = decoded.partition(":")
    if not colon or not key:
        raise _unauthorised("Malformed Basic credentials.")
    client = Client.objects.filter(key=key, is_active=True).first()
    if client is None or not check_secret(client, raw):
        raise _unauthorised("Unknown key or wrong secret.")
    now = timezone.now()
    if client.last_used_at is None or now - client.last_used_at > LAST_USED_EVERY:
        Client.objects.filter(pk=client.pk).update(last_used_at=now)
    scopes = frozenset(str(scope) for scope in client.scopes) & frozenset(SCOPES)
    return Principal(client=client, scopes=scopes)


def _bearer(request: HttpRequest) -> Principal:
    from openclass.core.bearer import bearer_token

    token = bearer_token(request)
    if token is None:
        raise _unauthorised("The token is unknown, expired or revoked.")
    site = token.application
    if site is None or not site.is_active:
        raise _unauthorised("The token's site is disabled.")
    user = token.user if token.user is not None else site.service_account
    if user is None or not user.is_active:
        raise _unauthorised("The token acts for no active account.")
    granted = frozenset(token.scope.split()) & frozenset(site.scope_set())
    scopes = frozenset(scope for scope, name in OAUTH_NAMES.items() if name in granted)
    return Principal(user=user, scopes=scopes, site=site)


def _unauthorised(message: str) -> LrsError:
    return LrsError(401, message, {"WWW-Authenticate": f'Basic realm="{REALM}"'})


def authenticate(request: HttpRequest) -> Principal:
    scheme, _space, credentials = request.META.get("HTTP_AUTHORIZATION", "").strip().partition(" ")
    if scheme.lower() == "basic" and credentials.strip():
        return _basic(credentials)
    if scheme.lower() == "bearer" and credentials.strip():
        return _bearer(request)
    raise _unauthorised("Credentials are required (HTTP Basic or an OAuth2 Bearer token).")


# --- the alternate request syntax (§1.3) -----------------------------------------------------


def _alternate(request: HttpRequest) -> None:
    """Turn a ``POST ?method=PUT`` with its headers, content and parameters in a form into the
    request it stands for."""
    method = request.GET.get("method", "").upper()
    if method not in ALTERNATE_METHODS:
        raise LrsError(400, "The method parameter names no method the LRS offers.")
    if set(request.GET) != {"method"}:
        raise LrsError(400, "With the alternate syntax, method is the only query parameter.")
    if request.content_type != "application/x-www-form-urlencoded":
        raise LrsError(400, "The alternate syntax sends a form (x-www-form-urlencoded).")
    form = QueryDict(request.body, encoding="utf-8")
    content = form.get("content", "")
    parameters = QueryDict(mutable=True)
    meta_content_type = None
    for name, values in form.lists():
        lowered = name.lower()
        if lowered == "content":
            continue
        if lowered in FORM_HEADERS:
            meta = FORM_HEADERS[lowered]
            if meta == "CONTENT_TYPE":
                meta_content_type = values[-1]
            request.META[meta] = values[-1]
            continue
        parameters.setlist(name, values)
    body = content.encode("utf-8")
    request.META["CONTENT_TYPE"] = meta_content_type or (
        "application/json" if body else "text/plain"
    )
    request.META["CONTENT_LENGTH"] = str(len(body))
    request.method = method
    request.GET = QueryDict(parameters.urlencode(), encoding="utf-8")
    setattr(request, "_body", body)  # noqa: B010 - Django's own cache of the body
    for cached in ("_post", "_files"):
        if hasattr(request, cached):
            delattr(request, cached)
    request.content_type, request.content_params = parse_header_parameters(
        request.META["CONTENT_TYPE"]
    )


# --- the decorator ---------------------------------------------------------------------------


def _finish(response: HttpResponse, method: str) -> HttpResponse:
    response[VERSION_HEADER] = VERSION
    for name, value in CORS_HEADERS.items():
        response[name] = value
    if method == "HEAD":
        length = len(response.content) if not response.streaming else None
        response.content = b""
        if length is not None:
            response["Content-Length"] = str(length)
    return response


def lrs_endpoint(view: Callable[..., HttpResponse] | None = None, *, versioned: bool = True) -> Any:
    """Wrap an LRS resource view ``view(request, **kw)``: CORS, the alternate request syntax,
    the version header (``versioned=False`` for /about), authentication (``request.principal``)
    and ``LrsError`` answered as its status."""

    def wrap(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            method = request.method or "GET"
            if method == "OPTIONS":
                return _finish(HttpResponse(status=200), method)
            try:
                if method == "POST" and "method" in request.GET:
                    _alternate(request)
                    method = request.method or "GET"
                if versioned:
                    given = request.META.get("HTTP_X_EXPERIENCE_API_VERSION", "").strip()
                    if not given:
                        raise LrsError(400, f"The {VERSION_HEADER} header is required.")
                    if not ACCEPTED_VERSION.match(given):
                        raise LrsError(400, f"Version {given[:20]} is not supported: 1.0.x is.")
                    setattr(request, "principal", authenticate(request))  # noqa: B010
                response = view(request, *args, **kwargs)
            except LrsError as error:
                response = error_response(error.status, error.message, error.headers)
            except validation.Invalid as error:
                response = error_response(400, str(error))
            return _finish(response, method)

        return wrapped

    return wrap(view) if view is not None else wrap
