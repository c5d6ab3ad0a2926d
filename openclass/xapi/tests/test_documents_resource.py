"""The document resources over HTTP, rule by rule (xAPI 1.0.3 part three §2.2–2.7, §3.1, §3.2):
State, Activity Profile, Agent Profile, Activities and Agents, with their refusals — a bad or
unknown parameter (400), no or wrong credentials (401), a missing scope or someone else's
documents (403), a stale ETag (412), a profile PUT that would overwrite blindly (409)."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client as HttpClient
from django.utils import timezone
from django.utils.http import parse_http_date

from openclass.api.tests.helpers import make_api_site, oauth_token
from openclass.xapi import auth, services
from openclass.xapi.models import Activity, Client, Document

STATE = "/xapi/activities/state"
ACTIVITY_PROFILE = "/xapi/activities/profile"
AGENT_PROFILE = "/xapi/agents/profile"
ACTIVITIES = "/xapi/activities"
AGENTS = "/xapi/agents"

ACTIVITY = "https://content.example/course/unit-1"
OUTSIDER = {"objectType": "Agent", "mbox": "mailto:visitor@example.org", "name": "Visitor"}
REGISTRATION = "9f0c4f4e-6b8e-4d5e-8f7a-0e6f1c2d3b4a"

pytestmark = pytest.mark.django_db


def sha1(content: bytes) -> str:
    return hashlib.sha1(content, usedforsecurity=False).hexdigest()


class Lrs:
    """A caller of the LRS: its credentials' headers, and the requests as the spec writes them."""

    def __init__(self, authorization: str | None) -> None:
        self.http = HttpClient()
        self.headers = {"X-Experience-API-Version": "1.0.3"}
        if authorization:
            self.headers["Authorization"] = authorization

    def send(
        self,
        method: str,
        path: str,
        params: dict[str, Any],
        content: bytes | str = b"",
        content_type: str = "application/json",
        **headers: str,
    ) -> Any:
        query = {
            name: json.dumps(value) if isinstance(value, dict) else value
            for name, value in params.items()
        }
        body = content.encode() if isinstance(content, str) else content
        return self.http.generic(
            method,
            f"{path}?{urlencode(query)}",
            body,
            content_type,
            headers={**self.headers, **headers},
        )

    def get(self, path: str, params: dict[str, Any], **headers: str) -> Any:
        return self.send("GET", path, params, **headers)

    def put(self, path: str, params: dict[str, Any], content: Any, **kw: Any) -> Any:
        return self.send("PUT", path, params, _encoded(content), **kw)

    def post(self, path: str, params: dict[str, Any], content: Any, **kw: Any) -> Any:
        return self.send("POST", path, params, _encoded(content), **kw)

    def delete(self, path: str, params: dict[str, Any], **headers: str) -> Any:
        return self.send("DELETE", path, params, **headers)


def _encoded(content: Any) -> bytes | str:
    return content if isinstance(content, bytes | str) else json.dumps(content)


def lrs_client(scopes: list[str], key: str = "content-player") -> Lrs:
    """An LRS client the office registered, calling with its Basic credentials."""
    raw, hashed = auth.make_secret()
    Client.objects.create(name=key, key=key, secret_hash=hashed, scopes=scopes)
    import base64

    return Lrs("Basic " + base64.b64encode(f"{key}:{raw}".encode()).decode())


def token_caller(user: Any, scopes: str) -> Lrs:
    """A person's OAuth2 token of a site allowed those scopes."""
    site = make_api_site("콘텐츠", scopes=scopes)
    return Lrs("Bearer " + oauth_token(user, scopes, site=site))


@pytest.fixture
def lrs() -> Lrs:
    return lrs_client(["all"])


def state_of(agent: dict[str, Any] = OUTSIDER, **more: str) -> dict[str, Any]:
    return {"activityId": ACTIVITY, "agent": agent, "stateId": "bookmark", **more}


# --- State resource (§2.3) ---


def test_state_put_then_get_answers_the_document_with_its_etag_and_last_modified(lrs) -> None:
    before = timezone.now().replace(microsecond=0)
    assert lrs.put(STATE, state_of(), {"page": 3}).status_code == 204
    answer = lrs.get(STATE, state_of())
    assert answer.status_code == 200
    assert json.loads(answer.content) == {"page": 3}
    assert answer["Content-Type"] == "application/json"
    assert answer["ETag"] == f'"{sha1(answer.content)}"'
    assert parse_http_date(answer["Last-Modified"]) >= before.timestamp()
    assert answer["X-Experience-API-Version"] == "1.0.3"


