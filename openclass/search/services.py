"""Indexing what the sources describe, and searching it as the person asking (SPEC F-14).

**Indexing.** A source (``core.registry.SearchSource``) builds ``SearchDocument`` s; ``refresh``
turns them into ``Document`` rows and the backend's words, in one transaction per batch, and
drops the documents of keys the source no longer yields (deleted, or no longer to be found).
Saves and deletes of the sources' models call it after their transaction commits, through
Huey (``search.signals``); ``reindex`` rebuilds everything while searches go on: every document
is written again in place, then those not written this time are dropped, so the index is whole
at every moment.

**Searching.** ``search`` analyses the query (``search.analysis``), scopes it to what the asker
may open — each source's ``visible(user)``, compiled into the same SQL as the match, so neither
a result nor a facet's count ever includes what they may not open — and ranks in two steps:
the backend's BM25 with the field weights picks the best candidates, then freshness,
popularity, an exact phrase in the title and the asker's role adjust them (``rank``). A query
that finds nothing and looks misspelt is searched again as corrected ("did you mean", by edit
distance over jamo, so one wrong letter in a syllable is one edit).
"""

from __future__ import annotations

import functools
import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import islice
from typing import Any, NamedTuple

from django.core.cache import cache
from django.db import transaction
from django.db.models import BooleanField, Count, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from openclass.core import registry
from openclass.core.db import insert_rows
from openclass.core.registry import SearchDocument, SearchSource
from openclass.core.runtime import runtime

from . import access, analysis, matches
from .backends import Candidate, Fields, Group, Match, backend
from .models import Document, Query

#: What the second ranking step reads of a candidate (the body and terms only for the page's hits).
RANKED_BY = ("kind", "title", "audience", "grade_band", "popularity", "published_at")
#: How many candidates the second ranking step looks at (pages beyond them are not offered).
CANDIDATES = 400
#: The best titles a suggestion is picked from, for whoever asks: one typed syllable matches a
#: third of the titles of a city's 100,000 documents, and fetching and keeping all of them was
#: most of a suggestion's time; eight are shown. Someone who may open few of these sees their
#: own lower titles once they type a little more.
SUGGESTED_FROM = 1000
PER_PAGE = 20
BATCH = 500
#: How long the vocabulary "did you mean" draws from is kept before it is counted again.
VOCABULARY_SECONDS = 600
VOCABULARY_KEY = "search:vocabulary"
#: A popular search must have been asked this many times (and found something) to be shown:
#: a rare query could say who asked it.
POPULAR_MIN = 3
POPULAR_DAYS = 30
SNIPPET = 160

#: How much each adjustment of the second step can add to a text score normalised to 0..1.
PHRASE_BOOST = 0.3
FRESHNESS_BOOST = 0.1
POPULARITY_BOOST = 0.1
FRESHNESS_DAYS = 365
#: Each further result of the same kind counts this much less, never below the floor.
VARIETY_STEP = 0.04
VARIETY_FLOOR = 0.6


# --- Indexing ------------------------------------------------------------------------------------


def _fields(document_id: int, found: SearchDocument) -> Fields:
    tags = " ".join(found.tags)
    return Fields(
        document_id=document_id,
        title=analysis.terms_of(found.title),
        tags=analysis.terms_of(tags),
        body=analysis.terms_of(found.body),
        title_grams=analysis.grams_of(found.title),
        body_grams=analysis.grams_of(found.body),
    )


def _values(source: SearchSource, found: SearchDocument, fields: Fields) -> dict[str, Any]:
    return {
        "kind": source.kind,
        "title": found.title[:300],
        "url": found.url[:500],
        "body": found.body[:2000],
        "tags": " · ".join(found.tags)[:500],
        "area": found.area[:120],
        "grade_band": found.grade_band,
        "audience": found.audience,
        "site": found.site[:120],
        "mode": found.mode,
        "popularity": max(int(found.popularity), 0),
        "published_at": found.published_at,
        "terms": " ".join(dict.fromkeys(fields.title + fields.tags)),
        "indexed_at": timezone.now(),
    }


