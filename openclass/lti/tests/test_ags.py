"""Assignment and Grade Services 2.0 on the platform's side.

In this process (Django's test client, the tool's key set served on 127.0.0.1 by
``fixtures.tool_key``): line items made, listed (filters, paging), changed and deleted; scores
landing in the gradebook with their xAPI statements, the AGS timestamp rule and the results;
and the refusals — no token, a scope missing, a course the tool has no lesson in, another tool's
item, a student not in the course.

Against the real server (``test_ags_live.py``: uvicorn on 127.0.0.1), the tool side is
PyLTI1p3's own ``ServiceConnector`` and ``AssignmentsGradesService``: the tool gets its token,
finds or creates its line item, posts a score, reads it back, and the score shows on the
teacher's gradebook page and on the student's grades page.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from openclass.assessments.models import OutsideItem, OutsideScore
from openclass.assessments.services import gradebook
from openclass.assessments.services.gradebook import State
from openclass.courses.models import Lesson, LessonProgress
from openclass.lti import ags, claims, token
from openclass.lti.models import ResourceLink, Tool
from openclass.lti.tests.fixtures import LtiWorld
from openclass.lti.tests.test_token import ask, assertion
from openclass.xapi.models import Statement

NOW = timezone.now().replace(microsecond=0)
ITEM_TYPE = ags.LINEITEM_TYPE


def access_token(client: Client, world: LtiWorld, scopes: str = "") -> str:
    signed, _jti = assertion(world.tool, world.key.key)
    answer = ask(client, signed, scope=scopes)
    assert answer.status_code == 200, answer.content
    return str(answer.json()["access_token"])


class Tool_:
    """The tool's calls, with a bearer token."""

    def __init__(self, client: Client, bearer: str) -> None:
        self.client = client
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {bearer}"}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(path, params, **self.headers)

    def send(self, method: str, path: str, body: Any, content_type: str) -> Any:
        call = getattr(self.client, method)
        return call(path, json.dumps(body), content_type=content_type, **self.headers)


@pytest.fixture
def world(lti: LtiWorld) -> LtiWorld:
    lti.tool.may_post_scores = True
    lti.tool.save()
    return lti


@pytest.fixture
def tool(client: Client, world: LtiWorld) -> Tool_:
    return Tool_(client, access_token(client, world))


def lineitems_url(world: LtiWorld) -> str:
    return f"/lti/ags/{world.courses.class_course.pk}/lineitems"


def new_item(tool: Tool_, world: LtiWorld, **fields: Any) -> dict[str, Any]:
    body = {
        "label": "계산 연습 점수",
        "scoreMaximum": 20,
        "resourceLinkId": str(world.link.resource_link_id),
        "tag": "practice",
        "resourceId": "calc-1",
        **fields,
    }
    answer = tool.send("post", lineitems_url(world), body, ITEM_TYPE)
    assert answer.status_code == 201, answer.content
    assert answer["Content-Type"] == ITEM_TYPE
    return dict(answer.json())


def path_of(url: str) -> str:
    return url.removeprefix(claims.issuer())


def score(world: LtiWorld, student_pk: int, given: Any, **fields: Any) -> dict[str, Any]:
    body = {
        "userId": world.tool.subject(student_pk),
        "scoreGiven": given,
        "scoreMaximum": 20,
        "comment": "잘했어요",
        "timestamp": NOW.isoformat(),
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
    }
    body.update(fields)
    return body


# --- Line items ----------------------------------------------------------------------------------


def test_a_line_item_becomes_a_gradebook_column(tool, world) -> None:
    made = new_item(tool, world, endDateTime="2030-01-01T00:00:00+09:00")
    item = OutsideItem.objects.get()
    assert made == {
        "id": claims.absolute(f"{lineitems_url(world)}/{item.pk}"),
        "label": "계산 연습 점수",
        "scoreMaximum": 20,
        "resourceLinkId": str(world.link.resource_link_id),
        "resourceId": "calc-1",
        "tag": "practice",
        "endDateTime": "2029-12-31T15:00:00+00:00",
    }
    assert item.course == world.courses.class_course and item.source == world.tool.name
    table = gradebook.table(world.courses.class_course, world.city.north.homeroom_a)
    assert [c.title for c in table.outside] == ["계산 연습 점수"]
    # the launch's AGS claim now names it as the link's line item
    claim = claims.service_claims(world.tool, world.courses.class_course, world.link)
    assert claim[claims.AGS_ENDPOINT]["lineitem"] == made["id"]
    assert ags.line_item_for_link(world.link) == item.pk


