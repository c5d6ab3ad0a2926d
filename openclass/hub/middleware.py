"""The sign-in page on the way to a site: its form's ``form-action`` lets the redirect chain reach
the site.

Chromium applies CSP's ``form-action 'self'`` to every redirect after a form's POST, so a person
who signs in on the way from a site (``/accounts/login/?next=/o/authorize/?…``) would be stopped
at the last redirect, to the site's registered address with the code. The login page belongs to
``accounts``, which sits below the hub and cannot ask it about sites: this middleware adds the
origin of the authorization's redirect URI to that page's ``form-action`` — only for an active
site and an address it registered (``redirect_uri_allowed``), so it widens nothing else."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs, urlparse

from django.http import HttpRequest, HttpResponseBase
from django.urls import NoReverseMatch, reverse

from .models import site_by_client_id

#: The login page's view name (``accounts.urls``).
LOGIN = "accounts:login"
#: The attribute django-csp's middleware reads (see ``openclass.core.csp``).
_CSP_UPDATE = "_csp_update"


def authorization_origin(url: str) -> str | None:
    """The origin of the registered redirect URI an authorization URL (``/o/authorize/?…``)
    will send its answer to, or None when it names no active site or an unregistered address."""
    try:
        authorize_path = reverse("oauth2_provider:authorize")
    except NoReverseMatch:
        return None
    parsed = urlparse(url)
    if parsed.scheme or parsed.netloc or parsed.path != authorize_path:
        return None
    query = parse_qs(parsed.query)
    client_id = (query.get("client_id") or [""])[0]
    if not client_id:
        return None
    site = site_by_client_id(client_id, active=True)
    if site is None:
        return None
    redirect_uri = (query.get("redirect_uri") or [""])[0]
    if not redirect_uri:
        uris = site.redirect_uris.split()
        redirect_uri = uris[0] if len(uris) == 1 else ""
    if not redirect_uri or not site.redirect_uri_allowed(redirect_uri):
        return None
    target = urlparse(redirect_uri)
    return f"{target.scheme}://{target.netloc}"


def allow_form_action(response: HttpResponseBase, origin: str) -> None:
    """Add ``origin`` to this response's ``form-action``, keeping what a view already added."""
    update = dict(getattr(response, _CSP_UPDATE, None) or {})
    update["form-action"] = [*update.get("form-action", []), origin]
    setattr(response, _CSP_UPDATE, update)


class SignInOnTheWayToASiteMiddleware:
    """On the login page, a ``next`` that is an authorization: let its form's redirect chain
    reach the site (see the module's docstring). Must sit after django-csp's middleware in
    MIDDLEWARE (its response is seen first)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        match = request.resolver_match
        if response.status_code == 200 and match is not None and match.view_name == LOGIN:
            following = request.GET.get("next") or request.POST.get("next") or ""
            origin = authorization_origin(following) if following else None
            if origin:
                allow_form_action(response, origin)
        return response
