"""The permission matrix (issue 15, item 2): every URL pattern × every role × an object of the
actor's own class, of another class, of another school, and of nobody — what each answers,
checked two ways:

1. against the rules: ``permission_rules.ENDPOINTS`` says, for each URL name, who may pass its
   gate, written with the capabilities and the areas' object rules. A view that lets in someone
   the rules refuse (or refuses someone they let in) fails here;
2. against ``permission_matrix/<actor>.txt``, the whole table as it was last reviewed: a change
   in who may reach what — a new page, a rule widened — shows as a diff to review, and the test
   fails until the table is written again (``OPENCLASS_WRITE_MATRIX=1``).

It replaces hand-picked refusal tests as the safety net; business rules keep their own tests.
Each request runs in a transaction rolled back after it, so a POST that succeeds (publishing a
course, deleting a file) does not change what the next request sees.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from openclass.accounts.tests.fixtures import ROLES, person_of

from .fixtures import SCOPES, World
from .permission_rules import ENDPOINTS, MISSING, Endpoint

ACTORS = ROLES
#: Not pages of the platform: Django's admin (its own permission system, staff only), the
#: language switch, and signing out.
SKIPPED_NAMESPACES = ("admin",)
SKIPPED_NAMES = ("set_language", "accounts:logout")
TABLES = Path(__file__).with_name("permission_matrix")
LOGIN = "/accounts/login/"
#: A column's mark: the gate let the request through, refused it, or the method is not offered.
ALLOWED, REFUSED, NOT_OFFERED = "Y", ".", " "


def url_names() -> set[str]:
    """Every named URL pattern of the platform, as ``namespace:name``."""
    names: set[str] = set()

    def walk(entries: list[Any], namespace: str) -> None:
        for entry in entries:
            if isinstance(entry, URLResolver):
                inner = entry.namespace or namespace
                if inner not in SKIPPED_NAMESPACES:
                    walk(entry.url_patterns, inner)
            elif isinstance(entry, URLPattern) and entry.name:
                names.add(f"{namespace}:{entry.name}" if namespace else entry.name)

    walk(get_resolver().url_patterns, "")
    return {name for name in names if name not in SKIPPED_NAMES}


def actor(world: World, who: str):
    return person_of(world.city, who)


def _missing(args: dict[str, Any]) -> dict[str, Any]:
    return {key: MISSING if isinstance(value, int) else value for key, value in args.items()}


def columns(world: World, endpoint: Endpoint) -> list[tuple[str, dict[str, Any], Any]]:
    """The paths' arguments an endpoint is tried with, by column, and what the rule is asked
    about in each (a scope, the world, or nothing)."""
    if endpoint.args is not None:
        tried = [(name, endpoint.args(world.scopes[name]), world.scopes[name]) for name in SCOPES]
        return [*tried, ("none", _missing(tried[0][1]), None)]
    if endpoint.world_args is not None:
        return [("-", endpoint.world_args(world), world)]
    return [("-", {}, None)]


def expected(endpoint: Endpoint, method: str, user, subject) -> bool:
    if user is None:
        return endpoint.public
    allow = endpoint.allows(method)
    if subject is None:
        return False if endpoint.args is not None else bool(allow(user))
    return bool(allow(user, subject))


def outcome(response, user) -> str:
    """What the gate did. A refusal is a 403 or a 404 (see ``core.views`` on which), or, for
    someone not signed in, the way to the login page; 405 means the method is not offered."""
    status = response.status_code
    if status >= 500:
        raise AssertionError(f"server error {status}")
    if status == 405:
        return NOT_OFFERED
    if status in (401, 403, 404):
        return REFUSED
    if user is None and status == 302 and response["Location"].startswith(LOGIN):
        return REFUSED
    return ALLOWED


def walk(world: World, who: str) -> tuple[list[str], list[str]]:
    """Ask every endpoint as ``who``: the table's lines, and where a view and the rules disagree."""
    user = actor(world, who)
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    lines, disagreements = [], []
    for name in sorted(ENDPOINTS):
        endpoint = ENDPOINTS[name]
        for method in endpoint.methods:
            marks = []
            for column, args, subject in columns(world, endpoint):
                path = reverse(name, kwargs=args)
                with transaction.atomic():
                    try:
                        data = endpoint.data(subject) if endpoint.data and subject else {}
                        response = client.generic(
                            method,
                            path,
                            urlencode(data),
                            "application/x-www-form-urlencoded",
                            headers=endpoint.headers,
                        )
                        mark = outcome(response, user)
                    except AssertionError as error:
                        disagreements.append(f"{method} {path} ({name}, {column}): {error}")
                        mark = "!"
                    transaction.set_rollback(True)
                if mark in (ALLOWED, REFUSED):
                    want = ALLOWED if expected(endpoint, method, user, subject) else REFUSED
                    if mark != want:
                        disagreements.append(
                            f"{who}: {method} {path} ({name}, {column}): the rules say "
                            f"{'allow' if want == ALLOWED else 'refuse'}, the view answered "
                            f"{response.status_code}"
                        )
                marks.append(f"{column}={mark}")
            lines.append(f"{name:40} {method:4} {' '.join(marks)}")
    return lines, disagreements


def test_every_url_pattern_is_in_the_matrix() -> None:
    names = url_names()
    assert sorted(names - set(ENDPOINTS)) == [], "add these to permission_rules.ENDPOINTS"
    assert sorted(set(ENDPOINTS) - names) == [], "these are no longer URL names"


@pytest.mark.parametrize("who", ACTORS)
def test_permission_matrix(world: World, who: str) -> None:
    lines, disagreements = walk(world, who)
    table = TABLES / f"{who}.txt"
    written = "\n".join(lines) + "\n"
    if os.environ.get("OPENCLASS_WRITE_MATRIX") == "1":
        TABLES.mkdir(exist_ok=True)
        table.write_text(written)
    assert not disagreements, "\n".join(disagreements)
    reviewed = table.read_text() if table.exists() else ""
    assert written == reviewed, (
        f"who may reach what changed for {who}: review the difference, then write the table "
        f"again with OPENCLASS_WRITE_MATRIX=1 ({table})"
    )


def test_the_rules_are_asked_of_real_people(world: World) -> None:
    """The matrix means something only if its actors differ: the own class's course is open to
    its student and managed by its teacher, and closed to a student of another class."""
    own = world.scopes["own"]
    student, teacher = actor(world, "student"), actor(world, "homeroom_teacher")
    assert ENDPOINTS["courses:lesson"].allow(student, own)
    assert not ENDPOINTS["courses:lesson"].allow(student, world.scopes["class"])
    assert ENDPOINTS["courses:edit"].allow(teacher, own)
    assert not ENDPOINTS["courses:edit"].allow(AnonymousUser(), own)
