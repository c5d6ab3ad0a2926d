"""What saved lists add to other pages: the home panel of the lists shared with a class, lists
as search results themselves (their documents, and who finds them), and a person's lists in their
data archive."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from openclass.accounts.tests.fixtures import City
from openclass.core import registry
from openclass.core.registry import SearchSource
from openclass.lists import panels, search, services
from openclass.lists.models import SavedItem, SavedList

from .fixtures import ORGANISATIONS, PEOPLE, registered_sources


@pytest.fixture(autouse=True)
def sources() -> Iterator[dict[str, SearchSource]]:
    with registered_sources() as registered:
        yield registered


def _shared_list(city: City) -> SavedList:
    north = city.north
    saved = services.create_list(north.homeroom_a, "독도 탐구 목록", "독도 자료 모음", "사회")
    services.save_item(north.homeroom_a, saved, PEOPLE, north.student_a2.pk)
    services.save_item(north.homeroom_a, saved, ORGANISATIONS, north.school.pk)
    services.share_with_classes(north.homeroom_a, saved, [north.class_a])
    return saved


def _home(user) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("web:home"))
    assert response.status_code == 200
    return response.content.decode()


def test_a_list_shared_with_a_class_is_on_its_students_home(city: City) -> None:
    north = city.north
    saved = _shared_list(city)
    link = reverse("lists:detail", kwargs={"pk": saved.pk})
    page = _home(north.student_a1)
    assert "독도 탐구 목록" in page and link in page
    # Not on the home of a student of another class, nor of another school.
    for other in (north.student_b1, city.south.student_a1):
        assert "독도 탐구 목록" not in _home(other)
    # A parent sees it in their child's section, and may open it.
    assert link in _home(north.parent_a1)
    client = Client()
    client.force_login(north.parent_a1)
    assert client.get(link).status_code == 200
    # Taken off the class: off the home.
    services.share_with_classes(north.homeroom_a, saved, [])
    assert "독도 탐구 목록" not in _home(north.student_a1)


def test_the_panel_counts_what_the_student_may_open(city: City) -> None:
    north = city.north
    saved = _shared_list(city)
    [row] = panels.build_shared(north.student_a1)["rows"]
    # The school's page, not her classmate's.
    assert (row["list"], row["count"]) == (saved, 1)
    with CaptureQueriesContext(connection) as read:
        assert row["list"].owner.name == north.homeroom_a.name  # read with the list
    assert not read.captured_queries
    north.student_a1.organisation = None
    assert panels.build_shared(north.student_a1) is None  # no class, nothing shared with it
    assert panels.build_shared(north.homeroom_a) is None  # her own list is on her lists page
    assert panels.build_shared(north.student_b1) is None


def test_the_search_source_is_registered_and_watches_items() -> None:
    source = registry.search_source("lists.list")
    assert source is search.SOURCE
    assert (source.kind, source.model) == ("list", SavedList)
    [(model, keys)] = source.watch
    assert model is SavedItem
    assert keys(SavedItem(saved_list_id=41, source=PEOPLE, key=1)) == [41]


def test_a_list_is_a_document(city: City) -> None:
    north = city.north
    shared = _shared_list(city)
    private = services.create_list(north.homeroom_a, "상담 메모", "학생 상담")
    services.save_item(north.homeroom_a, private, PEOPLE, north.student_a2.pk)
    docs = {doc.key: doc for doc in search.documents(None)}
    assert set(docs) == {shared.pk, private.pk}
    doc = docs[shared.pk]
    assert doc.title == "독도 탐구 목록"
    assert doc.tags == ("사회",)
    assert doc.url == reverse("lists:detail", kwargs={"pk": shared.pk})
    # A shared list's body names only items anyone signed in may open: not a student's page.
    assert "독도 자료 모음" in doc.body and f"{north.school.full_name} 안내" in doc.body
    assert north.student_a2.name not in doc.body
    # A list only its owner opens names every item.
    assert f"{north.student_a2.name} 소개" in docs[private.pk].body
    assert [d.key for d in search.documents([private.pk])] == [private.pk]
    assert list(search.documents([])) == []


def test_the_documents_come_in_chunks(city: City, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "CHUNK", 2)
    made = [services.create_list(city.north.student_a1, f"목록 {n}").pk for n in range(5)]
    assert [d.key for d in search.documents(None)] == made
    assert [d.key for d in search.documents(reversed(made))] == made


def test_who_finds_a_list(city: City) -> None:
    north = city.north
    shared = _shared_list(city)
    private = services.create_list(north.student_a1, "내 비밀 목록")
    finds = {
        who: set(SavedList.objects.filter(pk__in=search.visible(who)).values_list("pk", flat=True))
        for who in (
            north.homeroom_a,
            north.student_a1,
            north.student_b1,
            north.subject_teacher,
            city.south.student_a1,
            city.office_admin,
        )
    }
    assert finds[north.homeroom_a] == {shared.pk}
    assert finds[north.student_a1] == {shared.pk, private.pk}
    assert finds[north.student_b1] == set()
    assert finds[north.subject_teacher] == set()
    assert finds[city.south.student_a1] == set()
    assert finds[city.office_admin] == set()


def test_a_persons_lists_are_in_their_data_archive(city: City) -> None:
    north = city.north
    exporter = next(e for e in registry.exporters() if e.name == "lists.saved_lists")
    assert exporter.build(north.student_a1) is None
    saved = _shared_list(city)
    services.share_by_link(north.homeroom_a, saved, "on")
    item = saved.items.get(source=ORGANISATIONS)
    services.annotate(north.homeroom_a, item, "누리집")
    part = exporter.build(north.homeroom_a)
    assert part is not None
    [entry] = part.data
    assert entry["name"] == "독도 탐구 목록" and entry["shared_by_link"] is True
    assert entry["shared_with_classes"] == [north.class_a.full_name]
    assert [i["note"] for i in entry["items"]] == ["", "누리집"]
    assert saved.link_token not in repr(part.data)
