"""The LRS clients the office registers: outside programs that use /xapi/ with HTTP Basic (a key
and a secret), with the xAPI scopes they carry and, optionally, the schools whose statements
they may read. A secret is shown once, when made (registering, or a new secret): only its hash
is kept (``auth.make_secret``; ``auth`` checks it)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from openclass.accounts.capabilities import require_capability

from . import auth
from .models import Client


def _check_scopes(scopes: Iterable[str]) -> list[str]:
    chosen = [scope for scope in auth.SCOPES if scope in set(scopes)]
    if not chosen:
        raise ValidationError(_("Choose at least one scope."))
    unknown = set(scopes) - set(auth.SCOPES)
    if unknown:
        raise ValidationError(_("Unknown scopes: %(scopes)s") % {"scopes": ", ".join(unknown)})
    return chosen


def create_client(
    name: str, scopes: Iterable[str], schools: Iterable[Any], by: Any
) -> tuple[Client, str]:
    """Register an LRS client; the client and its secret (to show once, never kept)."""
    require_capability(by, "xapi.manage")
    chosen = _check_scopes(list(scopes))
    raw, hashed = auth.make_secret()
    with transaction.atomic():
        client = Client.objects.create(
            name=name.strip(),
            key=secrets.token_urlsafe(18),
            secret_hash=hashed,
            scopes=chosen,
            created_by=by,
        )
        client.schools.set(list(schools))
    return client, raw


def update_client(
    client: Client, name: str, scopes: Iterable[str], schools: Iterable[Any], by: Any
) -> Client:
    """Rename the client or change what it may do (its scopes, its schools); its key and secret
    stay, and the change holds from its next request."""
    require_capability(by, "xapi.manage")
    chosen = _check_scopes(list(scopes))
    with transaction.atomic():
        client.name = name.strip()
        client.scopes = chosen
        client.save(update_fields=["name", "scopes"])
        client.schools.set(list(schools))
    return client


def rotate_client_secret(client: Client, by: Any) -> str:
    """A new secret for the client (the old one stops working at once); the new one, to show
    once."""
    require_capability(by, "xapi.manage")
    raw, hashed = auth.make_secret()
    client.secret_hash = hashed
    client.save(update_fields=["secret_hash"])
    return raw


def set_client_active(client: Client, active: bool, by: Any) -> None:
    """Deactivate the client (its key is refused from the next request) or activate it again."""
    require_capability(by, "xapi.manage")
    client.is_active = active
    client.save(update_fields=["is_active"])
