from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from .models import User
from .services.credentials import authenticate_login_card


class LoginCardBackend(ModelBackend):
    """Signs a young student in with the token of their QR login card plus their short PIN.

    The username is passed too, so django-axes counts failed PINs per account and address exactly
    as it counts failed passwords.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        *,
        card_token: str | None = None,
        pin: str | None = None,
        **kwargs,
    ) -> User | None:
        if not card_token or pin is None:
            return None
        user = authenticate_login_card(card_token, pin)
        if user is None or user.username != username or not self.user_can_authenticate(user):
            return None
        return user
