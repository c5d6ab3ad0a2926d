"""How the sites' client secrets are stored: hashed, but fast.

A person's password is short and chosen by a person, so it is stretched (Argon2id, ~35 ms). A
site's client secret is long and random, made by openclass (``hub.services.new_secret``: about
340 bits), so no guess can find it and stretching buys nothing — yet django-oauth-toolkit checks
it on every token and refresh request, where Argon2 was 40 % of the token endpoint's time
(bench/oidc_storm). One salted SHA-256 keeps a database leak from handing out usable secrets.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING, Any

from django.contrib.auth.hashers import BasePasswordHasher, mask_hash
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_noop

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise


class MachineSecretHasher(BasePasswordHasher):
    """``sha256_secret$<salt>$<hex digest>`` of a machine-made secret. Never for passwords:
    ``PASSWORD_HASHERS`` lists it last, so Django hashes no password with it."""

    algorithm = "sha256_secret"

    def encode(self, password: str, salt: str) -> str:
        if password is None or not salt or "$" in salt:
            raise ValueError("a secret and a salt without '$' are needed")
        digest = hmac.new(salt.encode(), password.encode(), hashlib.sha256).hexdigest()
        return f"{self.algorithm}${salt}${digest}"

    def decode(self, encoded: str) -> dict[str, Any]:
        algorithm, salt, digest = encoded.split("$", 2)
        assert algorithm == self.algorithm
        return {"algorithm": algorithm, "hash": digest, "salt": salt}

    def verify(self, password: str, encoded: str) -> bool:
        decoded = self.decode(encoded)
        return constant_time_compare(encoded, self.encode(password, decoded["salt"]))

    def safe_summary(self, encoded: str) -> dict[str | StrPromise, Any]:
        decoded = self.decode(encoded)
        return {
            gettext_noop("algorithm"): decoded["algorithm"],
            gettext_noop("salt"): mask_hash(decoded["salt"], show=2),
            gettext_noop("hash"): mask_hash(decoded["hash"]),
        }

    def harden_runtime(self, password: str, encoded: str) -> None:
        pass
