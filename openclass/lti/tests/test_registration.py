"""Registering tools: the office's are offered city-wide, a teacher's only to them; the platform's
values shown to copy; who may see, change and disable which tool; a tool lesson's settings."""

from __future__ import annotations

import pytest
from django.test import Client

from openclass.courses.models import Lesson
from openclass.lti import claims
from openclass.lti.access import usable_tools
from openclass.lti.models import ResourceLink, Tool
from openclass.lti.tests.fixtures import TOOL, LtiWorld

FORM = {
    "name": "과학 실험실",
    "login_url": "https://lab.example.org/lti/login",
    "launch_url": "https://lab.example.org/lti/launch",
    "deep_linking_url": "",
    "jwks_url": "https://lab.example.org/lti/jwks",
    "redirect_uris_text": "https://lab.example.org/lti/launch\nhttps://lab.example.org/lti/dl",
    "share_name": "on",
}


@pytest.mark.django_db
def test_a_teacher_registers_a_tool_for_their_own_courses(client: Client, lti: LtiWorld) -> None:
    teacher = lti.city.north.homeroom_a
    client.force_login(teacher)
    assert client.get("/lti/tools/register/").status_code == 200
    response = client.post("/lti/tools/register/", FORM)
    assert response.status_code == 302
    tool = Tool.objects.get(name="과학 실험실")
    assert response["Location"] == f"/lti/tools/{tool.pk}/"
    assert tool.created_by == teacher and not tool.city_wide
    assert tool.school == lti.city.north.school
    assert tool.redirect_uris == [
        "https://lab.example.org/lti/launch",
        "https://lab.example.org/lti/dl",
    ]
    assert tool.share_name and not tool.share_email and not tool.may_post_scores
    assert len(tool.client_id) == 32 and tool.deployment_id
    page = client.get(f"/lti/tools/{tool.pk}/").content.decode()
    for value in (
        tool.client_id,
        tool.deployment_id,
        claims.issuer(),
        claims.absolute("/lti/auth/"),
        claims.absolute("/lti/token/"),
        claims.absolute("/lti/jwks/"),
    ):
        assert value in page
    # Offered to them; not to another teacher, who does not even see it.
    assert tool in usable_tools(teacher)
    other = Client()
    other.force_login(lti.city.north.subject_teacher)
    assert tool not in usable_tools(lti.city.north.subject_teacher)
    assert other.get(f"/lti/tools/{tool.pk}/").status_code == 404
    assert other.post(f"/lti/tools/{tool.pk}/active/", {"active": "0"}).status_code == 404
    assert "과학 실험실" not in other.get("/lti/tools/").content.decode()


@pytest.mark.django_db
def test_the_office_registers_city_wide(client: Client, lti: LtiWorld) -> None:
    client.force_login(lti.city.office_admin)
    assert client.post("/lti/tools/register/", FORM).status_code == 302
    tool = Tool.objects.get(name="과학 실험실")
    assert tool.city_wide and tool.school is None
    for teacher in (lti.city.north.homeroom_a, lti.city.south.homeroom_a, lti.city.instructor):
        assert tool in usable_tools(teacher)
    # A teacher sees the city's tool but may not change or disable it.
    teacher = Client()
    teacher.force_login(lti.city.north.homeroom_a)
    assert teacher.get(f"/lti/tools/{tool.pk}/").status_code == 200
    assert teacher.get(f"/lti/tools/{tool.pk}/edit/").status_code == 403
    assert teacher.post(f"/lti/tools/{tool.pk}/active/", {"active": "0"}).status_code == 403
    assert Tool.objects.get(pk=tool.pk).is_active


@pytest.mark.django_db
def test_students_and_parents_register_nothing(client: Client, lti: LtiWorld) -> None:
    for user in (lti.city.north.student_a1, lti.city.north.parent_a1):
        client.force_login(user)
        assert client.get("/lti/tools/").status_code == 403
        assert client.post("/lti/tools/register/", FORM).status_code == 403
        assert client.get(f"/lti/tools/{lti.tool.pk}/").status_code == 403
    assert not Tool.objects.filter(name="과학 실험실").exists()


