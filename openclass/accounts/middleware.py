from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse


class ForcePasswordChangeMiddleware:
    """Sends a user with a temporary (first-login or reset) password to the change form first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.must_change_password
            # A young child signing in with a QR card and PIN never types a password.
            and request.session.get("login_method") != "card"
        ):
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