def _write(source: SearchSource, documents: Iterable[SearchDocument]) -> list[int]:
    """Write these documents of one source (rows and words) in one transaction; their keys."""
    documents = list(documents)
    if not documents:
        return []
    words = backend()
    with transaction.atomic():
        existing = dict(
            Document.objects.filter(
                source=source.name, key__in=[found.key for found in documents]
            ).values_list("key", "pk")
        )
        fields_list = []
        for found in documents:
            fields = _fields(0, found)
            values = _values(source, found, fields)
            pk = existing.get(found.key)
            if pk is None:
                pk = Document.objects.create(source=source.name, key=found.key, **values).pk
            else:
                Document.objects.filter(pk=pk).update(**values)
            fields.document_id = pk
            fields_list.append(fields)
        words.write(fields_list)
        matches.bump()
    _forget_vocabulary_if_new({term for f in fields_list for term in f.title + f.tags})
    return [found.key for found in documents]


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def refresh(source_name: str, keys: Iterable[int]) -> int:
    """Index these objects of a source again; drop the documents of those it no longer yields
    (deleted, unpublished from search). Returns how many documents were written."""
    source = registry.search_source(source_name)
    keys = sorted({int(key) for key in keys})
    written: list[int] = []
    for batch in _batches(keys, BATCH):
        written += _write(source, source.documents(batch))
    gone = set(keys) - set(written)
    if gone:
        drop(source_name, gone)
    return len(written)


def drop(source_name: str, keys: Iterable[int]) -> None:
    with transaction.atomic():
        documents = Document.objects.filter(source=source_name, key__in=list(keys))
        backend().delete(list(documents.values_list("pk", flat=True)))
        documents.delete()
        matches.bump()


def reindex(source_names: Iterable[str] | None = None) -> dict[str, int]:
    """Rebuild the index of these sources (all by default) without taking it down: documents
    are rewritten in place, batch by batch, then those not written in this run are dropped
    (their objects are gone). Returns the documents written per source."""
    wanted = set(source_names) if source_names is not None else None
    counts: dict[str, int] = {}
    for source in registry.search_sources():
        if wanted is not None and source.name not in wanted:
            continue
        started = timezone.now()
        written = 0
        for batch in _batches(source.documents(None), BATCH):
            written += len(_write(source, batch))
        stale = Document.objects.filter(source=source.name, indexed_at__lt=started)
        drop(source.name, stale.values_list("key", flat=True))
        counts[source.name] = written
    if wanted is None:
        # Sources no longer registered (an app removed): their documents go too.
        names = [source.name for source in registry.search_sources()]
        with transaction.atomic():
            orphans = Document.objects.exclude(source__in=names)
            backend().delete(list(orphans.values_list("pk", flat=True)))
            orphans.delete()
            matches.bump()
    backend().statistics_changed()
    cache.delete(VOCABULARY_KEY)
    return counts


# --- Scoping -------------------------------------------------------------------------------------


class Scope(NamedTuple):
    """What someone may open, compiled: a WHERE clause on ``search_document``, and the sources
    whose every document they may open. ``lasting``: every source answered a queryset (a
    subquery, read when the SQL runs) or None, so it may be kept (``Scopes``)."""

    sql: str
    params: tuple[Any, ...]
    whole_sources: frozenset[str]
    lasting: bool


def scope(user: Any) -> Scope:
    """The documents ``user`` may open, each source's own rule asked now: an OR of "this
    source" (``visible`` answered None) and "this source's keys in what it answered", each
    queryset compiled on its own (building it into a ``Document`` queryset instead made Django
    copy and relabel every subquery, half the cost)."""
    parts = ["1=0"]
    params: list[Any] = []
    whole: set[str] = set()
    lasting = True
    source_column, key_column = '"search_document"."source"', '"search_document"."key"'
    for source in registry.search_sources():
        visible = source.visible(user)
        if visible is None:
            parts.append(f"{source_column} = %s")
            params.append(source.name)
            whole.add(source.name)
        elif isinstance(visible, QuerySet):
            if len(visible.query.values_select) != 1:  # objects, not their keys
                visible = visible.values("pk")
            sql, own = visible.query.get_compiler(using=visible.db).as_sql()
            parts.append(f"({source_column} = %s AND {key_column} IN ({sql}))")
            params += [source.name, *own]
        else:
            keys = [int(key) for key in visible]
            lasting = False
            if keys:
                marks = ", ".join(["%s"] * len(keys))
                parts.append(f"({source_column} = %s AND {key_column} IN ({marks}))")
                params += [source.name, *keys]
    return Scope("(" + " OR ".join(parts) + ")", tuple(params), frozenset(whole), lasting)


