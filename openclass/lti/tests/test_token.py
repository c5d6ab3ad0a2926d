"""The LTI Advantage token endpoint (/lti/token/): a tool's JWT client assertion (RFC 7523),
signed by its own key and checked against its key set served over HTTP on 127.0.0.1 by the
test (``fixtures.tool_key``), exchanged for an opaque bearer token with the scopes the tool is
granted. The refusals: an expired assertion, a wrong audience, a replayed jti, a wrong key, an
unknown or disabled tool, a scope not granted; a token's own expiry and a grant taken back.
PyLTI1p3's own client gets its token in test_ags.py and test_nrps.py against the real server."""

from __future__ import annotations

import datetime
import hashlib
import time
import uuid
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from jwcrypto import jwk, jwt

from openclass.lti import token
from openclass.lti.models import ServiceToken, Tool, UsedAssertion
from openclass.lti.tests.fixtures import LtiWorld

URL = "/lti/token/"
SCORE = token.AGS_SCORE
MEMBERS = token.NRPS_MEMBERS


def assertion(
    tool: Tool, key: jwk.JWK, *, kid: str | None = None, **claims: Any
) -> tuple[str, str]:
    """A client assertion as PyLTI1p3 makes one (iat 5 s ago, exp in 60 s, a fresh jti), with
    ``claims`` replacing or (None) removing its claims; and its jti."""
    now = int(time.time())
    jti = f"lti-service-token-{uuid.uuid4()}"
    body: dict[str, Any] = {
        "iss": tool.client_id,
        "sub": tool.client_id,
        "aud": token.token_url(),
        "iat": now - 5,
        "exp": now + 60,
        "jti": jti,
    }
    body.update(claims)
    body = {name: value for name, value in body.items() if value is not None}
    signed = jwt.JWT(
        header={"alg": "RS256", "typ": "JWT", "kid": kid or str(key.get("kid"))}, claims=body
    )
    signed.make_signed_token(key)
    return str(signed.serialize()), str(body.get("jti", ""))


def ask(client: Client, signed: str, scope: str = SCORE, **fields: str) -> Any:
    data = {
        "grant_type": "client_credentials",
        "client_assertion_type": token.ASSERTION_TYPE,
        "client_assertion": signed,
        "scope": scope,
        **fields,
    }
    return client.post(URL, data)


@pytest.fixture
def granted(lti: LtiWorld) -> LtiWorld:
    lti.tool.may_post_scores = True
    lti.tool.save()
    return lti


def test_a_good_assertion_gets_an_opaque_token_kept_only_hashed(client, granted) -> None:
    tool = granted.tool
    signed, jti = assertion(tool, granted.key.key)
    answer = ask(client, signed, scope=f"{SCORE} {token.AGS_LINEITEM}")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == token.TOKEN_SECONDS
    assert set(body["scope"].split()) == {SCORE, token.AGS_LINEITEM}
    assert answer["Cache-Control"].startswith("max-age=0") or "no-cache" in answer["Cache-Control"]
    access = body["access_token"]
    row = ServiceToken.objects.get()
    assert row.tool == tool and row.token_hash == hashlib.sha256(access.encode()).hexdigest()
    assert access not in str(ServiceToken.objects.values().get())
    assert UsedAssertion.objects.filter(tool=tool, jti=jti).exists()
    # the key set was fetched from the tool's JWKS URL, over HTTP
    assert granted.key.fetches == ["/jwks.json"]


def test_the_token_opens_the_services_with_its_scopes(client, granted) -> None:
    signed, _jti = assertion(granted.tool, granted.key.key)
    access = ask(client, signed).json()["access_token"]
    request = client.get("/", HTTP_AUTHORIZATION=f"Bearer {access}").wsgi_request
    caller = token.authenticate(request)
    assert caller.tool == granted.tool and caller.scopes == {SCORE}
    # a grant taken back closes the service at once, whatever the token said
    granted.tool.may_post_scores = False
    granted.tool.save()
    assert token.authenticate(request).scopes == frozenset()
    # a disabled tool's token is refused; so is an expired one
    granted.tool.is_active = False
    granted.tool.save()
    with pytest.raises(token.TokenError) as refused:
        token.authenticate(request)
    assert refused.value.status == 401
    granted.tool.is_active = True
    granted.tool.save()
    later = timezone.now() + datetime.timedelta(seconds=token.TOKEN_SECONDS + 1)
    with pytest.raises(token.TokenError):
        token.authenticate(request, now=later)
    wrong = client.get("/", HTTP_AUTHORIZATION="Bearer not-a-token").wsgi_request
    with pytest.raises(token.TokenError):
        token.authenticate(wrong)


