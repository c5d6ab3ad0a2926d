"""Callers of the built-in LRS for its tests: an LRS client with HTTP Basic credentials, an OAuth2
token of the login hub with xAPI scopes, and statements to send."""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from datetime import timedelta
from typing import Any

from django.test import Client as Browser
from django.utils import timezone
from oauth2_provider.models import AccessToken, set_token_value

from openclass.hub.models import Site
from openclass.xapi import auth
from openclass.xapi.models import Client

VERSION = {"X-Experience-API-Version": "1.0.3"}
EVERY_SCOPE = ("statements/write", "statements/read", "state", "xapi/profile", "define")


def make_client(
    scopes: tuple[str, ...] = ("statements/write", "statements/read"),
    schools: tuple[Any, ...] = (),
    name: str = "콘텐츠 업체",
) -> tuple[Client, str]:
    """An LRS client and its raw secret."""
    raw, hashed = auth.make_secret()
    client = Client.objects.create(
        name=name, key=secrets.token_hex(8), secret_hash=hashed, scopes=list(scopes)
    )
    client.schools.set(schools)
    return client, raw


def basic(client: Client, secret: str) -> dict[str, str]:
    credentials = base64.b64encode(f"{client.key}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {credentials}", **VERSION}


def token(
    user: Any,
    scopes: tuple[str, ...] = EVERY_SCOPE,
    *,
    site: Site | None = None,
    allowed: tuple[str, ...] | None = None,
) -> dict[str, str]:
    """Headers with a hub OAuth2 access token of ``user`` (None: the site's own, client
    credentials) carrying ``scopes``, its site allowing ``allowed`` (default: the same)."""
    site = site or Site.objects.create(
        name="학습 콘텐츠",
        redirect_uris="https://content.example.org/callback",
        client_type=Site.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Site.GRANT_AUTHORIZATION_CODE,
        client_secret="xapi-test-secret-0123456789",
        allowed_scopes=" ".join(("openid", *(allowed if allowed is not None else scopes))),
    )
    raw = secrets.token_urlsafe(30)
    access = AccessToken(
        user=user,
        application=site,
        scope=" ".join(scopes),
        expires=timezone.now() + timedelta(hours=1),
    )
    set_token_value(access, raw)
    access.save()
    return {"Authorization": f"Bearer {raw}", **VERSION}


def activity(name: str = "quiz-1") -> dict[str, Any]:
    return {
        "objectType": "Activity",
        "id": f"https://content.example.org/activities/{name}",
        "definition": {"name": {"en-US": name, "ko-KR": f"{name} 한국어"}},
    }


def mbox(local: str = "learner") -> dict[str, Any]:
    return {"objectType": "Agent", "mbox": f"mailto:{local}@example.org"}


def statement(
    actor: dict[str, Any] | None = None,
    verb: str = "http://adlnet.gov/expapi/verbs/completed",
    target: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "actor": actor or mbox(),
        "verb": {"id": verb, "display": {"en-US": verb.rsplit("/", 1)[-1]}},
        "object": target or activity(),
        **extra,
    }


def post(headers: dict[str, str], data: Any) -> Any:
    return Browser().post("/xapi/statements", json.dumps(data), "application/json", headers=headers)


def put(headers: dict[str, str], data: Any, statement_id: str) -> Any:
    return Browser().put(
        f"/xapi/statements?statementId={statement_id}",
        json.dumps(data),
        "application/json",
        headers=headers,
    )


def get(headers: dict[str, str], path: str = "/xapi/statements", **params: str) -> Any:
    return Browser().get(path, params, headers=headers)
