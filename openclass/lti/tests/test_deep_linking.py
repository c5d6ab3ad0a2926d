"""Deep Linking 2.0: a teacher picks content inside a tool; the tool's signed answer (checked
against its key set, fetched over HTTP from the tool) becomes lessons of kind ``tool``, all or
none."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import pytest
from django.test import Client
from jwcrypto import jwk, jwt

from openclass.courses.models import Lesson
from openclass.lti import claims
from openclass.lti.models import LaunchRequest, ResourceLink
from openclass.lti.tests.fixtures import TOOL, LtiWorld, auth_params, query_of
from openclass.lti.tests.test_launch import posted, verified

LTI = claims.LTI
DL = claims.DL


def start_deep_linking(client: Client, world: LtiWorld) -> tuple[LaunchRequest, dict]:
    """The teacher picks the tool for the section; the tool's authorization request is answered
    with the deep-linking id_token."""
    teacher = world.city.north.homeroom_a
    client.force_login(teacher)
    page = client.get(f"/lti/deep-link/{world.section.pk}/")
    assert page.status_code == 200
    response = client.post(f"/lti/deep-link/{world.section.pk}/", {"tool": world.tool.pk})
    assert response.status_code == 302, response.content
    login = query_of(response["Location"])
    answer = client.get("/lti/auth/", auth_params(world.tool, login, nonce=uuid.uuid4().hex))
    assert answer.status_code == 200, answer.content
    _header, data = verified(posted(answer)["id_token"])
    return LaunchRequest.objects.get(message_hint=login["lti_message_hint"]), data


def response_jwt(
    world: LtiWorld,
    launch: LaunchRequest,
    items: list[dict[str, Any]],
    key: jwk.JWK | None = None,
    **changes: Any,
) -> str:
    """The tool's LtiDeepLinkingResponse, signed with its key (or ``key``)."""
    now = int(time.time())
    data: dict[str, Any] = {
        "iss": world.tool.client_id,
        "aud": [claims.issuer()],
        "iat": now,
        "exp": now + 60,
        "nonce": uuid.uuid4().hex,
        LTI + "message_type": "LtiDeepLinkingResponse",
        LTI + "version": "1.3.0",
        LTI + "deployment_id": world.tool.deployment_id,
        DL + "data": launch.data,
        DL + "content_items": items,
    }
    data.update(changes)
    signer = key or world.key.key
    token = jwt.JWT(header={"alg": "RS256", "kid": signer.get("kid")}, claims=data)
    token.make_signed_token(signer)
    return str(token.serialize())


ITEMS = [
    {
        "type": "ltiResourceLink",
        "title": "덧셈 연습",
        "url": f"{TOOL}/launch?item=add",
        "custom": {"item": "add"},
    },
    {
        "type": "ltiResourceLink",
        "title": "뺄셈 연습",
        "url": f"{TOOL}/launch?item=sub",
        "window": {"targetName": "_blank"},
        "lineItem": {"scoreMaximum": 3, "label": "뺄셈 점수"},
    },
    {"type": "link", "url": "https://example.org/", "title": "그냥 링크"},
]


@pytest.mark.django_db
def test_deep_linking_request_claims(client: Client, lti: LtiWorld) -> None:
    launch, data = start_deep_linking(client, lti)
    assert data[LTI + "message_type"] == "LtiDeepLinkingRequest"
    assert data[LTI + "roles"] == [claims.INSTRUCTOR]
    settings = data[DL + "deep_linking_settings"]
    assert settings["deep_link_return_url"] == claims.absolute(
        f"/lti/deep-link/return/{launch.pk}/"
    )
    assert settings["accept_types"] == ["ltiResourceLink"]
    assert settings["accept_multiple"] is True
    assert settings["data"] == launch.data
    assert data[LTI + "context"]["id"] == str(lti.courses.class_course.pk)