class _SharedScope(NamedTuple):
    """A scope compiled for a stand-in (``Scopes._shared``) and where its key is among the
    parameters."""

    scope: Scope
    at: tuple[int, ...]

    def of(self, pk: int) -> Scope:
        params = list(self.scope.params)
        for position in self.at:
            params[position] = pk
        return self.scope._replace(params=tuple(params))


class Scopes:
    """The scopes this process compiled lately, per person (``core.runtime``).

    Asking every source's ``visible(user)`` and compiling the answer into SQL costs 12–19 ms of
    Python (measured at 100,000 documents: more than the match itself), and someone typing in
    the header asks it at every key. The compiled SQL keeps the sources' rules as subqueries, so
    what they read of the database at query time stays live: enrolments, publication, dates
    within a course, active catalogs, shared lists. Only the values a rule read while it was
    built are kept, up to ``seconds`` (30): the organisations above the person, the classes a
    teacher teaches, a parent's children's schools. What else a rule reads of the person (role,
    organisation, active or not, superuser), today's date and the registered sources are in the
    key, so changing them takes effect at once. A scope is not kept at all when a source's
    ``visible`` answered a list of keys rather than a queryset: the list is of its moment.

    People whose rules differ only in their own primary key (every source's ``alike`` says so:
    the students of one class) share one compiled scope, built for a stand-in with the key
    ``STAND_IN`` and handed to each with their key in its places. At 50 searches a second from
    a city, most askers are new to the process, and a student's scope cost 8 ms of the 20 a
    search took."""

    #: The primary key a stand-in person is compiled with (no table hands it out): where it
    #: lands among the parameters, each person alike puts their own.
    STAND_IN = -7_340_000_002

    def __init__(self, seconds: float = 30.0, kept: int = 4096) -> None:
        self.seconds = seconds
        self.kept = kept
        self.clock = time.monotonic
        self._lock = threading.Lock()
        self._kept_values: dict[tuple[Any, ...], tuple[float, Any]] = {}

    def reset(self) -> None:
        with self._lock:
            self._kept_values.clear()

    @staticmethod
    def key(user: Any) -> tuple[Any, ...]:
        sources = tuple(source.name for source in registry.search_sources())
        if not getattr(user, "is_authenticated", False):
            return (sources, "anonymous", timezone.localdate())
        return (
            sources,
            user.pk,
            user.role,
            user.organisation_id,
            user.is_active,
            user.is_superuser,
            timezone.localdate(),
        )

    @staticmethod
    def alike(user: Any) -> tuple[Any, ...] | None:
        """Whom ``user``'s scope is the same for but their own key, by every source's ``alike``
        (``core.registry.SearchSource``); None when some source compiles it for them alone."""
        if not getattr(user, "is_authenticated", False):
            return None
        parts = []
        for source in registry.search_sources():
            part = source.alike(user) if source.alike is not None else None
            if part is None:
                return None
            parts.append((source.name, part))
        return (
            "alike",
            tuple(parts),
            user.role,
            user.organisation_id,
            user.is_active,
            user.is_superuser,
            timezone.localdate(),
        )

    def _kept(
        self, key: tuple[Any, ...], build: Callable[[], Any], lasting: Callable[[Any], bool]
    ) -> Any:
        now = self.clock()
        with self._lock:
            found = self._kept_values.get(key)
        if found is not None and found[0] > now:
            return found[1]
        value = build()
        if not lasting(value):
            return value
        with self._lock:
            if len(self._kept_values) >= self.kept:
                self._kept_values = {k: v for k, v in self._kept_values.items() if v[0] > now}
                if len(self._kept_values) >= self.kept:
                    self._kept_values.clear()
            self._kept_values[key] = (now + self.seconds, value)
        return value

    def of(self, user: Any) -> Scope:
        """What ``user`` may open (``scope``), kept when it may be: one compiled scope for the
        people alike (``alike``, a class's students), else one for this person."""
        alike = self.alike(user)
        if alike is not None:
            # "Not shareable" is kept too, so it is not tried again at every search.
            shared: _SharedScope | None = self._kept(
                alike, lambda: self._shared(user), lambda _found: True
            )
            if shared is not None:
                return shared.of(user.pk)
        found: Scope = self._kept(
            ("scope", *self.key(user)), lambda: scope(user), lambda s: s.lasting
        )
        return found

    def _shared(self, user: Any) -> _SharedScope | None:
        """``user``'s scope compiled for a stand-in alike them (their role, organisation and
        flags; ``STAND_IN`` for a key), with where that key landed; None when it cannot be
        shared (a source answered a list, or the key went into the SQL's text)."""
        # ``user.__class__``: a request's user is a lazy object standing in for the model.
        stand_in = user.__class__(
            pk=self.STAND_IN,
            role=user.role,
            organisation_id=user.organisation_id,
            is_active=user.is_active,
            is_superuser=user.is_superuser,
        )
        if user.organisation_id is not None:
            stand_in.organisation = user.organisation
        found = scope(stand_in)
        if not found.lasting or str(self.STAND_IN) in found.sql:
            return None
        at = tuple(n for n, value in enumerate(found.params) if value == self.STAND_IN)
        return _SharedScope(found, at)

    def sql(self, user: Any) -> tuple[str, list[Any]]:
        """The documents ``user`` may open, as a WHERE clause on ``search_document``."""
        found = self.of(user)
        return found.sql, list(found.params)

    def level(self, user: Any) -> str:
        """``access.school_level``, kept as the scope is: it reads the same organisations."""
        # A parent's is their child's school's; anyone else's, their organisation's (shared).
        whose = user.pk if getattr(user, "role", None) == access.Role.PARENT else None
        key = (
            "level",
            whose,
            getattr(user, "is_authenticated", False),
            getattr(user, "organisation_id", None),
        )
        level = self._kept(key, lambda: access.school_level(user), lambda _: True)
        return str(level)


