"""The demo relying site under ``/demo-site/``: a site of the city ("꿀박사 데모") that signs its
users in through openclass the way any other site would, with Authlib's Django client —
discovery, authorization code with PKCE S256, the ID token checked against the JWKS, one API call
with the access token, RP-initiated logout, and a back-channel logout endpoint.

It is served by openclass itself, so it shares openclass's session cookie: its own state lives
under its own keys of the session (``demo_site`` for the signed-in person, Authlib's
``_state_demo_site_…`` during a sign-in), never in openclass's login. A person signed in to the
demo site is signed in to openclass too — they signed in there — and signing out of openclass
ends the whole session, the demo site's part with it. The back-channel endpoint ends the demo
site's part of every session where that person (``sub``) signed in to it, which matters for
their other browsers: the demo site keeps, in the cache, which sessions each ``sub`` has.

It talks to openclass over HTTP at SITE_URL (discovery, token, JWKS, API), as an outside site
would; the registration is the demo data's (``hub.demo``).
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any
from urllib.parse import urlsplit

from authlib.integrations.base_client import OAuthError
from authlib.integrations.django_client import OAuth
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.module_loading import import_string
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from jwcrypto import jwk, jwt
from jwcrypto.common import JWException

from openclass.accounts.models import User

from .. import demo

log = logging.getLogger(__name__)

#: The session key of the demo site's signed-in person.
SESSION_KEY = "demo_site"
#: Authlib's registered name: its state keys are ``_state_demo_site_<state>``.
CLIENT_NAME = "demo_site"
EVENT = "http://schemas.openid.net/event/backchannel-logout"
#: A logout token issued longer ago than this is refused (clocks a little apart are allowed).
FRESH_SECONDS = 300
SKEW_SECONDS = 60

_clients: dict[tuple[str, str], Any] = {}


def client() -> Any:
    """Authlib's client for the demo site (the metadata and JWKS it fetched are kept in it)."""
    key = (demo.site_url(), demo.demo_client_secret())
    if key not in _clients:
        oauth = OAuth()
        oauth.register(
            name=CLIENT_NAME,
            client_id=demo.CLIENT_ID,
            client_secret=key[1],
            server_metadata_url=f"{key[0]}/.well-known/openid-configuration",
            client_kwargs={
                "scope": " ".join(demo.SCOPES),
                "code_challenge_method": "S256",
                "timeout": 10,
            },
        )
        _clients.clear()
        _clients[key] = oauth.create_client(CLIENT_NAME)
    return _clients[key]


def _sessions_key(sub: str) -> str:
    return f"hub.demo_site.sessions:{sub}"


def _remember_session(sub: str, session_key: str) -> None:
    keys = set(cache.get(_sessions_key(sub), []))
    keys.add(session_key)
    cache.set(_sessions_key(sub), sorted(keys), settings.SESSION_COOKIE_AGE)


def _session_store(session_key: str) -> SessionBase:
    engine = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    store: SessionBase = engine(session_key=session_key)
    return store


def end_sessions_of(sub: str) -> int:
    """End the demo site's part of every session where ``sub`` signed in; how many."""
    ended = 0
    for key in cache.get(_sessions_key(sub), []):
        store = _session_store(key)
        if store.get(SESSION_KEY, {}).get("sub") == sub:
            del store[SESSION_KEY]
            store.save(must_create=False)
            ended += 1
    cache.delete(_sessions_key(sub))
    return ended


def _wrong_host(request: HttpRequest) -> HttpResponse | None:
    """The demo site's registered addresses are under SITE_URL: a visit at another address of
    this server (localhost for 127.0.0.1) goes there first, or its sign-in could not come back
    to the same session."""
    wanted = urlsplit(demo.site_url())
    if request.get_host() != wanted.netloc:
        return HttpResponseRedirect(demo.uris()["home"])
    return None


@never_cache
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if (elsewhere := _wrong_host(request)) is not None:
        return elsewhere
    signed_in = request.session.get(SESSION_KEY)
    role = ((signed_in or {}).get("claims") or {}).get("role")
    return render(
        request,
        "hub/demo_site/home.html",
        {
            "registered": demo.demo_exists(),
            "signed_in": signed_in,
            # The claim is the role's code (what a site's program compares); a person reads
            # its name in their language beside it.
            "role_name": dict(User.Role.choices).get(role) if isinstance(role, str) else None,
            # Back from openclass's logout (with the state this site sent; the session that
            # kept it has ended with the sign-out, so the page only says so: it acts on nothing).
            "signed_out": not signed_in and "state" in request.GET,
            "discovery": f"{demo.site_url()}/.well-known/openid-configuration",
        },
    )


def _not_registered(request: HttpRequest) -> HttpResponse:
    """Before ``demo_data`` registered the demo site: its page says so."""
    return HttpResponseRedirect(demo.uris()["home"])


@require_POST
def login(request: HttpRequest) -> HttpResponse:
    if not demo.demo_exists():
        return _not_registered(request)
    response: HttpResponse = client().authorize_redirect(request, demo.uris()["redirect"])
    return response