def test_state_keeps_any_content_type_byte_for_byte(lrs) -> None:
    png = bytes(range(256)) * 4
    assert lrs.put(STATE, state_of(), png, content_type="image/png").status_code == 204
    answer = lrs.get(STATE, state_of())
    assert answer.content == png
    assert answer["Content-Type"] == "image/png"


def test_state_post_merges_json_objects_and_refuses_what_cannot_merge(lrs) -> None:
    assert lrs.post(STATE, state_of(), {"x": "foo", "y": "bar"}).status_code == 204
    assert lrs.post(STATE, state_of(), {"x": "bash", "z": "faz"}).status_code == 204
    assert json.loads(lrs.get(STATE, state_of()).content) == {"x": "bash", "y": "bar", "z": "faz"}
    refused = lrs.post(STATE, state_of(), "abc", content_type="text/plain")
    assert refused.status_code == 400
    assert "error" in json.loads(refused.content)
    assert lrs.post(STATE, state_of(), "[1]").status_code == 400
    assert json.loads(lrs.get(STATE, state_of()).content) == {"x": "bash", "y": "bar", "z": "faz"}


def test_state_post_of_a_new_document_stores_it_whatever_it_is(lrs) -> None:
    for number, content in enumerate(("1", "true", {"a": 1})):
        params = state_of(stateId=f"s{number}")
        assert lrs.post(STATE, params, content).status_code == 204
        assert lrs.get(STATE, params).content == _encoded(content).encode()


def test_state_registration_names_a_separate_document(lrs) -> None:
    lrs.put(STATE, state_of(), "none", content_type="text/plain")
    lrs.put(STATE, state_of(registration=REGISTRATION), "one", content_type="text/plain")
    assert lrs.get(STATE, state_of()).content == b"none"
    assert lrs.get(STATE, state_of(registration=REGISTRATION.upper())).content == b"one"


def test_state_ids_since_exclusive_and_for_a_registration(lrs) -> None:
    lrs.put(STATE, state_of(stateId="old"), "1", content_type="text/plain")
    Document.objects.filter(document_id="old").update(updated=timezone.now() - timedelta(hours=2))
    lrs.put(STATE, state_of(stateId="new"), "2", content_type="text/plain")
    lrs.put(
        STATE, state_of(stateId="reg", registration=REGISTRATION), "3", content_type="text/plain"
    )
    context = {"activityId": ACTIVITY, "agent": OUTSIDER}
    every = lrs.get(STATE, context)
    assert every.status_code == 200
    assert json.loads(every.content) == ["new", "old", "reg"]
    assert every["ETag"] == f'"{sha1(every.content)}"'
    assert "Last-Modified" in every
    since = (timezone.now() - timedelta(hours=1)).isoformat()
    assert json.loads(lrs.get(STATE, {**context, "since": since}).content) == ["new", "reg"]
    mine = lrs.get(STATE, {**context, "registration": REGISTRATION})
    assert json.loads(mine.content) == ["reg"]
    later = lrs.get(STATE, {**context, "since": timezone.now().isoformat()})
    assert json.loads(later.content) == []
    # since alongside a stateId is allowed (and changes nothing)
    assert lrs.get(STATE, state_of(stateId="old", since=since)).status_code == 200


def test_state_delete_one_and_delete_all_of_the_context(lrs) -> None:
    other_activity = ACTIVITY + "/other"
    for state_id in ("a", "b"):
        lrs.put(STATE, state_of(stateId=state_id), "x", content_type="text/plain")
    lrs.put(STATE, state_of(stateId="c", registration=REGISTRATION), "x", content_type="text/plain")
    lrs.put(STATE, state_of(activityId=other_activity), "x", content_type="text/plain")
    context = {"activityId": ACTIVITY, "agent": OUTSIDER}
    assert lrs.delete(STATE, state_of(stateId="a")).status_code == 204
    assert lrs.get(STATE, state_of(stateId="a")).status_code == 404
    assert lrs.delete(STATE, {**context, "registration": REGISTRATION}).status_code == 204
    assert json.loads(lrs.get(STATE, context).content) == ["b"]
    assert lrs.delete(STATE, context).status_code == 204
    assert json.loads(lrs.get(STATE, context).content) == []
    assert lrs.get(STATE, state_of(activityId=other_activity)).status_code == 200


def test_state_get_of_a_missing_document_is_404(lrs) -> None:
    assert lrs.get(STATE, state_of(stateId="never")).status_code == 404


