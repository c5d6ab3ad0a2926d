"""LTI Advantage services against the real server (uvicorn on 127.0.0.1, its own database, started
here as ``core.tests.live_server`` does), with the tool's side played by PyLTI1p3 — the field's
own tool library, not ours: its ``ServiceConnector`` signs the client assertion with the tool's
private key and gets a token from /lti/token/ (the platform fetches the tool's key set from an
``http.server`` of this test), its ``AssignmentsGradesService`` finds or creates the line item
and posts a score, and its ``NamesRolesProvisioningService`` reads the course's members.

- AGS: the score shows on the teacher's gradebook page and on the student's grades page (both
  read through the server, signed in through its login form); a score for a student who is not
  in the course is refused.
- NRPS: the course's teacher and student, and nobody else (a classmate not enrolled, a student
  of another class enrolled in another course the tool is also in); names absent until the tool
  is allowed them; PyLTI1p3 follows the ``Link: rel="next"`` pages.
"""

from __future__ import annotations

import datetime
import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from django.urls import reverse
from jwcrypto import jwk
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.exception import LtiServiceException
from pylti1p3.grade import Grade
from pylti1p3.lineitem import LineItem
from pylti1p3.names_roles import NamesRolesProvisioningService
from pylti1p3.registration import Registration
from pylti1p3.service_connector import ServiceConnector

from openclass.core.tests.live_server import OTHER_STUDENT, STUDENT, TEACHER, LiveServer, Person
from openclass.lti.token import AGS_SCOPES

COURSE = "과학 실험 교실"


def seed(jwks_url: str) -> None:
    """Run in the server's Django: ``live_server``'s school (a teacher; two students of 3학년
    1반), a second class with a student of its own, the teacher's course with a tool lesson and
    the first student enrolled (the second is not), another course with the tool too and the
    other class's student enrolled; the tool may post scores and read members, not names.
    Prints what the test needs (ids the server's secret key makes) as JSON."""
    from openclass.accounts.models import Organisation, User
    from openclass.catalog.models import Topic
    from openclass.core.tests.live_server import PASSWORD
    from openclass.core.tests.live_server import seed as seed_school
    from openclass.courses.models import Course, Enrolment, Lesson, Section
    from openclass.lti.models import ResourceLink, Tool

    seed_school(with_course=False)
    teacher = User.objects.get(username=TEACHER.username)
    student = User.objects.get(username=STUDENT.username)
    classmate = User.objects.get(username=OTHER_STUDENT.username)
    klass = student.organisation
    assert klass is not None and klass.parent is not None
    other_class = Organisation.objects.create(
        kind=Organisation.Kind.CLASS, name="2반", number=2, parent=klass.parent
    )
    stranger = User.objects.create_user(
        "hanbit-0003",
        password=PASSWORD,
        name="최다른",
        role=User.Role.STUDENT,
        organisation=other_class,
        number=1,
    )
    tool = Tool.objects.create(
        name="실험실 도구",
        login_url="https://tool.example.org/login",
        launch_url="https://tool.example.org/launch",
        jwks_url=jwks_url,
        redirect_uris=["https://tool.example.org/launch"],
        may_post_scores=True,
        may_read_members=True,
        created_by=teacher,
    )
    links = []
    for title, organisation, enrolled in (
        (COURSE, klass, student),
        ("다른 강좌", other_class, stranger),
    ):
        course = Course.objects.create(
            title=title,
            topic=Topic.objects.get(code="safety-health"),
            scope=Course.Scope.CLASS,
            organisation=organisation,
            owner=teacher,
            is_published=True,
        )
        course.teachers.add(teacher)
        section = Section.objects.create(course=course, title="1단원", position=1)
        lesson = Lesson.objects.create(
            section=section, title="실험 도구", kind=Lesson.Kind.TOOL, position=1
        )
        links.append(ResourceLink.objects.create(lesson=lesson, tool=tool))
        Enrolment.objects.create(course=course, student=enrolled)
    print(
        json.dumps(
            {
                "client_id": tool.client_id,
                "course": links[0].lesson.section.course_id,
                "other_course": links[1].lesson.section.course_id,
                "resource_link_id": str(links[0].resource_link_id),
                "sub": {
                    "teacher": tool.subject(teacher.pk),
                    "student": tool.subject(student.pk),
                    "classmate": tool.subject(classmate.pk),
                    "stranger": tool.subject(stranger.pk),
                },
            }
        )
    )


