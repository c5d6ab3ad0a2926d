"""The demo's open data served by the installation (``feeds.views.demo``): an OAI-PMH 2.0
repository (its verbs, paging by resumptionToken, deleted records, error codes) and the JSON
and CSV feeds; the demo catalogs registered by ``demo_data`` and fetched over real HTTP from
the installation itself, a few hundred entries, the career centre's found by "진로"."""

from __future__ import annotations

from xml.etree.ElementTree import Element

import pytest
from defusedxml.ElementTree import fromstring
from django.test import Client
from django.urls import reverse

from openclass.accounts.tests.fixtures import City
from openclass.core.registry import DemoOptions, search_source
from openclass.feeds import demo, services, tasks
from openclass.feeds.models import OutsideCatalog, OutsideEntry

OAI = "{http://www.openarchives.org/OAI/2.0/}"
DC = "{http://purl.org/dc/elements/1.1/}"
OAI_URL = reverse("feeds:demo_oai")


def ask(client: Client, **query: str) -> Element:
    response = client.get(OAI_URL, query)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    root: Element = fromstring(response.content)
    assert root.tag == OAI + "OAI-PMH"
    assert root.findtext(OAI + "responseDate", "").endswith("Z")
    return root


def error_of(root: Element) -> str | None:
    error = root.find(OAI + "error")
    return None if error is None else error.get("code")


def test_the_demo_has_a_few_hundred_entries_of_the_seed_sites() -> None:
    records = demo.demo_records()
    live = [record for record in records if not record.deleted]
    assert len(live) >= 300
    by_site = {site.slug: [r for r in live if r.site == site.slug] for site in demo.SITES}
    assert {site.name for site in demo.SITES} >= {
        "꿀박사",
        "사이버논술",
        "독서종합지원시스템",
        "진로진학정보센터",
        "학부모지원센터",
    }
    assert all(len(found) >= 30 for found in by_site.values())
    assert sum("진로" in r.title for r in by_site["jinro"]) >= 50
    assert sum(any("진로" in tag for tag in r.tags) for r in by_site["jinro"]) == len(
        by_site["jinro"]
    )
    for words in ("독도", "안전 교육", "교통안전"):
        assert sum(words in r.title or words in r.description or words in r.tags for r in live) >= 3
    assert len({r.identifier for r in records}) == len(records)
    assert any(record.deleted for record in records)


def test_identify_formats_and_sets(client: Client) -> None:
    identify = ask(client, verb="Identify").find(OAI + "Identify")
    assert identify is not None
    assert identify.findtext(OAI + "protocolVersion") == "2.0"
    assert identify.findtext(OAI + "baseURL") == "http://testserver" + OAI_URL
    assert identify.findtext(OAI + "deletedRecord") == "persistent"
    assert identify.findtext(OAI + "granularity") == "YYYY-MM-DD"
    formats = ask(client, verb="ListMetadataFormats")
    assert [e.text for e in formats.iter(OAI + "metadataPrefix")] == ["oai_dc"]
    sets = ask(client, verb="ListSets")
    assert {e.text for e in sets.iter(OAI + "setSpec")} == {"kocw", "jinro", "dokseo"}


def test_list_records_pages_through_every_record_of_a_set(client: Client) -> None:
    expected = [r for r in demo.demo_records() if r.site == "jinro"]
    seen: list[str] = []
    deleted: list[str] = []
    root = ask(client, verb="ListRecords", metadataPrefix="oai_dc", set="jinro")
    pages = 0
    while True:
        pages += 1
        listing = root.find(OAI + "ListRecords")
        assert listing is not None
        for record in listing.findall(OAI + "record"):
            header = record.find(OAI + "header")
            assert header is not None and header.findtext(OAI + "setSpec") == "jinro"
            identifier = header.findtext(OAI + "identifier", "")
            if header.get("status") == "deleted":
                deleted.append(identifier)
                assert record.find(OAI + "metadata") is None
            else:
                seen.append(identifier)
                assert record.findtext(f".//{DC}title")
                assert record.findtext(f".//{DC}identifier", "").startswith("https://jinro.")
        token = listing.find(OAI + "resumptionToken")
        if token is None or not token.text:
            break
        assert token.get("completeListSize") == str(len(expected))
        root = ask(client, verb="ListRecords", resumptionToken=token.text)
    assert pages == -(-len(expected) // 50) >= 2
    assert sorted(seen + deleted) == sorted(r.identifier for r in expected)
    assert sorted(deleted) == sorted(r.identifier for r in expected if r.deleted)


def test_get_record_and_list_identifiers(client: Client) -> None:
    record = demo.demo_records()[0]
    root = ask(client, verb="GetRecord", identifier=record.identifier, metadataPrefix="oai_dc")
    assert root.findtext(f".//{DC}title") == record.title
    headers = ask(client, verb="ListIdentifiers", metadataPrefix="oai_dc", set="dokseo")
    assert len(headers.findall(f".//{OAI}header")) == sum(
        r.site == "dokseo" for r in demo.demo_records()
    )
    assert headers.find(f".//{OAI}metadata") is None
    dated = ask(client, verb="ListIdentifiers", metadataPrefix="oai_dc", **{"from": "2099-01-01"})
    assert error_of(dated) == "noRecordsMatch"


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({}, "badVerb"),
        ({"verb": "Harvest"}, "badVerb"),
        ({"verb": "ListRecords"}, "badArgument"),
        ({"verb": "Identify", "set": "jinro"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "yesterday"}, "badArgument"),
        (
            {"verb": "ListRecords", "resumptionToken": "50|jinro||", "set": "jinro"},
            "badArgument",
        ),
        ({"verb": "ListRecords", "metadataPrefix": "marc21"}, "cannotDisseminateFormat"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "nope"}, "noRecordsMatch"),
        ({"verb": "ListRecords", "resumptionToken": "not-ours"}, "badResumptionToken"),
        ({"verb": "ListRecords", "resumptionToken": "99999|jinro||"}, "badResumptionToken"),
        (
            {"verb": "GetRecord", "identifier": "oai:x:1", "metadataPrefix": "oai_dc"},
            "idDoesNotExist",
        ),
        ({"verb": "GetRecord", "identifier": "oai:x:1"}, "badArgument"),
        ({"verb": "ListMetadataFormats", "identifier": "oai:x:1"}, "idDoesNotExist"),
    ],
)
def test_oai_pmh_errors(client: Client, query: dict[str, str], code: str) -> None:
    root = ask(client, **query)
    assert error_of(root) == code
    request = root.find(OAI + "request")
    assert request is not None
    if code in ("badVerb", "badArgument"):
        assert request.attrib == {}


