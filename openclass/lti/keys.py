"""A tool's public keys, fetched from its JWKS URL (httpx, a short timeout) and kept briefly in
this process, so a burst of deep-linking returns or token requests fetches once. A token whose
``kid`` is not in the cached set fetches again once (the tool may have rotated its key)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from jwcrypto import jwk

from openclass.core.runtime import runtime

from .models import Tool

#: How long a fetched key set is used before fetching again.
CACHE_SECONDS = 300
TIMEOUT_SECONDS = 5.0


@dataclass
class _Cached:
    url: str
    fetched_at: float
    keys: jwk.JWKSet


class _KeySets:
    def __init__(self) -> None:
        self.sets: dict[int, _Cached] = {}

    def reset(self) -> None:
        self.sets.clear()


_cache = runtime.register("lti.tool_key_sets", _KeySets())


def _fetch(url: str) -> jwk.JWKSet:
    try:
        response = httpx.get(url, timeout=TIMEOUT_SECONDS, follow_redirects=False)
        response.raise_for_status()
        return jwk.JWKSet.from_json(response.text)
    except (httpx.HTTPError, ValueError, jwk.InvalidJWKValue) as error:
        raise ValidationError(
            _("The tool's key set could not be read from its JWKS URL.")
        ) from error


def tool_key_set(tool: Tool, *, kid: str | None = None) -> jwk.JWKSet:
    """The tool's key set: cached for ``CACHE_SECONDS``, fetched again when ``kid`` is not in it."""
    cached = _cache.sets.get(tool.pk)
    fresh = (
        cached is not None
        and cached.url == tool.jwks_url
        and time.monotonic() - cached.fetched_at < CACHE_SECONDS
    )
    if cached is not None and fresh and (kid is None or cached.keys.get_key(kid) is not None):
        return cached.keys
    keys = _fetch(tool.jwks_url)
    _cache.sets[tool.pk] = _Cached(tool.jwks_url, time.monotonic(), keys)
    return keys
