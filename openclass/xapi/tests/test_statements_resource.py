"""The Statements resource against the rules of xAPI 1.0.3 part three (§1.3 alternate syntax,
§2.1 statements, §3 concurrency headers, §4 security, §6 version header), each as a test."""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import uuid
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client as Browser
from django.utils.dateparse import parse_datetime

from openclass.xapi import services
from openclass.xapi.models import Activity, Attachment, Statement

from .lrs import (
    VERSION,
    activity,
    basic,
    get,
    make_client,
    mbox,
    post,
    put,
    statement,
    token,
)

VOIDED = "http://adlnet.gov/expapi/verbs/voided"
pytestmark = pytest.mark.django_db


@pytest.fixture
def writer(db) -> dict[str, str]:
    client, secret = make_client(("statements/write", "statements/read", "define"))
    return basic(client, secret)


# --- the version header and credentials (§6.2, §4) -------------------------------------------


def test_about_needs_no_credentials_and_names_the_versions() -> None:
    response = Browser().get("/xapi/about")
    assert response.status_code == 200
    assert "1.0.3" in response.json()["version"]
    assert response["X-Experience-API-Version"] == "1.0.3"


@pytest.mark.parametrize("version", [None, "0.95", "2.0.0", "1.1.0", "yes"])
def test_a_missing_or_wrong_version_header_is_a_400(writer, version) -> None:
    headers = {k: v for k, v in writer.items() if k != "X-Experience-API-Version"}
    if version is not None:
        headers["X-Experience-API-Version"] = version
    response = post(headers, statement())
    assert response.status_code == 400
    assert response["X-Experience-API-Version"] == "1.0.3"
    assert not Statement.objects.exists()


@pytest.mark.parametrize("version", ["1.0", "1.0.0", "1.0.1", "1.0.3", "1.0.9"])
def test_every_1_0_x_version_is_accepted(writer, version) -> None:
    headers = {**writer, "X-Experience-API-Version": version}
    assert post(headers, statement()).status_code == 200


def test_no_credentials_is_a_401_with_the_basic_challenge() -> None:
    response = post(VERSION, statement())
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Basic realm="openclass LRS"'
    assert get(VERSION).status_code == 401


def test_a_wrong_secret_an_inactive_client_and_a_bad_token_are_401(city) -> None:
    client, secret = make_client()
    assert post(basic(client, "wrong"), statement()).status_code == 401
    client.is_active = False
    client.save()
    assert post(basic(client, secret), statement()).status_code == 401
    bad = {"Authorization": "Bearer not-a-token", **VERSION}
    assert get(bad).status_code == 401
    assert get({"Authorization": "Basic !!!", **VERSION}).status_code == 401


def test_a_scope_that_does_not_allow_the_request_is_a_403(city) -> None:
    reader, secret = make_client(("statements/read",))
    assert post(basic(reader, secret), statement()).status_code == 403
    writer_only, secret = make_client(("statements/write",))
    assert get(basic(writer_only, secret)).status_code == 403
    everything, secret = make_client(("all",))
    assert post(basic(everything, secret), statement()).status_code == 200
    assert get(basic(everything, secret)).status_code == 200


def test_a_tokens_scopes_are_narrowed_by_its_sites(city) -> None:
    student = city.north.student_a1
    headers = token(student, ("statements/write", "statements/read"), allowed=("statements/read",))
    own = statement(actor=services.agent_for(student))
    assert post(headers, own).status_code == 403
    assert get(headers).status_code == 200


def test_the_openid_profile_scope_opens_no_lrs_resource(city) -> None:
    headers = token(city.north.student_a1, ("profile",))
    assert get(headers).status_code == 403


def test_cors_preflight_is_answered_without_credentials() -> None:
    response = Browser().options(
        "/xapi/statements",
        headers={"Origin": "https://content.example.org", "Access-Control-Request-Method": "PUT"},
    )
    assert response.status_code == 200
    assert "Authorization" in response["Access-Control-Allow-Headers"]
    assert "X-Experience-API-Version" in response["Access-Control-Allow-Headers"]
    assert "PUT" in response["Access-Control-Allow-Methods"]


# --- PUT and POST (§2.1.1, §2.1.2) -----------------------------------------------------------