scopes = runtime.register("search.scopes", Scopes())


def visible_documents(user: Any) -> QuerySet[Document]:
    """The documents ``user`` may open, as a queryset (``Scopes``)."""
    sql, params = scopes.sql(user)
    allowed = RawSQL(sql, params, output_field=BooleanField())  # noqa: S611 (compiled by Django, values as parameters)
    return Document.objects.filter(allowed)


# --- Searching -------------------------------------------------------------------------------


@dataclass
class Hit:
    document: Document
    score: float
    title: SafeString
    snippet: SafeString
    explanation: dict[str, Any] | None = None


@dataclass
class Results:
    query: str
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    page: int = 1
    pages: int = 0
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    #: A spelling that finds more, offered as a link ("did you mean").
    did_you_mean: str | None = None
    #: The spelling searched instead, when the query as typed found nothing.
    corrected: str | None = None


@dataclass(frozen=True)
class Suggestion:
    text: str
    url: str = ""  # a title leads to its page; a popular query is searched
    kind: str = ""  # the document's kind, or "query" for a popular search


def _match(query: str, *, prefix: bool = False, title_only: bool = False) -> Match:
    """Every typed word that has a noun is a group a document must match (any of the word's
    terms: "안전교육" is 안전, 교육 or 안전교육). A word with only a verb or adjective ("있나요")
    counts in the score without being asked for; one without a term (an adverb, a particle
    typed alone) asks for nothing. The last word, while typing (``prefix``) or of one
    syllable, may also be the start of a term or bigram."""
    typed = analysis.words(analysis.normalise(query)[: analysis.MAX_QUERY])
    groups, optional = [], []
    for index, word in enumerate(typed):
        last = index == len(typed) - 1
        start = word if last and (prefix or len(word) == 1) else ""
        tagged = analysis.tagged_terms_of(word)
        nouns = [term for term, stem in tagged if not stem]
        stems = [term for term, stem in tagged if stem]
        if nouns or start:
            groups.append(Group(terms=nouns + stems, prefix=start))
        else:
            optional.extend(stems)
    if not groups and optional:
        # Only verbs and adjectives ("배우다"): ask for them after all.
        groups, optional = [Group(terms=optional)], []
    return Match(groups=groups, optional=optional, title_only=title_only)


def _loosened(match: Match) -> Match:
    """Any of the groups, when all of them find nothing (a sentence with one word no
    document has)."""
    return Match(
        groups=match.groups,
        optional=match.optional,
        any_group=True,
        title_only=match.title_only,
    )


def _partial(query: str) -> Match:
    """Only the bigrams of what was typed: a partial word, an unknown word, a wrong syllable
    — when no term matched anything."""
    grams = analysis.grams_of(analysis.normalise(query)[: analysis.MAX_QUERY])
    return Match(groups=[Group(terms=[], grams=grams)] if grams else [])


@functools.lru_cache(maxsize=100_000)
def _compact(text: str) -> str:
    """The text's words run together (a title, to find a phrase in it): the same titles come
    back search after search."""
    return "".join(analysis.words(text))