def test_line_items_are_listed_filtered_and_paged(tool, world) -> None:
    first = new_item(tool, world)
    second = new_item(tool, world, label="두 번째", tag="final", resourceLinkId=None)
    listed = tool.get(lineitems_url(world))
    assert listed.status_code == 200
    assert listed["Content-Type"] == ags.CONTAINER_TYPE
    assert [i["id"] for i in listed.json()] == [first["id"], second["id"]]
    assert [i["id"] for i in tool.get(lineitems_url(world), tag="final").json()] == [second["id"]]
    by_link = tool.get(lineitems_url(world), resource_link_id=str(world.link.resource_link_id))
    assert [i["id"] for i in by_link.json()] == [first["id"]]
    assert tool.get(lineitems_url(world), resource_id="calc-1").json()[0]["id"] == first["id"]
    page = tool.get(lineitems_url(world), limit=1)
    assert [i["id"] for i in page.json()] == [first["id"]]
    next_url = page["Link"].split(";")[0].strip("<>")
    assert page["Link"].endswith('rel="next"')
    rest = tool.client.get(path_of(next_url), **tool.headers)
    assert [i["id"] for i in rest.json()] == [second["id"]] and "Link" not in rest
    one = tool.get(path_of(first["id"]))
    assert one.status_code == 200 and one.json() == first and one["Content-Type"] == ITEM_TYPE


def test_a_line_item_is_changed_and_deleted(tool, world) -> None:
    made = new_item(tool, world)
    item = OutsideItem.objects.get()
    OutsideScore.objects.create(
        item=item,
        student=world.city.north.student_a1,
        score_given=3,
        score_maximum=20,
        activity_progress="Completed",
        grading_progress="FullyGraded",
        timestamp=NOW,
    )
    changed = tool.send(
        "put", path_of(made["id"]), {"label": "새 이름", "scoreMaximum": 50}, ITEM_TYPE
    )
    assert changed.status_code == 200
    assert changed.json()["label"] == "새 이름" and changed.json()["scoreMaximum"] == 50
    item.refresh_from_db()
    assert item.score_maximum == Decimal(50) and item.tag == "" and item.resource_link_id == ""
    assert tool.client.delete(path_of(made["id"]), **tool.headers).status_code == 204
    assert not OutsideItem.objects.exists() and not OutsideScore.objects.exists()
    assert tool.get(path_of(made["id"])).status_code == 404


def test_bad_line_items_are_refused(tool, world) -> None:
    url = lineitems_url(world)
    for body in (
        {"scoreMaximum": 10},
        {"label": "x"},
        {"label": "x", "scoreMaximum": 0},
        {"label": "x", "scoreMaximum": "10"},
        {"label": "x", "scoreMaximum": 10, "endDateTime": "tomorrow"},
        {"label": "x", "scoreMaximum": 10, "resourceLinkId": "not-a-link-of-this-course"},
    ):
        answer = tool.send("post", url, body, ITEM_TYPE)
        assert answer.status_code == 400, body
        assert answer.json()["error"] == "invalid_request"
    not_json = tool.client.post(url, "{", content_type=ITEM_TYPE, **tool.headers)
    assert not_json.status_code == 400
    assert not OutsideItem.objects.exists()


# --- Scores and results --------------------------------------------------------------------------