class _KeySet(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def tool_key() -> Iterator[tuple[jwk.JWK, str]]:
    """The tool's RSA key, and its key set's address on an ``http.server`` of this test."""
    key = jwk.JWK.generate(kty="RSA", size=2048)
    public = json.loads(key.export_public())
    public.update(alg="RS256", use="sig", kid=key.thumbprint())
    handler = type("Handler", (_KeySet,), {"body": json.dumps({"keys": [public]}).encode()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield key, f"http://127.0.0.1:{server.server_address[1]}/jwks.json"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def live(
    tmp_path_factory: pytest.TempPathFactory, tool_key: tuple[jwk.JWK, str]
) -> Iterator[tuple[LiveServer, dict[str, Any]]]:
    server = LiveServer(Path(tmp_path_factory.mktemp("lti-var")))
    server.env["OPENCLASS_SITE_URL"] = server.url  # the issuer, and the services' addresses
    server.var_dir.mkdir(parents=True, exist_ok=True)
    server.collect_static()
    server.migrate()
    seeded = json.loads(
        server.shell(f"from openclass.lti.tests.test_ags_live import seed; seed({tool_key[1]!r})")
    )
    server.start()
    try:
        yield server, seeded
    finally:
        server.stop()


def connector(live: LiveServer, seeded: dict[str, Any], key: jwk.JWK) -> ServiceConnector:
    """PyLTI1p3's registration of the tool at our platform, as a tool keeps it."""
    registration = (
        Registration()
        .set_issuer(live.url)
        .set_client_id(seeded["client_id"])
        .set_auth_token_url(f"{live.url}/lti/token/")
        .set_tool_private_key(key.export_to_pem(private_key=True, password=None).decode())
        .set_tool_public_key(key.export_to_pem().decode())
    )
    return ServiceConnector(registration)


def signed_in(live: LiveServer, person: Person) -> requests.Session:
    """A browser-like session signed in through the server's login form."""
    session = requests.Session()
    session.trust_env = False
    login = session.get(f"{live.url}/accounts/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text)
    assert token, "no CSRF token on the login page"
    answer = session.post(
        f"{live.url}/accounts/login/",
        data={
            "csrfmiddlewaretoken": token[1],
            "username": person.username,
            "password": person.password,
        },
        headers={"Referer": f"{live.url}/accounts/login/", "Origin": live.url},
        timeout=10,
        allow_redirects=False,
    )
    assert answer.status_code == 302, answer.text[:500]
    return session


def grade_for(sub: str, given: float, when: datetime.datetime) -> Grade:
    return (
        Grade()
        .set_score_given(given)
        .set_score_maximum(10)
        .set_timestamp(when.isoformat())
        .set_activity_progress("Completed")
        .set_grading_progress("FullyGraded")
        .set_user_id(sub)
        .set_comment("관찰 기록이 꼼꼼해요")
    )


def test_the_tool_posts_a_score_and_it_shows_in_the_gradebook(live, tool_key) -> None:
    server, seeded = live
    key, _url = tool_key
    service = AssignmentsGradesService(
        connector(server, seeded, key),
        {
            "scope": list(AGS_SCOPES),
            "lineitems": f"{server.url}/lti/ags/{seeded['course']}/lineitems",
        },
    )
    wanted = (
        LineItem()
        .set_tag("lab-report")
        .set_label("실험 보고서")
        .set_score_maximum(10)
        .set_resource_link_id(seeded["resource_link_id"])
    )
    item = service.find_or_create_lineitem(wanted)
    assert item.get_id().startswith(f"{server.url}/lti/ags/{seeded['course']}/lineitems/")
    assert item.get_label() == "실험 보고서"
    # found the second time, not made again
    assert service.find_or_create_lineitem(wanted).get_id() == item.get_id()
    assert len(service.get_lineitems()) == 1

    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    service.put_grade(grade_for(seeded["sub"]["student"], 8, now), item)
    grades = service.get_grades(item)
    assert [(g["userId"], g["resultScore"]) for g in grades] == [(seeded["sub"]["student"], 8.0)]

    # a classmate not enrolled and a student of another course: refused, nothing kept
    for who in ("classmate", "stranger"):
        with pytest.raises(LtiServiceException):
            service.put_grade(grade_for(seeded["sub"][who], 3, now), item)
    assert len(service.get_grades(item)) == 1

    teacher = signed_in(server, TEACHER)
    page = teacher.get(
        server.url + reverse("assessments:gradebook", args=[seeded["course"]]), timeout=10
    )
    assert page.status_code == 200
    assert "실험 보고서" in page.text and "80 %" in page.text and "실험실 도구" in page.text
    student = signed_in(server, STUDENT)
    mine = student.get(
        server.url + reverse("assessments:course_grades", args=[seeded["course"]]), timeout=10
    )
    assert mine.status_code == 200
    assert "실험 보고서" in mine.text and "80 %" in mine.text
    assert "관찰 기록이 꼼꼼해요" in mine.text


def test_the_tool_reads_the_members_it_may_see(live, tool_key) -> None:
    server, seeded = live
    key, _url = tool_key
    url = f"{server.url}/lti/nrps/{seeded['course']}/memberships"
    members = NamesRolesProvisioningService(
        connector(server, seeded, key), {"context_memberships_url": url + "?limit=1"}
    ).get_members()  # one member a page: PyLTI1p3 follows the next links
    subs = seeded["sub"]
    assert sorted(m["user_id"] for m in members) == sorted([subs["teacher"], subs["student"]])
    roles = {m["user_id"]: m["roles"] for m in members}
    assert roles[subs["student"]] == ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]
    assert roles[subs["teacher"]] == [
        "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
    ]
    assert all("name" not in m and "email" not in m for m in members)
    assert subs["classmate"] not in roles and subs["stranger"] not in roles

    server.shell("from openclass.lti.models import Tool; Tool.objects.update(share_name=True)")
    named = NamesRolesProvisioningService(
        connector(server, seeded, key), {"context_memberships_url": url}
    ).get_members()
    names = {m["user_id"]: m.get("name") for m in named}
    assert names == {subs["teacher"]: TEACHER.name, subs["student"]: STUDENT.name}