@pytest.mark.django_db
def test_unusable_redirect_uris_are_refused(client: Client, lti: LtiWorld) -> None:
    client.force_login(lti.city.north.homeroom_a)
    for text in ("", "javascript:alert(1)", "not a url"):
        response = client.post("/lti/tools/register/", {**FORM, "redirect_uris_text": text})
        assert response.status_code == 200, text
    assert not Tool.objects.filter(name="과학 실험실").exists()


@pytest.mark.django_db
def test_disabling_and_changing(client: Client, lti: LtiWorld) -> None:
    client.force_login(lti.city.office_admin)
    response = client.post(f"/lti/tools/{lti.tool.pk}/active/", {"active": "0"})
    assert response.status_code == 302
    assert not Tool.objects.get(pk=lti.tool.pk).is_active
    assert lti.tool not in usable_tools(lti.city.north.homeroom_a)
    client.post(f"/lti/tools/{lti.tool.pk}/active/", {"active": "1"})
    assert Tool.objects.get(pk=lti.tool.pk).is_active
    edit = {**FORM, "name": "수학 도구 2", "redirect_uris_text": f"{TOOL}/launch"}
    assert client.post(f"/lti/tools/{lti.tool.pk}/edit/", edit).status_code == 302
    changed = Tool.objects.get(pk=lti.tool.pk)
    assert changed.name == "수학 도구 2" and changed.client_id == lti.tool.client_id


@pytest.mark.django_db
def test_a_teacher_sets_a_lessons_tool(client: Client, lti: LtiWorld) -> None:
    teacher = lti.city.north.homeroom_a
    client.force_login(teacher)
    course = lti.courses.class_course
    # A new lesson of kind tool goes on to choosing its tool.
    response = client.post(
        f"/courses/{course.pk}/sections/{lti.section.pk}/lessons/new/",
        {"title": "5차시 실험", "kind": "tool", "is_required": "on"},
    )
    lesson = Lesson.objects.get(title="5차시 실험")
    assert response.status_code == 302 and response["Location"] == f"/lti/lessons/{lesson.pk}/tool/"
    page = client.get(f"/lti/lessons/{lesson.pk}/tool/")
    assert page.status_code == 200 and "수학 도구" in page.content.decode()
    response = client.post(
        f"/lti/lessons/{lesson.pk}/tool/",
        {"tool": lti.tool.pk, "presentation": "window", "custom": "op=mul\nlevel=2"},
    )
    assert response.status_code == 302
    link = ResourceLink.objects.get(lesson=lesson)
    assert link.tool == lti.tool and link.presentation == "window"
    assert link.custom == {"op": "mul", "level": "2"}
    # A custom line that is not key=value is refused.
    bad = client.post(
        f"/lti/lessons/{lesson.pk}/tool/",
        {"tool": lti.tool.pk, "presentation": "iframe", "custom": "no equals sign"},
    )
    assert bad.status_code == 200
    assert ResourceLink.objects.get(lesson=lesson).presentation == "window"


@pytest.mark.django_db
def test_a_private_tool_of_another_teacher_is_not_offered(client: Client, lti: LtiWorld) -> None:
    private = Tool.objects.create(
        name="남의 도구",
        login_url="https://x.example.org/login",
        launch_url="https://x.example.org/launch",
        jwks_url="https://x.example.org/jwks",
        redirect_uris=["https://x.example.org/launch"],
        created_by=lti.city.north.subject_teacher,
    )
    client.force_login(lti.city.north.homeroom_a)
    response = client.post(
        f"/lti/lessons/{lti.lesson.pk}/tool/", {"tool": private.pk, "presentation": "iframe"}
    )
    assert response.status_code == 200
    assert ResourceLink.objects.get(lesson=lti.lesson).tool == lti.tool
    # Nor may anyone but a manager of the course set a lesson's tool.
    client.force_login(lti.city.north.subject_teacher)
    assert client.get(f"/lti/lessons/{lti.lesson.pk}/tool/").status_code == 404
    client.force_login(lti.city.north.student_a1)
    assert client.get(f"/lti/lessons/{lti.lesson.pk}/tool/").status_code == 404


@pytest.mark.django_db
def test_the_platform_key_set(client: Client) -> None:
    keys = client.get("/lti/jwks/").json()["keys"]
    assert keys and all(key["kty"] == "RSA" and "d" not in key for key in keys)
