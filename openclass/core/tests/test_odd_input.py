"""Odd input never ends in a 500: every URL pattern, with odd ids in its path and odd values in
its query string and form, as every role and as nobody (issue 15, 1e).

Ids go through ``openclass.core.params`` (the ``<id:…>`` converter, ``parse_id``/``parse_int``);
this walks what the URL configuration offers, so a new page is covered the day it is added.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from openclass.accounts.tests.fixtures import ROLES, City, person_of

#: In a path: a small id, the largest the converter takes, and what it must refuse.
PATH_VALUES = ("1", "999999999999999999", "²", "99999999999999999999")
#: In a query string and a form: every name a view reads numbers or ids from, odd values.
ODD = {
    "student": "²",
    "class": "99999999999999999999",
    "page": "-1",
    "month": "2026-²",
    "day": "٣",
    "id": ["²", "-5", "99999999999999999999", "1\x00"],
    "instructor": "²",
    "days": "٣",
    "q": "\x00",
    "state": "²",
    "topic": "\x00",
    "lesson": "²",
    "question": "²",
    "item": "²",
    "direction": "²",
    "position": "99999999999999999999",
    "score": "1e999",
    "points": "²",
    "value": "²",
    "next": "/\\evil.example",
}
SKIPPED = ("admin/", "i18n/", "accounts/logout/")


def _patterns(resolvers=None, prefix: str = "") -> list[str]:
    """Every route of the URL configuration as a template, e.g. ``courses/<id:pk>/``."""
    found = []
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver):
            found += _patterns(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            found.append(prefix + route)
    return [p for p in found if not p.startswith(SKIPPED) and not p.startswith("^")]


def _paths(template: str) -> list[str]:
    if "<" not in template:
        return ["/" + template]
    return ["/" + re.sub(r"<[^>]+>", value, template) for value in PATH_VALUES]


@pytest.mark.parametrize("who", ROLES)
def test_no_page_answers_odd_input_with_a_server_error(city: City, who: str) -> None:
    client = Client(raise_request_exception=False)
    person = person_of(city, who)
    if person is not None:
        client.force_login(person)
    failures = []
    for template in _patterns():
        for path in _paths(template):
            for method in ("get", "post"):
                response = getattr(client, method)(path, ODD)
                if response.status_code >= 500:
                    failures.append(f"{method.upper()} {path} as {who}: {response.status_code}")
    assert not failures, "\n".join(failures)
