"""Failed-login limits: django-axes's lock of one (user name, address) pair, and a budget per
address across every account, so that one password tried over many predictable user names from
one address is slowed too (decision record 0001).

Both count failed attempts only, in the same store: axes's ``AccessAttempt`` rows in the
database, shared by every process. The address's count is the sum of its rows' failures within
the cool-off (15 minutes); a successful login adds nothing (and, with ``AXES_RESET_ON_SUCCESS``,
takes that account's earlier typos off the address's count). An address over its budget is
locked out as an account is, with the same page (``AXES_LOCKOUT_CALLABLE``), until its failures
age out of the cool-off.
"""

from __future__ import annotations

from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest

from openclass.core.db import CompiledQuery

#: Whether any failure is stored at all (a successful sign-in asks before cleaning up).
_ANY_ATTEMPT = CompiledQuery(lambda: AccessAttempt.objects.order_by().values_list("pk")[:1])


def address_failures(request: HttpRequest) -> int:
    """Failed logins from the request's address, over every account, within the cool-off."""
    address = getattr(request, "axes_ip_address", None)
    if not address:
        return 0
    recent = AccessAttempt.objects.filter(
        ip_address=address, attempt_time__gte=get_cool_off_threshold(request)
    )
    return recent.aggregate(total=Sum("failures_since_start"))["total"] or 0


def address_spent(request: HttpRequest) -> bool:
    return address_failures(request) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT


class AddressBudgetHandler(AxesDatabaseHandler):
    """axes's database handler (``AXES_HANDLER``), which also locks an address out once its
    failures over all accounts reach ``LOGIN_ADDRESS_FAILURE_LIMIT``."""

    def is_locked(self, request: HttpRequest, credentials: dict | None = None) -> bool:
        return bool(super().is_locked(request, credentials)) or address_spent(request)

    # A successful login (and a logout) asks axes to delete the expired failures and the
    # account's own. A delete opens a transaction even when it finds nothing, and on SQLite a
    # transaction that may write waits for the database's one writer: at 9 o'clock, with no
    # failures anywhere, every login queued twice for nothing. A read first (which never
    # waits) decides whether there is anything to delete.

    def clean_expired_user_attempts(
        self, request: HttpRequest | None = None, credentials: dict | None = None
    ) -> int:
        if not _ANY_ATTEMPT.rows():
            return 0
        return int(super().clean_expired_user_attempts(request, credentials))

    def reset_user_attempts(self, request: HttpRequest, credentials: dict | None = None) -> int:
        if not any(found.exists() for found in self.filter_user_attempts(request, credentials)):
            return 0
        return int(super().reset_user_attempts(request, credentials))

    def user_login_failed(
        self, sender: Any, credentials: dict, request: Any = None, **kwargs: Any
    ) -> None:
        super().user_login_failed(sender, credentials, request, **kwargs)
        if (
            request is None
            or getattr(request, "axes_locked_out", False)
            or self.is_whitelisted(request, credentials)
            or not address_spent(request)
        ):
            return
        # The failure that spent the address's budget gets the lockout page already.
        request.axes_locked_out = True
        request.axes_credentials = credentials
        user_locked_out.send(
            "axes",
            request=request,
            username=get_client_username(request, credentials),
            ip_address=request.axes_ip_address,
        )
