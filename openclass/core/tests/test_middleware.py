"""A NUL in a query string or form field is refused before any view (PostgreSQL cannot compare
text holding one: a search for ``?q=%00`` was a 500 there)."""

from __future__ import annotations

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_a_nul_in_the_query_or_a_form_is_a_400(client) -> None:
    login = reverse("accounts:login")
    assert client.get(login, {"next": "/"}).status_code == 200
    assert client.get(login, {"next": "/\x00"}).status_code == 400
    assert client.get(f"{login}?q%00=1").status_code == 400
    assert client.post(login, {"username": "a\x00b", "password": "x"}).status_code == 400
    assert client.post(login, {"username": "ab", "password": "x"}).status_code == 200
