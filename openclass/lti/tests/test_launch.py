"""The resource link launch: our launch page → the tool's login initiation → /lti/auth/ → the
signed id_token posted to the tool, and every refusal on the way."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from html import unescape

import pytest
from django.test import Client
from jwcrypto import jwk, jwt

from openclass.courses.models import LessonProgress
from openclass.hub import services as hub
from openclass.lti import claims
from openclass.lti.models import LaunchRequest
from openclass.lti.tests.fixtures import TOOL, LtiWorld, auth_params, start
from openclass.xapi.models import Statement
from openclass.xapi.vocabulary import VERBS

LTI = "https://purl.imsglobal.org/spec/lti/claim/"


def posted(response) -> dict[str, str]:
    """The hidden fields and action of the self-submitting form."""
    html = response.content.decode()
    fields = dict(re.findall(r'name="(id_token|state)" value="([^"]*)"', html))
    fields["action"] = unescape(re.search(r'action="([^"]*)"', html).group(1))
    return fields


def verified(token: str) -> tuple[dict, dict]:
    """The id_token checked against the platform's published key set, as a tool checks it."""
    keys = jwk.JWKSet.from_json(json.dumps(hub.published_key_set()))
    checked = jwt.JWT(jwt=token, key=keys, algs=["RS256"])
    return json.loads(checked.header), json.loads(checked.claims)


def launch_as(client: Client, world: LtiWorld, user, **auth) -> tuple[dict, dict]:
    client.force_login(user)
    login = start(client, world.lesson)
    response = client.get("/lti/auth/", auth_params(world.tool, login, **auth))
    assert response.status_code == 200, response.content
    fields = posted(response)
    assert fields["action"] == f"{TOOL}/launch"
    return verified(fields["id_token"])


