"""What the outside catalogs put in the search index: each entry of an active catalog, linking
out to the outside site (its own address). The source site facet is the catalog's site name.

An entry whose address is on a site of the login hub (``hub.Site``, by its ``home_url``'s host)
links to that same address: such a site signs people in through openclass by itself (its
"openclass로 로그인" is one silent round trip for a person already signed in here, and a trusted
site asks no consent), so nothing is added to the link. Anyone signed in may open an outside
entry (``visible`` answers the keys of active catalogs' entries)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from openclass.core.registry import SearchDocument, SearchSource, same_for_everyone

from .models import OutsideCatalog, OutsideEntry

#: Entries read at a time when everything is indexed.
CHUNK = 2000


def document(entry: OutsideEntry) -> SearchDocument:
    return SearchDocument(
        key=entry.pk,
        title=entry.title,
        url=entry.url,
        body=entry.description,
        tags=entry.tag_list(),
        area=entry.area,
        grade_band=entry.grade_band,
        audience=entry.audience,
        site=entry.catalog.site_name,
        popularity=0,
        published_at=entry.published_at,
    )


def documents(keys: Iterable[int] | None) -> Iterator[SearchDocument]:
    """The documents of those entries (None: every entry) that belong to an active catalog; an
    inactive catalog's entries are not yielded, so the index drops them."""
    entries = OutsideEntry.objects.filter(catalog__is_active=True).select_related("catalog")
    if keys is not None:
        wanted = sorted(set(keys))
        for start in range(0, len(wanted), CHUNK):
            for entry in entries.filter(pk__in=wanted[start : start + CHUNK]).order_by("pk"):
                yield document(entry)
        return
    last = 0
    while True:
        chunk = list(entries.filter(pk__gt=last).order_by("pk")[:CHUNK])
        if not chunk:
            return
        for entry in chunk:
            yield document(entry)
        last = chunk[-1].pk


def visible(user: Any) -> Any:
    """Every signed-in person may open an outside entry, of an active catalog only."""
    return OutsideEntry.objects.filter(catalog__is_active=True).values("pk")


def _catalog_entries(catalog: OutsideCatalog) -> list[int]:
    """A catalog's site name or state changed: all its entries' documents change."""
    return list(OutsideEntry.objects.filter(catalog=catalog).values_list("pk", flat=True))


SOURCE = SearchSource(
    name="feeds.entry",
    kind="outside",
    model=OutsideEntry,
    documents=documents,
    visible=visible,
    alike=same_for_everyone,
    watch=((OutsideCatalog, _catalog_entries),),
)
