"""The saved-list pages: who opens a list (a 404 for who may not), the save flow from a search
result (``?source=…&key=…&next=…``, back to a local address only), ordering with the buttons,
notes, sharing, the link page and copying."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse

from openclass.accounts.tests.fixtures import City
from openclass.core.registry import SearchSource
from openclass.lists import services
from openclass.lists.models import SavedItem, SavedList

from .fixtures import ORGANISATIONS, PEOPLE, registered_sources


@pytest.fixture(autouse=True)
def sources() -> Iterator[dict[str, SearchSource]]:
    with registered_sources() as registered:
        yield registered


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _teacher_list(city: City) -> SavedList:
    north = city.north
    saved = services.create_list(north.homeroom_a, "3-1 자료", "우리 반")
    services.save_item(north.homeroom_a, saved, PEOPLE, north.student_a1.pk)
    services.save_item(north.homeroom_a, saved, PEOPLE, north.student_a2.pk)
    services.save_item(north.homeroom_a, saved, ORGANISATIONS, north.school.pk)
    return saved


def test_a_student_cannot_open_another_students_list(city: City) -> None:
    north = city.north
    hers = services.create_list(north.student_a2, "비밀 목록")
    client = _client(north.student_a1)
    for name in ("lists:detail", "lists:edit", "lists:delete"):
        assert client.get(reverse(name, kwargs={"pk": hers.pk})).status_code == 404
    assert client.post(reverse("lists:copy", kwargs={"pk": hers.pk})).status_code == 404
    assert "비밀 목록" not in client.get(reverse("lists:index")).content.decode()
    assert (
        _client(north.student_a2).get(reverse("lists:detail", kwargs={"pk": hers.pk})).status_code
        == 200
    )


def test_a_shared_list_shows_a_student_only_what_she_may_open(city: City) -> None:
    north = city.north
    saved = _teacher_list(city)
    services.share_with_classes(north.homeroom_a, saved, [north.class_a])
    client = _client(north.student_a1)
    page = client.get(reverse("lists:detail", kwargs={"pk": saved.pk})).content.decode()
    assert f"{north.student_a1.name} 소개" in page
    assert f"{north.school.full_name} 안내" in page
    assert f"{north.student_a2.name} 소개" not in page
    assert (
        reverse("lists:move", kwargs={"pk": saved.pk, "item_id": saved.items.first().pk})
        not in page
    )
    # Listed under "shared with my classes"; and she may not change it (403: she sees it).
    assert "3-1 자료" in client.get(reverse("lists:index")).content.decode()
    item = saved.items.get(key=north.student_a1.pk, source=PEOPLE)
    for name in ("lists:move", "lists:annotate", "lists:remove"):
        path = reverse(name, kwargs={"pk": saved.pk, "item_id": item.pk})
        assert client.post(path, {"direction": "up", "note": "x"}).status_code == 403
    assert (
        client.post(reverse("lists:link", kwargs={"pk": saved.pk}), {"action": "on"}).status_code
        == 403
    )
    # A student of the other class does not see it at all.
    other = _client(north.student_b1)
    assert other.get(reverse("lists:detail", kwargs={"pk": saved.pk})).status_code == 404


def test_the_up_and_down_buttons_and_notes_work_without_script(city: City) -> None:
    teacher = city.north.homeroom_a
    saved = _teacher_list(city)
    a, b, c = saved.items.order_by("position").values_list("pk", flat=True)
    client = _client(teacher)
    response = client.post(
        reverse("lists:move", kwargs={"pk": saved.pk, "item_id": c}), {"direction": "up"}
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#item-{c}")
    assert list(saved.items.order_by("position").values_list("pk", flat=True)) == [a, c, b]
    client.post(
        reverse("lists:annotate", kwargs={"pk": saved.pk, "item_id": a}), {"note": "먼저 읽기"}
    )
    assert SavedItem.objects.get(pk=a).note == "먼저 읽기"
    client.post(reverse("lists:remove", kwargs={"pk": saved.pk, "item_id": b}))
    assert list(saved.items.order_by("position").values_list("pk", flat=True)) == [a, c]
    page = client.get(reverse("lists:detail", kwargs={"pk": saved.pk})).content.decode()
    assert "먼저 읽기" in page


def test_the_save_flow_from_a_search_result(city: City) -> None:
    north = city.north
    teacher = north.homeroom_a
    mine = services.create_list(teacher, "상담 준비")
    client = _client(teacher)
    back = "/search/?q=%EB%8F%85%EB%8F%84"
    query = {"source": PEOPLE, "key": north.student_a1.pk, "next": back}
    page = client.get(f"{reverse('lists:save')}?{urlencode(query)}")
    assert page.status_code == 200
    assert f"{north.student_a1.name} 소개" in page.content.decode()
    assert "상담 준비" in page.content.decode()
    response = client.post(reverse("lists:save"), {**query, "list": mine.pk})
    assert response.status_code == 302 and response["Location"] == back
    assert mine.items.get().key == north.student_a1.pk
    # Into a new list, made on the way.
    query["key"] = north.student_a2.pk
    response = client.post(reverse("lists:save"), {**query, "new_name": "새 목록"})
    assert response["Location"] == back
    assert (
        SavedList.objects.get(owner=teacher, name="새 목록").items.get().key == north.student_a2.pk
    )
    # Saving it again says so and stays on the page.
    again = client.post(
        reverse("lists:save"), {**query, "list": mine.pk, "key": north.student_a1.pk}
    )
    assert again.status_code == 200 and mine.items.count() == 1


def test_the_save_flow_goes_back_only_to_a_local_address(city: City) -> None:
    student = city.north.student_a1
    mine = services.create_list(student, "내 목록")
    client = _client(student)
    for unsafe in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        mine.items.all().delete()
        response = client.post(
            reverse("lists:save"),
            {"source": PEOPLE, "key": student.pk, "next": unsafe, "list": mine.pk},
        )
        assert response.status_code == 302
        assert response["Location"] == reverse("lists:index")


def test_the_save_flow_is_a_404_for_what_the_user_may_not_open(city: City) -> None:
    north = city.north
    student = north.student_a1
    mine = services.create_list(student, "내 목록")
    client = _client(student)
    for query in (
        {"source": PEOPLE, "key": north.student_a2.pk},
        {"source": PEOPLE, "key": 999_999_999},
        {"source": "nobody.registered", "key": student.pk},
        {"source": PEOPLE, "key": "abc"},
        {},
    ):
        assert client.get(f"{reverse('lists:save')}?{urlencode(query)}").status_code == 404
        assert client.post(reverse("lists:save"), {**query, "list": mine.pk}).status_code == 404
    assert not mine.items.exists()
    # Nor into someone else's list.
    hers = services.create_list(north.student_a2, "남의 목록")
    response = client.post(
        reverse("lists:save"), {"source": PEOPLE, "key": student.pk, "list": hers.pk}
    )
    assert response.status_code == 404 and not hers.items.exists()


def test_sharing_with_classes_from_the_page(city: City) -> None:
    north = city.north
    saved = _teacher_list(city)
    client = _client(north.homeroom_a)
    page = client.get(reverse("lists:detail", kwargs={"pk": saved.pk})).content.decode()
    assert f'value="{north.class_a.pk}"' in page and f'value="{north.class_b.pk}"' not in page
    path = reverse("lists:share", kwargs={"pk": saved.pk})
    client.post(path, {"classes": [north.class_a.pk]})
    assert list(saved.shared_with.all()) == [north.class_a]
    assert client.post(path, {"classes": [north.class_b.pk]}).status_code == 403
    assert client.post(path, {"classes": ["x"]}).status_code == 404
    assert list(saved.shared_with.all()) == [north.class_a]
    client.post(path, {})
    assert not saved.shared_with.exists()


def test_the_link_page_opens_the_list_while_the_link_is_on(city: City) -> None:
    north = city.north
    saved = _teacher_list(city)
    owner = _client(north.homeroom_a)
    owner.post(reverse("lists:link", kwargs={"pk": saved.pk}), {"action": "on"})
    saved.refresh_from_db()
    token = saved.link_token
    assert token
    reader = _client(city.south.student_a1)
    link = reverse("lists:shared", kwargs={"token": token})
    page = reader.get(link)
    assert page.status_code == 200
    # Read-only, and only what she may open (the school's page: not north's students).
    text = page.content.decode()
    assert f"{north.school.full_name} 안내" in text and f"{north.student_a1.name} 소개" not in text
    response = reader.post(reverse("lists:shared_copy", kwargs={"token": token}))
    copy = SavedList.objects.get(owner=city.south.student_a1)
    assert response["Location"] == reverse("lists:detail", kwargs={"pk": copy.pk})
    assert [i.key for i in copy.items.all()] == [north.school.pk]
    # Renewed: the old link is a 404; off: the new one too.
    owner.post(reverse("lists:link", kwargs={"pk": saved.pk}), {"action": "renew"})
    assert reader.get(link).status_code == 404
    saved.refresh_from_db()
    owner.post(reverse("lists:link", kwargs={"pk": saved.pk}), {"action": "off"})
    assert (
        reader.get(reverse("lists:shared", kwargs={"token": saved.link_token})).status_code == 404
    )
    assert (
        reader.post(reverse("lists:shared_copy", kwargs={"token": saved.link_token})).status_code
        == 404
    )
    # Signed out: the way to the login page.
    assert Client().get(link)["Location"].startswith(reverse("accounts:login"))


def test_copying_a_shared_list_says_how_many_items_were_left_out(city: City) -> None:
    north = city.north
    saved = _teacher_list(city)
    services.share_with_classes(north.homeroom_a, saved, [north.class_a])
    client = _client(north.student_a1)
    response = client.post(reverse("lists:copy", kwargs={"pk": saved.pk}), follow=True)
    copy = SavedList.objects.get(owner=north.student_a1)
    assert response.redirect_chain[-1][0] == reverse("lists:detail", kwargs={"pk": copy.pk})
    assert copy.items.count() == 2
    words = [str(m) for m in response.context["messages"]]
    assert len(words) == 2 and "1" in words[1], words


def test_making_renaming_and_deleting_a_list(city: City) -> None:
    student = city.north.student_a1
    client = _client(student)
    response = client.post(reverse("lists:index"), {"name": "독서", "category": "국어"})
    saved = SavedList.objects.get(owner=student)
    assert response["Location"] == reverse("lists:detail", kwargs={"pk": saved.pk})
    assert client.post(reverse("lists:index"), {"name": ""}).status_code == 200
    client.post(reverse("lists:edit", kwargs={"pk": saved.pk}), {"name": "독서 목록"})
    saved.refresh_from_db()
    assert saved.name == "독서 목록"
    assert client.get(reverse("lists:delete", kwargs={"pk": saved.pk})).status_code == 200
    client.post(reverse("lists:delete", kwargs={"pk": saved.pk}))
    assert not SavedList.objects.filter(pk=saved.pk).exists()
