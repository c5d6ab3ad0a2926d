"""The office's pages of outside catalogs: refused to everyone but the office (403; the login
page for nobody), and for the office's admin the list, registering (the address checked),
changing, "fetch now" (over real HTTP), disabling and enabling, and the entries page by page."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from openclass.accounts.tests.fixtures import ROLES, City, person_of
from openclass.feeds.models import OutsideCatalog, OutsideEntry
from openclass.feeds.views import office
from openclass.hub.tests.fixtures import make_site

from .fixtures import Source, make_catalog

pytestmark = pytest.mark.django_db


def form(url: str, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "진로진학정보센터 피드",
        "site_name": "진로진학정보센터",
        "kind": OutsideCatalog.Kind.FEED,
        "url": url,
        "oai_set": "",
        "interval_hours": 12,
    }
    data.update(changes)
    return data


def entries(n: int) -> str:
    return json.dumps(
        [
            {
                "id": f"e{i:03d}",
                "title": f"진로 탐색 {i:03d}",
                "url": f"https://jinro.example.org/{i}",
            }
            for i in range(n)
        ]
    )


@pytest.mark.parametrize("role", [role for role in ROLES if role != "office_admin"])
def test_the_pages_are_refused_to_everyone_but_the_office(
    client: Client, city: City, role: str
) -> None:
    catalog = make_catalog("https://jinro.example.org/feed.json")
    person = person_of(city, role)
    if person is not None:
        client.force_login(person)
    pages = [
        ("get", reverse("feeds:catalogs")),
        ("get", reverse("feeds:catalog_new")),
        ("post", reverse("feeds:catalog_new")),
        ("get", reverse("feeds:catalog", args=[catalog.pk])),
        ("get", reverse("feeds:catalog_edit", args=[catalog.pk])),
        ("post", reverse("feeds:catalog_edit", args=[catalog.pk])),
        ("post", reverse("feeds:catalog_fetch", args=[catalog.pk])),
        ("post", reverse("feeds:catalog_active", args=[catalog.pk])),
    ]
    for method, url in pages:
        response = getattr(client, method)(url, {"active": "0"} if method == "post" else None)
        if person is None:
            assert response.status_code == 302 and "/login" in response["Location"], url
        else:
            assert response.status_code == 403, url
    catalog.refresh_from_db()
    assert catalog.is_active and catalog.last_fetched_at is None


def test_the_office_registers_fetches_and_disables_a_catalog(
    client: Client, city: City, source: Source, huey_immediate: object
) -> None:
    client.force_login(city.office_admin)
    source.serve(200, "application/json", entries(60))
    assert client.get(reverse("feeds:catalogs")).status_code == 200

    # Only http(s): the form says so and nothing is registered.
    refused = client.post(reverse("feeds:catalog_new"), form("ftp://jinro.example.org/x"))
    assert refused.status_code == 200
    assert refused.context["form"].errors["url"]
    assert not OutsideCatalog.objects.exists()

    made = client.post(reverse("feeds:catalog_new"), form(source.url + "/feed.json"))
    catalog = OutsideCatalog.objects.get()
    assert made["Location"] == reverse("feeds:catalog", args=[catalog.pk])
    assert (catalog.created_by, catalog.interval_hours, catalog.kind) == (
        city.office_admin,
        12,
        "feed",
    )
    assert catalog.is_due()

    fetched = client.post(reverse("feeds:catalog_fetch", args=[catalog.pk]))
    assert fetched.status_code == 302
    catalog.refresh_from_db()
    assert (catalog.last_outcome, catalog.entry_count) == ("ok", 60)

    # The list shows the last fetch; the entries come 50 a page, with the one pagination.
    listed = client.get(reverse("feeds:catalogs")).content.decode()
    assert "진로진학정보센터 피드" in listed and ">60<" in listed
    page = client.get(reverse("feeds:catalog", args=[catalog.pk]))
    assert len(page.context["rows"]) == office.PAGE_SIZE
    assert 'class="pagination"' in page.content.decode()
    second = client.get(reverse("feeds:catalog", args=[catalog.pk]), {"page": 2})
    assert [row["entry"].identifier for row in second.context["rows"]] == [
        f"e{i:03d}" for i in range(50, 60)
    ]

    # Changing the address makes it due again.
    changed = client.post(
        reverse("feeds:catalog_edit", args=[catalog.pk]),
        form(source.url + "/other.json", name="진로 피드"),
    )
    assert changed.status_code == 302
    catalog.refresh_from_db()
    assert (catalog.name, catalog.last_fetched_at) == ("진로 피드", None)
    refused = client.post(
        reverse("feeds:catalog_edit", args=[catalog.pk]), form("javascript:alert(1)")
    )
    assert refused.status_code == 200
    catalog.refresh_from_db()
    assert catalog.url == source.url + "/other.json"

    # Disabled: not fetched, even when asked.
    client.post(reverse("feeds:catalog_active", args=[catalog.pk]), {"active": "0"})
    catalog.refresh_from_db()
    assert not catalog.is_active
    asked = len(source.asked)
    client.post(reverse("feeds:catalog_fetch", args=[catalog.pk]))
    assert len(source.asked) == asked
    client.post(reverse("feeds:catalog_active", args=[catalog.pk]), {"active": "1"})
    catalog.refresh_from_db()
    assert catalog.is_active


def test_a_failed_fetch_is_shown_with_its_reason(
    client: Client, city: City, source: Source, huey_immediate: object
) -> None:
    client.force_login(city.office_admin)
    source.serve(200, "application/json", '{"data": 1}')
    catalog = make_catalog(source.url + "/feed.json")
    client.post(reverse("feeds:catalog_fetch", args=[catalog.pk]))
    catalog.refresh_from_db()
    assert catalog.last_outcome == "failed" and catalog.last_error
    page = client.get(reverse("feeds:catalog", args=[catalog.pk])).content.decode()
    assert catalog.last_error in page
    assert catalog.last_error[:40] in client.get(reverse("feeds:catalogs")).content.decode()


def test_entries_on_a_login_hub_site_are_marked(client: Client, city: City) -> None:
    make_site("꿀박사", home_url="https://ggul.example.org/")
    catalog = make_catalog("https://ggul.example.org/feed.json")
    OutsideEntry.objects.create(
        catalog=catalog,
        identifier="a",
        title="꿀박사 Q&A",
        url="https://ggul.example.org/q/1",
        fetched_at="2025-01-01T00:00:00Z",
    )
    OutsideEntry.objects.create(
        catalog=catalog,
        identifier="b",
        title="다른 사이트",
        url="https://elsewhere.example.org/1",
        fetched_at="2025-01-01T00:00:00Z",
    )
    client.force_login(city.office_admin)
    rows = client.get(reverse("feeds:catalog", args=[catalog.pk])).context["rows"]
    assert [(row["entry"].identifier, row["signs_in"]) for row in rows] == [
        ("a", True),
        ("b", False),
    ]


def test_the_menu_links_the_page_for_the_office_only(client: Client, city: City) -> None:
    link = f'href="{reverse("feeds:catalogs")}"'
    client.force_login(city.north.admin)
    assert link not in client.get(reverse("web:home")).content.decode()
    client.force_login(city.office_admin)
    assert link in client.get(reverse("web:home")).content.decode()
