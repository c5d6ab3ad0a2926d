"""The search page, the suggestions endpoint and the office's gaps page, as their users."""

from __future__ import annotations

import pytest
from django.urls import reverse

from openclass.search.models import Query

pytestmark = pytest.mark.django_db


@pytest.fixture
def found(notes):
    notes.add(
        1, "독도 바로 알기", "독도는 우리 땅입니다.", mode="recorded", grade_band="elementary"
    )
    notes.add(2, "독도 사진전", "사진으로 보는 독도", mode="live")
    return notes


def test_results_page_lists_hits_facets_and_save_links(client, city, found):
    client.force_login(city.north.student_a1)
    page = client.get(reverse("search:results"), {"q": "독도를"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "<mark>독도</mark> 바로 알기" in html
    assert 'href="/notes/1/"' in html
    assert "source=tests.note&amp;key=1" in html  # the "save to a list" link
    assert "?q=%EB%8F%85%EB%8F%84%EB%A5%BC&amp;mode=live" in html  # a facet's link
    assert "Why this result" not in html and "왜 이 결과" not in html  # a student's page
    assert Query.objects.filter(text="독도를", results=2, level="elementary").count() == 1


def test_a_teacher_sees_why(client, city, found):
    client.force_login(city.north.homeroom_a)
    html = client.get(reverse("search:results"), {"q": "독도"}).content.decode()
    assert '<details class="why">' in html


def test_a_facet_narrows_and_is_not_logged(client, city, found):
    client.force_login(city.north.student_a1)
    page = client.get(reverse("search:results"), {"q": "독도", "mode": "live"})
    html = page.content.decode()
    assert "독도 사진전" in html and "독도 바로 알기" not in html
    assert not Query.objects.exists()


def test_the_query_is_escaped_and_nothing_found_helps(client, city, found):
    client.force_login(city.north.student_a1)
    html = client.get(reverse("search:results"), {"q": "<script>x</script>"}).content.decode()
    assert "<script>x</script>" not in html and "&lt;script&gt;" in html


def test_a_wild_page_number_is_the_last_page(client, city, found):
    client.force_login(city.north.student_a1)
    page = client.get(reverse("search:results"), {"q": "독도", "page": "99999999999"})
    assert page.status_code == 200


def test_suggestions_as_json(client, city, found):
    client.force_login(city.north.student_a1)
    body = client.get(reverse("search:suggest"), {"q": "독도 바"}).json()
    assert body["suggestions"][0] == {"text": "독도 바로 알기", "url": "/notes/1/", "kind": "note"}
    assert client.get(reverse("search:suggest"), {"q": ""}).json() == {"suggestions": []}


def test_signed_out_is_sent_to_login(client, found):
    page = client.get(reverse("search:results"), {"q": "독도"})
    assert page.status_code == 302 and "/accounts/login/" in page["Location"]


def test_gaps_for_the_office_only(client, city, found):
    Query.objects.create(text="양자역학", level="middle", results=0)
    client.force_login(city.north.homeroom_a)
    assert client.get(reverse("search:gaps")).status_code == 403
    client.force_login(city.office_admin)
    html = client.get(reverse("search:gaps")).content.decode()
    assert "양자역학" in html