def _ranked_by(candidates: list[Candidate], found: matches.Matched) -> list[Any]:
    """What the second step reads of the candidates (``RANKED_BY``, and the address for a
    suggestion), as named rows, remembered with the kept match: the same few hundred best
    documents are ranked search after search, and loading them was a quarter of a search."""
    known = found.columns
    missing = [c.document_id for c in candidates if c.document_id not in known]
    if missing:
        documents = Document.objects.filter(pk__in=missing)
        for row in documents.values_list("pk", *RANKED_BY, "url", named=True):
            known[row.pk] = row
    return [known[c.document_id] for c in candidates if c.document_id in known]


class _Ranking:
    """What ``rank`` adds to a candidate's text score, worked out once per search: the same
    ages and popularities recur among a few hundred candidates, and the exponentials and
    logarithms were a third of the ranking."""

    def __init__(
        self, user: Any, query: str, match: Match, candidates: list[Candidate], documents: list[Any]
    ) -> None:
        self.best = max((c.score for c in candidates), default=1.0) or 1.0
        most_popular = max((d.popularity for d in documents), default=0)
        self.popular_scale = math.log1p(most_popular) if most_popular else 0.0
        self.phrases = [p for p in {_compact(query), "".join(match.terms)} if len(p) > 1]
        self.now = timezone.now()
        self.boosts = [
            (name, *name.partition(":")[::2], value)
            for name, value in access.boosts(user, scopes.level(user)).items()
        ]
        self._freshness: dict[int, float] = {}
        self._popularity: dict[int, float] = {}

    def freshness(self, published_at: Any) -> float:
        age = max((self.now - published_at).days, 0)
        value = self._freshness.get(age)
        if value is None:
            value = self._freshness[age] = round(
                FRESHNESS_BOOST * math.exp(-age / FRESHNESS_DAYS), 4
            )
        return value

    def popularity(self, popularity: int) -> float:
        value = self._popularity.get(popularity)
        if value is None:
            share = math.log1p(popularity) / self.popular_scale
            value = self._popularity[popularity] = round(POPULARITY_BOOST * share, 4)
        return value

    def parts(self, candidate: Candidate, document: Any) -> dict[str, float]:
        """The score's parts, named (``explain``, and a result's "variety")."""
        parts: dict[str, float] = {"text": round(max(candidate.score, 0.0) / self.best, 4)}
        title = _compact(document.title)
        if any(phrase in title for phrase in self.phrases):
            parts["phrase"] = PHRASE_BOOST
        if document.published_at:
            parts["freshness"] = self.freshness(document.published_at)
        if document.popularity and self.popular_scale:
            parts["popularity"] = self.popularity(document.popularity)
        for name, facet, wanted, value in self.boosts:
            if getattr(document, facet, None) == wanted:
                parts[f"role ({name})"] = value
        return parts

    def score(self, candidate: Candidate, document: Any) -> float:
        """``sum(self.parts(...).values())``, added in the same order (so to the same float)
        without building the parts."""
        score = round(max(candidate.score, 0.0) / self.best, 4)
        title = _compact(document.title)
        if any(phrase in title for phrase in self.phrases):
            score += PHRASE_BOOST
        if document.published_at:
            score += self.freshness(document.published_at)
        if document.popularity and self.popular_scale:
            score += self.popularity(document.popularity)
        for _name, facet, wanted, value in self.boosts:
            if getattr(document, facet, None) == wanted:
                score += value
        return score


def rank(
    user: Any,
    query: str,
    match: Match,
    candidates: list[Candidate],
    documents: list[Any],
    *,
    head: int | None = None,
) -> list[tuple[Any, float, dict[str, Any]]]:
    """The second step: the backend's text score (normalised to the best one), plus an exact
    phrase in the title (as typed, or its terms in a row: "독도를" is the phrase 독도),
    freshness, popularity and the asker's role (``access.boosts``); then the kinds interleaved
    (``diversify``). Every candidate is scored, but only the first ``head`` of the order (a
    page's worth and what comes before it) are interleaved and carry their named parts: the
    rest follow in score order, each with empty parts, counted but never shown."""
    by_pk = {document.pk: document for document in documents}
    ranking = _Ranking(user, query, match, candidates, documents)
    scored = []
    for candidate in candidates:
        document = by_pk.get(candidate.document_id)
        if document is not None:
            scored.append((document, ranking.score(candidate, document), candidate))
    scored.sort(key=lambda entry: (-entry[1], entry[0].pk))
    return diversify(scored, ranking, len(scored) if head is None else head)


