"""The office's settings pages (issue 18, item 5): calls for applications, the rate table and
the point rules without Django admin; only the office; each change in the record's history
with its author."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from openclass.core.history import list_changes
from openclass.operations.models import Call, PointRule, Rate, RateTable
from openclass.operations.services import office, workflow

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _rate_post(name: str, day: datetime.date, hourly: dict) -> dict:
    data = {"name": name, "effective_from": day.isoformat()}
    for (instructor, session), won in hourly.items():
        prefix = f"{instructor}-{session}"
        data[f"{prefix}-hourly_won"] = won
        data[f"{prefix}-max_minutes"] = 120
        data[f"{prefix}-travel_won"] = 0
        data[f"{prefix}-min_attendance_percent"] = 0
        data[f"{prefix}-reduced_percent"] = 100
    return data


def test_the_office_creates_opens_and_closes_a_call(ops) -> None:
    office_client = client_of(ops.city.office_admin)
    response = office_client.post(
        reverse("operations:call_new"),
        {
            "title": "2027 여름 방학 강좌",
            "description": "",
            "opens_on": TODAY.isoformat(),
            "closes_on": (TODAY + datetime.timedelta(days=10)).isoformat(),
            "topics": [ops.topic.pk],
        },
    )
    call = Call.objects.get(title="2027 여름 방학 강좌")
    assert response.status_code == 302 and not call.is_published
    assert call not in workflow.list_open_calls()
    response = office_client.post(reverse("operations:call_publish", args=[call.pk]))
    call.refresh_from_db()
    assert call.is_published and call in workflow.list_open_calls()
    page = office_client.get(reverse("operations:call", args=[call.pk]))
    text = page.content.decode()
    assert "2027 여름 방학 강좌" in text and ops.topic.name in text
    changes = list_changes(call.history.all())
    # created, its fields set, opened: newest first
    assert [c.kind for c in changes] == ["~", "~", "+"]
    assert [(f.old, f.new) for f in changes[0].fields] == [("아니요", "예")] or len(
        changes[0].fields
    ) == 1
    assert all(c.who == ops.city.office_admin for c in changes)
    office_client.post(reverse("operations:call_publish", args=[call.pk]), {"action": "close"})
    call.refresh_from_db()
    assert not call.is_published and call not in workflow.list_open_calls()


def test_editing_a_call_records_the_fields_before_and_after(ops) -> None:
    office_client = client_of(ops.city.office_admin)
    response = office_client.post(
        reverse("operations:call_edit", args=[ops.call.pk]),
        {
            "title": "바뀐 공고",
            "description": "",
            "opens_on": ops.call.opens_on.isoformat(),
            "closes_on": ops.call.closes_on.isoformat(),
            "topics": [ops.topic.pk, ops.other_topic.pk],
        },
    )
    assert response.status_code == 302
    # the save and then its fields: two changes, both by the office admin
    changes = list_changes(Call.objects.get(pk=ops.call.pk).history.all())[:2]
    assert {c.who for c in changes} == {ops.city.office_admin}
    shown = {(f.old, f.new) for c in changes for f in c.fields}
    assert (ops.call.title, "바뀐 공고") in shown
    assert (ops.topic.name, f"{ops.topic.name}, {ops.other_topic.name}") in shown or any(
        ops.other_topic.name in new for _, new in shown
    )
    page = office_client.get(reverse("operations:call", args=[ops.call.pk])).content.decode()
    assert "바뀐 공고" in page and ops.city.office_admin.name in page


def test_a_call_needs_closing_after_opening(ops) -> None:
    response = client_of(ops.city.office_admin).post(
        reverse("operations:call_edit", args=[ops.call.pk]),
        {
            "title": "x",
            "opens_on": TODAY.isoformat(),
            "closes_on": (TODAY - datetime.timedelta(days=1)).isoformat(),
            "topics": [ops.topic.pk],
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors


def test_a_new_rate_table_prices_sessions_from_its_day(ops) -> None:
    office_client = client_of(ops.city.office_admin)
    day = TODAY + datetime.timedelta(days=30)
    response = office_client.post(
        reverse("operations:rate_table_new"),
        _rate_post("2027 기준", day, {("general", "live"): 40000, ("expert", "live"): 60000}),
    )
    table = RateTable.objects.get(name="2027 기준")
    assert response.status_code == 302
    assert {(r.instructor_kind, r.session_kind): r.hourly_won for r in table.rates.all()} == {
        ("general", "live"): 40000,
        ("expert", "live"): 60000,
    }
    # correcting it: a row left empty leaves the table, a changed one is recorded
    response = office_client.post(
        reverse("operations:rate_table_edit", args=[table.pk]),
        _rate_post("2027 기준", day, {("general", "live"): 45000}),
    )
    assert response.status_code == 302
    assert list(table.rates.values_list("hourly_won", flat=True)) == [45000]
    changes = list_changes(table.history.all(), Rate.history.filter(table_id=table.pk))
    assert {c.kind for c in changes} == {"+", "~", "-"}
    assert all(c.who == ops.city.office_admin for c in changes)
    page = office_client.get(reverse("operations:rate_table", args=[table.pk])).content.decode()
    assert "45,000" in page and "40000 → 45000" in page


def test_two_rate_tables_cannot_start_on_the_same_day(ops) -> None:
    office.create_rate_table(ops.city.office_admin, "a", TODAY, {})
    response = client_of(ops.city.office_admin).post(
        reverse("operations:rate_table_new"), _rate_post("b", TODAY, {})
    )
    assert response.status_code == 200
    assert "effective_from" in response.context["form"].errors


def test_point_rules_are_set_and_taken_away(ops) -> None:
    office_client = client_of(ops.city.office_admin)
    response = office_client.post(
        reverse("operations:point_rules"), {"attended": "10", "completed": "50"}
    )
    assert response.status_code == 302
    assert dict(PointRule.objects.values_list("event", "points")) == {
        "attended": 10,
        "completed": 50,
    }
    office_client.post(reverse("operations:point_rules"), {"attended": "12", "completed": ""})
    assert dict(PointRule.objects.values_list("event", "points")) == {"attended": 12}
    page = office_client.get(reverse("operations:point_rules")).content.decode()
    assert "10 → 12" in page
    assert PointRule.history.filter(history_user=ops.city.office_admin).count() == 4


@pytest.mark.parametrize("who", ["school_admin", "homeroom", "instructor", "student"])
def test_only_the_office_keeps_its_settings(ops, who) -> None:
    north = ops.city.north
    user = {
        "school_admin": north.admin,
        "homeroom": north.homeroom_a,
        "instructor": ops.city.instructor,
        "student": north.student_a1,
    }[who]
    table = office.create_rate_table(
        ops.city.office_admin, "기준", TODAY, {("general", "live"): {"hourly_won": 40000}}
    )
    client = client_of(user)
    for name, args in [
        ("operations:calls", []),
        ("operations:call", [ops.call.pk]),
        ("operations:call_edit", [ops.call.pk]),
        ("operations:rates", []),
        ("operations:rate_table", [table.pk]),
        ("operations:rate_table_edit", [table.pk]),
        ("operations:point_rules", []),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 403, name
    assert (
        client.post(
            reverse("operations:rate_table_edit", args=[table.pk]),
            _rate_post("바꿈", TODAY, {("general", "live"): 1}),
        ).status_code
        == 403
    )
    assert (
        client.post(
            reverse("operations:call_publish", args=[ops.call.pk]), {"action": "close"}
        ).status_code
        == 403
    )
    assert client.post(reverse("operations:point_rules"), {"attended": "999"}).status_code == 403
    table.refresh_from_db()
    ops.call.refresh_from_db()
    assert table.name == "기준" and table.rates.get().hourly_won == 40000
    assert ops.call.is_published and not PointRule.objects.exists()
    with pytest.raises(PermissionDenied):
        office.set_point_rules(user, {"attended": 1})


def test_the_office_checks_an_instructors_documents_with_history(ops) -> None:
    from django.core.files.base import ContentFile

    from openclass.operations.models import InstructorDocument, InstructorProfile
    from openclass.operations.services import pool

    document = pool.add_document(
        ops.profile, title="강사 자격증", file=ContentFile(b"%PDF-1.4\n", name="cert.pdf")
    )
    assert document.status == InstructorDocument.Status.PENDING
    office_client = client_of(ops.city.office_admin)
    url = reverse("operations:document_review", args=[document.pk])
    # refusing needs a reason the instructor reads
    office_client.post(url, {"decision": "refuse", "note": ""})
    document.refresh_from_db()
    assert document.status == InstructorDocument.Status.PENDING
    office_client.post(url, {"decision": "refuse", "note": "유효기간이 지났습니다."})
    document.refresh_from_db()
    assert document.status == InstructorDocument.Status.REFUSED
    assert document.reviewed_by == ops.city.office_admin
    mine = client_of(ops.city.instructor).get(reverse("operations:my_profile")).content.decode()
    assert "유효기간이 지났습니다." in mine
    office_client.post(url, {"decision": "accept"})
    document.refresh_from_db()
    assert document.status == InstructorDocument.Status.ACCEPTED
    page = office_client.get(reverse("operations:profile", args=[ops.profile.pk]))
    assert ops.city.office_admin.name in page.content.decode()
    checks = [c for c in page.context["changes"] if c.record == "강사 자격증" and c.kind == "~"]
    assert len(checks) == 2 and {c.who for c in checks} == {ops.city.office_admin}
    # the pool, for the office: those waiting first, or one status only
    waiting = InstructorProfile.objects.create(
        user=ops.city.north.subject_teacher, kind="teacher", headline="영어", career="교사"
    )
    rows = office_client.get(reverse("operations:pool")).context["page"].object_list
    assert rows[0] == waiting
    pending = office_client.get(reverse("operations:pool"), {"status": "pending"})
    assert list(pending.context["page"].object_list) == [waiting]


@pytest.mark.parametrize("who", ["school_admin", "instructor"])
def test_only_the_office_checks_documents(ops, who) -> None:
    from django.core.files.base import ContentFile

    from openclass.operations.models import InstructorDocument
    from openclass.operations.services import pool

    document = pool.add_document(
        ops.profile, title="경력 증명서", file=ContentFile(b"%PDF-1.4\n", name="career.pdf")
    )
    user = {"school_admin": ops.city.north.admin, "instructor": ops.city.instructor}[who]
    response = client_of(user).post(
        reverse("operations:document_review", args=[document.pk]), {"decision": "accept"}
    )
    assert response.status_code == 403
    document.refresh_from_db()
    assert document.status == InstructorDocument.Status.PENDING
    # the school admin sees the approved profile but neither the review nor its history
    if who == "school_admin":
        page = client_of(user).get(reverse("operations:profile", args=[ops.profile.pk]))
        assert page.status_code == 200 and page.context["changes"] is None
        assert reverse("operations:document_review", args=[document.pk]) not in (
            page.content.decode()
        )