def test_put_stores_a_statement_under_its_id(writer) -> None:
    sent = statement()
    del sent["id"]
    statement_id = str(uuid.uuid4())
    response = put(writer, sent, statement_id)
    assert response.status_code == 204
    stored = Statement.objects.get(statement_id=statement_id)
    assert stored.full["authority"]["objectType"] == "Agent"
    assert stored.full["version"] == "1.0.0"
    assert parse_datetime(stored.full["stored"]) is not None


def test_put_without_statement_id_or_with_another_id_is_a_400(writer) -> None:
    sent = statement()
    assert put(writer, sent, "").status_code == 400
    assert put(writer, sent, str(uuid.uuid4())).status_code == 400
    assert put(writer, sent, "not-a-uuid").status_code == 400
    assert not Statement.objects.exists()


def test_a_conflicting_put_is_a_409_and_the_same_one_again_a_204(writer) -> None:
    sent = statement()
    assert put(writer, sent, sent["id"]).status_code == 204
    assert put(writer, sent, sent["id"]).status_code == 204
    different = {**sent, "verb": {"id": "http://adlnet.gov/expapi/verbs/failed"}}
    assert put(writer, different, sent["id"]).status_code == 409
    assert post(writer, [different]).status_code == 409
    assert Statement.objects.count() == 1
    assert Statement.objects.get().verb.endswith("/completed")


def test_post_stores_one_or_a_list_and_answers_their_ids(writer) -> None:
    one = statement()
    response = post(writer, one)
    assert response.status_code == 200
    assert response.json() == [one["id"]]
    without_id = statement()
    del without_id["id"]
    response = post(writer, [statement(), without_id])
    assert response.status_code == 200
    ids = response.json()
    assert len(ids) == 2 and all(uuid.UUID(i) for i in ids)
    assert Statement.objects.count() == 3


def test_a_batch_with_one_malformed_statement_stores_none(writer) -> None:
    bad = statement()
    bad["verb"] = {"id": "not an iri"}
    response = post(writer, [statement(), bad])
    assert response.status_code == 400
    assert "verb" in response.json()["error"]
    assert not Statement.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[]",
        "42",
        json.dumps({"actor": mbox(), "verb": {"id": "http://example.org/v"}}),
        json.dumps(statement(extra_property=True)),
        json.dumps({**statement(), "actor": {"mbox": "learner@example.org"}}),
        json.dumps({**statement(), "id": "1234"}),
        json.dumps({**statement(), "timestamp": "yesterday"}),
    ],
)
def test_malformed_statements_are_a_400(writer, body) -> None:
    response = Browser().post("/xapi/statements", body, "application/json", headers=writer)
    assert response.status_code == 400
    assert not Statement.objects.exists()


def test_a_body_that_is_not_json_nor_multipart_is_a_400(writer) -> None:
    response = Browser().post(
        "/xapi/statements", json.dumps(statement()), "text/plain", headers=writer
    )
    assert response.status_code == 400


def test_unknown_parameters_are_a_400(writer) -> None:
    response = Browser().post(
        "/xapi/statements?statementId=x",
        json.dumps(statement()),
        "application/json",
        headers=writer,
    )
    assert response.status_code == 400
    assert get(writer, colour="blue").status_code == 400


def test_the_authority_is_the_lrs_s_own_not_the_one_sent(writer) -> None:
    sent = statement(authority=mbox("impostor"))
    assert post(writer, sent).status_code == 200
    stored = Statement.objects.get().full
    assert stored["authority"]["account"]["homePage"].endswith("/xapi/clients")


# --- GET (§2.1.3) ---------------------------------------------------------------------------


def test_get_one_statement_by_id_with_the_headers(writer) -> None:
    sent = statement()
    post(writer, sent)
    response = get(writer, statementId=sent["id"])
    assert response.status_code == 200
    assert response.json()["id"] == sent["id"]
    assert response.json()["verb"] == sent["verb"]
    assert parse_datetime(response["X-Experience-API-Consistent-Through"]) is not None
    assert response["Last-Modified"]
    assert get(writer, statementId=str(uuid.uuid4())).status_code == 404
    assert get(writer, statementId=sent["id"], verb="http://x.org/v").status_code == 400
    both = {"statementId": sent["id"], "voidedStatementId": sent["id"]}
    assert get(writer, **both).status_code == 400


