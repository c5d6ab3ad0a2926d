"""Personal access tokens: made, listed and revoked by their owner only."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from openclass.accounts.capabilities import require_capability
from openclass.accounts.models import User

from .auth import PERSONAL_PREFIX, digest, new_personal_token
from .models import PersonalAccessToken
from .scopes import API_SCOPES

#: How many live tokens one person may hold.
MAX_TOKENS = 20


def tokens_of(user: User) -> QuerySet[PersonalAccessToken]:
    return PersonalAccessToken.objects.filter(user=user)


def create_token(
    user: User, name: str, scopes: Iterable[str], expires_at: datetime | None = None
) -> tuple[PersonalAccessToken, str]:
    """A new token of ``user``: the row, and the token itself (shown once, never kept)."""
    require_capability(user, "api.personal_tokens")
    chosen = [scope for scope in API_SCOPES if scope in set(scopes)]
    if not chosen:
        raise ValidationError({"scopes": _("Choose at least one scope.")})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("The expiry date must be in the future.")})
    live = tokens_of(user).filter(revoked_at__isnull=True).count()
    if live >= MAX_TOKENS:
        raise ValidationError(
            _("You have %(count)s tokens; revoke one before making another.") % {"count": live}
        )
    raw = new_personal_token()
    token = PersonalAccessToken.objects.create(
        user=user,
        name=name.strip()[:80],
        scopes=" ".join(chosen),
        digest=digest(raw),
        prefix=raw[: len(PERSONAL_PREFIX) + 6],
        expires_at=expires_at,
    )
    return token, raw


def revoke_token(user: User, pk: int) -> PersonalAccessToken:
    """Revoke one of ``user``'s own tokens; another's is a 404 (its existence not told)."""
    require_capability(user, "api.personal_tokens")
    token = tokens_of(user).filter(pk=pk).first()
    if token is None:
        raise Http404
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
