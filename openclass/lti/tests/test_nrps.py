"""Names and Role Provisioning Services 2.0 on the platform's side.

In this process: the members a tool sees of a course — its students as Learners and its teachers
as Instructors, each by their opaque id at this tool — and nobody else (a student of another
class, a classmate not enrolled, another course's members, the school's admin); names only
when the tool may receive them, e-mail only then and never for a student under 14; the role
filter, paging, and the refusals (no scope, no lesson of the tool in the course).

Against the real server, PyLTI1p3's own ``NamesRolesProvisioningService`` reads the members
(``test_ags_live.py`` holds both PyLTI1p3 flows, on one server).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from openclass.accounts.models import Organisation
from openclass.courses.models import Enrolment, Lesson
from openclass.lti import claims, nrps, token
from openclass.lti.models import ResourceLink
from openclass.lti.tests.fixtures import LtiWorld
from openclass.lti.tests.test_ags import Tool_, access_token


@pytest.fixture
def world(lti: LtiWorld) -> LtiWorld:
    lti.tool.may_read_members = True
    lti.tool.share_name = False
    lti.tool.share_email = False
    lti.tool.save()
    # another course (the school's) with the other class's student in it, and the tool in it too
    north = lti.city.north
    other = lti.courses.school_course
    Enrolment.objects.create(course=other, student=north.student_b1)
    section = other.sections.first() or other.sections.create(title="1단원", position=1)
    lesson = Lesson.objects.create(section=section, title="도구", kind=Lesson.Kind.TOOL, position=9)
    ResourceLink.objects.create(lesson=lesson, tool=lti.tool)
    return lti


@pytest.fixture
def tool(client: Client, world: LtiWorld) -> Tool_:
    return Tool_(client, access_token(client, world))


def url(world: LtiWorld) -> str:
    return f"/lti/nrps/{world.courses.class_course.pk}/memberships"


def members(tool: Tool_, world: LtiWorld, **params: Any) -> list[dict[str, Any]]:
    answer = tool.get(url(world), **params)
    assert answer.status_code == 200, answer.content
    assert answer["Content-Type"] == nrps.MEMBERSHIP_TYPE
    return list(answer.json()["members"])


def test_the_courses_students_and_teachers_and_nobody_else(tool, world) -> None:
    north = world.city.north
    subject = world.tool.subject
    answer = tool.get(url(world))
    container = answer.json()
    assert container["context"]["id"] == str(world.courses.class_course.pk)
    assert container["id"] == claims.absolute(url(world))
    found = {m["user_id"]: m for m in container["members"]}
    assert found == {
        subject(north.homeroom_a.pk): {
            "status": "Active",
            "user_id": subject(north.homeroom_a.pk),
            "roles": [claims.INSTRUCTOR],
        },
        subject(north.student_a1.pk): {
            "status": "Active",
            "user_id": subject(north.student_a1.pk),
            "roles": [claims.LEARNER],
        },
        subject(north.student_a2.pk): {
            "status": "Active",
            "user_id": subject(north.student_a2.pk),
            "roles": [claims.LEARNER],
        },
    }
    # nothing that names a person: no name, user name or database id
    text = answer.content.decode()
    for person in (north.homeroom_a, north.student_a1, north.student_a2):
        assert person.name not in text and person.username not in text
    absent = (north.student_b1, north.subject_teacher, north.admin, world.city.office_admin)
    assert not {subject(p.pk) for p in absent} & set(found)


def test_names_and_emails_only_as_the_tool_may_receive_them(tool, world) -> None:
    north = world.city.north
    for person, email in ((north.student_a1, "a1@school.example"), (north.homeroom_a, "t@e.kr")):
        person.email = email
        person.name = "김하늘" if person == north.student_a1 else "Jane Doe"
        person.save()
    assert all("name" not in m and "email" not in m for m in members(tool, world))
    world.tool.share_name = True
    world.tool.share_email = True
    world.tool.save()
    found = {m["user_id"]: m for m in members(tool, world)}
    student = found[world.tool.subject(north.student_a1.pk)]
    teacher = found[world.tool.subject(north.homeroom_a.pk)]
    assert (student["name"], student["given_name"], student["family_name"]) == (
        "김하늘",
        "하늘",
        "김",
    )
    assert "email" not in student  # an elementary student: under 14
    assert teacher["email"] == "t@e.kr" and teacher["family_name"] == "Doe"
    school = north.school
    school.school_level = Organisation.SchoolLevel.HIGH
    school.save()
    found = {m["user_id"]: m for m in members(tool, world)}
    assert found[world.tool.subject(north.student_a1.pk)]["email"] == "a1@school.example"


def test_role_filter_and_paging(tool, world) -> None:
    north = world.city.north
    learners = members(tool, world, role=claims.LEARNER)
    assert {m["user_id"] for m in learners} == {
        world.tool.subject(north.student_a1.pk),
        world.tool.subject(north.student_a2.pk),
    }
    assert [m["roles"] for m in members(tool, world, role="Instructor")] == [[claims.INSTRUCTOR]]
    assert (
        members(tool, world, role="http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor") == []
    )
    first = tool.get(url(world), limit=2)
    assert len(first.json()["members"]) == 2 and first["Link"].endswith('rel="next"')
    next_url = first["Link"].split(";")[0].strip("<>").removeprefix(claims.issuer())
    rest = tool.client.get(next_url, **tool.headers)
    assert len(rest.json()["members"]) == 1 and "Link" not in rest
    seen = [m["user_id"] for m in first.json()["members"] + rest.json()["members"]]
    assert len(set(seen)) == 3
    link = str(world.link.resource_link_id)
    assert len(members(tool, world, rlid=link)) == 3
    assert tool.get(url(world), rlid="not-a-link").status_code == 400


def test_refusals(client, tool, world) -> None:
    assert client.get(url(world)).status_code == 401
    office = f"/lti/nrps/{world.courses.office_course.pk}/memberships"
    assert tool.get(office).status_code == 403  # no lesson of the tool there
    world.tool.may_read_members = False
    world.tool.may_post_scores = True
    world.tool.save()
    assert tool.get(url(world)).status_code == 403  # the grant was taken back
    scorer = Tool_(client, access_token(client, world, token.AGS_SCORE))
    refused = scorer.get(url(world))
    assert refused.status_code == 403 and refused.json()["error"] == "insufficient_scope"