def test_head_answers_like_get_without_a_body(writer) -> None:
    sent = statement()
    post(writer, sent)
    response = Browser().head(f"/xapi/statements?statementId={sent['id']}", headers=writer)
    assert response.status_code == 200
    assert response.content == b""
    assert response["X-Experience-API-Consistent-Through"]


def test_voiding_hides_the_statement_from_queries_but_not_from_voided_statement_id(
    writer,
) -> None:
    target = statement()
    post(writer, target)
    voiding = statement(verb=VOIDED, target={"objectType": "StatementRef", "id": target["id"]})
    assert post(writer, voiding).status_code == 200
    assert get(writer, statementId=target["id"]).status_code == 404
    voided = get(writer, voidedStatementId=target["id"])
    assert voided.status_code == 200 and voided.json()["id"] == target["id"]
    assert get(writer, voidedStatementId=voiding["id"]).status_code == 404
    assert get(writer, statementId=voiding["id"]).status_code == 200
    ids = [s["id"] for s in get(writer).json()["statements"]]
    assert ids == [voiding["id"]]


def test_a_voiding_statement_cannot_itself_be_voided(writer) -> None:
    target = statement()
    voiding = statement(verb=VOIDED, target={"objectType": "StatementRef", "id": target["id"]})
    post(writer, [target, voiding])
    again = statement(verb=VOIDED, target={"objectType": "StatementRef", "id": voiding["id"]})
    assert post(writer, again).status_code == 400
    assert get(writer, statementId=voiding["id"]).status_code == 200


def test_a_statement_targeting_another_meets_the_filters_its_target_meets(writer) -> None:
    target = statement(target=activity("lesson-9"))
    post(writer, target)
    ref = statement(
        verb="http://adlnet.gov/expapi/verbs/experienced",
        target={"objectType": "StatementRef", "id": target["id"]},
    )
    post(writer, ref)
    found = get(writer, activity=activity("lesson-9")["id"]).json()["statements"]
    assert [s["id"] for s in found] == [ref["id"], target["id"]]


def test_query_filters_agent_verb_activity_registration(writer) -> None:
    registration = str(uuid.uuid4())
    a = statement(actor=mbox("a"), context={"registration": registration})
    b = statement(actor=mbox("b"), verb="http://adlnet.gov/expapi/verbs/failed")
    c = statement(
        actor=mbox("c"),
        target=activity("other"),
        context={"instructor": mbox("a"), "contextActivities": {"parent": [activity()]}},
    )
    d = statement(actor=mbox("d"), target=mbox("a"))
    post(writer, [a, b, c, d])

    def ids(**params: str) -> list[str]:
        response = get(writer, **params)
        assert response.status_code == 200, response.content
        return sorted(s["id"] for s in response.json()["statements"])

    agent = json.dumps(mbox("a"))
    assert ids(agent=agent) == sorted([a["id"], d["id"]])
    assert ids(agent=agent, related_agents="true") == sorted([a["id"], c["id"], d["id"]])
    assert ids(verb="http://adlnet.gov/expapi/verbs/failed") == [b["id"]]
    assert ids(activity=activity()["id"]) == sorted([a["id"], b["id"], d["id"]][:2])
    assert ids(activity=activity()["id"], related_activities="true") == sorted(
        [a["id"], b["id"], c["id"]]
    )
    assert ids(registration=registration) == [a["id"]]
    assert ids(agent=json.dumps(mbox("nobody"))) == []


@pytest.mark.parametrize(
    "params",
    [
        {"agent": "not json"},
        {"agent": json.dumps({"name": "no identifier"})},
        {"verb": "not an iri"},
        {"activity": "not an iri"},
        {"registration": "1234"},
        {"since": "yesterday"},
        {"until": "2026-13-45T00:00:00Z"},
        {"limit": "-1"},
        {"limit": "ten"},
        {"format": "pretty"},
        {"ascending": "yes"},
        {"related_agents": "1"},
        {"attachments": "maybe"},
    ],
)
def test_malformed_query_parameters_are_a_400(writer, params) -> None:
    assert get(writer, **params).status_code == 400


