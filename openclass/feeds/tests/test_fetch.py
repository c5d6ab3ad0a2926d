"""Fetching outside catalogs over real HTTP (a server the test starts on 127.0.0.1): a JSON or
CSV feed, an OAI-PMH endpoint paged by resumptionToken with a deleted record, entries updated
and removed on a later fetch, a bad source that changes nothing, and the schedule."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from openclass.accounts.tests.fixtures import City
from openclass.feeds import services, tasks
from openclass.feeds.models import OutsideCatalog, OutsideEntry

from .fixtures import Source, make_catalog, oai_page, oai_record

pytestmark = pytest.mark.django_db


def rows(*numbers: int, title: str = "진로 탐색 {n}") -> list[dict[str, object]]:
    return [
        {
            "id": f"e{n}",
            "title": title.format(n=n),
            "url": f"https://jinro.example.org/{n}",
            "tags": ["진로"],
            "grade_band": "high",
            "published": "2025-03-01",
        }
        for n in numbers
    ]


def serve_json(source: Source, entries: list[dict[str, object]]) -> None:
    source.serve(200, "application/json", json.dumps(entries, ensure_ascii=False))


def titles(catalog: OutsideCatalog) -> dict[str, str]:
    return dict(catalog.entries.values_list("identifier", "title"))


def test_a_json_feed_is_fetched_then_updated_and_trimmed(source: Source) -> None:
    serve_json(source, rows(1, 2, 3))
    catalog = make_catalog(source.url + "/feed")
    done = services.fetch_catalog(catalog)
    assert (done.added, done.updated, done.removed, done.total) == (3, 0, 0, 3)
    assert titles(catalog) == {"e1": "진로 탐색 1", "e2": "진로 탐색 2", "e3": "진로 탐색 3"}
    assert catalog.last_outcome == OutsideCatalog.Outcome.OK
    assert catalog.entry_count == 3 and catalog.last_fetched_at is not None
    assert catalog.fetching_since is None
    untouched = OutsideEntry.objects.get(identifier="e1").fetched_at

    # The next fetch: e2 retitled, e3 gone, e4 new, e1 the same (not written again).
    changed = rows(1, 4)
    changed.insert(1, rows(2, title="진로 로드맵 {n}")[0])
    serve_json(source, changed)
    done = services.fetch_catalog(catalog)
    assert (done.added, done.updated, done.removed, done.total) == (1, 1, 1, 3)
    assert titles(catalog) == {"e1": "진로 탐색 1", "e2": "진로 로드맵 2", "e4": "진로 탐색 4"}
    assert OutsideEntry.objects.get(identifier="e1").fetched_at == untouched
    assert catalog.entry_count == 3


def test_a_csv_feed_is_told_by_its_content_type(source: Source) -> None:
    source.serve(
        200,
        "text/csv; charset=utf-8",
        'id,title,url,tags\r\nk1,교통안전 수칙,https://a.example.org/1,"안전 교육, 교통안전"\r\n',
    )
    catalog = make_catalog(source.url + "/export")
    services.fetch_catalog(catalog)
    entry = catalog.entries.get()
    assert (entry.title, entry.tag_list()) == ("교통안전 수칙", ("안전 교육", "교통안전"))


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        ((200, "application/json", '[{"id": "x", "title": "t", "url": "gopher://a"}]'), "Entry 1"),
        ((200, "application/json", "[{"), "cannot be read"),
        ((500, "text/plain", "oops"), "HTTP 500"),
        ((404, "text/html", "<h1>no</h1>"), "HTTP 404"),
    ],
)
def test_a_bad_source_changes_nothing_and_says_why(
    source: Source, answer: tuple[int, str, str], says: str
) -> None:
    serve_json(source, rows(1, 2))
    catalog = make_catalog(source.url + "/feed.json")
    services.fetch_catalog(catalog)
    before = list(catalog.entries.values_list("pk", "identifier", "title", "fetched_at"))

    source.serve(*answer)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.fetch_catalog(catalog)
    assert says in refused.value.messages[0]
    assert list(catalog.entries.values_list("pk", "identifier", "title", "fetched_at")) == before
    catalog.refresh_from_db()
    assert catalog.last_outcome == OutsideCatalog.Outcome.FAILED
    assert says in catalog.last_error
    assert catalog.entry_count == 2  # the entries kept are those of the fetch before
    assert catalog.fetching_since is None

    # The next good fetch clears the error.
    serve_json(source, rows(1))
    services.fetch_catalog(catalog)
    catalog.refresh_from_db()
    assert (catalog.last_outcome, catalog.last_error, catalog.entry_count) == ("ok", "", 1)


def test_an_answer_over_the_size_limit_is_refused(
    source: Source, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "MAX_BYTES", 1000)
    serve_json(source, rows(*range(50)))
    catalog = make_catalog(source.url + "/feed.json")
    with translation.override("en"), pytest.raises(ValidationError, match="larger than"):
        services.fetch_catalog(catalog)
    assert not catalog.entries.exists()


def test_a_server_that_is_not_there(source: Source) -> None:
    from openclass.core.server import free_port

    catalog = make_catalog(f"http://127.0.0.1:{free_port()}/feed.json")
    with translation.override("en"), pytest.raises(ValidationError, match="could not be reached"):
        services.fetch_catalog(catalog)


def test_only_http_and_https_are_registered_or_fetched(city: City) -> None:
    details = services.CatalogDetails(
        name="x", site_name="x", kind=OutsideCatalog.Kind.FEED, url="file:///etc/passwd"
    )
    with pytest.raises(ValidationError) as refused:
        services.register_catalog(city.office_admin, details)
    assert "url" in refused.value.message_dict
    assert not OutsideCatalog.objects.exists()
    # One stored by other means is not fetched either.
    catalog = make_catalog("file:///etc/passwd")
    with pytest.raises(ValidationError):
        services.fetch_catalog(catalog)
    catalog.refresh_from_db()
    assert catalog.last_outcome == OutsideCatalog.Outcome.FAILED


def oai_repository(pages: dict[str | None, bytes]):
    """A repository answering ListRecords (oai_dc) with ``pages`` by resumption token (None:
    the first page); anything else is badArgument."""

    def answer(path: str, query: dict[str, str]) -> tuple[int, str, bytes]:
        if path != "/oai" or query.get("verb") != "ListRecords":
            return 200, "text/xml", oai_page([], error="badVerb")
        if "resumptionToken" in query:
            token: str | None = query["resumptionToken"]
            if set(query) != {"verb", "resumptionToken"}:
                return 200, "text/xml", oai_page([], error="badArgument")
        else:
            token = None
            if query.get("metadataPrefix") != "oai_dc":
                return 200, "text/xml", oai_page([], error="cannotDisseminateFormat")
        if token not in pages:
            return 200, "text/xml", oai_page([], error="badResumptionToken")
        return 200, "text/xml; charset=utf-8", pages[token]

    return answer


def test_an_oai_pmh_endpoint_is_harvested_page_by_page(source: Source) -> None:
    source.answer = oai_repository(
        {
            None: oai_page(
                [
                    oai_record(
                        "oai:jinro:1",
                        "간호사가 되려면",
                        "https://jinro.example.org/1",
                        subjects=("진로", "보건"),
                    ),
                    oai_record("oai:jinro:2", "소방관 인터뷰", "https://jinro.example.org/2"),
                    oai_record("oai:jinro:3", "경찰관의 하루", "https://jinro.example.org/3"),
                ],
                token="p2 &2",
            ),
            "p2 &2": oai_page(
                [
                    oai_record("oai:jinro:4", "진로 포트폴리오", "https://jinro.example.org/4"),
                    oai_record("oai:jinro:2", deleted=True),  # deleted since page 1 was read
                    oai_record("oai:jinro:9", deleted=True),  # never seen: nothing to do
                ],
                token="",
            ),
        }
    )
    catalog = make_catalog(source.url + "/oai", kind=OutsideCatalog.Kind.OAI, oai_set="jinro")
    done = services.fetch_catalog(catalog)
    assert titles(catalog) == {
        "oai:jinro:1": "간호사가 되려면",
        "oai:jinro:3": "경찰관의 하루",
        "oai:jinro:4": "진로 포트폴리오",
    }
    assert done.total == 3
    assert catalog.entries.get(identifier="oai:jinro:1").tag_list() == ("진로", "보건")
    assert source.asked == [
        ("/oai", {"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "jinro"}),
        ("/oai", {"verb": "ListRecords", "resumptionToken": "p2 &2"}),
    ]

    # Later the repository marks 3 deleted and changes 1's title: the entries follow.
    source.answer = oai_repository(
        {
            None: oai_page(
                [
                    oai_record("oai:jinro:1", "간호사 진로 로드맵", "https://jinro.example.org/1"),
                    oai_record("oai:jinro:3", deleted=True),
                ],
                token="next",
            ),
            "next": oai_page(
                [oai_record("oai:jinro:4", "진로 포트폴리오", "https://jinro.example.org/4")]
            ),
        }
    )
    done = services.fetch_catalog(catalog)
    assert (done.added, done.updated, done.removed) == (0, 1, 1)
    assert titles(catalog) == {
        "oai:jinro:1": "간호사 진로 로드맵",
        "oai:jinro:4": "진로 포트폴리오",
    }


def test_an_oai_pmh_error_on_a_later_page_changes_nothing(source: Source) -> None:
    source.answer = oai_repository(
        {None: oai_page([oai_record("oai:a:1", "하나", "https://a.example.org/1")])}
    )
    catalog = make_catalog(source.url + "/oai", kind=OutsideCatalog.Kind.OAI)
    services.fetch_catalog(catalog)
    source.answer = oai_repository(
        {None: oai_page([oai_record("oai:a:2", "둘", "https://a.example.org/2")], token="gone")}
    )
    with translation.override("en"), pytest.raises(ValidationError, match="badResumptionToken"):
        services.fetch_catalog(catalog)
    assert titles(catalog) == {"oai:a:1": "하나"}


def test_a_catalog_being_fetched_is_not_fetched_again(source: Source) -> None:
    serve_json(source, rows(1))
    catalog = make_catalog(source.url + "/feed.json")
    assert services.claim(catalog)
    with pytest.raises(ValidationError) as refused:
        services.fetch_catalog(catalog)
    assert refused.value.code == "busy"
    assert source.asked == []
    # A claim left by a worker that died an hour ago is taken over.
    stale = timezone.now() - datetime.timedelta(seconds=services.CLAIM_SECONDS + 1)
    OutsideCatalog.objects.filter(pk=catalog.pk).update(fetching_since=stale)
    services.fetch_catalog(catalog)
    assert catalog.entry_count == 1


def test_the_schedule_fetches_the_due_catalogs_only(source: Source, huey_immediate: object) -> None:
    serve_json(source, rows(1, 2))
    now = timezone.now()
    never = make_catalog(source.url + "/never.json", name="never")
    overdue = make_catalog(
        source.url + "/overdue.json",
        name="overdue",
        interval_hours=6,
        last_fetched_at=now - datetime.timedelta(hours=7),
    )
    recent = make_catalog(
        source.url + "/recent.json",
        name="recent",
        interval_hours=6,
        last_fetched_at=now - datetime.timedelta(hours=5),
    )
    disabled = make_catalog(source.url + "/disabled.json", name="disabled", is_active=False)
    assert {c.name for c in services.due_catalogs(now)} == {"never", "overdue"}

    tasks.fetch_due_catalogs_task.call_local()
    assert sorted(path for path, _query in source.asked) == ["/never.json", "/overdue.json"]
    for catalog in (never, overdue, recent, disabled):
        catalog.refresh_from_db()
    assert never.entry_count == overdue.entry_count == 2
    assert recent.entry_count == disabled.entry_count == 0
    assert services.due_catalogs() == []
