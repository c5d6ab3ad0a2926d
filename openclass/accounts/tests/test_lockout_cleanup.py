"""A successful login deletes axes's failed attempts only when there are some: with none anywhere
(a school's 9 o'clock), it opens no transaction for them, which on SQLite would wait for the
database's one writer (``accounts.lockout.AddressBudgetHandler``)."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from axes.models import AccessAttempt
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone

from openclass.accounts.lockout import AddressBudgetHandler

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ADDRESS = "198.51.100.7"


def login_request(username: str):
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR=ADDRESS)
    request.axes_ip_address = ADDRESS
    request.axes_user_agent = "pytest"
    request.axes_path_info = request.path
    request.axes_attempt_time = timezone.now()
    request.axes_credentials = {"username": username}
    return request


def failure(username: str, minutes_ago: float) -> AccessAttempt:
    attempt = AccessAttempt.objects.create(
        username=username,
        ip_address=ADDRESS,
        user_agent="pytest",
        get_data="",
        post_data="",
        http_accept="*/*",
        path_info="/accounts/login/",
        failures_since_start=1,
    )
    # attempt_time is set on creation (auto_now_add): moved back afterwards.
    at = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=at)
    return attempt


def transactions_opened(work) -> int:
    """How many transactions ``work()`` began on the default database (each a writer's turn
    on SQLite)."""
    with mock.patch.object(connection, "set_autocommit", wraps=connection.set_autocommit) as spy:
        work()
    return sum(1 for call in spy.call_args_list if call.args and call.args[0] is False)


def test_with_no_failures_anywhere_nothing_is_deleted_and_no_transaction_opened() -> None:
    handler = AddressBudgetHandler()
    request = login_request("north-0001")

    def clean_and_reset() -> None:
        assert handler.clean_expired_user_attempts(request, request.axes_credentials) == 0
        assert handler.reset_user_attempts(request, request.axes_credentials) == 0

    assert transactions_opened(clean_and_reset) == 0


def test_expired_failures_and_the_accounts_own_are_still_deleted() -> None:
    handler = AddressBudgetHandler()
    request = login_request("north-0001")
    expired = failure("someone-else", minutes_ago=60)  # past the 15-minute cool-off
    recent_other = failure("north-0002", minutes_ago=1)
    own = failure("north-0001", minutes_ago=1)
    assert handler.clean_expired_user_attempts(request, request.axes_credentials) == 1
    assert handler.reset_user_attempts(request, request.axes_credentials) == 1
    remaining = set(AccessAttempt.objects.values_list("pk", flat=True))
    assert remaining == {recent_other.pk}
    assert expired.pk not in remaining and own.pk not in remaining