@pytest.mark.django_db
def test_items_become_lessons(client: Client, lti: LtiWorld) -> None:
    launch, _data = start_deep_linking(client, lti)
    before = set(lti.section.lessons.values_list("pk", flat=True))
    response = client.post(
        f"/lti/deep-link/return/{launch.pk}/", {"JWT": response_jwt(lti, launch, ITEMS)}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/courses/{lti.courses.class_course.pk}/content/"
    made = Lesson.objects.filter(section=lti.section).exclude(pk__in=before).order_by("position")
    assert [lesson.title for lesson in made] == ["덧셈 연습", "뺄셈 연습"]
    assert all(lesson.kind == Lesson.Kind.TOOL for lesson in made)
    first, second = (ResourceLink.objects.get(lesson=lesson) for lesson in made)
    assert first.tool == lti.tool and first.target_link_uri == f"{TOOL}/launch?item=add"
    assert first.custom == {"item": "add"} and first.presentation == "iframe"
    assert second.presentation == "window"
    # The tool's key set was fetched from its own server.
    assert lti.key.fetches == ["/jwks.json"]
    # Answered once: the same answer again changes nothing.
    again = client.post(
        f"/lti/deep-link/return/{launch.pk}/", {"JWT": response_jwt(lti, launch, ITEMS)}
    )
    assert again.status_code == 400
    assert Lesson.objects.filter(section=lti.section).count() == len(before) + 2


@pytest.mark.django_db
def test_a_launch_of_a_deep_linked_lesson_targets_its_item(client: Client, lti: LtiWorld) -> None:
    launch, _data = start_deep_linking(client, lti)
    client.post(f"/lti/deep-link/return/{launch.pk}/", {"JWT": response_jwt(lti, launch, ITEMS)})
    lesson = Lesson.objects.get(title="덧셈 연습")
    student = Client()
    student.force_login(lti.city.north.student_a1)
    response = student.get(f"/lti/launch/{lesson.pk}/")
    login = query_of(response["Location"])
    assert login["target_link_uri"] == f"{TOOL}/launch?item=add"
    answer = student.get("/lti/auth/", auth_params(lti.tool, login))
    _header, data = verified(posted(answer)["id_token"])
    assert data[LTI + "target_link_uri"] == f"{TOOL}/launch?item=add"
    assert data[LTI + "custom"] == {"item": "add"}


def _refused(client: Client, world: LtiWorld, launch: LaunchRequest, token: str) -> str:
    count = Lesson.objects.count()
    response = client.post(f"/lti/deep-link/return/{launch.pk}/", {"JWT": token})
    assert response.status_code == 400
    assert Lesson.objects.count() == count
    assert LaunchRequest.objects.get(pk=launch.pk).returned_at is None
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.mark.django_db
def test_bad_answers_change_nothing(client: Client, lti: LtiWorld) -> None:
    launch, _data = start_deep_linking(client, lti)
    other_key = jwk.JWK.generate(kty="RSA", size=2048, kid=lti.key.key.get("kid"))
    page = _refused(client, lti, launch, response_jwt(lti, launch, ITEMS, key=other_key))
    assert "바뀐 것은 없습니다" in page or "Nothing was changed" in page
    _refused(client, lti, launch, "not-a-jwt")
    _refused(client, lti, launch, response_jwt(lti, launch, ITEMS, **{DL + "data": "forged"}))
    _refused(client, lti, launch, response_jwt(lti, launch, ITEMS, aud=["https://else.example"]))
    _refused(client, lti, launch, response_jwt(lti, launch, ITEMS, iss="another-client"))
    _refused(client, lti, launch, response_jwt(lti, launch, ITEMS, **{LTI + "deployment_id": "x"}))
    _refused(
        client,
        lti,
        launch,
        response_jwt(lti, launch, ITEMS, **{LTI + "message_type": "LtiResourceLinkRequest"}),
    )
    _refused(client, lti, launch, response_jwt(lti, launch, ITEMS, exp=int(time.time()) - 600))
    bad_url = [{"type": "ltiResourceLink", "title": "x", "url": "javascript:alert(1)"}]
    _refused(client, lti, launch, response_jwt(lti, launch, [ITEMS[0], *bad_url]))
    # After every refusal the right answer still lands.
    ok = client.post(
        f"/lti/deep-link/return/{launch.pk}/", {"JWT": response_jwt(lti, launch, ITEMS)}
    )
    assert ok.status_code == 302


@pytest.mark.django_db
def test_only_a_manager_with_an_offered_tool_starts_deep_linking(
    client: Client, lti: LtiWorld
) -> None:
    # Another class's teacher does not manage the course: 404.
    client.force_login(lti.city.north.subject_teacher)
    assert client.get(f"/lti/deep-link/{lti.section.pk}/").status_code == 404
    # A student neither.
    client.force_login(lti.city.north.student_a1)
    assert client.get(f"/lti/deep-link/{lti.section.pk}/").status_code == 403
    # A teacher's private tool is not offered to another teacher.
    lti.tool.city_wide = False
    lti.tool.save()
    client.force_login(lti.city.north.homeroom_a)
    response = client.post(f"/lti/deep-link/{lti.section.pk}/", {"tool": lti.tool.pk})
    assert response.status_code == 200 and not LaunchRequest.objects.exists()


@pytest.mark.django_db
def test_another_teachers_return_is_refused(client: Client, lti: LtiWorld) -> None:
    launch, _data = start_deep_linking(client, lti)
    other = Client()
    other.force_login(lti.city.north.subject_teacher)
    response = other.post(
        f"/lti/deep-link/return/{launch.pk}/", {"JWT": response_jwt(lti, launch, ITEMS)}
    )
    assert response.status_code == 403
    assert LaunchRequest.objects.get(pk=launch.pk).returned_at is None


@pytest.mark.django_db
def test_the_return_needs_no_session_cookie(client: Client, lti: LtiWorld) -> None:
    """A tool elsewhere posts the teacher back cross-site: the browser sends no Lax cookie."""
    launch, _data = start_deep_linking(client, lti)
    anonymous = Client()
    response = anonymous.post(
        f"/lti/deep-link/return/{launch.pk}/", {"JWT": response_jwt(lti, launch, ITEMS[:1])}
    )
    assert response.status_code == 302
    assert Lesson.objects.filter(title="덧셈 연습").exists()
