"""The keys that sign the ID tokens, kept in the database (``hub.SigningKey``) so every server
process signs with the same one and a rotation needs no restart or deploy.

The newest unretired key signs (one is made on first need: RSA 2048). ``rotate()`` makes a new
key the signing one and retires the old; a retired key stays published in the JWKS until every
token it could have signed has expired — ``retired_at`` plus the longer of the ID token's and
the access token's lifetime — and ``prune()`` then deletes it (``manage.py rotate_signing_key
--prune`` and a nightly task). A key's ``kid`` is its RFC 7638 thumbprint, which is what
django-oauth-toolkit writes in the header of the tokens it signs.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from jwcrypto import jwk
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.utils import jwk_from_pem

from .models import SigningKey, newest_signing_key

KEY_SIZE = 2048


def published_lifetime() -> timedelta:
    """How long a retired key stays published: the longest any token it signed may live."""
    return timedelta(
        seconds=max(
            oauth2_settings.ID_TOKEN_EXPIRE_SECONDS, oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS
        )
    )


def _new_key() -> SigningKey:
    key = jwk.JWK.generate(kty="RSA", size=KEY_SIZE)
    pem = key.export_to_pem(private_key=True, password=None).decode("ascii")
    return SigningKey.objects.create(kid=key.thumbprint(), private_pem=pem)


def active_key() -> SigningKey:
    """The key that signs now: the newest unretired one, made if there is none."""
    key = newest_signing_key()
    if key is not None:
        return key
    with transaction.atomic():
        # Two processes signing their first token at once may each make one; the newer signs
        # and both are published, so either's tokens verify.
        return _new_key()


def jwk_of(key: SigningKey) -> jwk.JWK:
    """The key as jwcrypto's JWK (parsed once per process: django-oauth-toolkit caches it)."""
    return jwk_from_pem(key.private_pem)


def active_jwk() -> jwk.JWK:
    return jwk_of(active_key())


def published_keys(now: datetime | None = None) -> list[SigningKey]:
    """The keys the JWKS lists: the signing key and the retired keys whose tokens may still be
    alive, newest first."""
    now = now or timezone.now()
    keys = SigningKey.objects.filter(retired_at__isnull=True) | SigningKey.objects.filter(
        retired_at__gt=now - published_lifetime()
    )
    return list(keys.order_by("-created_at", "-pk"))


def published_jwk(kid: str) -> jwk.JWK | None:
    """The published key named ``kid`` (a token's header), or None: a pruned or unknown key
    verifies nothing."""
    for key in published_keys():
        if key.kid == kid:
            return jwk_of(key)
    return None


def rotate() -> SigningKey:
    """Make a new signing key and retire the ones before it; returns the new key."""
    with transaction.atomic():
        now = timezone.now()
        SigningKey.objects.select_for_update().filter(retired_at__isnull=True).update(
            retired_at=now
        )
        return _new_key()


def prune(now: datetime | None = None) -> int:
    """Delete the retired keys no live token can have been signed with; returns how many."""
    now = now or timezone.now()
    deleted, _ = SigningKey.objects.filter(retired_at__lte=now - published_lifetime()).delete()
    return deleted
