"""Signing in through the outside provider (``hub.outside``): the button's address sends the
browser there, the provider sends it back to the callback, and a login that found no account
ends on a page saying why and what to do. Every address is a 404 while outside sign-in is off.

The callback is mozilla-django-oidc's, with one difference: it asks our backend directly rather
than ``django.contrib.auth.authenticate``, which would hand the provider's answer to the
password backends too and count an unmatched outside login as a failed password at the
address — after five, a whole school behind one NAT address could no longer sign in at all
(django-axes locks user name "none" at that address).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.generic import View
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from .. import audit, outside
from ..models import AuthEvent
from ..outside import Failure

SESSION_FAILURE = "outside_failure"


def _require_enabled() -> None:
    if not outside.enabled():
        raise Http404


def fail(request: HttpRequest, failure: Failure) -> HttpResponse:
    """Log the failure and send the browser to the page that explains it."""
    if failure.unmatched:
        audit.record(AuthEvent.Kind.OUTSIDE_UNMATCHED, request=request, detail=failure.value)
    else:
        audit.record(
            AuthEvent.Kind.LOGIN_FAILED,
            request=request,
            detail=f"outside sign-in: {failure.reason} {failure.value}".strip(),
        )
    request.session[SESSION_FAILURE] = {"reason": failure.reason, "value": failure.value}
    return redirect("hub:outside_failed")


class OutsideLoginView(OIDCAuthenticationRequestView):
    """The login page's button: to the provider, with state, nonce and PKCE (S256)."""

    get_settings = staticmethod(outside.setting)

    def __init__(self, **kwargs: Any) -> None:
        # Not the parent's, which reads the endpoint before the view knows whether it is on.
        View.__init__(self, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        _require_enabled()
        try:
            self.OIDC_OP_AUTH_ENDPOINT = outside.setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except outside.Unavailable:
            return fail(request, Failure(Failure.UNAVAILABLE, "discovery"))
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        return super().get(request)


class OutsideCallbackView(OIDCAuthenticationCallbackView):
    """The provider's answer: the code exchanged, the ID token checked, the account matched."""

    get_settings = staticmethod(outside.setting)

    def get(self, request: HttpRequest) -> HttpResponse:
        _require_enabled()
        states = request.session.get("oidc_states")
        state = request.GET.get("state", "")
        entry = states.pop(state, None) if isinstance(states, dict) and state else None
        if entry is not None:
            # Used once, as the parent does (no replay), and saved before the slow exchange;
            # the session is then read again, so what parallel tabs wrote meanwhile is kept.
            request.session["oidc_states"] = states
            request.session.save()
            request.session = request.session.__class__(request.session.session_key)
        if error := request.GET.get("error"):
            return fail(request, Failure(Failure.REFUSED, error[:40]))
        if entry is None or not request.GET.get("code"):
            return fail(request, Failure(Failure.EXPIRED))
        user = outside.OutsideBackend().authenticate(
            request, nonce=entry.get("nonce"), code_verifier=entry.get("code_verifier")
        )
        if user is None or not user.is_active:
            return fail(request, outside.failure_of(request) or Failure(Failure.FAILED))
        user.backend = outside.BACKEND
        self.user = user
        return self.login_success()

    def login_success(self) -> HttpResponse:
        response = super().login_success()
        session = self.request.session
        session["login_method"] = outside.LOGIN_METHOD
        # Like an unticked "keep me signed in": the session ends with the browser (a computer
        # room's shared PC). The provider's own session brings the person back in one click.
        session.set_expiry(0)
        return response


def outside_failed(request: HttpRequest) -> HttpResponse:
    """Why the outside login did not sign anyone in, and what to do."""
    _require_enabled()
    failure = request.session.get(SESSION_FAILURE) or {}
    reason = failure.get("reason", Failure.FAILED)
    return render(
        request,
        "hub/outside_unmatched.html",
        {
            "reason": reason,
            "value": failure.get("value", ""),
            "claim": settings.OUTSIDE_OIDC_MATCH_CLAIM,
            "provider_name": settings.OUTSIDE_OIDC_NAME,
            "unmatched": reason in {Failure.UNMATCHED, Failure.NO_CLAIM},
            "ambiguous": reason == Failure.AMBIGUOUS,
            "refused": reason == Failure.REFUSED,
            "unavailable": reason == Failure.UNAVAILABLE,
        },
    )
