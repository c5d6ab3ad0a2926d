"""The failed-login budget of one address across accounts (issue 15, 1h): spraying one password
over many user names from one address is locked out at the budget; successful logins are not
counted, and other addresses are not touched."""

from __future__ import annotations

import pytest
from django.urls import reverse

from openclass.accounts.tests.fixtures import PASSWORD, City

LOGIN = reverse("accounts:login")
SPRAYER = "203.0.113.9"
BUDGET = 6


@pytest.fixture(autouse=True)
def small_budget(settings) -> None:
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = BUDGET


def login(client, username: str, password: str, address: str = SPRAYER):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_one_address_failing_over_many_accounts_is_locked_out_at_the_budget(
    client, city: City
) -> None:
    north = city.north
    # Each name fails once only: far below the lock of one account (5).
    for n in range(BUDGET - 1):
        assert login(client, f"student{n:04d}", "Spring2026!").status_code == 200
    # Successful logins in between are not counted.
    for student in (north.student_a1, north.student_a2, north.student_b1):
        assert login(client, student.username, PASSWORD).status_code == 302
        client.logout()
    spent = login(client, f"student{BUDGET:04d}", "Spring2026!")
    assert spent.status_code == 429  # the same lockout page as an account's
    assert spent.context["lockout_message"]
    # From that address nobody gets in now, even with the right password ...
    assert login(client, north.student_a1.username, PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session
    # ... and the rest of the city, from its own addresses, is not touched.
    assert login(client, north.student_a1.username, PASSWORD, "10.9.8.7").status_code == 302


def test_typos_followed_by_a_login_do_not_spend_the_budget(client, city: City) -> None:
    """A school behind one address: each student mistypes, then gets in; the success takes
    their typos off the address's count."""
    north = city.north
    students = [north.student_a1, north.student_a2, north.student_b1, north.homeroom_a]
    for _morning in range(2):
        for student in students:
            assert login(client, student.username, "typo").status_code == 200
            assert login(client, student.username, PASSWORD).status_code == 302
            client.logout()
    # 8 typos from one address, more than the budget, and nobody is locked out.
    assert login(client, north.student_a1.username, PASSWORD).status_code == 302
