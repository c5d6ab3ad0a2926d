"""Recording an authentication event: the one call every part of the login hub and the Open API
uses, so the office's search sees them all in one place (``hub.AuthEvent``)."""

from __future__ import annotations

from typing import Any

from axes.helpers import get_client_ip_address
from django.http import HttpRequest

from .models import AuthEvent, Site


def record(
    kind: str,
    *,
    request: HttpRequest | None = None,
    user: Any = None,
    site: Site | None = None,
    detail: str = "",
) -> AuthEvent:
    """Log ``kind`` (an ``AuthEvent.Kind``). ``user`` defaults to the request's signed-in user;
    the address is the request's (through the proxies axes is told of). ``detail`` says what was
    asked for or read — never a password, token or secret."""
    address = None
    if request is not None:
        address = getattr(request, "axes_ip_address", None) or get_client_ip_address(request)
        if user is None and getattr(request, "user", None) is not None:
            user = request.user if request.user.is_authenticated else None
    return AuthEvent.objects.create(
        kind=kind,
        user_id=getattr(user, "pk", user),
        site=site,
        detail=detail[:255],
        address=address or None,
    )
