"""Fixtures for saved-list tests: two small search sources of the tests' own, registered for a
test and taken off after it — people (a user opens only whom ``accounts.scoping`` lets them see:
a student themself, a teacher their classes' students) and organisations (open to everyone
signed in: ``visible`` answers ``None``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from openclass.accounts import scoping
from openclass.accounts.models import Organisation, User
from openclass.core import registry
from openclass.core.registry import SearchDocument, SearchSource

PEOPLE, ORGANISATIONS = "test.people", "test.organisations"


def _people(keys: Iterable[int] | None) -> Iterator[SearchDocument]:
    users = User.objects.order_by("pk")
    if keys is not None:
        users = users.filter(pk__in=list(keys))
    for user in users:
        yield SearchDocument(key=user.pk, title=f"{user.name} 소개", url=f"/people/{user.pk}/")


def _organisations(keys: Iterable[int] | None) -> Iterator[SearchDocument]:
    organisations = Organisation.objects.order_by("pk")
    if keys is not None:
        organisations = organisations.filter(pk__in=list(keys))
    for organisation in organisations:
        yield SearchDocument(
            key=organisation.pk,
            title=f"{organisation.full_name} 안내",
            url=f"/o/{organisation.pk}/",
        )


def _visible_people(user: Any) -> Any:
    return scoping.visible_users(user).values("pk")


def _everyone(user: Any) -> None:
    return None


@contextmanager
def registered_sources() -> Iterator[dict[str, SearchSource]]:
    """The two sources registered while the block runs (a test module's fixture uses it:
    ``with registered_sources() as sources: yield sources``)."""
    sources = {
        PEOPLE: SearchSource(
            name=PEOPLE, kind="person", model=User, documents=_people, visible=_visible_people
        ),
        ORGANISATIONS: SearchSource(
            name=ORGANISATIONS,
            kind="topic",
            model=Organisation,
            documents=_organisations,
            visible=_everyone,
        ),
    }
    for source in sources.values():
        registry.add_search_source(source)
    try:
        yield sources
    finally:
        for name in sources:
            registry.unregister(name)
