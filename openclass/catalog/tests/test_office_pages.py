"""The office's topic pages (issue 18, item 5): adding, renaming, moving, retiring a topic and
its content elements without Django admin; only the office; every change kept with its author."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from openclass.catalog import selectors, services
from openclass.catalog.models import ContentElement, Topic
from openclass.core.history import list_changes
from openclass.courses.tests.fixtures import make_course

pytestmark = pytest.mark.django_db


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_office_adds_a_topic_and_the_history_names_it(city) -> None:
    office = client_of(city.office_admin)
    response = office.post(
        reverse("catalog:topic_new"),
        {
            "name_ko": "디지털 시민교육",
            "name_en": "Digital citizenship",
            "kind": "subject",
            "group": "",
            "position": 5,
            "code": "digital-citizenship",
        },
    )
    topic = Topic.objects.get(code="digital-citizenship")
    assert response.status_code == 302 and response["Location"] == reverse(
        "catalog:topic", args=[topic.pk]
    )
    page = office.get(response["Location"]).content.decode()
    assert "디지털 시민교육" in page
    record = topic.history.get()
    assert record.history_user == city.office_admin and record.history_type == "+"
    assert city.office_admin.name in page


def test_renaming_and_moving_keeps_the_courses_and_records_what_changed(city) -> None:
    topic = Topic.objects.get(code="human-rights")
    before = topic.name_ko
    course = make_course(city.north.homeroom_a, city.north.class_a, "class", "인권 수업")
    course.topic = topic
    course.save()
    office = client_of(city.office_admin)
    response = office.post(
        reverse("catalog:topic_edit", args=[topic.pk]),
        {
            "name_ko": "인권·평화교육",
            "name_en": topic.name_en,
            "kind": topic.kind,
            "group": "civil_society",
            "position": 1,
            "code": topic.code,
        },
    )
    assert response.status_code == 302
    topic.refresh_from_db()
    assert topic.name_ko == "인권·평화교육" and topic.group == "civil_society"
    course.refresh_from_db()
    assert course.topic_id == topic.pk
    changes = list_changes(topic.history.all())
    assert changes[0].who == city.office_admin
    assert [f.new for f in changes[0].fields if f.old == before] == ["인권·평화교육"]
    page = office.get(reverse("catalog:topic", args=[topic.pk])).content.decode()
    assert "인권·평화교육" in page and "→" in page


def test_a_group_only_on_cross_curricular_areas(city) -> None:
    topic = Topic.objects.exclude(kind="cross_curricular").first()
    response = client_of(city.office_admin).post(
        reverse("catalog:topic_edit", args=[topic.pk]),
        {
            "name_ko": topic.name_ko,
            "name_en": "",
            "kind": "cross_curricular",
            "group": "",
            "position": 0,
            "code": topic.code,
        },
    )
    assert response.status_code == 200 and "group" in response.context["form"].errors


def test_retiring_keeps_courses_and_stops_offering_the_topic(city) -> None:
    topic = Topic.objects.get(code="human-rights")
    office = client_of(city.office_admin)
    assert office.post(reverse("catalog:topic_retire", args=[topic.pk])).status_code == 302
    topic.refresh_from_db()
    assert topic.retired_at is not None
    assert topic not in selectors.offered_topics()
    assert topic in selectors.offered_topics(keep=topic)
    offered = [pk for _, choices in selectors.list_topic_choices() for pk, _ in choices]
    assert topic.pk not in offered
    # retired already: said so, not retired twice
    office.post(reverse("catalog:topic_retire", args=[topic.pk]))
    assert topic.history.filter(history_type="~").count() == 1
    office.post(reverse("catalog:topic_retire", args=[topic.pk]), {"action": "restore"})
    topic.refresh_from_db()
    assert topic.retired_at is None and topic in selectors.offered_topics()


def test_content_elements_are_added_and_renamed(city) -> None:
    topic = Topic.objects.get(code="human-rights")
    office = client_of(city.office_admin)
    response = office.post(
        reverse("catalog:element_new", args=[topic.pk]),
        {"name_ko": "디지털 인권", "name_en": "", "position": 9, "code": "human-rights-digital"},
    )
    assert response.status_code == 302
    element = ContentElement.objects.get(code="human-rights-digital")
    response = office.post(
        reverse("catalog:element_edit", args=[element.pk]),
        {"name_ko": "디지털 시대의 인권", "name_en": "", "position": 9, "code": element.code},
    )
    assert response.status_code == 302
    element.refresh_from_db()
    assert element.name_ko == "디지털 시대의 인권"
    page = office.get(reverse("catalog:topic", args=[topic.pk])).content.decode()
    assert "디지털 시대의 인권" in page
    assert element.history.latest().history_user == city.office_admin


@pytest.mark.parametrize("who", ["school_admin", "teacher", "student", "instructor"])
def test_only_the_office_keeps_the_taxonomy(city, who) -> None:
    user = {
        "school_admin": city.north.admin,
        "teacher": city.north.homeroom_a,
        "student": city.north.student_a1,
        "instructor": city.instructor,
    }[who]
    topic = Topic.objects.get(code="human-rights")
    client = client_of(user)
    assert client.get(reverse("catalog:topics")).status_code == 403
    assert client.get(reverse("catalog:topic", args=[topic.pk])).status_code == 403
    response = client.post(
        reverse("catalog:topic_edit", args=[topic.pk]),
        {
            "name_ko": "바뀜",
            "kind": topic.kind,
            "group": topic.group,
            "position": 0,
            "code": topic.code,
        },
    )
    assert response.status_code == 403
    assert client.post(reverse("catalog:topic_retire", args=[topic.pk])).status_code == 403
    topic.refresh_from_db()
    assert topic.name_ko != "바뀜" and topic.retired_at is None
    with pytest.raises(PermissionDenied):
        services.retire_topic(user, topic)


def test_the_list_filters_by_kind_and_shows_retired_ones_on_request(city) -> None:
    topic = Topic.objects.get(code="human-rights")
    services.retire_topic(city.office_admin, topic)
    office = client_of(city.office_admin)
    shown = office.get(reverse("catalog:topics")).context["page"].object_list
    assert topic not in shown
    retired = office.get(reverse("catalog:topics"), {"shown": "retired"}).context["page"]
    assert list(retired.object_list) == [topic]
    subjects = office.get(reverse("catalog:topics"), {"kind": "subject", "shown": "all"})
    assert {t.kind for t in subjects.context["page"].object_list} == {"subject"}


def test_the_office_adds_and_renames_an_audience_with_history(city) -> None:
    from openclass.catalog.models import AudienceTag

    office = client_of(city.office_admin)
    response = office.post(
        reverse("catalog:audiences"),
        {"name_ko": "특수교육 대상", "name_en": "", "position": 9, "code": "special-needs"},
    )
    assert response.status_code == 302
    tag = AudienceTag.objects.get(code="special-needs")
    response = office.post(
        reverse("catalog:audience_edit", args=[tag.pk]),
        {"name_ko": "특수교육 대상 학생", "name_en": "", "position": 9, "code": tag.code},
    )
    assert response.status_code == 302
    tag.refresh_from_db()
    assert tag.name_ko == "특수교육 대상 학생"
    assert set(tag.history.values_list("history_user", flat=True)) == {city.office_admin.pk}
    page = office.get(reverse("catalog:audiences")).content.decode()
    assert "특수교육 대상 → 특수교육 대상 학생" in page


def test_only_the_office_keeps_the_audiences(city) -> None:
    from openclass.catalog.models import AudienceTag

    tag = AudienceTag.objects.order_by("pk").first()
    for user in (city.north.admin, city.north.homeroom_a, city.north.parent_a1):
        client = client_of(user)
        assert client.get(reverse("catalog:audiences")).status_code == 403
        response = client.post(
            reverse("catalog:audience_edit", args=[tag.pk]),
            {"name_ko": "바뀜", "position": 0, "code": tag.code},
        )
        assert response.status_code == 403
    tag.refresh_from_db()
    assert tag.name_ko != "바뀜"
