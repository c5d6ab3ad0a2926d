"""The index's words as PostgreSQL ``tsvector`` columns with GIN indexes, ranked by BM25.

``search_document`` has, on PostgreSQL only, three columns Django's model does not name
(added by the migration; flushing or deleting a document takes them with it): ``vector_terms``
(title weighted A, tags B, body C), ``vector_grams`` (bigrams: title A, body D) and
``vector_length``, built with the ``simple`` configuration over our own tokens
(``search.analysis``), so PostgreSQL neither stems nor drops a word. PostgreSQL has no
BM25 of its own (``ts_rank`` counts frequencies without the collection's document frequencies):
the matches are first ordered by ``ts_rank`` with the field weights, and the best of them are
scored by BM25 in SQL from each lexeme's weighted frequency, the document's length and the
term's document frequency (counted once and cached). ``pg_trgm`` indexes the titles (upper-cased,
as Django's ``icontains`` asks) for suggestions from part of a word.

Suggestions match titles only. A weight in a ``tsquery`` (``독:*A``) is checked on the row, not
in the GIN index, so a title match through ``vector_terms``'s index fetched every document with
the word anywhere; two expression indexes keep only the titles' lexemes (``ts_filter`` of
weight A), and a title match asks them without weights. Measured at 100,000 documents: the 716
beginnings the search bench types went from 16.2 s to 6.1 s, p95 125 to 30 ms, with the same
rows.
"""

from __future__ import annotations

import math
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction

from . import BODY, BODY_GRAMS, FACETS, TAGS, TITLE, TITLE_GRAMS, Candidate, Fields, Match

TABLE = "search_document"
#: BM25's parameters, the usual ones (Robertson's k1 and b).
K1, B = 1.2, 0.75
#: Document frequencies and the collection's size are counted at most this often.
STATS_SECONDS = 600

# ts_rank's weights are {D, C, B, A}, each at most 1: the field weights scaled to the title's.
_TERM_WEIGHTS = f"'{{0, {BODY / TITLE}, {TAGS / TITLE}, 1}}'"
_GRAM_WEIGHTS = f"'{{{BODY_GRAMS / TITLE}, 0, 0, {TITLE_GRAMS / TITLE}}}'"
_TERM_TF = f"CASE w WHEN 'A' THEN {TITLE} WHEN 'B' THEN {TAGS} ELSE {BODY} END"
_GRAM_TF = f"CASE w WHEN 'A' THEN {TITLE_GRAMS} ELSE {BODY_GRAMS} END"
#: A vector cut down to the lexemes of a parameter (``ts_delete`` of every other one).
_ONLY = "ts_delete({vector}, tsvector_to_array(ts_delete({vector}, %s::text[])))"
#: A vector's title lexemes only: the expression the title indexes are built on, written the
#: same way in a query so the planner uses them.
_TITLE_OF = "ts_filter({TABLE}.{column}, '{{a}}')"
#: The planner's costs for a match (``SET LOCAL``, this transaction only). PostgreSQL's default
#: random_page_cost (4) models a spinning disk; the index and the table are in memory, and with
#: 4 a one-syllable prefix (about 34,000 of 100,000 titles) was read by scanning the whole table
#: in 150 ms rather than through the title index in 60. 1.1 is the value PostgreSQL's manual
#: gives for solid-state storage. work_mem lets the match's sort stay in memory.
_PLANNER = (
    "SELECT set_config('random_page_cost', '1.1', true), set_config('work_mem', '16MB', true)"
)


def _tsquery(tokens: list[str], prefix: str, title_only: bool = False) -> str:
    """Operands joined by OR for ``to_tsquery('simple', …)``, of the title's weight only with
    ``title_only``: our tokens are letters and digits only (``analysis``), so none needs
    quoting."""
    weight = "A" if title_only else ""
    operands = [f"{token}:{weight}" if weight else token for token in dict.fromkeys(tokens)]
    if prefix:
        operands.append(f"{prefix}:*{weight}")
    return " | ".join(operands)