def test_since_until_ascending_and_limit(writer) -> None:
    first = statement()
    post(writer, first)
    between = Statement.objects.get().stored.isoformat()
    later = [statement() for _ in range(3)]
    for one in later:
        post(writer, one)
    newest_first = [s["id"] for s in get(writer).json()["statements"]]
    assert newest_first == [one["id"] for one in reversed([first, *later])]
    oldest_first = [s["id"] for s in get(writer, ascending="true").json()["statements"]]
    assert oldest_first == list(reversed(newest_first))
    after = [s["id"] for s in get(writer, since=between).json()["statements"]]
    assert first["id"] not in after and len(after) == 3
    until = [s["id"] for s in get(writer, until=between).json()["statements"]]
    assert until == [first["id"]]
    page = get(writer, limit="2").json()
    assert len(page["statements"]) == 2 and page["more"]


def test_the_newest_matches_are_found_however_far_back_they_are(writer) -> None:
    """A query with ``since`` reads newest first in a widening window of numbers until the page
    is full: matches behind many newer statements (the 3 oldest of 703) are found, in order,
    and paged exactly."""
    since = "2000-01-01T00:00:00Z"
    rare = [statement(verb="http://adlnet.gov/expapi/verbs/failed") for _ in range(3)]
    assert post(writer, rare).status_code == 200
    assert post(writer, [statement() for _ in range(700)]).status_code == 200
    failed = "http://adlnet.gov/expapi/verbs/failed"
    page = get(writer, verb=failed, since=since, limit="2").json()
    assert [s["id"] for s in page["statements"]] == [rare[2]["id"], rare[1]["id"]]
    rest = get(writer, page["more"]).json()
    assert [s["id"] for s in rest["statements"]] == [rare[0]["id"]] and not rest["more"]
    newest = get(writer, since=since, limit="3").json()["statements"]
    assert len(newest) == 3 and failed not in {s["verb"]["id"] for s in newest}


def test_since_answers_exactly_what_stored_says_though_numbers_and_stored_cross(writer) -> None:
    """``since`` is read as ranges of statement numbers (``_spans``): a statement stored
    up to the consistency window after a later-numbered one (its transaction took longer) is
    still found, on its own and through a related activity, page by page, for every ``since``."""
    course = activity("course-7")
    sent = [
        statement(context={"contextActivities": {"grouping": [course]}}) if i % 3 else statement()
        for i in range(40)
    ]
    assert post(writer, sent).status_code == 200
    start = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    for index, row in enumerate(Statement.objects.order_by("number")):
        # 10 s apart, every fourth one 4 s after the next one (within the 5 s window).
        row.stored = start + datetime.timedelta(seconds=10 * index + (14 if index % 4 == 0 else 0))
        row.save(update_fields=["stored"])
    stored = dict(Statement.objects.values_list("statement_id", "stored"))
    for seconds in range(0, 420, 7):
        since = start + datetime.timedelta(seconds=seconds)
        for params in ({}, {"activity": course["id"], "related_activities": "true"}):
            response = get(writer, since=since.isoformat(), limit="4", **params)
            found = []
            while True:
                body = response.json()
                found += [s["id"] for s in body["statements"]]
                if not body["more"]:
                    break
                response = get(writer, body["more"])
            expected = [
                one["id"]
                for one in reversed(sent)
                if stored[uuid.UUID(one["id"])] > since and (not params or sent.index(one) % 3)
            ]
            assert found == expected, (seconds, params)


def test_more_pages_through_250_statements_exactly_once_while_new_ones_arrive(writer) -> None:
    batch = [statement() for _ in range(250)]
    assert post(writer, batch).status_code == 200
    seen: list[str] = []
    response = get(writer, limit="0")
    pages = 0
    while True:
        assert response.status_code == 200
        body = response.json()
        assert len(body["statements"]) <= 100
        seen += [s["id"] for s in body["statements"]]
        pages += 1
        if pages == 1:
            post(writer, statement())  # arrives while the reader pages
        if not body["more"]:
            break
        assert body["more"].startswith("/xapi/statements/more/")
        response = get(writer, body["more"])
    assert pages == 3
    assert len(seen) == len(set(seen)) == 250
    assert set(seen) == {one["id"] for one in batch}