def test_a_score_lands_in_the_gradebook_with_its_statement(tool, world) -> None:
    north = world.city.north
    made = new_item(tool, world)
    posted = tool.send(
        "post",
        path_of(made["id"]) + "/scores",
        score(world, north.student_a1.pk, 17),
        ags.SCORE_TYPE,
    )
    assert posted.status_code == 204, posted.content
    table = gradebook.table(world.courses.class_course, north.homeroom_a)
    row = next(r for r in table.rows if r.student == north.student_a1)
    assert row.outside_cells[0].percent == Decimal(85)
    assert row.outside_cells[0].score.comment == "잘했어요"
    statements = Statement.objects.filter(user=north.student_a1).order_by("number")
    verbs = [s.verb.rsplit("/", 1)[-1] for s in statements]
    # the tool's activity scored and completed, then the lesson's own completion (courses')
    assert verbs == ["scored", "completed", "completed"]
    assert statements[2].full["object"]["id"].endswith(f"/xapi/activities/lesson/{world.lesson.pk}")
    progress = LessonProgress.objects.get(student=north.student_a1, lesson=world.lesson)
    assert progress.completed_at is not None
    scored = statements[0].full
    assert scored["result"]["score"] == {"raw": 17.0, "min": 0, "max": 20.0, "scaled": 0.85}
    assert scored["object"]["id"].endswith(f"/xapi/activities/tool/{world.lesson.pk}")
    assert statements[0].course_id == world.courses.class_course.pk
    text = json.dumps([s.full for s in statements], ensure_ascii=False)
    assert north.student_a1.name not in text and north.student_a1.username not in text


def test_older_scores_are_ignored_and_pending_ones_do_not_count(tool, world) -> None:
    a1 = world.city.north.student_a1
    made = new_item(tool, world)
    url = path_of(made["id"]) + "/scores"
    later = (NOW + datetime.timedelta(minutes=1)).isoformat()
    pending = score(world, a1.pk, 9, gradingProgress="PendingManual", timestamp=later)
    assert tool.send("post", url, pending, ags.SCORE_TYPE).status_code == 204
    assert tool.send("post", url, score(world, a1.pk, 20), ags.SCORE_TYPE).status_code == 204
    kept = OutsideScore.objects.get()
    assert kept.score_given == Decimal(9) and kept.grading_progress == "PendingManual"
    table = gradebook.table(world.courses.class_course, world.city.north.homeroom_a)
    cell = next(r for r in table.rows if r.student == a1).outside_cells[0]
    assert cell.state == State.IN_PROGRESS
    # neither a pending score nor an ignored one is a "scored" statement
    verbs = [v.rsplit("/", 1)[-1] for v in Statement.objects.values_list("verb", flat=True)]
    # the tool's activity and the lesson completed once each, the ignored score adding nothing
    assert "scored" not in verbs and verbs.count("completed") == 2


def test_scores_only_for_the_courses_students(tool, world) -> None:
    north = world.city.north
    made = new_item(tool, world)
    url = path_of(made["id"]) + "/scores"
    for someone in (north.student_b1, north.homeroom_a):  # another class; the teacher
        answer = tool.send("post", url, score(world, someone.pk, 5), ags.SCORE_TYPE)
        assert answer.status_code == 400
    unknown = score(world, north.student_a1.pk, 5, userId="no-such-person")
    assert tool.send("post", url, unknown, ags.SCORE_TYPE).status_code == 400
    # the student's id at another tool is not theirs here
    other = Tool.objects.create(
        name="다른 도구",
        login_url="https://x.example/l",
        launch_url="https://x.example/",
        jwks_url="https://x.example/jwks",
    )
    elsewhere = score(world, north.student_a1.pk, 5, userId=other.subject(north.student_a1.pk))
    assert tool.send("post", url, elsewhere, ags.SCORE_TYPE).status_code == 400
    for bad in ({"timestamp": None}, {"timestamp": "2026-01-01T00:00:00"}, {"scoreGiven": "5"}):
        body = score(world, north.student_a1.pk, 5, **bad)
        assert tool.send("post", url, body, ags.SCORE_TYPE).status_code == 400
    assert not OutsideScore.objects.exists()


