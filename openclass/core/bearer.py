"""The OAuth2 access token a request bears (``Authorization: Bearer``), checked by
django-oauth-toolkit's own rules, for every area that takes one (the learning record store, the
Open API). Here, below the areas, so that each can use it; the tokens themselves are the login
hub's (``hub.validator`` reads them)."""

from __future__ import annotations

from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest
from oauth2_provider.oauth2_backends import get_oauthlib_core

from .runtime import runtime


class _ResourceServer:
    """django-oauth-toolkit's ``OAuthLibCore`` for checking Bearer tokens, built once per
    process (and again when the ``OAUTH2_PROVIDER`` settings change, in tests).

    Why: ``get_oauthlib_core()`` builds an oauthlib ``Server`` with every grant type and
    endpoint at each call: some 115 objects in reference cycles for each API request, which
    the garbage collector freed in pauses of 10–40 ms every 3 s under bench/xapi's load (and
    110–260 ms each time it went through the older generation). Checking a token keeps nothing
    in it: oauthlib makes a ``Request`` of its own for each call, and the validator keeps what
    it reads on that ``Request`` (django-oauth-toolkit's own views keep theirs likewise,
    ``OAuthLibMixin.get_oauthlib_core``)."""

    def __init__(self) -> None:
        self.core: Any = None

    def reset(self) -> None:
        self.core = None

    def get(self) -> Any:
        if self.core is None:
            self.core = get_oauthlib_core()
        return self.core


_resource_server = runtime.register("core.bearer", _ResourceServer())


@receiver(setting_changed)
def _oauth2_settings_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == "OAUTH2_PROVIDER":
        _resource_server.reset()


def bearer_token(request: HttpRequest) -> Any:
    """The valid access token ``request`` bears (``Authorization: Bearer``), or None:
    django-oauth-toolkit's own checks (unknown, expired or revoked; its site disabled)."""
    valid, oauth_request = _resource_server.get().verify_request(request, scopes=[])
    token = getattr(oauth_request, "access_token", None)
    return token if valid else None