@pytest.mark.parametrize("ascending", ["false", "true"])
def test_pages_in_either_order_never_show_a_statement_stored_after_the_first(
    writer, ascending
) -> None:
    """Newest first, a page reads below the last one shown; oldest first, up to the newest
    statement when the first page was asked (kept in the more link)."""
    batch = [statement() for _ in range(5)]
    assert post(writer, batch).status_code == 200
    body = get(writer, limit="2", ascending=ascending).json()
    seen = [s["id"] for s in body["statements"]]
    late = statement()
    assert post(writer, late).status_code == 200
    while body["more"]:
        body = get(writer, body["more"]).json()
        seen += [s["id"] for s in body["statements"]]
    order = batch if ascending == "true" else list(reversed(batch))
    assert seen == [one["id"] for one in order]


def test_a_more_link_is_only_for_who_asked(writer, city) -> None:
    post(writer, [statement() for _ in range(3)])
    more = get(writer, limit="1").json()["more"]
    other, secret = make_client(("statements/read",))
    assert get(basic(other, secret), more).status_code == 404
    assert get(writer, more + "x").status_code == 404
    assert get(writer, more).status_code == 200


def test_format_ids_keeps_only_identifiers(writer) -> None:
    sent = statement(actor={**mbox(), "name": "Learner"})
    post(writer, sent)
    shown = get(writer, statementId=sent["id"], format="ids").json()
    assert shown["actor"] == {"objectType": "Agent", "mbox": "mailto:learner@example.org"}
    assert shown["verb"] == {"id": sent["verb"]["id"]}
    assert shown["object"] == {"objectType": "Activity", "id": sent["object"]["id"]}


def test_format_canonical_gives_one_language_and_the_canonical_definition(writer) -> None:
    sent = statement()
    post(writer, sent)
    assert Activity.objects.get(activity_id=sent["object"]["id"]).definition["name"]["ko-KR"]
    response = Browser().get(
        "/xapi/statements",
        {"statementId": sent["id"], "format": "canonical"},
        headers={**writer, "Accept-Language": "ko-KR, en;q=0.5"},
    )
    shown = response.json()
    assert shown["object"]["definition"]["name"] == {"ko-KR": "quiz-1 한국어"}
    exact = get(writer, statementId=sent["id"]).json()
    assert exact["object"]["definition"]["name"] == sent["object"]["definition"]["name"]


def test_only_a_trusted_writer_changes_an_activity_definition(writer, city) -> None:
    post(writer, statement())
    untrusted, secret = make_client(("statements/write",))
    renamed = activity()
    renamed["definition"] = {"name": {"en-US": "renamed"}}
    post(basic(untrusted, secret), statement(target=renamed))
    definition = Activity.objects.get(activity_id=renamed["id"]).definition
    assert definition["name"]["en-US"] == "quiz-1"
    post(writer, statement(target=renamed))
    definition = Activity.objects.get(activity_id=renamed["id"]).definition
    assert definition["name"] == {"en-US": "renamed", "ko-KR": "quiz-1 한국어"}


# --- the alternate request syntax (§1.3) -----------------------------------------------------


def _form(path: str, form: dict[str, str]):
    return Browser().post(path, urlencode(form), "application/x-www-form-urlencoded")


def test_the_alternate_syntax_puts_and_gets(writer) -> None:
    sent = statement()
    form = {
        "statementId": sent["id"],
        "content": json.dumps(sent),
        "Content-Type": "application/json",
        "Authorization": writer["Authorization"],
        "X-Experience-API-Version": "1.0.3",
    }
    response = _form("/xapi/statements?method=PUT", form)
    assert response.status_code == 204
    got = _form(
        "/xapi/statements?method=GET",
        {
            "statementId": sent["id"],
            "Authorization": writer["Authorization"],
            "X-Experience-API-Version": "1.0.3",
        },
    )
    assert got.status_code == 200 and got.json()["id"] == sent["id"]
    other = _form(f"/xapi/statements?method=GET&statementId={sent['id']}", form)
    assert other.status_code == 400
    unauthorised = _form("/xapi/statements?method=GET", {"statementId": sent["id"]})
    assert unauthorised.status_code == 400  # no version header in the form


