"""The signing keys: made on first need, published in the JWKS, rotated without breaking the
tokens the old key signed, and pruned once those have expired."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from jwcrypto import jwk, jwt
from jwcrypto.common import JWException

from openclass.hub import keys
from openclass.hub.models import SigningKey
from openclass.hub.validator import Validator

from .fixtures import authorize_url, code_from, exchange

pytestmark = pytest.mark.django_db


def jwks(client: Client) -> jwk.JWKSet:
    response = client.get("/o/.well-known/jwks.json")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    body = response.json()
    for key in body["keys"]:
        assert key["alg"] == "RS256" and key["use"] == "sig" and key["kty"] == "RSA"
        assert "d" not in key and "p" not in key, "a private part is published"
    return jwk.JWKSet.from_json(json.dumps(body))


def id_token_of(client: Client, site, user) -> str:
    client.force_login(user)
    url, auth = authorize_url(site, scope="openid")
    response = client.get(url)
    assert response.status_code == 302, response.content
    token = exchange(Client(), auth, code_from(response["Location"], auth))
    assert token.status_code == 200, token.content
    return token.json()["id_token"]


def verifies(token: str, keyset: jwk.JWKSet) -> bool:
    try:
        jwt.JWT(jwt=token, key=keyset)
    except JWException:
        return False
    return True


def test_the_first_key_is_made_on_first_need_and_published() -> None:
    assert not SigningKey.objects.exists()
    published = jwks(Client())
    [key] = SigningKey.objects.all()
    assert key.retired_at is None
    assert [k.get("kid") for k in published["keys"]] == [key.kid]
    assert keys.active_key() == key
    # The kid is the key's thumbprint, which django-oauth-toolkit puts in the token's header.
    assert key.kid == keys.jwk_of(key).thumbprint()


def test_a_token_signed_by_the_retired_key_verifies_until_the_key_is_pruned(
    city, trusted_site
) -> None:
    token = id_token_of(Client(), trusted_site, city.north.student_a1)
    old = SigningKey.objects.get()
    assert jwt.JWT(jwt=token, key=jwks(Client())).token.jose_header["kid"] == old.kid

    new = keys.rotate()
    old.refresh_from_db()
    assert old.retired_at is not None and new.retired_at is None
    assert keys.active_key() == new
    published = jwks(Client())
    assert {k.get("kid") for k in published["keys"]} == {old.kid, new.kid}
    assert verifies(token, published)
    # As an id_token_hint (RP-initiated logout), through the validator.
    assert Validator()._load_id_token(token) is not None

    # New tokens are signed by the new key.
    fresh = id_token_of(Client(), trusted_site, city.north.student_a2)
    assert jwt.JWT(jwt=fresh, key=published).token.jose_header["kid"] == new.kid

    # Not pruned while a token it signed may be alive…
    assert keys.prune() == 0
    # …pruned once they all have expired.
    SigningKey.objects.filter(pk=old.pk).update(
        retired_at=timezone.now() - keys.published_lifetime() - timedelta(seconds=1)
    )
    assert {k.get("kid") for k in jwks(Client())["keys"]} == {new.kid}
    assert keys.prune() == 1
    assert list(SigningKey.objects.all()) == [new]
    assert not verifies(token, jwks(Client()))
    assert Validator()._load_id_token(token) is None
    assert verifies(fresh, jwks(Client()))


def test_the_published_lifetime_is_the_longest_token_lifetime(settings) -> None:
    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER,
        "ID_TOKEN_EXPIRE_SECONDS": 600,
        "ACCESS_TOKEN_EXPIRE_SECONDS": 7200,
    }
    assert keys.published_lifetime() == timedelta(seconds=7200)
    old = keys.active_key()
    keys.rotate()
    SigningKey.objects.filter(pk=old.pk).update(retired_at=timezone.now() - timedelta(seconds=3600))
    assert keys.prune() == 0, "pruned while an access token it covers may be alive"
    SigningKey.objects.filter(pk=old.pk).update(retired_at=timezone.now() - timedelta(seconds=7201))
    assert keys.prune() == 1


def test_the_command_rotates_and_prunes() -> None:
    first = keys.active_key()
    out = StringIO()
    call_command("rotate_signing_key", stdout=out)
    second = keys.active_key()
    assert second != first and f"signing with {second.kid}" in out.getvalue()
    SigningKey.objects.filter(pk=first.pk).update(retired_at=timezone.now() - timedelta(days=2))
    out = StringIO()
    call_command("rotate_signing_key", "--prune", stdout=out)
    assert "pruned 1" in out.getvalue()
    assert list(SigningKey.objects.all()) == [second]


def test_the_nightly_task_prunes(huey_immediate) -> None:
    from openclass.hub.tasks import prune_signing_keys_task

    first = keys.active_key()
    keys.rotate()
    SigningKey.objects.filter(pk=first.pk).update(retired_at=timezone.now() - timedelta(days=2))
    prune_signing_keys_task.call_local()
    assert not SigningKey.objects.filter(pk=first.pk).exists()
    assert SigningKey.objects.count() == 1
