"""Kept matches: what a query's words find, scored, kept by each process until the index changes;
who is asking is applied afresh at every search.

Finding a query's documents and scoring them (FTS5's BM25 on SQLite, ``ts_rank`` on PostgreSQL)
costs the same whoever asks, and grows with how many documents match: counting and ranking
them took 20 ms of SQL for a word 2,900 documents have, 130–170 ms for one 30,000 have
(measured at 100,000 documents, SQLite); a kept match is scoped in 1–7 ms. People ask the
same words again and again (the popular searches), so each process keeps, per query, every
document it matched (a suggestion's match: its best titles, ``Match.best``), best first, with
its source and facet values (``Matched``): Solr's query result cache, in compact arrays. A
kept match is for one ``Generation`` of the index: any write to the index, by any process,
bumps it in the same transaction, and the next search matches afresh. A small match (every
suggestion's) is also put in the shared cache when there is one (Redis, in the scaled
profile), so a deployment's other server processes take it from there instead of each
matching the same typed beginnings afresh.

What a kept match never holds is who may see what. At each search ``scoped`` keeps the
documents of the sources the asker may open whole, and asks the database which of the other
sources' documents they may open (their compiled scope, ``services.Scopes``), so a result and
a count are exactly as they would be from a fresh match.
"""

from __future__ import annotations

import hashlib
import threading
from array import array
from collections import Counter, OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection
from django.db.models import F

from openclass.core.runtime import runtime

from .backends import FACETS, Candidate, Match, backend
from .models import Generation

#: How many matched documents, over all kept matches, a process keeps (24 bytes each: 48 MB).
#: The bench's load (about 340 queries and what is typed of them, at 100,000 documents) holds
#: about 1.4 million; at 1 million, matches were dropped and matched again all the time.
KEPT_ROWS = 2_000_000
#: A match of at most this many documents (a suggestion's: ``Match.best``) is shared between
#: the server processes through the cache: a few tens of kilobytes, read in well under a
#: millisecond, where matching a typed syllable afresh took 40–130 ms on PostgreSQL.
SHARED_ROWS = 1000
#: How long the cache holds a shared match; a write to the index makes it unreachable sooner
#: (the generation is part of its key).
SHARED_SECONDS = 600
#: How many values of a facet the results page lists.
FACET_VALUES = 12


def generation() -> int:
    """The index's generation now (0 before its first write)."""
    return Generation.objects.filter(pk=1).values_list("value", flat=True).first() or 0


def bump() -> None:
    """The index changed: called inside the transaction that wrote it, so no process keeps a
    match older than what it can read once that transaction commits."""
    if Generation.objects.filter(pk=1).update(value=F("value") + 1):
        return
    # No row yet (a new or flushed database): make it, then bump it, so this write counts even
    # if another one made the row first.
    Generation.objects.bulk_create([Generation(pk=1, value=0)], ignore_conflicts=True)
    Generation.objects.filter(pk=1).update(value=F("value") + 1)


@dataclass
class Matched:
    """Every document a match found, best score first: parallel arrays of ids, scores and the
    code of the document's (source, *facets) combination; how many documents each combination
    has; each source's positions in the arrays; and the ranking columns of the documents that
    have been candidates (``services._ranked_by``: a few hundred, the best)."""

    ids: array[int] = field(default_factory=lambda: array("q"))
    scores: array[float] = field(default_factory=lambda: array("d"))
    codes: array[int] = field(default_factory=lambda: array("I"))
    combinations: list[tuple[str, ...]] = field(default_factory=list)
    counts: Counter[int] = field(default_factory=Counter)
    positions: dict[str, array[int]] = field(default_factory=dict)  # unsigned 32-bit
    columns: dict[int, Any] = field(default_factory=dict)
    #: The second score (``rescored``) of the documents that have been candidates.
    rescores: dict[int, float] = field(default_factory=dict)

    @classmethod
    def of(cls, rows: Iterable[tuple[Any, ...]]) -> Matched:
        """From the backend's rows: (id, score, source, *FACETS), best first."""
        # Per row only dict look-ups and appends: a common word matches tens of thousands of
        # documents, and a generator and a new array per row were most of a new match's time.
        found = cls()
        ids, scores, row_codes = found.ids, found.scores, found.codes
        combinations: list[tuple[str, ...]] = []
        by_row: dict[tuple[Any, ...], int] = {}  # the row's own values (None or "")
        by_key: dict[tuple[str, ...], int] = {}
        source_positions: list[array[int]] = []  # of each code, its source's positions
        for position, row in enumerate(rows):
            values = row[2:]
            code = by_row.get(values)
            if code is None:
                key = tuple(value or "" for value in values)
                code = by_key.get(key)
                if code is None:
                    code = by_key[key] = len(combinations)
                    combinations.append(key)
                    source_positions.append(found.positions.setdefault(key[0], array("I")))
                by_row[values] = code
            ids.append(row[0])
            scores.append(row[1])
            row_codes.append(code)
            source_positions[code].append(position)
        found.combinations = combinations
        found.counts = Counter(row_codes)
        return found

    def __len__(self) -> int:
        return len(self.ids)