# --- scoping: who reads whose statements (§4; issue 19 item 2) --------------------------------


@pytest.fixture
def recorded(city) -> dict[str, str]:
    """One openclass statement about each of four students, by name."""
    people = {
        "a1": city.north.student_a1,
        "a2": city.north.student_a2,
        "b1": city.north.student_b1,
        "south": city.south.student_a1,
    }
    recorded = {}
    for name, person in people.items():
        services.record(person, "launched", services.Activity("lesson", 1))
        recorded[name] = str(Statement.objects.latest("number").statement_id)
    return recorded


def _read(headers: dict[str, str], recorded: dict[str, str]) -> set[str]:
    response = get(headers)
    assert response.status_code == 200, response.content
    by_id = {value: key for key, value in recorded.items()}
    return {by_id[s["id"]] for s in response.json()["statements"] if s["id"] in by_id}


def test_a_students_token_reads_only_their_own_statements(city, recorded) -> None:
    headers = token(city.north.student_a1)
    assert _read(headers, recorded) == {"a1"}
    assert get(headers, statementId=recorded["a2"]).status_code == 404


def test_a_parents_token_reads_only_their_childrens(city, recorded) -> None:
    headers = token(city.north.parent_a1)
    assert _read(headers, recorded) == {"a1"}
    assert get(headers, statementId=recorded["b1"]).status_code == 404


def test_a_teachers_token_reads_only_their_classes(city, recorded) -> None:
    assert _read(token(city.north.homeroom_a), recorded) == {"a1", "a2"}
    assert _read(token(city.north.subject_teacher), recorded) == {"b1"}
    assert get(token(city.north.homeroom_a), statementId=recorded["b1"]).status_code == 404


def test_a_school_admins_token_reads_their_school_and_the_office_all(city, recorded) -> None:
    assert _read(token(city.north.admin), recorded) == {"a1", "a2", "b1"}
    assert _read(token(city.office_admin), recorded) == {"a1", "a2", "b1", "south"}


def test_statements_read_mine_narrows_a_teachers_token_to_their_own(city, recorded) -> None:
    teacher = city.north.homeroom_a
    headers = token(teacher, ("statements/read/mine",))
    assert _read(headers, recorded) == set()
    services.record(teacher, "launched", services.Activity("lesson", 2))
    assert len(get(headers).json()["statements"]) == 1


def test_a_basic_client_limited_to_schools_reads_only_theirs(city, recorded) -> None:
    north, secret = make_client(("statements/read",), schools=(city.north.school,))
    assert _read(basic(north, secret), recorded) == {"a1", "a2", "b1"}
    assert get(basic(north, secret), statementId=recorded["south"]).status_code == 404
    everyone, secret = make_client(("statements/read",))
    assert _read(basic(everyone, secret), recorded) == {"a1", "a2", "b1", "south"}


def test_a_client_with_read_mine_reads_only_what_it_wrote(city, recorded) -> None:
    client, secret = make_client(("statements/write", "statements/read/mine"))
    sent = statement()
    post(basic(client, secret), sent)
    assert [s["id"] for s in get(basic(client, secret)).json()["statements"]] == [sent["id"]]


def test_a_student_writes_only_about_themselves_and_their_teacher_then_sees_it(city) -> None:
    student = city.north.student_a1
    headers = token(student, ("statements/write", "statements/read"))
    about_other = statement(actor=services.agent_for(city.north.student_a2))
    assert post(headers, about_other).status_code == 403
    assert post(headers, statement(actor=mbox("someone"))).status_code == 403
    own = statement(actor=services.agent_for(student))
    assert post(headers, own).status_code == 200
    stored = Statement.objects.get(statement_id=own["id"])
    assert stored.user == student and stored.klass == city.north.class_a
    teacher_sees = get(token(city.north.homeroom_a), statementId=own["id"])
    assert teacher_sees.status_code == 200
    assert get(token(city.north.subject_teacher), statementId=own["id"]).status_code == 404
    authority = stored.full["authority"]
    assert authority["objectType"] == "Group" and len(authority["member"]) == 2