def test_the_feeds_are_the_documented_columns(client: Client) -> None:
    answer = client.get(reverse("feeds:demo_feed_json"), {"site": "ggul"})
    assert answer["Content-Type"].startswith("application/json")
    entries = services.parse_feed("x.json", answer["Content-Type"], answer.content)
    assert len(entries) == sum(r.site == "ggul" for r in demo.demo_records())
    # 꿀박사's entries open the demo relying site, which signs in through openclass.
    assert all(e.url.startswith("http://testserver/demo-site/?item=") for e in entries)
    answer = client.get(reverse("feeds:demo_feed_csv"), {"site": "nonsul"})
    assert answer["Content-Type"].startswith("text/csv")
    entries = services.parse_feed("x", answer["Content-Type"], answer.content)
    assert len(entries) == sum(r.site == "nonsul" for r in demo.demo_records())
    assert all(len(e.tags) == 3 and e.published_at for e in entries)


@pytest.mark.django_db
def test_the_demo_catalogs_are_fetched_over_http_from_the_installation(
    city: City, installation: str, settings, huey_immediate: object
) -> None:
    settings.SITE_URL = installation
    options = DemoOptions(size="small", seed=1, with_videos=False)
    assert not demo.demo_exists()
    demo.build_demo(options)
    assert demo.demo_exists()
    catalogs = list(OutsideCatalog.objects.all())
    assert len(catalogs) == len(demo.CATALOGS)
    assert all(c.url.startswith(installation + "/catalogs/demo/") for c in catalogs)

    tasks.fetch_due_catalogs_task.call_local()
    for catalog in catalogs:
        catalog.refresh_from_db()
        assert (catalog.last_outcome, catalog.last_error) == ("ok", ""), catalog.name
    live = [r for r in demo.demo_records() if not r.deleted]
    assert OutsideEntry.objects.count() == len(live) >= 300
    assert sum(c.entry_count for c in catalogs) == len(live)

    # The search source's documents: "진로" is in the career centre's entries, their site the
    # catalog's source site.
    documents = list(search_source("feeds.entry").documents(None))
    assert len(documents) == len(live)
    career = [d for d in documents if d.site == "진로진학정보센터"]
    assert len(career) >= 80 and all("진로" in d.title or "진로" in d.tags for d in career)
    assert any(
        d.site == "꿀박사" and d.url.startswith(installation + "/demo-site/") for d in documents
    )

    # Building again changes nothing; a fetch again changes nothing either.
    demo.build_demo(options)
    assert OutsideCatalog.objects.count() == len(demo.CATALOGS)
    before = dict(OutsideEntry.objects.values_list("pk", "fetched_at"))
    for catalog in catalogs:
        done = services.fetch_catalog(catalog)
        assert (done.added, done.updated, done.removed) == (0, 0, 0)
    assert dict(OutsideEntry.objects.values_list("pk", "fetched_at")) == before


@pytest.mark.django_db
def test_the_search_finds_the_career_centre_and_forgets_a_disabled_catalog(
    city: City, installation: str, settings
) -> None:
    """The done-when of issue 17 for the outside catalogs: "진로" finds the career centre's
    entries, "독도를" the open courseware's 독도 lectures; a disabled catalog's are not found."""
    from openclass.search import services as search

    settings.SITE_URL = installation
    demo.build_demo(DemoOptions(size="small", seed=1, with_videos=False))
    for catalog in OutsideCatalog.objects.all():
        services.fetch_catalog(catalog)
    search.reindex(["feeds.entry"])
    student = city.north.student_a1

    career = search.search(student, "진로", per_page=100)
    sites = {hit.document.site for hit in career.hits}
    assert "진로진학정보센터" in sites
    assert sum(hit.document.site == "진로진학정보센터" for hit in career.hits) >= 50
    assert all(
        hit.document.url.startswith("https://") or installation in hit.document.url
        for hit in career.hits
    )
    dokdo = search.search(student, "독도를", per_page=50)
    assert any(hit.document.title.startswith("독도의 역사와 국제법") for hit in dokdo.hits)

    jinro = OutsideCatalog.objects.get(site_name="진로진학정보센터")
    services.set_active(city.office_admin, jinro, False)
    # The catalog's save re-indexes its entries on commit (search's signals); here, as then:
    search.refresh("feeds.entry", jinro.entries.values_list("pk", flat=True))
    again = search.search(student, "진로", per_page=100)
    assert "진로진학정보센터" not in {hit.document.site for hit in again.hits}
    assert again.total < career.total