class PostgresBackend:
    vendor = "postgresql"

    def install(self, cursor: Any) -> None:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        cursor.execute(
            f"ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS vector_terms tsvector,"
            " ADD COLUMN IF NOT EXISTS vector_grams tsvector,"
            " ADD COLUMN IF NOT EXISTS vector_length integer NOT NULL DEFAULT 0"
        )
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {TABLE}_vector_terms ON {TABLE} USING gin (vector_terms)"
        )
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {TABLE}_vector_grams ON {TABLE} USING gin (vector_grams)"
        )
        # Django writes ``title__icontains`` as ``UPPER(title::text) LIKE UPPER(%s)``: the index
        # is on that expression, or the suggestions' part-of-a-word look-up reads every title.
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {TABLE}_title_upper_trgm ON {TABLE}"
            " USING gin ((upper(title::text)) gin_trgm_ops)"
        )
        for column in ("vector_terms", "vector_grams"):
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {TABLE}_title_{column.split('_')[1]} ON {TABLE}"
                f" USING gin ((ts_filter({column}, '{{a}}')))"
            )

    def write(self, fields: list[Fields]) -> None:
        if not fields:
            return
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {TABLE} SET vector_terms ="
                " setweight(to_tsvector('simple', %s), 'A')"
                " || setweight(to_tsvector('simple', %s), 'B')"
                " || setweight(to_tsvector('simple', %s), 'C'),"
                " vector_grams = setweight(to_tsvector('simple', %s), 'A')"
                " || setweight(to_tsvector('simple', %s), 'D'), vector_length = %s WHERE id = %s",
                [
                    (
                        " ".join(f.title),
                        " ".join(f.tags),
                        " ".join(f.body),
                        " ".join(f.title_grams),
                        " ".join(f.body_grams),
                        len(f.title) + len(f.tags) + len(f.body),
                        f.document_id,
                    )
                    for f in fields
                ],
            )

    def delete(self, document_ids: list[int]) -> None:
        """Nothing to do: the words go with the document's row."""

    def statistics_changed(self) -> None:
        """The collection's size and mean length are counted again at the next search."""
        cache.delete("search:pg:collection")

    def _condition(self, match: Match) -> tuple[str, list[Any]]:
        """Every group (``any_group``: one of them) as ``vector_terms @@ …`` or
        ``vector_grams @@ …`` (of their titles' lexemes with ``title_only``), each answered by
        its GIN index."""
        terms_of, grams_of = f"{TABLE}.vector_terms", f"{TABLE}.vector_grams"
        if match.title_only:
            terms_of = _TITLE_OF.format(TABLE=TABLE, column="vector_terms")
            grams_of = _TITLE_OF.format(TABLE=TABLE, column="vector_grams")
        groups, params = [], []
        for group in match.groups:
            parts = []
            terms = _tsquery(group.terms, group.prefix)
            grams = _tsquery(group.grams, group.prefix[:2])
            if terms:
                parts.append(f"{terms_of} @@ to_tsquery('simple', %s)")
                params.append(terms)
            if grams:
                parts.append(f"{grams_of} @@ to_tsquery('simple', %s)")
                params.append(grams)
            if parts:
                groups.append("(" + " OR ".join(parts) + ")")
        return (" OR " if match.any_group else " AND ").join(groups), params

    def _collection(self) -> tuple[int, float]:
        """How many documents there are and their mean length (BM25's N and avgdl)."""
        found = cache.get("search:pg:collection")
        if found is None:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT count(*), coalesce(avg(vector_length), 1) FROM {TABLE}")
                count, mean = cursor.fetchone()
            found = (int(count), max(float(mean), 1.0))
            cache.set("search:pg:collection", found, STATS_SECONDS)
        return found

    def _idf(self, tokens: list[str], column: str, total: int) -> list[float]:
        """BM25's inverse document frequency of each token, from counts cached a while."""
        keys = {token: f"search:pg:df:{column}:{token}" for token in tokens}
        known = cache.get_many(list(keys.values()))
        counts: dict[str, int] = {}
        with connection.cursor() as cursor:
            for token, key in keys.items():
                if key in known:
                    counts[token] = known[key]
                    continue
                cursor.execute(
                    f"SELECT count(*) FROM {TABLE} WHERE {column} @@ to_tsquery('simple', %s)",
                    [token],
                )
                counts[token] = int(cursor.fetchone()[0])
                cache.set(key, counts[token], STATS_SECONDS)
        return [
            math.log(1 + (total - counts[token] + 0.5) / (counts[token] + 0.5)) for token in tokens
        ]

    def _rank_sql(self, match: Match) -> tuple[str, list[Any]]:
        """``ts_rank`` with the field weights: the first score, which BM25 refines."""
        term_query = _tsquery(match.terms, match.prefix, match.title_only) or "x"
        gram_query = _tsquery(match.grams, match.prefix[:2], match.title_only) or "x"
        return (
            f"ts_rank({_TERM_WEIGHTS}, vector_terms, to_tsquery('simple', %s), 1)"
            f" + ts_rank({_GRAM_WEIGHTS}, vector_grams, to_tsquery('simple', %s), 1)",
            [term_query, gram_query],
        )

    def _bm25(
        self, match: Match, top_sql: str, top_params: list[Any], limit: int
    ) -> list[Candidate]:
        """BM25 of the documents ``top_sql`` picks (id, terms, grams, length, rank): our own, in
        SQL, from each lexeme's weighted frequency, added to their ``ts_rank``.

        Each vector is first cut down to the query's lexemes (``_ONLY``, in C), so only those
        are unnested: unnesting a whole document's vector to join it with the query was 80 %
        of a search on PostgreSQL (75 ms against 15 for 400 candidates of 20,000 documents)."""
        total, mean = self._collection()
        terms = list(dict.fromkeys(match.terms))
        grams = list(dict.fromkeys(match.grams))
        lexemes = terms + grams
        idf = self._idf(terms, "vector_terms", total) + self._idf(grams, "vector_grams", total)
        is_gram = [False] * len(terms) + [True] * len(grams)
        sql = f"""
        WITH top AS ({top_sql}), query (lexeme, idf, gram) AS (
            SELECT * FROM unnest(%s::text[], %s::float8[], %s::bool[])
        )
        SELECT top.id, top.rank + coalesce((
            SELECT sum(query.idf * s.tf * {K1 + 1}
                       / (s.tf + {K1} * ({1 - B} + {B} * top.length / %s)))
            FROM (
                SELECT u.lexeme, false AS gram,
                    (SELECT sum({_TERM_TF}) FROM unnest(u.weights) w) AS tf
                FROM unnest({_ONLY.format(vector="top.terms")}) u
                UNION ALL
                SELECT u.lexeme, true, (SELECT sum({_GRAM_TF}) FROM unnest(u.weights) w)
                FROM unnest({_ONLY.format(vector="top.grams")}) u
            ) s JOIN query ON query.lexeme = s.lexeme AND query.gram = s.gram
        ), 0) AS score
        FROM top ORDER BY score DESC, top.id LIMIT %s
        """
        with connection.cursor() as cursor:
            cursor.execute(sql, [*top_params, lexemes, idf, is_gram, mean, terms, grams, limit])
            return [Candidate(int(pk), float(score)) for pk, score in cursor.fetchall()]

    def matched(self, match: Match) -> list[tuple[Any, ...]]:
        condition, params = self._condition(match)
        if not condition:
            return []
        rank, rank_params = self._rank_sql(match)
        facets = ", ".join(FACETS)
        sql = (
            f"SELECT id, {rank} AS rank, source, {facets} FROM {TABLE} WHERE {condition}"
            " ORDER BY rank DESC, id"
        )
        params = [*rank_params, *params]
        if match.best is not None:
            sql += " LIMIT %s"
            params.append(match.best)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_PLANNER)
            cursor.execute(sql, params)
            return cursor.fetchall()

    def rescored(self, match: Match, candidates: list[Candidate]) -> list[Candidate]:
        """BM25 of the candidates, except for a title match (a suggestion): its ``ts_rank``
        already counts the title's words only, as SQLite's BM25 of the title column does, and
        BM25 over the whole document would count each typed beginning's documents anew at
        every keystroke (7 of a suggestion's 30 ms at 100,000 documents)."""
        if not candidates or match.title_only:
            return candidates
        rank, rank_params = self._rank_sql(match)
        top = (
            f"SELECT id, vector_terms AS terms, vector_grams AS grams, vector_length AS length,"
            f" {rank} AS rank FROM {TABLE} WHERE id = ANY(%s)"
        )
        ids = [candidate.document_id for candidate in candidates]
        return self._bm25(match, top, [*rank_params, ids], len(ids))

    def among_ids_sql(self, ids: list[int]) -> tuple[str, Any]:
        return "search_document.id = ANY(%s)", list(ids)
