"""What every page and socket of a signed-in user passes first: a temporary password is changed
before anything else (``must_change_password_first``, the one rule, asked by the page middleware
and by the socket gate); the user's own language (``UserLanguageMiddleware``); and what every
page and download may leave behind in caches and allow the browser
(``PrivacyHeadersMiddleware``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation

from .models import User
from .views.login import LOGIN_METHOD_CARD

YOUTUBE = '"https://www.youtube-nocookie.com" "https://www.youtube.com"'
# What pages may ask of the browser: camera, microphone and screen sharing for live classes, from
# this site only; fullscreen, autoplay, protected media and picture-in-picture for the site and
# the YouTube lessons it embeds; the rest of what the platform never uses, refused to everyone.
PERMISSIONS_POLICY = ", ".join(
    [
        "camera=(self)",
        "microphone=(self)",
        "display-capture=(self)",
        f"fullscreen=(self {YOUTUBE})",
        f"autoplay=(self {YOUTUBE})",
        f"encrypted-media=(self {YOUTUBE})",
        f"picture-in-picture=(self {YOUTUBE})",
        *(
            f"{feature}=()"
            for feature in (
                "accelerometer",
                "geolocation",
                "gyroscope",
                "hid",
                "magnetometer",
                "midi",
                "payment",
                "publickey-credentials-get",
                "serial",
                "usb",
                "xr-spatial-tracking",
            )
        ),
    ]
)

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


class UserLanguageMiddleware:
    """A signed-in user's own language (``User.language``) over the browser's and the language
    cookie (``LocaleMiddleware``, before it, chose from those); blank follows them. The header's
    language switch (Django's ``set_language``) used by a signed-in user also becomes their own
    language, so the choice follows them to another device and into their e-mails."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        if request.method == "POST" and request.path == reverse("set_language"):
            chosen = request.POST.get("language", "")
            response = self.get_response(request)
            if chosen in dict(settings.LANGUAGES) and chosen != user.language:
                User.objects.filter(pk=user.pk).update(language=chosen)
                user.language = chosen
            return response
        if user.language and user.language != translation.get_language():
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
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


class PrivacyHeadersMiddleware:
    """Every response of the app (static files never get here: WhiteNoise, before it, answers
    them with their long cache) is kept out of every cache with ``Cache-Control: no-store``,
    unless its view chose its own caching (the manifest, the service worker, video segments and
    question images, which are ``private``): pages and downloads show grades, attendance, names
    and pay, and a shared school computer's browser cache must not keep them. Every response
    also carries ``Permissions-Policy``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Cache-Control" not in response:
            response["Cache-Control"] = "no-store"
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
