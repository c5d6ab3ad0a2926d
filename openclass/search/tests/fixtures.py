"""A search source the tests fill by hand, so the engine is tested apart from the areas."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from openclass.core import registry
from openclass.core.registry import SearchDocument, SearchSource
from openclass.search import services

NOTES = "tests.note"


@dataclass
class Notes:
    """Documents by key; ``hidden_from`` lists the users each key is hidden from; with
    ``everyone``, every document is open to all (``visible`` answers None)."""

    documents: dict[int, SearchDocument] = field(default_factory=dict)
    hidden_from: dict[int, set[int]] = field(default_factory=dict)
    everyone: bool = False

    def build(self, keys: Iterable[int] | None) -> Iterator[SearchDocument]:
        wanted = self.documents if keys is None else keys
        for key in wanted:
            if key in self.documents:
                yield self.documents[key]

    def visible(self, user: Any) -> list[int] | None:
        if self.everyone:
            return None
        return [key for key in self.documents if user.pk not in self.hidden_from.get(key, set())]

    def add(self, key: int, title: str, body: str = "", *, index: bool = True, **facets: Any):
        self.documents[key] = SearchDocument(
            key=key, title=title, url=f"/notes/{key}/", body=body, **facets
        )
        if index:
            services.refresh(NOTES, [key])
        return self.documents[key]


@pytest.fixture
def notes(db) -> Iterator[Notes]:
    """A registered source of hand-made documents (and no other source's documents indexed)."""
    found = Notes()
    registry.add_search_source(
        SearchSource(
            name=NOTES, kind="note", model=None, documents=found.build, visible=found.visible
        )
    )
    try:
        yield found
    finally:
        registry.unregister(NOTES)