def _call_api(token: dict[str, Any]) -> dict[str, Any]:
    """One call with the access token: the Open API's ``/api/v1/me``, or userinfo if the API
    does not answer it."""
    oauth = client()
    for url in (f"{demo.site_url()}/api/v1/me", oauth.load_server_metadata()["userinfo_endpoint"]):
        answer = oauth.get(url, token=token)
        if answer.status_code != 404:
            try:
                body = answer.json()
            except ValueError:
                body = answer.text[:500]
            return {"url": url, "status": answer.status_code, "body": body}
    return {"url": "", "status": 404, "body": None}


@never_cache
@require_GET
def callback(request: HttpRequest) -> HttpResponse:
    if not demo.demo_exists():
        return _not_registered(request)
    try:
        token = client().authorize_access_token(request)
    except (OAuthError, KeyError, ValueError) as error:
        # Refused at openclass, an old or forged state, a code used twice…
        return render(
            request,
            "hub/demo_site/home.html",
            {"registered": True, "signed_in": None, "error": str(error)},
            status=400,
        )
    claims = dict(token.get("userinfo") or {})
    api = _call_api(token)
    request.session[SESSION_KEY] = {
        "sub": claims.get("sub"),
        "claims": claims,
        "api": api,
        "api_body": json.dumps(api["body"], ensure_ascii=False, indent=2),
        "id_token": token.get("id_token"),
    }
    request.session.save()
    if claims.get("sub") and request.session.session_key:
        _remember_session(claims["sub"], request.session.session_key)
    return HttpResponseRedirect(demo.uris()["home"])


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    """Sign out of the demo site, then at openclass (RP-initiated logout), back here after."""
    signed_in = request.session.pop(SESSION_KEY, None)
    if not signed_in or not demo.demo_exists():
        return HttpResponseRedirect(demo.uris()["home"])
    response: HttpResponse = client().logout_redirect(
        request,
        post_logout_redirect_uri=demo.uris()["post_logout"],
        id_token_hint=signed_in.get("id_token"),
    )
    return response


class LogoutTokenError(ValueError):
    pass


def check_logout_token(token: str) -> dict[str, Any]:
    """Back-Channel Logout 1.0 §2.6: signed by a key of openclass's JWKS (RS256), from
    openclass's issuer, for this site, with the back-channel event, no nonce, a ``sub``, and
    issued just now. Its claims, or LogoutTokenError."""
    oauth = client()
    metadata = oauth.load_server_metadata()
    try:
        keys = jwk.JWKSet.from_json(json.dumps(oauth.fetch_jwk_set()))
        try:
            parsed = jwt.JWT(jwt=token, key=keys, algs=["RS256"], check_claims={"exp": None})
        except JWException:
            # A new key since the JWKS was fetched: fetch it again once.
            keys = jwk.JWKSet.from_json(json.dumps(oauth.fetch_jwk_set(force=True)))
            parsed = jwt.JWT(jwt=token, key=keys, algs=["RS256"], check_claims={"exp": None})
        claims: dict[str, Any] = json.loads(parsed.claims)
    except (JWException, ValueError, TypeError) as error:
        raise LogoutTokenError(f"not a token of ours: {type(error).__name__}") from error
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    now = time.time()
    problems = [
        ("iss", claims.get("iss") == metadata["issuer"]),
        ("aud", demo.CLIENT_ID in audiences),
        ("events", isinstance(claims.get("events"), dict) and EVENT in claims["events"]),
        ("nonce", "nonce" not in claims),
        ("sub", isinstance(claims.get("sub"), str) and bool(claims["sub"])),
        (
            "iat",
            isinstance(claims.get("iat"), int | float)
            and now - FRESH_SECONDS <= claims["iat"] <= now + SKEW_SECONDS,
        ),
        ("jti", isinstance(claims.get("jti"), str) and bool(claims["jti"])),
    ]
    wrong = [name for name, ok in problems if not ok]
    if wrong:
        raise LogoutTokenError(f"wrong claims: {', '.join(wrong)}")
    # A token is used once.
    if not cache.add(f"hub.demo_site.jti:{claims['jti']}", 1, FRESH_SECONDS + SKEW_SECONDS):
        raise LogoutTokenError("replayed")
    return claims


@csrf_exempt
@require_POST
def backchannel_logout(request: HttpRequest) -> HttpResponse:
    """openclass tells the demo site that a person signed out: end their sessions here."""
    token = request.POST.get("logout_token", "")
    if not token or not demo.demo_exists():
        response: HttpResponse = JsonResponse({"error": "invalid_request"}, status=400)
    else:
        try:
            claims = check_logout_token(token)
        except LogoutTokenError as error:
            log.warning("demo site: logout token refused (%s)", error)
            response = JsonResponse(
                {"error": "invalid_request", "error_description": str(error)}, status=400
            )
        else:
            end_sessions_of(claims["sub"])
            response = HttpResponse(status=200)
    response["Cache-Control"] = "no-store"
    return response