def test_state_put_needs_no_precondition_but_honours_one(lrs) -> None:
    lrs.put(STATE, state_of(), {"v": 1})
    assert lrs.put(STATE, state_of(), {"v": 2}).status_code == 204
    etag = lrs.get(STATE, state_of())["ETag"]
    stale = '"' + "1" * 40 + '"'
    assert lrs.put(STATE, state_of(), {"v": 3}, **{"If-Match": stale}).status_code == 412
    assert lrs.post(STATE, state_of(), {"w": 1}, **{"If-Match": stale}).status_code == 412
    assert lrs.delete(STATE, state_of(), **{"If-Match": stale}).status_code == 412
    assert lrs.put(STATE, state_of(), {"v": 3}, **{"If-None-Match": "*"}).status_code == 412
    assert json.loads(lrs.get(STATE, state_of()).content) == {"v": 2}
    assert lrs.put(STATE, state_of(), {"v": 4}, **{"If-Match": etag}).status_code == 204
    assert json.loads(lrs.get(STATE, state_of()).content) == {"v": 4}


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("PUT", {"agent": OUTSIDER, "stateId": "s"}),  # no activityId
        ("PUT", {"activityId": "not an iri", "agent": OUTSIDER, "stateId": "s"}),
        ("PUT", {"activityId": ACTIVITY, "stateId": "s"}),  # no agent
        ("PUT", {"activityId": ACTIVITY, "agent": "not JSON", "stateId": "s"}),
        ("PUT", {"activityId": ACTIVITY, "agent": {"name": "no identifier"}, "stateId": "s"}),
        ("PUT", {"activityId": ACTIVITY, "agent": {"mbox": "visitor@example.org"}, "stateId": "s"}),
        ("PUT", {"activityId": ACTIVITY, "agent": OUTSIDER}),  # no stateId
        ("POST", {"activityId": ACTIVITY, "agent": OUTSIDER}),
        ("PUT", {**state_of(), "registration": "not a uuid"}),
        ("GET", {**state_of(), "registration": "1"}),
        ("DELETE", {**state_of(), "registration": "true"}),
        ("GET", {"activityId": ACTIVITY, "agent": OUTSIDER, "since": "not a timestamp"}),
        ("GET", {**state_of(), "profileId": "x"}),  # unknown here
        ("PUT", {**state_of(), "since": "2026-01-01T00:00:00Z"}),  # since is for GET only
        ("DELETE", {"agent": OUTSIDER}),
    ],
)
def test_state_refuses_missing_malformed_and_unknown_parameters(lrs, method, params) -> None:
    answer = lrs.send(method, STATE, params, b"{}")
    assert answer.status_code == 400, answer.content
    assert not Document.objects.exists()


def test_a_document_larger_than_the_lrs_accepts_is_413(lrs, settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    assert lrs.put(STATE, state_of(), b"x" * 1001, content_type="text/plain").status_code == 413
    assert lrs.put(STATE, state_of(), b"x" * 1000, content_type="text/plain").status_code == 204


def test_json_content_that_is_not_json_is_400(lrs) -> None:
    assert lrs.put(STATE, state_of(), "{oops").status_code == 400
    assert not Document.objects.exists()


# --- Activity Profile (§2.7) and Agent Profile (§2.6) resources ---


@pytest.mark.parametrize(
    ("path", "place"),
    [
        (ACTIVITY_PROFILE, {"activityId": ACTIVITY}),
        (AGENT_PROFILE, {"agent": OUTSIDER}),
    ],
)
def test_profiles_concurrency_conflict_merge_ids_and_delete(lrs, path, place) -> None:
    params = {**place, "profileId": "settings"}
    assert lrs.put(path, params, {"speed": 1}).status_code == 204
    conflict = lrs.put(path, params, {"speed": 2})
    assert conflict.status_code == 409
    assert "If-Match" in json.loads(conflict.content)["error"]
    assert lrs.put(path, params, {"speed": 2}, **{"If-None-Match": "*"}).status_code == 412
    got = lrs.get(path, params)
    assert json.loads(got.content) == {"speed": 1}
    assert got["ETag"] == f'"{sha1(got.content)}"'
    stale = f'"{sha1(b"something else")}"'
    assert lrs.put(path, params, {"speed": 2}, **{"If-Match": stale}).status_code == 412
    assert lrs.put(path, params, {"speed": 2}, **{"If-Match": got["ETag"]}).status_code == 204
    assert lrs.post(path, params, {"volume": 5}).status_code == 204
    merged = lrs.get(path, params)
    assert json.loads(merged.content) == {"speed": 2, "volume": 5}
    new = {**place, "profileId": "fresh"}
    assert (
        lrs.put(path, new, "x", content_type="text/plain", **{"If-None-Match": "*"}).status_code
        == 204
    )
    assert json.loads(lrs.get(path, place).content) == ["fresh", "settings"]
    later = {**place, "since": timezone.now().isoformat()}
    assert json.loads(lrs.get(path, later).content) == []
    assert lrs.delete(path, params, **{"If-Match": got["ETag"]}).status_code == 412
    assert lrs.delete(path, params, **{"If-Match": merged["ETag"]}).status_code == 204
    assert lrs.get(path, params).status_code == 404
    assert json.loads(lrs.get(path, place).content) == ["fresh"]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        (ACTIVITY_PROFILE, {"profileId": "p"}),
        (ACTIVITY_PROFILE, {"activityId": "nope", "profileId": "p"}),
        (ACTIVITY_PROFILE, {"activityId": ACTIVITY}),  # PUT without profileId
        (ACTIVITY_PROFILE, {"activityId": ACTIVITY, "profileId": "p", "agent": OUTSIDER}),
        (AGENT_PROFILE, {"profileId": "p"}),
        (AGENT_PROFILE, {"agent": "{", "profileId": "p"}),
        (AGENT_PROFILE, {"agent": OUTSIDER}),
        (AGENT_PROFILE, {"agent": OUTSIDER, "profileId": "p", "activityId": ACTIVITY}),
    ],
)
def test_profiles_refuse_missing_malformed_and_unknown_parameters(lrs, path, params) -> None:
    assert lrs.put(path, params, {"a": 1}).status_code == 400
    assert not Document.objects.exists()