def test_the_issuer_is_accepted_as_audience_too(client, granted) -> None:
    signed, _jti = assertion(granted.tool, granted.key.key, aud=[token.claims.issuer()])
    assert ask(client, signed).status_code == 200


def test_an_expired_assertion_is_refused(client, granted) -> None:
    now = int(time.time())
    signed, _jti = assertion(granted.tool, granted.key.key, iat=now - 120, exp=now - 60)
    answer = ask(client, signed)
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"
    assert "expired" in answer.json()["error_description"]
    # an assertion without exp, or living for a day, neither
    for exp in (None, now + 86400):
        signed, _jti = assertion(granted.tool, granted.key.key, exp=exp)
        assert ask(client, signed).json()["error"] == "invalid_grant"
    assert not ServiceToken.objects.exists()


def test_a_wrong_audience_is_refused(client, granted) -> None:
    for aud in ("https://elsewhere.example.org/token", None):
        signed, _jti = assertion(granted.tool, granted.key.key, aud=aud)
        answer = ask(client, signed)
        assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"
    assert not ServiceToken.objects.exists()


def test_a_replayed_jti_is_refused(client, granted) -> None:
    signed, _jti = assertion(granted.tool, granted.key.key)
    assert ask(client, signed).status_code == 200
    again = ask(client, signed)
    assert again.status_code == 400
    assert again.json() == {
        "error": "invalid_grant",
        "error_description": "The client assertion was used before.",
    }
    assert ServiceToken.objects.count() == 1
    # without a jti at all: refused
    signed, _jti = assertion(granted.tool, granted.key.key, jti=None)
    assert ask(client, signed).json()["error"] == "invalid_grant"


def test_a_used_jti_is_forgotten_once_its_assertion_expired(client, granted) -> None:
    signed, jti = assertion(granted.tool, granted.key.key)
    assert ask(client, signed).status_code == 200
    UsedAssertion.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    other, _jti = assertion(granted.tool, granted.key.key)
    assert ask(client, other).status_code == 200
    assert not UsedAssertion.objects.filter(jti=jti).exists()


def test_a_wrong_key_is_refused(client, granted) -> None:
    stranger = jwk.JWK.generate(kty="RSA", size=2048, kid="tool-key-1")  # same kid, other key
    signed, _jti = assertion(granted.tool, stranger)
    answer = ask(client, signed)
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"
    assert answer["WWW-Authenticate"].startswith("Bearer")
    # an unknown kid makes the platform fetch the key set again (a rotated key), then refuse
    unknown, _jti = assertion(granted.tool, stranger, kid="rotated")
    assert ask(client, unknown).status_code == 401
    assert len(granted.key.fetches) == 2
    assert not ServiceToken.objects.exists()


def test_unknown_or_disabled_tools_and_wrong_subjects_are_refused(client, granted) -> None:
    tool = granted.tool
    signed, _jti = assertion(tool, granted.key.key, iss="someone-else", sub="someone-else")
    assert ask(client, signed).status_code == 401
    signed, _jti = assertion(tool, granted.key.key, sub="someone-else")
    assert ask(client, signed).json()["error"] == "invalid_client"
    tool.is_active = False
    tool.save()
    signed, _jti = assertion(tool, granted.key.key)
    assert ask(client, signed).status_code == 401
    assert ask(client, "not.a.jwt").status_code == 401


def test_scopes_are_narrowed_to_what_the_tool_is_granted(client, granted) -> None:
    tool = granted.tool
    signed, _jti = assertion(tool, granted.key.key)
    answer = ask(client, signed, scope=f"{SCORE} {MEMBERS} https://example.org/other")
    assert answer.status_code == 200
    assert answer.json()["scope"] == SCORE  # members not granted, the unknown one ignored
    assert ServiceToken.objects.get().scopes == [SCORE]
    # asking only for what is not granted: invalid_scope, nothing issued
    signed, _jti = assertion(tool, granted.key.key)
    refused = ask(client, signed, scope=MEMBERS)
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_scope"
    assert ServiceToken.objects.count() == 1
    # no scope asked for: everything granted
    tool.may_read_members = True
    tool.save()
    signed, _jti = assertion(tool, granted.key.key)
    everything = ask(client, signed, scope="").json()["scope"].split()
    assert set(everything) == {*token.AGS_SCOPES, MEMBERS}


def test_the_grant_and_assertion_type_are_checked(client, granted) -> None:
    signed, _jti = assertion(granted.tool, granted.key.key)
    answer = ask(client, signed, grant_type="authorization_code")
    assert answer.status_code == 400 and answer.json()["error"] == "unsupported_grant_type"
    answer = ask(client, signed, client_assertion_type="urn:other")
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_client"
    assert client.get(URL).status_code == 405