def test_results_on_the_items_scale(tool, world) -> None:
    north = world.city.north
    made = new_item(tool, world)
    url = path_of(made["id"])
    tool.send(
        "post",
        url + "/scores",
        score(world, north.student_a1.pk, 5, scoreMaximum=10),
        ags.SCORE_TYPE,
    )
    tool.send("post", url + "/scores", score(world, north.student_a2.pk, 4), ags.SCORE_TYPE)
    results = tool.get(url + "/results")
    assert results.status_code == 200 and results["Content-Type"] == ags.RESULTS_TYPE
    by_user = {r["userId"]: r for r in results.json()}
    a1 = world.tool.subject(north.student_a1.pk)
    assert by_user[a1]["resultScore"] == 10.0  # 5 of 10 on the item's scale of 20
    assert by_user[a1]["resultMaximum"] == 20 and by_user[a1]["scoreOf"] == made["id"]
    only = tool.get(url + "/results", user_id=a1).json()
    assert [r["userId"] for r in only] == [a1]
    paged = tool.get(url + "/results", limit=1)
    assert len(paged.json()) == 1 and 'rel="next"' in paged["Link"]


# --- Refusals ------------------------------------------------------------------------------------


def test_without_a_token_or_its_scope_the_services_refuse(client, world) -> None:
    url = lineitems_url(world)
    bare = client.get(url)
    assert bare.status_code == 401 and bare.json()["error"] == "invalid_token"
    assert client.get(url, HTTP_AUTHORIZATION="Bearer nope").status_code == 401
    reader = Tool_(client, access_token(client, world, token.AGS_LINEITEM_READ))
    assert reader.get(url).status_code == 200
    made = reader.send("post", url, {"label": "x", "scoreMaximum": 1}, ITEM_TYPE)
    assert made.status_code == 403 and made.json()["error"] == "insufficient_scope"
    writer = Tool_(client, access_token(client, world, token.AGS_LINEITEM))
    item = new_item(writer, world)
    body = score(world, world.city.north.student_a1.pk, 5)
    posted = writer.send("post", path_of(item["id"]) + "/scores", body, ags.SCORE_TYPE)
    assert posted.status_code == 403
    assert writer.get(path_of(item["id"]) + "/results").status_code == 403
    assert not OutsideScore.objects.exists()
    # a tool not granted scores any more: its token opens nothing
    world.tool.may_post_scores = False
    world.tool.save()
    assert writer.get(url).status_code == 403


def test_a_tool_reaches_only_courses_with_its_lessons_and_only_its_items(tool, world) -> None:
    courses = world.courses
    elsewhere = f"/lti/ags/{courses.office_course.pk}/lineitems"
    assert tool.get(elsewhere).status_code == 403
    assert tool.get("/lti/ags/999999999/lineitems").status_code == 403
    # another tool's line item in the same course is not found
    other = Tool.objects.create(
        name="다른 도구",
        login_url="https://x.example/l",
        launch_url="https://x.example/",
        jwks_url="https://x.example/jwks",
    )
    theirs = OutsideItem.objects.create(
        course=courses.class_course,
        title="남의 항목",
        score_maximum=10,
        source=other.name,
        source_key=ags.source_key(other),
    )
    assert tool.get(f"{lineitems_url(world)}/{theirs.pk}").status_code == 404
    assert tool.get(lineitems_url(world)).json() == []
    # the tool's item reached through another course's address: not found either
    mine = new_item(tool, world)
    section = courses.office_course.sections.first() or courses.office_course.sections.create(
        title="s", position=1
    )
    lesson = Lesson.objects.create(section=section, title="도구", kind=Lesson.Kind.TOOL, position=9)
    ResourceLink.objects.create(lesson=lesson, tool=world.tool)
    item_id = mine["id"].rsplit("/", 1)[-1]
    assert tool.get(f"/lti/ags/{courses.office_course.pk}/lineitems/{item_id}").status_code == 404


def test_deep_linking_makes_a_line_item_for_its_lesson(world) -> None:
    item = ags.create_line_item_for_link(world.link, label="", score_maximum=100, tag="dl")
    assert item.title == world.lesson.title and item.score_maximum == Decimal(100)
    assert item.resource_link_id == str(world.link.resource_link_id)
    assert ags.line_item_for_link(world.link) == item.pk