# --- Activities (§2.5) and Agents (§2.4) resources ---


def test_activities_answers_the_canonical_definition_or_a_bare_activity(lrs) -> None:
    definition = {"name": {"ko-KR": "1단원"}, "type": "http://adlnet.gov/expapi/activities/lesson"}
    Activity.objects.create(activity_id=ACTIVITY, definition=definition)
    known = lrs.get(ACTIVITIES, {"activityId": ACTIVITY})
    assert known.status_code == 200
    assert json.loads(known.content) == {
        "objectType": "Activity",
        "id": ACTIVITY,
        "definition": definition,
    }
    assert known["ETag"] == f'"{sha1(known.content)}"'
    unknown = lrs.get(ACTIVITIES, {"activityId": ACTIVITY + "/9"})
    assert json.loads(unknown.content) == {"objectType": "Activity", "id": ACTIVITY + "/9"}
    assert lrs.get(ACTIVITIES, {}).status_code == 400
    assert lrs.get(ACTIVITIES, {"activityId": "1"}).status_code == 400


def test_agents_answers_a_person_and_never_names_one_of_ours(lrs, city) -> None:
    outsider = lrs.get(AGENTS, {"agent": OUTSIDER})
    assert outsider.status_code == 200
    assert json.loads(outsider.content) == {
        "objectType": "Person",
        "mbox": ["mailto:visitor@example.org"],
        "name": ["Visitor"],
    }
    student = city.north.student_a1
    agent = {**services.agent_for(student), "name": student.get_full_name()}
    ours = lrs.get(AGENTS, {"agent": agent})
    assert json.loads(ours.content) == {"objectType": "Person", "account": [agent["account"]]}
    assert student.get_full_name() not in ours.content.decode()
    assert lrs.get(AGENTS, {}).status_code == 400
    group = {"objectType": "Group", "mbox": "mailto:team@example.org"}
    assert lrs.get(AGENTS, {"agent": group}).status_code == 400


# --- Who may (§4, §3.2) ---


def test_no_or_wrong_credentials_are_401() -> None:
    assert Lrs(None).get(STATE, state_of()).status_code == 401
    assert Lrs("Basic " + "bm9ib2R5Om5vdGhpbmc=").get(STATE, state_of()).status_code == 401
    assert Lrs(None).put(STATE, state_of(), {"a": 1}).status_code == 401
    assert not Document.objects.exists()


def test_the_version_header_is_required(lrs) -> None:
    del lrs.headers["X-Experience-API-Version"]
    assert lrs.put(STATE, state_of(), {"a": 1}).status_code == 400
    assert not Document.objects.exists()


