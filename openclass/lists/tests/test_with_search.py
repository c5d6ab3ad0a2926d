"""Saved lists with the real search: the results page's "save to a list" link leads through the
save page back to the results, what a user may not open cannot be saved from a crafted link,
and a list is itself a result for those who may open it (and only them)."""

from __future__ import annotations

import html
import re

from django.test import Client
from django.urls import reverse

from openclass.accounts.tests.fixtures import City
from openclass.lists import services
from openclass.lists.models import SavedList
from openclass.search import services as search_services


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_saving_a_result_from_the_results_page(city: City, notes) -> None:
    student = city.north.student_a1
    notes.add(1, "독도 바로 알기", "독도는 우리 땅입니다.")
    client = _client(student)
    results = f"{reverse('search:results')}?q=%EB%8F%85%EB%8F%84"
    page = client.get(results).content.decode()
    [href] = re.findall(r'href="(/lists/save/\?[^"]+)"', page)
    link = html.unescape(href)
    form = client.get(link)
    assert form.status_code == 200 and "독도 바로 알기" in form.content.decode()
    response = client.post(
        reverse("lists:save"),
        {"source": "tests.note", "key": 1, "next": form.context["next"], "new_name": "독도"},
    )
    assert response.status_code == 302 and response["Location"] == results
    item = SavedList.objects.get(owner=student, name="독도").items.get()
    assert (item.source, item.key, item.kind, item.title, item.url) == (
        "tests.note",
        1,
        "note",
        "독도 바로 알기",
        "/notes/1/",
    )


def test_a_result_hidden_from_the_user_cannot_be_saved(city: City, notes) -> None:
    student = city.north.student_a1
    notes.add(2, "교사용 자료")
    notes.hidden_from[2] = {student.pk}
    mine = services.create_list(student, "내 목록")
    client = _client(student)
    query = {"source": "tests.note", "key": 2, "next": "/"}
    assert client.get(reverse("lists:save"), query).status_code == 404
    assert client.post(reverse("lists:save"), {**query, "list": mine.pk}).status_code == 404
    assert not mine.items.exists()
    # Hidden after it was saved: its owner sees it greyed, a classmate it is shared with not.
    teacher = city.north.homeroom_a
    hers = services.create_list(teacher, "수업 자료")
    notes.add(3, "3-1 활동지")
    services.save_item(teacher, hers, "tests.note", 3)
    services.share_with_classes(teacher, hers, [city.north.class_a])
    notes.hidden_from[3] = {student.pk}
    path = reverse("lists:detail", kwargs={"pk": hers.pk})
    assert "3-1 활동지" not in client.get(path).content.decode()
    assert "3-1 활동지" in _client(teacher).get(path).content.decode()


def test_a_list_is_found_by_those_who_may_open_it(city: City) -> None:
    north = city.north
    saved = services.create_list(north.homeroom_a, "독도 탐구 목록", "독도 수업에 쓸 자료", "사회")
    services.share_with_classes(north.homeroom_a, saved, [north.class_a])
    search_services.refresh("lists.list", [saved.pk])
    url = reverse("lists:detail", kwargs={"pk": saved.pk})
    for who, finds in (
        (north.homeroom_a, True),
        (north.student_a1, True),
        (north.student_b1, False),
        (city.south.student_a1, False),
    ):
        results = search_services.search(who, "독도를")
        assert (url in [hit.document.url for hit in results.hits]) is finds, who
        assert results.total == (1 if finds else 0), who
