"""Asking the API's resources as every role of the permission world (``web.tests.fixtures``):
a personal token for each actor of ``accounts.tests.fixtures.ROLES`` (none for nobody), and
what an answer holds, to compare with the rules the pages ask."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from openclass.accounts.models import User
from openclass.accounts.tests.fixtures import ROLES, person_of
from openclass.web.tests.fixtures import SCOPES, Scope, World

from .helpers import api_get, personal_token

__all__ = ["SCOPES", "actors", "get", "ids", "items", "scoped"]


def actors(world: World) -> Iterator[tuple[str, User | None, str | None]]:
    """(role, person, token) for every role; nobody has neither person nor token."""
    for role in ROLES:
        user = person_of(world.city, role)
        yield role, user, personal_token(user) if user is not None else None


def scoped(world: World) -> Iterator[tuple[str, Scope]]:
    for name in SCOPES:
        yield name, world.scopes[name]


def get(token: str | None, path: str, **headers: str) -> Any:
    return api_get(token, path, **headers)


def items(response: Any) -> list[dict[str, Any]]:
    """The rows of a page (``{items, next_cursor}``) or of a plain list."""
    body = response.json()
    return body["items"] if isinstance(body, dict) else body


def ids(response: Any, key: str = "id") -> set[int]:
    return {row[key] for row in items(response)}
