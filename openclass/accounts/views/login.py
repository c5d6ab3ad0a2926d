"""Signing in: with a user name and password, or a young student's QR login card and PIN;
changing the temporary password; the page django-axes shows after too many failures."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from ..forms import LoginCardPinForm, LoginForm
from ..services import credentials as services

LOGIN_METHOD_CARD = "card"


def outside_sign_in() -> str:
    """The outside provider's name for the login page's button, when outside sign-in is on
    (``hub.outside``; the button's address is ``hub:outside_login``); "" otherwise."""
    return settings.OUTSIDE_OIDC_NAME if settings.OUTSIDE_OIDC_ENABLED else ""


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "outside_sign_in": outside_sign_in()}

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        remember = form.cleaned_data.get("remember")
        self.request.session.set_expiry(settings.REMEMBERED_SESSION_AGE if remember else 0)
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("web:home")

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        user = self.request.user
        assert user.is_authenticated  # the view's dispatch is login_required
        services.complete_password_change(user)
        messages.success(self.request, _("Your password has been changed."))
        next_url = self.request.GET.get("next")
        # A path of this site only: not "//host", nor "/\host", which browsers read as "//host".
        if (
            next_url
            and next_url.startswith("/")
            and url_has_allowed_host_and_scheme(next_url, allowed_hosts=None)
        ):
            return redirect(next_url)
        return response


def lockout(request: HttpRequest, credentials: dict | None = None, *args, **kwargs) -> HttpResponse:
    """django-axes calls this once an account has failed too often from one address."""
    minutes = int(settings.AXES_COOLOFF_TIME * 60)
    return render(
        request,
        "accounts/login.html",
        {
            "form": LoginForm(request),
            "outside_sign_in": outside_sign_in(),
            "lockout_message": _(
                "Too many failed attempts. Wait %(minutes)d minutes and try again, "
                "or ask your teacher to reset your password."
            )
            % {"minutes": minutes},
        },
        status=429,
    )


def card_login(request: HttpRequest, token: str) -> HttpResponse:
    """The page a QR login card opens: the child sees their name and types their PIN."""
    card = services.find_login_card(token)
    if card is None:
        return render(request, "accounts/card_invalid.html", status=404)
    form = LoginCardPinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request, username=card.user.username, card_token=token, pin=form.cleaned_data["pin"]
        )
        if user is not None:
            login(request, user, backend="openclass.accounts.backends.LoginCardBackend")
            request.session["login_method"] = LOGIN_METHOD_CARD
            request.session.set_expiry(settings.REMEMBERED_SESSION_AGE)
            return redirect("web:home")
        if getattr(request, "axes_locked_out", False):
            return lockout(request)
        form.add_error("pin", _("That PIN is not right. Try again."))
    return render(request, "accounts/card_login.html", {"card_user": card.user, "form": form})
