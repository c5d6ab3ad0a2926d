"""The index's words in an SQLite FTS5 table, ranked by FTS5's BM25 with the field weights."""

from __future__ import annotations

import json
from typing import Any

from django.db import connection

from . import (
    BODY,
    BODY_GRAMS,
    FACETS,
    TAGS,
    TITLE,
    TITLE_GRAMS,
    Candidate,
    Fields,
    Group,
    Match,
)

TABLE = "search_fts"
COLUMNS = ("title", "tags", "body", "title_grams", "body_grams")
_BM25 = f"bm25({TABLE}, {TITLE}, {TAGS}, {BODY}, {TITLE_GRAMS}, {BODY_GRAMS})"


def _quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _group(group: Group, term_columns: str, gram_columns: str) -> str:
    parts = []
    if group.terms:
        terms = " OR ".join(_quote(term) for term in dict.fromkeys(group.terms))
        parts.append(f"{term_columns}: ({terms})")
    if group.grams:
        grams = " OR ".join(_quote(gram) for gram in dict.fromkeys(group.grams))
        parts.append(f"{gram_columns}: ({grams})")
    if group.prefix:
        parts.append(f"{term_columns}: {_quote(group.prefix)}*")
        parts.append(f"{gram_columns}: {_quote(group.prefix[:2])}*")
    return "(" + " OR ".join(parts) + ")" if parts else ""


def expression(match: Match) -> str:
    """The FTS5 query: every group (any of its terms in the term columns, its bigrams in the
    bigram columns, its prefix in both), or any group with ``any_group``."""
    term_columns = "{title}" if match.title_only else "{title tags body}"
    gram_columns = "{title_grams}" if match.title_only else "{title_grams body_grams}"
    groups = [g for g in (_group(group, term_columns, gram_columns) for group in match.groups) if g]
    joiner = " OR " if match.any_group else " AND "
    asked = joiner.join(groups)
    if asked and match.optional:
        # FTS5's bm25 scores every phrase of the query: the optional terms join a branch that
        # is true whenever the first group is, so they count without being asked for.
        optional = " OR ".join(_quote(term) for term in dict.fromkeys(match.optional))
        asked = f"({asked}) AND ({groups[0]} OR {term_columns}: ({optional}))"
    return asked


class SqliteBackend:
    vendor = "sqlite"

    def install(self, cursor: Any) -> None:
        # unicode61 splits on what is not a letter or digit, as our tokens already are; it keeps
        # Hangul syllables whole. prefix='1 2' indexes one- and two-character prefixes for
        # suggestions as one types.
        cursor.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5("
            f"{', '.join(COLUMNS)}, tokenize='unicode61 remove_diacritics 0', prefix='1 2')"
        )

    def write(self, fields: list[Fields]) -> None:
        if not fields:
            return
        with connection.cursor() as cursor:
            cursor.executemany(
                f"DELETE FROM {TABLE} WHERE rowid = %s", [(f.document_id,) for f in fields]
            )
            cursor.executemany(
                f"INSERT INTO {TABLE} (rowid, {', '.join(COLUMNS)})"
                " VALUES (%s, %s, %s, %s, %s, %s)",
                [
                    (
                        f.document_id,
                        " ".join(f.title),
                        " ".join(f.tags),
                        " ".join(f.body),
                        " ".join(f.title_grams),
                        " ".join(f.body_grams),
                    )
                    for f in fields
                ],
            )

    def delete(self, document_ids: list[int]) -> None:
        with connection.cursor() as cursor:
            cursor.executemany(
                f"DELETE FROM {TABLE} WHERE rowid = %s", [(pk,) for pk in document_ids]
            )

    def statistics_changed(self) -> None:
        """Nothing to do: FTS5 keeps its own statistics."""

    def matched(self, match: Match) -> list[tuple[Any, ...]]:
        query = expression(match)
        if not query:
            return []
        sql = (
            f"SELECT search_document.id, -{_BM25} AS score, search_document.source, "
            f"{', '.join(f'search_document.{name}' for name in FACETS)} FROM {TABLE} "
            f"JOIN search_document ON search_document.id = {TABLE}.rowid "
            f"WHERE {TABLE} MATCH %s ORDER BY score DESC, search_document.id"
        )
        params: list[Any] = [query]
        if match.best is not None:
            sql += " LIMIT %s"
            params.append(match.best)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def rescored(self, match: Match, candidates: list[Candidate]) -> list[Candidate]:
        """Nothing to do: FTS5's BM25 is the score already."""
        return candidates

    def among_ids_sql(self, ids: list[int]) -> tuple[str, Any]:
        return "search_document.id IN (SELECT value FROM json_each(%s))", json.dumps(ids)