def test_scopes_decide_which_resources_a_client_may_use(city) -> None:
    statements_only = lrs_client(["statements/write", "statements/read"], key="statements")
    assert statements_only.put(STATE, state_of(), {"a": 1}).status_code == 403
    assert statements_only.get(STATE, state_of()).status_code == 403
    params = {"activityId": ACTIVITY, "profileId": "p"}
    assert statements_only.put(ACTIVITY_PROFILE, params, {"a": 1}).status_code == 403
    state_only = lrs_client(["state"], key="state")
    assert state_only.put(STATE, state_of(), {"a": 1}).status_code == 204
    assert state_only.put(ACTIVITY_PROFILE, params, {"a": 1}).status_code == 403
    reader = lrs_client(["all/read"], key="reader")
    assert reader.get(STATE, state_of()).status_code == 200
    assert reader.put(STATE, state_of(), {"b": 2}).status_code == 403
    assert reader.delete(STATE, state_of()).status_code == 403
    assert json.loads(reader.get(STATE, state_of()).content) == {"a": 1}


def test_a_students_token_reaches_only_their_own_documents(city) -> None:
    student, classmate = city.north.student_a1, city.north.student_a2
    mine = services.agent_for(student)
    theirs = services.agent_for(classmate)
    as_student = token_caller(student, "state xapi/profile")
    assert as_student.put(STATE, state_of(mine), {"page": 1}).status_code == 204
    assert json.loads(as_student.get(STATE, state_of(mine)).content) == {"page": 1}
    assert Document.objects.get().user == student
    as_classmate = token_caller(classmate, "state xapi/profile")
    assert as_classmate.get(STATE, state_of(mine)).status_code == 403
    assert as_classmate.get(STATE, {"activityId": ACTIVITY, "agent": mine}).status_code == 403
    assert as_classmate.put(STATE, state_of(mine), {"page": 9}).status_code == 403
    assert as_classmate.delete(STATE, {"activityId": ACTIVITY, "agent": mine}).status_code == 403
    profile = {"agent": mine, "profileId": "settings"}
    assert as_classmate.put(AGENT_PROFILE, profile, {"x": 1}).status_code == 403
    assert as_classmate.get(AGENTS, {"agent": mine}).status_code == 403
    assert as_classmate.get(STATE, state_of(OUTSIDER)).status_code == 403
    assert as_student.put(STATE, state_of(theirs), {"page": 1}).status_code == 403
    assert json.loads(as_student.get(STATE, state_of(mine)).content) == {"page": 1}


def test_a_teacher_reaches_their_students_documents_and_not_another_schools(city) -> None:
    student = city.north.student_a1
    lrs_client(["all"], key="player").put(STATE, state_of(services.agent_for(student)), {"p": 1})
    teacher = token_caller(city.north.homeroom_a, "state")
    assert teacher.get(STATE, state_of(services.agent_for(student))).status_code == 200
    other_school = token_caller(city.south.homeroom_a, "state")
    assert other_school.get(STATE, state_of(services.agent_for(student))).status_code == 403


def test_a_token_without_the_scope_is_403(city) -> None:
    student = city.north.student_a1
    reader = token_caller(student, "statements/read/mine")
    assert reader.put(STATE, state_of(services.agent_for(student)), {"a": 1}).status_code == 403
    assert not Document.objects.exists()


# --- HEAD (§1.1) and the alternate request syntax (§1.3) ---


def test_head_answers_the_headers_of_get_without_the_document(lrs) -> None:
    lrs.put(STATE, state_of(), {"page": 3})
    got = lrs.get(STATE, state_of())
    head = lrs.send("HEAD", STATE, state_of())
    assert head.status_code == 200
    assert head.content == b""
    assert head["ETag"] == got["ETag"]
    assert head["Last-Modified"] == got["Last-Modified"]


def test_the_alternate_request_syntax_puts_and_gets_a_document(lrs) -> None:
    form = {
        "activityId": ACTIVITY,
        "agent": json.dumps(OUTSIDER),
        "stateId": "bookmark",
        "content": json.dumps({"page": 7}),
        "Content-Type": "application/json",
        "Authorization": lrs.headers["Authorization"],
        "X-Experience-API-Version": "1.0.3",
    }
    http = HttpClient()
    put = http.post(f"{STATE}?method=PUT", urlencode(form), "application/x-www-form-urlencoded")
    assert put.status_code == 204, put.content
    del form["content"], form["Content-Type"]
    got = http.post(f"{STATE}?method=GET", urlencode(form), "application/x-www-form-urlencoded")
    assert json.loads(got.content) == {"page": 7}
    assert got["ETag"] == f'"{sha1(got.content)}"'