class Kept:
    """The matches this process keeps (``core.runtime``), least recently used dropped first
    once they hold more than ``KEPT_ROWS`` documents."""

    def __init__(self, rows: int = KEPT_ROWS) -> None:
        self.rows = rows
        self.held = 0
        self.hits = 0
        self.misses = 0
        self._lock = threading.Lock()
        self._matches: OrderedDict[tuple[Any, ...], Matched] = OrderedDict()

    def reset(self) -> None:
        with self._lock:
            self._matches.clear()
            self.held = self.hits = self.misses = 0

    def get(self, key: tuple[Any, ...]) -> Matched | None:
        with self._lock:
            found = self._matches.get(key)
            if found is None:
                self.misses += 1
                return None
            self.hits += 1
            self._matches.move_to_end(key)
            return found

    def put(self, key: tuple[Any, ...], found: Matched) -> None:
        if len(found) > self.rows:
            return
        with self._lock:
            if key in self._matches:
                return
            self._matches[key] = found
            self.held += len(found)
            while self.held > self.rows:
                _, dropped = self._matches.popitem(last=False)
                self.held -= len(dropped)


kept = runtime.register("search.matches", Kept())


def _signature(match: Match) -> tuple[Any, ...]:
    groups = tuple((tuple(g.terms), tuple(g.grams), g.prefix) for g in match.groups)
    return (groups, tuple(match.optional), match.any_group, match.title_only, match.best)


def matched(match: Match) -> Matched:
    """Every document ``match`` finds, whoever asks: kept, shared by another process, or
    matched now (and kept, and shared when small)."""
    key = (connection.alias, generation(), _signature(match))
    found = kept.get(key)
    if found is None:
        shared = _shared_key(key) if _cache_is_shared() else None
        rows = cache.get(shared) if shared else None
        if rows is None:
            rows = backend().matched(match)
            if shared and len(rows) <= SHARED_ROWS:
                cache.set(shared, rows, SHARED_SECONDS)
        found = Matched.of(rows)
        kept.put(key, found)
    return found


def _cache_is_shared() -> bool:
    """Whether the cache reaches beyond this process: the embedded default's is inside it,
    where the kept matches already are."""
    return not isinstance(caches["default"], LocMemCache)


def _shared_key(key: tuple[Any, ...]) -> str:
    """The cache's key of a kept match's: the signature's words may be long, and any text."""
    return "search:match:" + hashlib.sha256(repr(key).encode()).hexdigest()


def rescored(found: Matched, match: Match, candidates: list[Candidate]) -> list[Candidate]:
    """The candidates by the backend's second score (``Backend.rescored``), best first, each
    document's remembered with the kept match: PostgreSQL's BM25 of 400 candidates costs
    5-15 ms, and the same best documents of a query come up search after search. A document's
    score depends only on the match and the collection's statistics (kept as long)."""
    known = found.rescores
    missing = [candidate for candidate in candidates if candidate.document_id not in known]
    if missing:
        for candidate in backend().rescored(match, missing):
            known[candidate.document_id] = candidate.score
    scored = [Candidate(c.document_id, known[c.document_id]) for c in candidates]
    scored.sort(key=lambda candidate: (-candidate.score, candidate.document_id))
    return scored


@dataclass
class Scoped:
    """What one asker may open of a match: how many, their facets' counts, and the best
    ``limit`` as candidates for the second ranking step."""

    total: int = 0
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    candidates: list[Candidate] = field(default_factory=list)


def scoped(found: Matched, scope: Any, chosen: Mapping[str, str] | None, limit: int) -> Scoped:
    """``found`` as the asker sees it: the documents of the sources whose every document they
    may open (``scope.whole_sources``), and of the others those the database says their
    ``scope`` (``services.Scope``) allows; of the facet values ``chosen``."""
    whole_sources = scope.whole_sources
    wanted = [
        (FACETS.index(name) + 1, value)
        for name, value in (chosen or {}).items()
        if name in FACETS and value is not None
    ]
    allowed_codes = {
        code
        for code, combination in enumerate(found.combinations)
        if all(combination[index] == value for index, value in wanted)
    }
    asked = [
        found.ids[position]
        for source, positions in found.positions.items()
        if source not in whole_sources
        for position in positions
        if found.codes[position] in allowed_codes
    ]
    allowed_ids = _allowed(asked, scope.sql, list(scope.params))
    per_code: Counter[int] = Counter()
    for code in allowed_codes:
        if found.combinations[code][0] in whole_sources:
            per_code[code] = found.counts[code]
    for source, positions in found.positions.items():
        if source not in whole_sources:
            for position in positions:
                if found.ids[position] in allowed_ids:
                    per_code[found.codes[position]] += 1
    result = Scoped(total=sum(per_code.values()))
    counts: dict[str, Counter[str]] = {name: Counter() for name in FACETS}
    for code, n in per_code.items():
        combination = found.combinations[code]
        for index, name in enumerate(FACETS, start=1):
            if combination[index]:
                counts[name][combination[index]] += n
    result.facets = {
        name: sorted(counts[name].items(), key=lambda item: (-item[1], item[0]))[:FACET_VALUES]
        for name in FACETS
        if counts[name]
    }
    ids, scores, codes, combinations = found.ids, found.scores, found.codes, found.combinations
    for position in range(len(ids)):
        code = codes[position]
        if code not in allowed_codes:
            continue
        if combinations[code][0] in whole_sources or ids[position] in allowed_ids:
            result.candidates.append(Candidate(ids[position], scores[position]))
            if len(result.candidates) >= limit:
                break
    return result


def _allowed(ids: list[int], sql: str, params: list[Any]) -> set[int]:
    """Which of these documents the scope ``sql`` allows, asked of the database now."""
    if not ids:
        return set()
    among, among_param = backend().among_ids_sql(ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT search_document.id FROM search_document WHERE {among} AND ({sql})",  # noqa: S608 (the scope Django compiled; values as parameters)
            [among_param, *params],
        )
        return {pk for (pk,) in cursor.fetchall()}
