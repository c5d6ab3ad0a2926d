"""Where the index's words live and how a query finds them: one interface, two backends.

The embedded default keeps them in an SQLite FTS5 table (BM25 built in); PostgreSQL keeps them as
``tsvector`` columns with GIN indexes (BM25 computed over the best candidates, see ``postgres``)
and a trigram index on titles (``pg_trgm``) for suggestions from part of a word. Both are fed our
own tokens (``search.analysis``), never the database's parser, so the same text finds the same
documents on both, and the same tests pass on both.

Each backend gets the words of a document as ``Fields`` (terms of the title, tags and body; the
bigrams of the title and the body) and answers a ``Match`` (the terms and bigrams of a query)
with every document it finds, whoever asks, best first (``matched``); who may open which of
them is applied after, per asker, to the kept match (``search.matches``), and the backend
gives the best of those their final score (``rescored``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db import connection

#: A document's facet columns, in the results page's order (``services``, ``matches``).
FACETS = ("kind", "area", "grade_band", "audience", "site", "mode")

#: Field weights: a word in the title counts more than in the tags, in the tags more than in the
#: body; a bigram (part of a word) counts far less than a whole term.
TITLE, TAGS, BODY, TITLE_GRAMS, BODY_GRAMS = 10.0, 6.0, 2.0, 1.5, 0.3


@dataclass
class Fields:
    document_id: int
    title: list[str]
    tags: list[str]
    body: list[str]
    title_grams: list[str]
    body_grams: list[str]


@dataclass
class Group:
    """What one typed word asks for: any of its terms (a compound whole or its parts), or, for
    a word that gave no term, any of its bigrams; ``prefix``: the word as the start of a term
    or bigram (the word being typed, a one-syllable word)."""

    terms: list[str]
    grams: list[str] = field(default_factory=list)
    prefix: str = ""


@dataclass
class Match:
    """The groups a document must all match (``any_group``: at least one of them), in the
    title only for suggestions. ``terms`` and ``grams`` are every group's, for the scores."""

    groups: list[Group]
    #: Terms that count in the score but are not asked for (a query's verbs and adjectives).
    optional: list[str] = field(default_factory=list)
    any_group: bool = False
    title_only: bool = False
    #: Only the best this many documents (the backend's first score), when not all are needed.
    best: int | None = None

    @property
    def terms(self) -> list[str]:
        asked = (term for group in self.groups for term in group.terms)
        return list(dict.fromkeys([*asked, *self.optional]))

    @property
    def grams(self) -> list[str]:
        return list(dict.fromkeys(gram for group in self.groups for gram in group.grams))

    @property
    def prefix(self) -> str:
        return next((group.prefix for group in self.groups if group.prefix), "")


@dataclass
class Candidate:
    document_id: int
    score: float


class Backend(Protocol):
    vendor: str

    def install(self, cursor: Any) -> None: ...

    def write(self, fields: list[Fields]) -> None: ...

    def delete(self, document_ids: list[int]) -> None: ...

    def statistics_changed(self) -> None: ...

    def matched(self, match: Match) -> list[tuple[Any, ...]]:
        """Every document ``match`` finds (its ``best`` only, when set), whoever asks, best
        first: (id, score, source, *FACETS). The score is the backend's first one
        (``rescored`` may refine it)."""
        ...

    def rescored(self, match: Match, candidates: list[Candidate]) -> list[Candidate]:
        """The candidates with the backend's final score, best first."""
        ...

    def among_ids_sql(self, ids: list[int]) -> tuple[str, Any]:
        """A condition on ``search_document.id`` being one of ``ids``, and its one parameter."""
        ...


def backend() -> Backend:
    """The backend of the database Django is connected to."""
    if connection.vendor == "postgresql":
        from .postgres import PostgresBackend

        return PostgresBackend()
    from .sqlite import SqliteBackend

    return SqliteBackend()