def test_a_school_limited_client_writes_only_about_its_schools_people(city) -> None:
    client, secret = make_client(("statements/write",), schools=(city.north.school,))
    south = statement(actor=services.agent_for(city.south.student_a1))
    assert post(basic(client, secret), south).status_code == 403
    north = statement(actor=services.agent_for(city.north.student_b1))
    assert post(basic(client, secret), north).status_code == 200
    assert Statement.objects.get(statement_id=north["id"]).school == city.north.school


def test_a_client_credentials_token_acts_as_its_sites_service_account(city, recorded) -> None:
    from openclass.hub.models import Site

    site = Site.objects.create(
        name="동기화",
        redirect_uris="https://sync.example.org/callback",
        client_type=Site.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Site.GRANT_CLIENT_CREDENTIALS,
        client_secret="xapi-test-secret-0123456789",
        allowed_scopes="openid statements/read",
        service_account=city.north.admin,
    )
    headers = token(None, ("statements/read",), site=site)
    assert _read(headers, recorded) == {"a1", "a2", "b1"}
    site.is_active = False
    site.save()
    assert get(headers).status_code == 401


# --- attachments and signed statements (part two §2.4.11, §2.6; part three §1.5) --------------

TEXT = b"\xff\x00 binary attachment \r\n--not-a-boundary\r\n"
SHA = hashlib.sha256(TEXT).hexdigest()


def _attachment(content: bytes, usage: str = "http://example.org/usage/report", **extra: Any):
    return {
        "usageType": usage,
        "display": {"en-US": "report"},
        "contentType": "application/octet-stream",
        "length": len(content),
        "sha2": hashlib.sha256(content).hexdigest(),
        **extra,
    }


def _multipart(data: Any, parts: list[tuple[bytes, dict[str, str]]]) -> tuple[bytes, str]:
    boundary = "lrs-test-boundary"
    body = b"--" + boundary.encode() + b"\r\nContent-Type: application/json\r\n\r\n"
    body += json.dumps(data).encode()
    for content, headers in parts:
        body += b"\r\n--" + boundary.encode() + b"\r\n"
        for name, value in headers.items():
            body += f"{name}: {value}\r\n".encode()
        body += b"\r\n" + content
    body += b"\r\n--" + boundary.encode() + b"--\r\n"
    return body, f"multipart/mixed; boundary={boundary}"


def _part(content: bytes, **headers: str) -> tuple[bytes, dict[str, str]]:
    given = {
        "Content-Type": "application/octet-stream",
        "Content-Transfer-Encoding": "binary",
        "X-Experience-API-Hash": hashlib.sha256(content).hexdigest(),
    }
    return content, {**given, **headers}


def _send(headers: dict[str, str], data: Any, parts: list[tuple[bytes, dict[str, str]]]):
    body, content_type = _multipart(data, parts)
    return Browser().post("/xapi/statements", body, content_type, headers=headers)


def test_an_attachment_is_stored_and_answered_as_multipart(writer) -> None:
    sent = statement(attachments=[_attachment(TEXT)])
    response = _send(writer, [sent], [_part(TEXT)])
    assert response.status_code == 200, response.content
    assert bytes(Attachment.objects.get(sha2=SHA).content) == TEXT
    answer = get(writer, statementId=sent["id"], attachments="true")
    assert answer["Content-Type"].startswith("multipart/mixed; boundary=")
    assert TEXT in answer.content and f"X-Experience-API-Hash: {SHA}".encode() in answer.content
    plain = get(writer, statementId=sent["id"])
    assert plain["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(
    "problem",
    ["missing part", "wrong hash", "not binary", "extra part", "no hash header", "json only"],
)
def test_attachment_refusals(writer, problem) -> None:
    sent = statement(attachments=[_attachment(TEXT)])
    parts = [_part(TEXT)]
    if problem == "missing part":
        parts = []
    elif problem == "wrong hash":
        parts = [_part(TEXT, **{"X-Experience-API-Hash": hashlib.sha256(b"x").hexdigest()})]
    elif problem == "not binary":
        parts = [_part(TEXT, **{"Content-Transfer-Encoding": "base64"})]
    elif problem == "extra part":
        parts = [_part(TEXT), _part(b"another")]
    elif problem == "no hash header":
        content, headers = _part(TEXT)
        del headers["X-Experience-API-Hash"]
        parts = [(content, headers)]
    response = post(writer, sent) if problem == "json only" else _send(writer, [sent], parts)
    assert response.status_code == 400
    assert not Statement.objects.exists()