@pytest.mark.django_db
def test_login_initiation_carries_the_hints(client: Client, lti: LtiWorld) -> None:
    client.force_login(lti.city.north.student_a1)
    response = client.get(f"/lti/launch/{lti.lesson.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith(f"{TOOL}/login?")
    login = start(client, lti.lesson)
    launch = LaunchRequest.objects.get(message_hint=login["lti_message_hint"])
    assert login == {
        "iss": claims.issuer(),
        "login_hint": launch.login_hint,
        "target_link_uri": f"{TOOL}/launch",
        "lti_message_hint": launch.message_hint,
        "client_id": lti.tool.client_id,
        "lti_deployment_id": lti.tool.deployment_id,
    }
    assert launch.user == lti.city.north.student_a1 and launch.used_at is None


@pytest.mark.django_db
def test_student_id_token_claims(client: Client, lti: LtiWorld) -> None:
    student = lti.city.north.student_a1
    student.email = "a1@example.org"
    student.save()
    header, data = launch_as(client, lti, student, nonce="n-123")
    kid, _key = hub.signing_key()
    assert header["alg"] == "RS256" and header["kid"] == kid
    assert data["iss"] == claims.issuer()
    assert data["aud"] == lti.tool.client_id
    assert data["sub"] == lti.tool.subject(student.pk)
    assert student.username not in data["sub"] and str(student.pk) != data["sub"]
    assert data["nonce"] == "n-123"
    assert data["exp"] > data["iat"]
    assert data[LTI + "message_type"] == "LtiResourceLinkRequest"
    assert data[LTI + "version"] == "1.3.0"
    assert data[LTI + "deployment_id"] == lti.tool.deployment_id
    assert data[LTI + "target_link_uri"] == f"{TOOL}/launch"
    assert data[LTI + "resource_link"]["id"] == str(lti.link.resource_link_id)
    assert data[LTI + "resource_link"]["title"] == "4차시 계산 연습"
    course = lti.courses.class_course
    assert data[LTI + "context"]["id"] == str(course.pk)
    assert data[LTI + "context"]["title"] == course.title
    assert data[LTI + "roles"] == [claims.LEARNER]
    assert data[LTI + "launch_presentation"]["document_target"] == "iframe"
    assert data[LTI + "custom"] == {"level": "3"}
    # Names are shared with this tool; an e-mail never for a student under 14 (elementary).
    assert data["name"] == student.name
    assert data["given_name"] + data["family_name"] in (student.name[1:] + student.name[:1],)
    assert "email" not in data
    # The launch is an xAPI statement about the student, without their name.
    statement = Statement.objects.get(user=student, verb=VERBS["launched"].id)
    assert statement.full["object"]["id"].endswith(f"/tool/{lti.lesson.pk}")
    assert student.name not in json.dumps(statement.full)


@pytest.mark.django_db
def test_reaching_a_tool_that_cannot_post_scores_completes_the_lesson(
    client: Client, lti: LtiWorld
) -> None:
    """Opening the lesson's page alone completes nothing; the launch reaching a tool without
    scores does (as opening a link does), and one that may post scores waits for its report."""
    student = lti.city.north.student_a1
    client.force_login(student)
    page = client.get(f"/courses/{lti.courses.class_course.pk}/lessons/{lti.lesson.pk}/")
    assert page.status_code == 200
    progress = LessonProgress.objects.get(student=student, lesson=lti.lesson)
    assert progress.completed_at is None
    launch_as(client, lti, student, nonce="n-1")
    progress.refresh_from_db()
    assert progress.completed_at is not None
    completed = Statement.objects.get(user=student, verb=VERBS["completed"].id)
    assert completed.full["object"]["id"].endswith(f"/lesson/{lti.lesson.pk}")
    # A tool that may post scores: the launch is a launch, not a completion.
    progress.completed_at = None
    progress.save()
    lti.tool.may_post_scores = True
    lti.tool.save()
    launch_as(client, lti, student, nonce="n-2")
    progress.refresh_from_db()
    assert progress.completed_at is None
    assert Statement.objects.filter(user=student, verb=VERBS["completed"].id).count() == 1
    # A teacher's launch (to look at it) completes nothing for anyone.
    lti.tool.may_post_scores = False
    lti.tool.save()
    launch_as(client, lti, lti.city.north.homeroom_a, nonce="n-3")
    assert not LessonProgress.objects.filter(student=lti.city.north.homeroom_a).exists()


@pytest.mark.django_db
def test_names_only_when_shared_and_teacher_is_instructor(client: Client, lti: LtiWorld) -> None:
    lti.tool.share_name = False
    lti.tool.save()
    teacher = lti.city.north.homeroom_a
    teacher.email = "teacher@example.org"
    teacher.save()
    _header, data = launch_as(client, lti, teacher)
    assert data[LTI + "roles"] == [claims.INSTRUCTOR]
    assert "name" not in data and "given_name" not in data
    assert data["email"] == "teacher@example.org"
    # A teacher's preview records no statement.
    assert not Statement.objects.filter(user=teacher).exists()


@pytest.mark.django_db
def test_office_is_administrator(client: Client, lti: LtiWorld) -> None:
    _header, data = launch_as(client, lti, lti.city.office_admin)
    assert claims.ADMINISTRATOR in data[LTI + "roles"]


@pytest.mark.django_db
def test_wrong_redirect_uri_is_refused(client: Client, lti: LtiWorld) -> None:
    client.force_login(lti.city.north.student_a1)
    login = start(client, lti.lesson)
    params = auth_params(lti.tool, login)
    params["redirect_uri"] = "https://evil.example.net/launch"
    response = client.get("/lti/auth/", params)
    assert response.status_code == 400
    assert "id_token" not in response.content.decode()
    assert "evil.example.net" not in response.get("Content-Security-Policy", "")
    assert LaunchRequest.objects.get(message_hint=login["lti_message_hint"]).used_at is None


@pytest.mark.django_db
def test_student_of_another_class_cannot_launch(client: Client, lti: LtiWorld) -> None:
    client.force_login(lti.city.north.student_b1)
    assert client.get(f"/lti/launch/{lti.lesson.pk}/").status_code == 404
    assert not LaunchRequest.objects.exists()


@pytest.mark.django_db
def test_replayed_state_and_nonce_are_refused(client: Client, lti: LtiWorld) -> None:
    client.force_login(lti.city.north.student_a1)
    login = start(client, lti.lesson)
    params = auth_params(lti.tool, login, nonce="once")
    assert client.get("/lti/auth/", params).status_code == 200
    # The same request again: the launch is used.
    again = client.get("/lti/auth/", params)
    assert again.status_code == 400 and "id_token" not in again.content.decode()
    # A fresh launch answered with the nonce already used: refused too.
    second = start(client, lti.lesson)
    replay = client.get("/lti/auth/", auth_params(lti.tool, second, nonce="once"))
    assert replay.status_code == 400
    assert LaunchRequest.objects.get(message_hint=second["lti_message_hint"]).used_at is None


@pytest.mark.django_db
def test_another_users_login_hint_is_refused(client: Client, lti: LtiWorld) -> None:
    client.force_login(lti.city.north.student_a1)
    login = start(client, lti.lesson)
    other = Client()
    other.force_login(lti.city.north.student_a2)
    response = other.get("/lti/auth/", auth_params(lti.tool, login))
    assert response.status_code == 403
    assert "id_token" not in response.content.decode()
    # Nor a made-up login hint for a real message hint.
    params = auth_params(lti.tool, login)
    params["login_hint"] = "someone-else"
    assert client.get("/lti/auth/", params).status_code == 400
    assert not Statement.objects.exists()


@pytest.mark.django_db
def test_signed_out_is_refused(client: Client, lti: LtiWorld) -> None:
    client.force_login(lti.city.north.student_a1)
    login = start(client, lti.lesson)
    client.logout()
    assert client.get("/lti/auth/", auth_params(lti.tool, login)).status_code == 403


@pytest.mark.django_db
def test_deactivated_tool_is_refused(client: Client, lti: LtiWorld) -> None:
    client.force_login(lti.city.north.student_a1)
    login = start(client, lti.lesson)
    lti.tool.is_active = False
    lti.tool.save()
    assert client.get("/lti/auth/", auth_params(lti.tool, login)).status_code == 403
    response = client.get(f"/lti/launch/{lti.lesson.pk}/")
    assert response.status_code == 403
    page = client.get(f"/courses/{lti.courses.class_course.pk}/lessons/{lti.lesson.pk}/")
    assert "lti/launch" not in page.content.decode()


@pytest.mark.django_db
def test_expired_launch_is_refused(client: Client, lti: LtiWorld) -> None:
    client.force_login(lti.city.north.student_a1)
    login = start(client, lti.lesson)
    LaunchRequest.objects.update(
        created_at=LaunchRequest.objects.get().created_at - timedelta(hours=1)
    )
    assert client.get("/lti/auth/", auth_params(lti.tool, login)).status_code == 400


@pytest.mark.django_db
def test_bad_authorization_requests(client: Client, lti: LtiWorld) -> None:
    client.force_login(lti.city.north.student_a1)
    login = start(client, lti.lesson)
    for change in (
        {"scope": "profile"},
        {"response_type": "code"},
        {"response_mode": "query"},
        {"prompt": "login"},
        {"client_id": "unknown"},
        {"nonce": ""},
        {"state": ""},
    ):
        params = {**auth_params(lti.tool, login), **change}
        assert client.get("/lti/auth/", params).status_code == 400, change
    # Still usable after the refusals: nothing was consumed.
    assert client.get("/lti/auth/", auth_params(lti.tool, login)).status_code == 200


@pytest.mark.django_db
def test_lesson_page_frames_the_launch(client: Client, lti: LtiWorld) -> None:
    client.force_login(lti.city.north.student_a1)
    page = client.get(f"/courses/{lti.courses.class_course.pk}/lessons/{lti.lesson.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'src="/lti/launch/{lti.lesson.pk}/"' in html and "sandbox=" in html
    policy = page["Content-Security-Policy"]
    frame_src = next(p for p in policy.split(";") if p.strip().startswith("frame-src"))
    assert TOOL in frame_src and "'self'" in frame_src
    # The launch and the answer may be framed by our own pages only.
    launch = client.get(f"/lti/launch/{lti.lesson.pk}/")
    assert "frame-ancestors 'self'" in launch["Content-Security-Policy"]
    assert launch["X-Frame-Options"] == "SAMEORIGIN"
    lti.link.presentation = "window"
    lti.link.save()
    html = client.get(f"/courses/{lti.courses.class_course.pk}/lessons/{lti.lesson.pk}/").content
    assert b"<iframe" not in html and b'target="_blank"' in html


@pytest.mark.django_db
def test_old_launches_are_pruned(client: Client, lti: LtiWorld) -> None:
    from openclass.lti.services import KEEP_LAUNCHES, prune_launches
    from openclass.lti.tasks import prune_launches_task

    client.force_login(lti.city.north.student_a1)
    old = start(client, lti.lesson)
    LaunchRequest.objects.update(created_at=LaunchRequest.objects.get().created_at - KEEP_LAUNCHES)
    fresh = start(client, lti.lesson)
    assert prune_launches() == 1
    assert not LaunchRequest.objects.filter(message_hint=old["lti_message_hint"]).exists()
    assert LaunchRequest.objects.filter(message_hint=fresh["lti_message_hint"]).exists()
    # The pruned launch's hints are unknown now.
    assert client.get("/lti/auth/", auth_params(lti.tool, old)).status_code == 400
    prune_launches_task.call_local()
    assert LaunchRequest.objects.count() == 1