def diversify(
    scored: list[tuple[Any, float, Candidate]], ranking: _Ranking, head: int
) -> list[tuple[Any, float, dict[str, Any]]]:
    """Interleave the kinds: each further result of a kind already shown counts a little less
    (``VARIETY_STEP`` each, down to ``VARIETY_FLOOR``), so thirty outside lectures do not push
    the instructors and courses of the same field off the first page. Greedy, over the heads
    of one queue per kind (each already in score order), for the first ``head`` places; what
    is left follows in score order."""
    queues: dict[str, list[tuple[Any, float, Candidate]]] = {}
    for entry in scored:
        queues.setdefault(entry[0].kind, []).append(entry)
    shown: Counter[str] = Counter()
    heads = {kind: 0 for kind in queues}
    result: list[tuple[Any, float, dict[str, Any]]] = []
    taken: set[int] = set()
    while len(result) < min(head, len(scored)):
        best_kind, best_score = "", -math.inf
        for kind, at in heads.items():
            if at < len(queues[kind]):
                factor = max(VARIETY_FLOOR, 1 - VARIETY_STEP * shown[kind])
                score = queues[kind][at][1] * factor
                if score > best_score:
                    best_kind, best_score = kind, score
        document, score, candidate = queues[best_kind][heads[best_kind]]
        parts = ranking.parts(candidate, document)
        if shown[best_kind]:
            parts["variety"] = round(best_score - score, 4)
        result.append((document, round(best_score, 4), parts))
        taken.add(document.pk)
        heads[best_kind] += 1
        shown[best_kind] += 1
    result.extend(
        (document, round(score, 4), {})
        for document, score, _candidate in scored
        if document.pk not in taken
    )
    return result


def _highlight_words(query: str, match: Match) -> list[str]:
    words = {word for word in analysis.words(query) if len(word) > 1}
    words.update(term for term in match.terms if len(term) > 1 and not term.endswith("다"))
    if not words:
        words.update(analysis.words(query))
    return sorted(words, key=len, reverse=True)