def test_an_attachment_with_a_file_url_needs_no_part(writer) -> None:
    sent = statement(attachments=[_attachment(TEXT, fileUrl="https://example.org/report.bin")])
    assert post(writer, sent).status_code == 200


def _certificate_and_key():
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "content.example.org")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return certificate, key


def _sign(payload: dict[str, Any], certificate, key, alg: str = "RS256") -> bytes:
    from cryptography.hazmat.primitives import serialization
    from jwcrypto import jwk, jws

    der = certificate.public_bytes(serialization.Encoding.DER)
    signer = jws.JWS(json.dumps(payload).encode())
    private = jwk.JWK.from_pyca(key)
    signer.add_signature(
        private, alg, protected={"alg": alg, "x5c": [base64.b64encode(der).decode()]}
    )
    return signer.serialize(compact=True).encode()


def _signed_statement(signature_of: dict[str, Any] | None = None, **sign: Any):
    sent = statement()
    certificate, key = _certificate_and_key()
    signature = _sign(signature_of or sent, certificate, key, **sign)
    sent["attachments"] = [
        _attachment(signature, usage="http://adlnet.gov/expapi/attachments/signature")
    ]
    return sent, signature


def test_a_signed_statement_is_accepted(writer) -> None:
    sent, signature = _signed_statement()
    response = _send(writer, sent, [_part(signature)])
    assert response.status_code == 200, response.content


def test_a_signature_of_another_statement_is_a_400(writer) -> None:
    sent, signature = _signed_statement(signature_of=statement())
    assert _send(writer, sent, [_part(signature)]).status_code == 400
    assert not Statement.objects.exists()


def test_a_signature_that_does_not_verify_is_a_400(writer) -> None:
    sent, signature = _signed_statement()
    header, payload, _sig = signature.split(b".")
    forged = header + b"." + payload + b"." + base64.urlsafe_b64encode(b"x" * 256).rstrip(b"=")
    sent["attachments"][0] = _attachment(
        forged, usage="http://adlnet.gov/expapi/attachments/signature"
    )
    assert _send(writer, sent, [_part(forged)]).status_code == 400


def test_a_signature_that_is_no_jws_or_not_rs_is_a_400(writer) -> None:
    sent = statement()
    junk = b"not a jws"
    sent["attachments"] = [
        _attachment(junk, usage="http://adlnet.gov/expapi/attachments/signature")
    ]
    assert _send(writer, sent, [_part(junk)]).status_code == 400
    from jwcrypto import jwk, jws

    signer = jws.JWS(json.dumps(statement()).encode())
    signer.add_signature(jwk.JWK.generate(kty="oct", size=256), "HS256", protected={"alg": "HS256"})
    hs = signer.serialize(compact=True).encode()
    sent["attachments"] = [_attachment(hs, usage="http://adlnet.gov/expapi/attachments/signature")]
    assert _send(writer, sent, [_part(hs)]).status_code == 400


def test_only_who_may_read_and_write_about_a_statement_voids_it(city, recorded) -> None:
    def voiding(target: str, actor: dict) -> dict:
        return statement(
            actor=actor, verb=VOIDED, target={"objectType": "StatementRef", "id": target}
        )

    a2 = city.north.student_a2
    a2_token = token(a2, ("statements/write", "statements/read"))
    assert post(a2_token, voiding(recorded["a1"], services.agent_for(a2))).status_code == 403
    assert not Statement.objects.get(statement_id=recorded["a1"]).voided
    assert post(a2_token, voiding(recorded["a2"], services.agent_for(a2))).status_code == 200
    assert Statement.objects.get(statement_id=recorded["a2"]).voided
    writer_only, secret = make_client(("statements/write",))
    theirs = statement()
    post(basic(writer_only, secret), theirs)
    assert post(basic(writer_only, secret), voiding(theirs["id"], mbox())).status_code == 200
    assert post(basic(writer_only, secret), voiding(recorded["b1"], mbox())).status_code == 403
