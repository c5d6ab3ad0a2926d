"""The outside entries' search source (``feeds.search``): registered, its documents (the
entry's outside address, the catalog's site as the source site), and an inactive catalog's
entries neither yielded nor visible."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from openclass.accounts.tests.fixtures import City
from openclass.core.registry import search_source
from openclass.feeds import search
from openclass.feeds.models import OutsideEntry

from .fixtures import make_catalog

pytestmark = pytest.mark.django_db


def entry(catalog, identifier: str, **fields) -> OutsideEntry:
    values = {
        "title": f"진로 {identifier}",
        "url": f"https://jinro.example.org/{identifier}",
        "fetched_at": timezone.now(),
    }
    values.update(fields)
    return OutsideEntry.objects.create(catalog=catalog, identifier=identifier, **values)


def test_the_source_is_registered() -> None:
    source = search_source("feeds.entry")
    assert source.kind == "outside"
    assert source.model is OutsideEntry
    assert source.documents is search.documents


def test_documents_of_active_catalogs_only(city: City, monkeypatch: pytest.MonkeyPatch) -> None:
    active = make_catalog("https://jinro.example.org/feed.json", site_name="진로진학정보센터")
    hidden = make_catalog("https://old.example.org/feed.json", name="old", site_name="옛 사이트")
    when = timezone.now() - datetime.timedelta(days=3)
    first = entry(
        active,
        "a",
        description="간호사가 되려면",
        tags="진로\n보건",
        area="진로교육",
        grade_band="high",
        audience="student",
        published_at=when,
    )
    second = entry(active, "b")
    gone = entry(hidden, "c")
    hidden.is_active = False
    hidden.save()

    monkeypatch.setattr(search, "CHUNK", 1)  # every chunk boundary crossed
    documents = {d.key: d for d in search.documents(None)}
    assert set(documents) == {first.pk, second.pk}
    document = documents[first.pk]
    assert (document.title, document.url, document.body) == (
        "진로 a",
        "https://jinro.example.org/a",
        "간호사가 되려면",
    )
    assert document.tags == ("진로", "보건")
    assert (document.area, document.grade_band, document.audience) == (
        "진로교육",
        "high",
        "student",
    )
    assert (document.site, document.popularity, document.published_at) == (
        "진로진학정보센터",
        0,
        when,
    )
    assert [d.key for d in search.documents([gone.pk, second.pk, 999_999])] == [second.pk]

    visible = set(search.visible(city.north.student_a1).values_list("pk", flat=True))
    assert visible == {first.pk, second.pk}
    # A catalog's change re-indexes its entries.
    assert sorted(search._catalog_entries(hidden)) == [gone.pk]