def highlight(text: str, words: list[str], *, window: int | None = None) -> SafeString:
    """``text`` escaped, each of ``words`` in <mark>; with ``window``, only the part around the
    first of them (a snippet)."""
    lowered = text.lower()
    if window is not None:
        found = [lowered.find(word) for word in words if word and lowered.find(word) >= 0]
        start = max(min(found) - window // 3, 0) if found else 0
        end = start + window
        text = ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
        lowered = text.lower()
    spans: list[tuple[int, int]] = []
    for word in words:
        at = lowered.find(word)
        while word and at >= 0:
            spans.append((at, at + len(word)))
            at = lowered.find(word, at + len(word))
    spans.sort()
    out: list[str] = []
    cursor = 0
    for start, end in spans:
        if start < cursor:
            continue
        out.append(escape(text[cursor:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        cursor = end
    out.append(escape(text[cursor:]))
    return mark_safe("".join(out))  # noqa: S308 — every part is escaped above


def _explain(document: Document, match: Match, parts: dict[str, float]) -> dict[str, Any]:
    title_terms = set(analysis.terms_of(document.title))
    stored = set(document.terms.split())
    matched_terms = [term for term in dict.fromkeys(match.terms) if term in stored]
    title_grams = set(analysis.grams_of(document.title))
    return {
        "terms": matched_terms,
        "in_title": [term for term in matched_terms if term in title_terms],
        "grams": [gram for gram in dict.fromkeys(match.grams) if gram in title_grams],
        "parts": parts,
    }


def _run(
    user: Any,
    query: str,
    chosen: Mapping[str, str] | None,
    page: int,
    per_page: int,
    explain: bool,
) -> Results:
    results = Results(query=query, page=page)
    strict = _match(query)
    tries = [strict]
    if len(strict.groups) > 1:
        tries.append(_loosened(strict))
    tries.append(_partial(query))
    asked = scopes.of(user)
    for match in tries:
        if not match.groups:
            continue
        found = matches.matched(match)
        seen = matches.scoped(found, asked, chosen, CANDIDATES)
        results.total, results.facets = seen.total, seen.facets
        if results.total:
            break
    if not results.total:
        return results
    candidates = matches.rescored(found, match, seen.candidates)
    documents = _ranked_by(candidates, found)
    shown = min(results.total, len(documents))
    results.pages = max(math.ceil(shown / per_page), 1)
    results.page = min(max(page, 1), results.pages)
    start = (results.page - 1) * per_page
    ranked = rank(user, query, match, candidates, documents, head=start + per_page)
    words = _highlight_words(query, match)
    shown_page = ranked[start : start + per_page]
    whole = Document.objects.in_bulk([document.pk for document, _, _ in shown_page])
    for ranked_document, score, parts in shown_page:
        document = whole[ranked_document.pk]
        results.hits.append(
            Hit(
                document=document,
                score=round(score, 4),
                title=highlight(document.title, words),
                snippet=highlight(document.body or document.tags, words, window=SNIPPET),
                explanation=_explain(document, match, parts) if explain else None,
            )
        )
    return results


def search(
    user: Any,
    query: str,
    *,
    filters: Mapping[str, str] | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
    explain: bool = False,
    log: bool = False,
) -> Results:
    """What ``user`` may open that matches ``query``, ranked, a page of it, with the facets'
    counts. ``log`` records the query (anonymised) for popular searches and the office's gaps."""
    query = " ".join(query.split())[: analysis.MAX_QUERY]
    results = _run(user, query, filters, page, per_page, explain)
    correction = did_you_mean(query)
    if correction and not results.total:
        again = _run(user, correction, filters, page, per_page, explain)
        if again.total:
            again.query, again.corrected = query, correction
            results = again
    elif correction and results.total < 3:
        results.did_you_mean = correction
    if log and query:
        record_query(user, query, results.total)
    return results


def suggest(user: Any, text: str, *, limit: int = 8) -> list[Suggestion]:
    """As one types: titles (part of the last word is enough) the user may open, ranked as the
    results page ranks them (the asker's role, the kinds interleaved), and popular searches
    that start with what is typed."""
    text = " ".join(text.split())[: analysis.MAX_QUERY]
    if not text:
        return []
    normalised = analysis.normalise(text)
    popular = [
        Suggestion(text=entry, kind="query")
        for entry in popular_queries(scopes.level(user), starting=normalised)[:3]
    ]
    match = _match(text, prefix=True, title_only=True)
    match.best = SUGGESTED_FROM
    titled = matches.matched(match)
    candidates = matches.rescored(
        titled, match, matches.scoped(titled, scopes.of(user), None, limit * 3).candidates
    )
    documents = _ranked_by(candidates, titled)
    titles = {document.pk for document in documents}
    found = [document for document, _, _ in rank(user, text, match, candidates, documents)]
    if len(found) < limit and len(normalised) >= 3 and backend().vendor == "postgresql":
        # Part of a word inside a title (pg_trgm's index of the upper-cased titles answers it).
        more = (
            visible_documents(user).filter(title__icontains=normalised).exclude(pk__in=list(titles))
        )
        found += list(more.order_by("-popularity")[: limit - len(found)])
    seen: set[str] = {entry.text for entry in popular}
    suggestions = list(popular)
    for document in found:
        if document.title not in seen:
            seen.add(document.title)
            suggestions.append(Suggestion(document.title, document.url, document.kind))
    return suggestions[:limit]


def related_topics(user: Any, query: str, *, limit: int = 8) -> list[Document]:
    """What to offer when a query found nothing: the topics (the catalog's areas) most taken
    (popularity), among those the user may open."""
    topics = visible_documents(user).filter(kind="topic")
    return list(topics.order_by("-popularity", "title")[:limit])


# --- Did you mean ------------------------------------------------------------------------------


def vocabulary() -> list[str]:
    """The terms of every title and tag, most frequent first (what a correction may become)."""
    found = cache.get(VOCABULARY_KEY)
    if found is None:
        counts: Counter[str] = Counter()
        for terms in Document.objects.values_list("terms", flat=True).iterator(chunk_size=5000):
            counts.update(terms.split())
        found = [term for term, _ in counts.most_common() if len(term) > 1]
        cache.set(VOCABULARY_KEY, found, VOCABULARY_SECONDS)
    return found


def _forget_vocabulary_if_new(terms: set[str]) -> None:
    """A title or tag brought a word the cached vocabulary lacks: count it again next time."""
    known = cache.get(VOCABULARY_KEY)
    if known is not None and not terms <= set(known):
        cache.delete(VOCABULARY_KEY)


def _closest(word: str, known: list[str], jamo_known: list[str]) -> str | None:
    letters = analysis.jamo(word)
    limit = 1 if len(letters) <= 6 else 2
    best = process.extractOne(letters, jamo_known, scorer=Levenshtein.distance, score_cutoff=limit)
    if best is None:
        return None
    return known[best[2]]


def did_you_mean(query: str) -> str | None:
    """The query with each word the index does not know replaced by the nearest one it knows
    (by edit distance over jamo), or ``None`` when every word is known or nothing is near.

    A word is tried whole, then its unknown terms, then without its last syllable (a particle
    after a misspelt noun: "둑도를" → 둑도 → 독도 → "독도를")."""
    known = vocabulary()
    if not known:
        return None
    present = set(known)
    jamo_known = [analysis.jamo(term) for term in known]
    words = analysis.normalise(query).split()
    changed = False
    for index, word in enumerate(words):
        terms = analysis.terms_of(word)
        if not terms or all(term in present for term in terms):
            continue
        pieces = [word, *(t for t in terms if t not in present), word[:-1]]
        for piece in pieces:
            if len(piece) < 2 or piece in present or piece not in word:
                continue
            replacement = _closest(piece, known, jamo_known)
            if replacement and replacement != piece:
                words[index] = word.replace(piece, replacement, 1)
                changed = True
                break
    return " ".join(words) if changed else None


# --- The query log -------------------------------------------------------------------------------


def record_query(user: Any, text: str, results: int) -> None:
    """Log a search without who made it: the words and the asker's school level. Written
    with ``core.db.insert_rows``: the ORM's ``create`` cost a millisecond a search."""
    row = (analysis.normalise(text)[:200], scopes.level(user), results, timezone.now())
    insert_rows(Query, ("text", "level", "results", "at"), [row])


class Popular:
    """The searches most asked lately at each school level, counted at most once a minute per
    process (``core.runtime``). Suggestions offer them at every key someone types, and counting
    the query log each time was a third of a suggestion; a search asked in the last minute may
    be missing from them, which nobody would notice of a month's favourites."""

    def __init__(self, seconds: float = 60.0) -> None:
        self.seconds = seconds
        self.clock = time.monotonic
        self._lock = threading.Lock()
        self._counted: dict[str, tuple[float, list[str]]] = {}

    def reset(self) -> None:
        with self._lock:
            self._counted.clear()

    def of(self, level: str) -> list[str]:
        """Every search asked at least ``POPULAR_MIN`` times in ``POPULAR_DAYS`` at ``level``
        (every level for "") that found something, most asked first."""
        now = self.clock()
        with self._lock:
            found = self._counted.get(level)
        if found is not None and found[0] > now:
            return found[1]
        since = timezone.now() - timedelta(days=POPULAR_DAYS)
        asked = Query.objects.filter(at__gte=since, results__gt=0)
        if level:
            asked = asked.filter(level=level)
        rows = (
            asked.values("text")
            .annotate(n=Count("pk"))
            .filter(n__gte=POPULAR_MIN)
            .order_by("-n", "text")
        )
        texts = [row["text"] for row in rows]
        with self._lock:
            self._counted[level] = (now + self.seconds, texts)
        return texts


popular = runtime.register("search.popular", Popular())


def popular_queries(level: str, *, starting: str = "", limit: int = 10) -> list[str]:
    """The searches most asked at this school level lately that found something (``Popular``),
    those that start with ``starting`` when given."""
    texts = popular.of(level)
    if starting:
        return list(islice((text for text in texts if text.startswith(starting)), limit))
    return texts[:limit]


def unanswered_queries(*, days: int = POPULAR_DAYS, limit: int = 100) -> list[dict[str, Any]]:
    """The office's gaps: searches that found nothing lately, most asked first, with when
    they were last asked and at which school levels."""
    since = timezone.now() - timedelta(days=days)
    rows = (
        Query.objects.filter(at__gte=since, results=0)
        .values("text")
        .annotate(n=Count("pk"))
        .order_by("-n", "text")[:limit]
    )
    found = []
    for row in rows:
        asked = Query.objects.filter(at__gte=since, results=0, text=row["text"])
        levels = sorted({level for level in asked.values_list("level", flat=True) if level})
        last = asked.order_by("-at").values_list("at", flat=True).first()
        found.append({"text": row["text"], "count": row["n"], "levels": levels, "last": last})
    return found
