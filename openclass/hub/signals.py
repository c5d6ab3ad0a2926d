"""What the login hub hears from the rest of Django: a failed sign-in to openclass's own login
form (or a login card) goes into the authentication log, with the user name typed — never the
password, which Django's signal has already masked and which is not read here at all."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver

from . import audit
from .models import AuthEvent

#: The longest user name kept in the log's detail (a user name field takes 150 characters).
TYPED_MAX = 150


@receiver(user_login_failed, dispatch_uid="hub.login_failed")
def record_failed_login(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    """Log the failure: the account the user name names (when one does), the user name as
    typed (cut to ``TYPED_MAX``), the address. Only the ``username`` key is read."""
    if "username" not in credentials:
        # Not a user name and password (an outside provider's callback): that sign-in
        # records its own event.
        return
    typed = str(credentials.get("username") or "")[:TYPED_MAX]
    user = get_user_model().objects.filter(username=typed).only("pk").first() if typed else None
    audit.record(AuthEvent.Kind.LOGIN_FAILED, request=request, user=user, detail=typed)
