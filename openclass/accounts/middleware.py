"""What every page and socket of a signed-in user passes first: a temporary password is changed
before anything else (``must_change_password_first``, the one rule, asked by the page middleware
and by the socket gate)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from .views.login import LOGIN_METHOD_CARD

# The sockets' code for "not signed in" (the consumers' CLOSE_UNAUTHENTICATED): the pages take
# it as final and do not reconnect.
CLOSE_UNAUTHENTICATED = 4401


def must_change_password_first(user: Any, session: Any) -> bool:
    """Whether this user must change a temporary (first-login or reset) password before using
    anything else: pages send them to the change form, sockets refuse them."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.must_change_password
        # A young child signing in with a QR card and PIN never types a password.
        and (session is None or session.get("login_method") != LOGIN_METHOD_CARD)
    )


class ForcePasswordChangeMiddleware:
    """Sends a user with a temporary (first-login or reset) password to the change form first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if must_change_password_first(getattr(request, "user", None), request.session):
            change_url = reverse("accounts:password_change")
            allowed = (
                change_url,
                reverse("accounts:logout"),
                reverse("set_language"),
                settings.STATIC_URL,
                "/manifest.webmanifest",
                "/sw.js",
            )
            if not request.path.startswith(allowed):
                return redirect(f"{change_url}?next={request.get_full_path()}")
        return self.get_response(request)


class PasswordChangeGate:
    """The same rule for every WebSocket: an ASGI middleware inside Channels'
    ``AuthMiddlewareStack`` (which has put the user and the loaded session in the scope), around
    the socket routes (``openclass.asgi``). A user who must change their password first is
    accepted and at once closed with 4401, as the consumers close anonymous users: a refused
    handshake would reach the page as 1006, and the page would try again."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> Any:
        if must_change_password_first(scope.get("user"), scope.get("session")):
            message = await receive()
            if message["type"] == "websocket.connect":
                await send({"type": "websocket.accept"})
                await send({"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED})
            return None
        return await self.inner(scope, receive, send)
