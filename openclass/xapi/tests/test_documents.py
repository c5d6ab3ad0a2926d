"""The document rules themselves (``xapi.documents``), without HTTP: concurrency, merging, ids
since a time, deleting all, the Activities and Agents resources' answers."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from openclass.xapi import documents, services
from openclass.xapi.documents import DocumentError, Preconditions
from openclass.xapi.documents import parse_etags as parse
from openclass.xapi.models import Activity, Document

ACTIVITY = "https://lms.example/activities/unit-1"
AGENT = {"objectType": "Agent", "mbox": "mailto:kim@example.org", "name": "Kim"}
REGISTRATION = "5a1b6d1e-2f58-4d34-9b3a-3f0a9f1f0c11"

pytestmark = pytest.mark.django_db


def sha1(content: bytes) -> str:
    return hashlib.sha1(content, usedforsecurity=False).hexdigest()


def state(registration: str | None = None) -> documents.Place:
    return documents.state(ACTIVITY, AGENT, registration)


def body(document: Document) -> object:
    return json.loads(bytes(document.content))


def test_the_etag_is_the_sha1_of_the_content_and_follows_every_write() -> None:
    place = state()
    first = documents.put(place, "bookmark", b'{"page": 1}', "application/json")
    assert first.etag == sha1(b'{"page": 1}')
    second = documents.put(place, "bookmark", b"page 2", "text/plain")
    assert second.pk == first.pk
    assert second.etag == sha1(b"page 2")
    assert documents.get(place, "bookmark").content_type == "text/plain"


def test_if_match_with_a_stale_etag_is_refused_and_changes_nothing() -> None:
    place = state()
    stored = documents.put(place, "bookmark", b'{"page": 1}', "application/json")
    documents.put(place, "bookmark", b'{"page": 2}', "application/json")
    stale = Preconditions.from_headers(f'"{stored.etag}"', None)
    for write in (documents.put, documents.post):
        with pytest.raises(DocumentError) as refused:
            write(place, "bookmark", b'{"page": 3}', "application/json", stale)
        assert refused.value.status == 412
    with pytest.raises(DocumentError) as refused:
        documents.delete(place, "bookmark", stale)
    assert refused.value.status == 412
    assert body(documents.get(place, "bookmark")) == {"page": 2}


def test_if_match_with_the_current_etag_writes_quoted_bare_or_weak() -> None:
    place = state()
    stored = documents.put(place, "bookmark", b"0", "text/plain")
    forms = ('"{}"', "{}", 'W/"{}"', '"other", "{}"', "*")
    for number, form in enumerate(forms, start=1):
        header = form.format(stored.etag)
        stored = documents.put(
            place, "bookmark", str(number).encode(), "text/plain", Preconditions(parse(header))
        )
    assert bytes(documents.get(place, "bookmark").content) == str(len(forms)).encode()


def test_if_match_on_a_missing_document_and_if_none_match_on_an_existing_one_are_412() -> None:
    place = documents.activity_profile(ACTIVITY)
    with pytest.raises(DocumentError) as refused:
        documents.put(place, "p", b"x", "text/plain", Preconditions.from_headers('"abc"', None))
    assert refused.value.status == 412
    assert not Document.objects.exists()
    documents.put(place, "p", b"x", "text/plain", Preconditions.from_headers(None, "*"))
    with pytest.raises(DocumentError) as refused:
        documents.put(place, "p", b"y", "text/plain", Preconditions.from_headers(None, "*"))
    assert refused.value.status == 412
    assert bytes(documents.get(place, "p").content) == b"x"


def test_a_profile_put_over_an_existing_document_without_a_precondition_is_a_conflict() -> None:
    for place in (documents.activity_profile(ACTIVITY), documents.agent_profile(AGENT)):
        documents.put(place, "settings", b"first", "text/plain")
        with pytest.raises(DocumentError) as refused:
            documents.put(place, "settings", b"second", "text/plain")
        assert refused.value.status == 409
        assert "If-Match" in refused.value.message
        assert bytes(documents.get(place, "settings").content) == b"first"


def test_a_state_put_needs_no_precondition() -> None:
    place = state()
    documents.put(place, "s", b"first", "text/plain")
    documents.put(place, "s", b"second", "text/plain")
    assert bytes(documents.get(place, "s").content) == b"second"


def test_post_merges_top_level_properties_of_two_json_objects() -> None:
    place = state()
    documents.post(place, "s", b'{"x": "foo", "y": "bar", "deep": {"a": 1}}', "application/json")
    merged = documents.post(
        place,
        "s",
        b'{"x": "bash", "z": "faz", "deep": {"b": 2}}',
        "application/json; charset=utf-8",
    )
    assert body(merged) == {"x": "bash", "y": "bar", "z": "faz", "deep": {"b": 2}}
    assert merged.etag == sha1(bytes(merged.content))
    assert merged.content_type == "application/json"


def test_post_of_a_new_document_stores_it_as_given_whatever_it_is() -> None:
    place = state()
    documents.post(place, "number", b"1", "application/json")
    documents.post(place, "text", b"abc", "text/plain")
    assert bytes(documents.get(place, "number").content) == b"1"
    assert bytes(documents.get(place, "text").content) == b"abc"


@pytest.mark.parametrize(
    ("stored", "stored_type", "posted", "posted_type"),
    [
        (b'{"a": 1}', "application/json", b"abc", "text/plain"),
        (b"abc", "text/plain", b'{"a": 1}', "application/json"),
        (b"[1, 2]", "application/json", b'{"a": 1}', "application/json"),
        (b'{"a": 1}', "application/json", b"[3]", "application/json"),
        (b'{"a": 1}', "application/json", b"{not json", "application/json"),
    ],
)
def test_post_that_cannot_merge_is_a_400_and_changes_nothing(
    stored: bytes, stored_type: str, posted: bytes, posted_type: str
) -> None:
    place = state()
    documents.put(place, "s", stored, stored_type)
    with pytest.raises(DocumentError) as refused:
        documents.post(place, "s", posted, posted_type)
    assert refused.value.status == 400
    assert bytes(documents.get(place, "s").content) == stored


def test_json_content_must_be_json() -> None:
    with pytest.raises(DocumentError) as refused:
        documents.put(state(), "s", b"{oops", "application/json")
    assert refused.value.status == 400
    assert not Document.objects.exists()


def test_content_of_any_type_is_kept_byte_for_byte() -> None:
    content = bytes(range(256))
    documents.put(state(), "blob", content, None)
    stored = documents.get(state(), "blob")
    assert bytes(stored.content) == content
    assert stored.content_type == "application/octet-stream"


def test_a_registration_separates_states_and_ids_cover_every_registration_unless_named() -> None:
    documents.put(state(), "a", b"1", "text/plain")
    documents.put(state(REGISTRATION), "b", b"2", "text/plain")
    documents.put(state(REGISTRATION), "a", b"3", "text/plain")
    assert bytes(documents.get(state(), "a").content) == b"1"
    assert bytes(documents.get(state(REGISTRATION), "a").content) == b"3"
    with pytest.raises(DocumentError) as missing:
        documents.get(state(), "b")
    assert missing.value.status == 404
    assert documents.ids(state())[0] == ["a", "b"]
    assert documents.ids(state(REGISTRATION))[0] == ["a", "b"]


def test_ids_since_are_those_updated_after_it_and_last_modified_is_the_latest() -> None:
    place = documents.agent_profile(AGENT)
    old = documents.put(place, "old", b"1", "text/plain")
    Document.objects.filter(pk=old.pk).update(updated=timezone.now() - timedelta(hours=1))
    new = documents.put(place, "new", b"2", "text/plain")
    since = timezone.now() - timedelta(minutes=1)
    found, latest = documents.ids(place, since)
    assert found == ["new"]
    assert latest == new.updated
    assert documents.ids(place)[0] == ["new", "old"]
    assert documents.ids(place, new.updated) == ([], None)  # exclusive


def test_delete_all_states_of_an_activity_and_agent_keeps_the_others() -> None:
    other_agent = {"mbox": "mailto:lee@example.org"}
    documents.put(state(), "a", b"1", "text/plain")
    documents.put(state(REGISTRATION), "b", b"2", "text/plain")
    documents.put(documents.state(ACTIVITY, other_agent), "a", b"3", "text/plain")
    documents.put(documents.state(ACTIVITY + "/2", AGENT), "a", b"4", "text/plain")
    documents.put(documents.activity_profile(ACTIVITY), "a", b"5", "text/plain")
    assert documents.delete_all(state(REGISTRATION)) == 1
    assert documents.ids(state())[0] == ["a"]
    assert documents.delete_all(state()) == 1
    assert documents.ids(state())[0] == []
    assert Document.objects.count() == 3


def test_delete_of_a_missing_document_is_done_already() -> None:
    documents.delete(state(), "nothing")
    documents.put(state(), "s", b"1", "text/plain")
    documents.delete(state(), "s")
    assert not Document.objects.exists()


def test_the_same_agent_written_two_ways_is_one_place() -> None:
    documents.put(state(), "s", b"1", "text/plain")
    same = {"mbox": "mailto:KIM@example.org", "objectType": "Agent"}
    assert bytes(documents.get(documents.state(ACTIVITY, same), "s").content) == b"1"


def test_the_activities_resource_answers_the_canonical_definition_or_a_bare_activity() -> None:
    Activity.objects.create(activity_id=ACTIVITY, definition={"name": {"en-US": "Unit 1"}})
    assert documents.activity_object(ACTIVITY) == {
        "objectType": "Activity",
        "id": ACTIVITY,
        "definition": {"name": {"en-US": "Unit 1"}},
    }
    assert documents.activity_object(ACTIVITY + "/unknown") == {
        "objectType": "Activity",
        "id": ACTIVITY + "/unknown",
    }


def test_a_person_of_ours_is_only_their_opaque_account(city) -> None:
    student = city.north.student_a1
    agent = {**services.agent_for(student), "name": student.get_full_name()}
    services.record(student, "launched", services.Activity("lesson", 1, "1차시"))
    answer = documents.person(agent)
    assert answer == {"objectType": "Person", "account": [agent["account"]]}
    text = json.dumps(answer, ensure_ascii=False)
    assert student.get_full_name() not in text and student.username not in text


def test_a_person_from_elsewhere_combines_the_names_known_with_the_identifier() -> None:
    from openclass.xapi import statements

    statements.store(
        [
            {
                "actor": {"mbox": "mailto:kim@example.org", "name": "Kim Minji"},
                "verb": {"id": "http://adlnet.gov/expapi/verbs/attempted"},
                "object": {"id": ACTIVITY},
            }
        ],
        authority=services.authority(),
    )
    assert documents.person(AGENT) == {
        "objectType": "Person",
        "mbox": ["mailto:kim@example.org"],
        "name": ["Kim", "Kim Minji"],
    }
    assert documents.person({"openid": "https://id.example/u/1"}) == {
        "objectType": "Person",
        "openid": ["https://id.example/u/1"],
    }


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_writers_with_the_same_etag_one_wins_the_other_is_refused() -> None:
    """The precondition is checked on the row locked for the write (PostgreSQL: FOR UPDATE):
    of writers that all read the same ETag, one writes; on SQLite the IMMEDIATE transactions
    queue them."""
    import threading

    from django.db import connection

    place = documents.agent_profile(AGENT)
    etag = documents.put(place, "p", b"0", "text/plain").etag
    start = threading.Barrier(4)
    outcomes: list[object] = []

    def write(number: int) -> None:
        try:
            start.wait()
            documents.put(
                place, "p", str(number).encode(), "text/plain", Preconditions(frozenset({etag}))
            )
            outcomes.append(204)
        except DocumentError as refused:
            outcomes.append(refused.status)
        except Exception as error:
            outcomes.append(error)
        finally:
            connection.close()

    writers = [threading.Thread(target=write, args=(number,)) for number in range(1, 5)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    assert sorted(outcomes, key=str) == [204, 412, 412, 412]
    assert bytes(documents.get(place, "p").content) in {b"1", b"2", b"3", b"4"}
