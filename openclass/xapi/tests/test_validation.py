"""Statement validation (xAPI 1.0.3, part two, section 2): every rule refuses what breaks it,
with a message naming the property, and accepts what the specification allows — the statements
openclass records itself, a cmi5 launch, interactions, sub-statements, signed statements'
attachments and what TinCanPython sends."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import tincan

from openclass.xapi import validation
from openclass.xapi.validation import Invalid

ACTIVITY = "http://example.com/activities/lesson-1"
VERB = "http://adlnet.gov/expapi/verbs/completed"


def minimal() -> dict[str, Any]:
    return {
        "actor": {"mbox": "mailto:learner@example.com"},
        "verb": {"id": VERB},
        "object": {"id": ACTIVITY},
    }


def full() -> dict[str, Any]:
    """A statement using every top-level property."""
    return {
        "id": "fd41c918-b88b-4b20-a0a5-a4c32391aaa0",
        "actor": {
            "objectType": "Agent",
            "name": "Learner",
            "account": {"homePage": "https://school.example", "name": "7f3c"},
        },
        "verb": {"id": VERB, "display": {"en-US": "completed", "ko-KR": "완료함"}},
        "object": {
            "objectType": "Activity",
            "id": ACTIVITY,
            "definition": {
                "name": {"ko-KR": "1차시"},
                "description": {"en-US": "The first lesson"},
                "type": "http://adlnet.gov/expapi/activities/lesson",
                "moreInfo": "https://school.example/lessons/1",
                "extensions": {"http://example.com/ext/level": 3},
            },
        },
        "result": {
            "score": {"scaled": 0.8, "raw": 8, "min": 0, "max": 10},
            "success": True,
            "completion": True,
            "response": "done",
            "duration": "PT1H30M5.25S",
            "extensions": {"http://example.com/ext/intervals": [[0, 30]]},
        },
        "context": {
            "registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7",
            "instructor": {"mbox_sha1sum": "ebd31e95054c018b10727ccffd2ef2ec3a016ee9"},
            "team": {
                "objectType": "Group",
                "name": "Team A",
                "member": [{"openid": "http://openid.example.org/12345"}],
            },
            "contextActivities": {
                "parent": [{"id": "http://example.com/activities/course-1"}],
                "grouping": {"id": "http://example.com/activities/class-1"},
                "category": [{"id": "https://w3id.org/xapi/cmi5/context/categories/moveon"}],
                "other": [],
            },
            "revision": "2",
            "platform": "openclass",
            "language": "ko-KR",
            "statement": {
                "objectType": "StatementRef",
                "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee",
            },
            "extensions": {"http://example.com/ext/session": "abc"},
        },
        "timestamp": "2026-12-06T04:30:00.000+09:00",
        "stored": "2026-12-06T04:30:01.5Z",
        "authority": {"objectType": "Agent", "mbox": "mailto:lrs@example.com"},
        "version": "1.0.3",
        "attachments": [
            {
                "usageType": "http://example.com/attachment-usage/certificate",
                "display": {"en-US": "Certificate"},
                "description": {"en-US": "The learner's certificate"},
                "contentType": "application/pdf",
                "length": 65556,
                "sha2": "672fa5fa658017f1b72d65036f13379c6ab05d4ab3b6664908d8acf0b6a0c634",
                "fileUrl": "https://school.example/certificates/1.pdf",
            }
        ],
    }


def refused(statement: object, where: str) -> str:
    with pytest.raises(Invalid) as raised:
        validation.validate_statement(statement)
    message = str(raised.value)
    assert message.startswith(where + ":"), message
    return message


def changed(edit: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    statement = full()
    edit(statement)
    return statement


# --- Acceptances -----------------------------------------------------------------------------


def test_a_minimal_and_a_full_statement_are_accepted() -> None:
    validation.validate_statement(minimal())
    validation.validate_statement(full())


def test_the_statement_openclass_records_itself_is_accepted() -> None:
    from openclass.xapi.services import Activity
    from openclass.xapi.vocabulary import VERBS

    validation.validate_statement(
        {
            "id": str(uuid.uuid4()),
            "actor": {
                "objectType": "Agent",
                "account": {"homePage": "https://o.example", "name": str(uuid.uuid4())},
            },
            "verb": VERBS["progressed"].as_json(),
            "object": Activity("video", 3, "1차시").as_json(),
            "context": {
                "platform": "openclass",
                "language": "ko-KR",
                "registration": str(uuid.uuid5(uuid.NAMESPACE_URL, "enrolment/1")),
                "contextActivities": {
                    "grouping": [Activity("course", 7, "독도").as_json()],
                    "parent": [Activity("lesson", 3).as_json()],
                },
            },
            "timestamp": datetime.now(UTC).isoformat(),
        }
    )


def test_a_cmi5_launched_statement_is_accepted() -> None:
    registration = str(uuid.uuid4())
    validation.validate_statement(
        {
            "id": str(uuid.uuid4()),
            "timestamp": "2026-12-06T04:30:00.123Z",
            "actor": {
                "objectType": "Agent",
                "account": {"homePage": "https://lms.example", "name": "b8c1"},
            },
            "verb": {
                "id": "http://adlnet.gov/expapi/verbs/launched",
                "display": {"en-US": "launched"},
            },
            "object": {
                "id": "https://example.com/au/1",
                "objectType": "Activity",
                "definition": {
                    "type": "https://w3id.org/xapi/cmi5/activitytype/block",
                    "name": {"en-US": "AU 1"},
                },
            },
            "context": {
                "registration": registration,
                "contextActivities": {
                    "category": [
                        {
                            "id": "https://w3id.org/xapi/cmi5/context/categories/cmi5",
                            "objectType": "Activity",
                        }
                    ],
                    "grouping": [{"id": "https://example.com/course/1"}],
                },
                "extensions": {
                    "https://w3id.org/xapi/cmi5/context/extensions/sessionid": str(uuid.uuid4()),
                    "https://w3id.org/xapi/cmi5/context/extensions/launchmode": "Normal",
                    "https://w3id.org/xapi/cmi5/context/extensions/launchurl": "https://c.example/",
                    "https://w3id.org/xapi/cmi5/context/extensions/moveon": "CompletedOrPassed",
                    "https://w3id.org/xapi/cmi5/context/extensions/launchparameters": None,
                },
            },
        }
    )


def interaction(kind: str, **lists: object) -> dict[str, Any]:
    statement = minimal()
    statement["verb"] = {"id": "http://adlnet.gov/expapi/verbs/answered"}
    statement["object"]["definition"] = {
        "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
        "interactionType": kind,
        "correctResponsesPattern": ["a[,]b"],
        **lists,
    }
    return statement


def components(*ids: str) -> list[dict[str, Any]]:
    return [{"id": i, "description": {"en-US": i.upper()}} for i in ids]


@pytest.mark.parametrize(
    ("kind", "lists"),
    [
        ("true-false", {}),
        ("choice", {"choices": components("a", "b", "c")}),
        ("fill-in", {}),
        ("long-fill-in", {}),
        ("matching", {"source": components("1", "2"), "target": components("x", "y")}),
        ("performance", {"steps": components("step1", "step2")}),
        ("sequencing", {"choices": components("a", "b")}),
        ("likert", {"scale": components("likert_0", "likert_1")}),
        ("numeric", {}),
        ("other", {}),
    ],
)
def test_each_interaction_type_with_its_component_lists_is_accepted(
    kind: str, lists: dict[str, Any]
) -> None:
    validation.validate_statement(interaction(kind, **lists))


def substatement() -> dict[str, Any]:
    statement = minimal()
    statement["verb"] = {"id": "http://example.com/verbs/planned"}
    statement["object"] = {
        "objectType": "SubStatement",
        "actor": {"objectType": "Agent", "mbox": "mailto:other@example.com"},
        "verb": {"id": "http://example.com/verbs/visited", "display": {"sr-Cyrl": "x"}},
        "object": {
            "id": "http://example.com/website",
            "definition": {"name": {"zh-Hans-CN": "网"}},
        },
        "result": {"completion": False, "extensions": {}},
        "context": {"language": "fr-CA", "revision": "1", "extensions": {}},
        "timestamp": "2026-12-06T04:30:00Z",
        "attachments": [],
    }
    return statement


def test_a_substatement_is_accepted() -> None:
    validation.validate_statement(substatement())


@pytest.mark.parametrize(
    "target",
    [
        {"objectType": "Agent", "mbox": "mailto:a@example.com"},
        {"objectType": "Group", "account": {"homePage": "http://g.example", "name": "g"}},
        {"objectType": "Group", "member": [{"mbox": "mailto:a@example.com"}]},
        {"objectType": "StatementRef", "id": "6690E6C9-3EF0-4ED3-8B37-7F3964730BEE"},
    ],
    ids=["agent", "identified-group", "anonymous-group", "statement-ref"],
)
def test_agents_groups_and_statement_refs_as_objects_are_accepted(target: dict[str, Any]) -> None:
    statement = minimal()
    statement["object"] = target
    validation.validate_statement(statement)


def test_a_signed_statements_attachment_properties_are_accepted() -> None:
    statement = minimal()
    statement["attachments"] = [
        {
            "usageType": validation.SIGNATURE,
            "display": {"en-US": "Signature"},
            "contentType": "application/octet-stream",
            "length": 4235,
            "sha2": "dc9589e454ff375dd5dfd6f556d2583e231e8cafe55ef40102ddd988b79f86f0",
        }
    ]
    validation.validate_statement(statement)


def test_a_statement_built_with_tincans_objects_is_accepted() -> None:
    built = tincan.Statement(
        id=uuid.uuid4(),
        actor=tincan.Agent(name="A", mbox="mailto:a@example.com"),
        verb=tincan.Verb(id=VERB, display=tincan.LanguageMap({"en-US": "completed"})),
        object=tincan.Activity(
            id=ACTIVITY,
            definition=tincan.ActivityDefinition(
                name=tincan.LanguageMap({"en-US": "Question"}),
                type="http://adlnet.gov/expapi/activities/cmi.interaction",
                interaction_type="choice",
                correct_responses_pattern=["a"],
                choices=tincan.InteractionComponentList(
                    [
                        tincan.InteractionComponent(
                            id="a", description=tincan.LanguageMap({"en-US": "A"})
                        ),
                        tincan.InteractionComponent(
                            id="b", description=tincan.LanguageMap({"en-US": "B"})
                        ),
                    ]
                ),
            ),
        ),
        result=tincan.Result(
            score=tincan.Score(scaled=0.5, raw=5, min=0, max=10),
            success=True,
            completion=True,
            duration=timedelta(hours=1, seconds=2.5),
            response="a",
        ),
        context=tincan.Context(
            registration=uuid.uuid4(),
            instructor=tincan.Agent(mbox="mailto:b@example.com"),
            team=tincan.Group(member=[tincan.Agent(mbox="mailto:c@example.com")]),
            context_activities=tincan.ContextActivities(
                parent=tincan.ActivityList([tincan.Activity(id="http://example.com/course")])
            ),
            language="en-US",
            extensions=tincan.Extensions({"http://example.com/e": 1}),
        ),
        timestamp=datetime(2026, 12, 6, 4, 30, tzinfo=UTC),
    )
    sent = json.loads(built.to_json())
    assert sent["version"] == "1.0.3"
    validation.validate_statement(sent)
    validation.validate_statements(
        [sent, json.loads(built.to_json("1.0.0")) | {"id": str(uuid.uuid4())}]
    )


def test_a_statement_tincan_sends_without_an_object_type_is_accepted() -> None:
    built = tincan.Statement(
        actor=tincan.Agent(account=tincan.AgentAccount(home_page="https://o.example", name="n")),
        verb=tincan.Verb(id=VERB),
        object=tincan.Activity(id=ACTIVITY),
    )
    sent = json.loads(built.to_json())
    sent["object"].pop("objectType", None)
    validation.validate_statement(sent)


# --- Refusals: the statement's shape ---------------------------------------------------------


@pytest.mark.parametrize("data", [None, [], "statement", 3, True])
def test_a_statement_is_a_json_object(data: object) -> None:
    refused(data, "statement")


@pytest.mark.parametrize("key", ["actor", "verb", "object"])
def test_actor_verb_and_object_are_required(key: str) -> None:
    statement = minimal()
    del statement[key]
    assert refused(statement, f"statement.{key}").endswith("is required")


@pytest.mark.parametrize(
    "key",
    [
        *("id", "actor", "verb", "object", "result", "context", "timestamp", "stored"),
        *("authority", "version", "attachments"),
    ],
)
def test_property_names_are_case_sensitive(key: str) -> None:
    statement = full()
    statement[key.upper()] = statement.pop(key)
    with pytest.raises(Invalid):
        validation.validate_statement(statement)


def test_an_unknown_property_is_refused() -> None:
    statement = minimal()
    statement["foo"] = "bar"
    refused(statement, "statement.foo")


@pytest.mark.parametrize(
    "path",
    [
        ("actor",),
        ("verb",),
        ("object",),
        ("context",),
        ("result",),
        ("timestamp",),
        ("version",),
        ("attachments",),
        ("actor", "name"),
        ("verb", "display"),
        ("object", "definition"),
        ("object", "definition", "name"),
        ("object", "definition", "extensions"),
        ("result", "score"),
        ("result", "score", "raw"),
        ("result", "success"),
        ("context", "registration"),
        ("context", "contextActivities"),
        ("context", "extensions"),
        ("verb", "display", "en-US"),
    ],
    ids=".".join,
)
def test_a_null_property_is_refused(path: tuple[str, ...]) -> None:
    statement = full()
    holder: dict[str, Any] = statement
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = None
    assert refused(statement, ".".join(("statement", *path))).endswith("must not be null")


def test_null_values_inside_extensions_are_accepted() -> None:
    statement = full()
    statement["result"]["extensions"] = {"http://example.com/ext/none": None}
    statement["context"]["extensions"] = {}
    validation.validate_statement(statement)


# --- Refusals: ids, UUIDs, IRIs --------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        12345,
        {"something": "value"},
        "",
        "fd41c918-b88b-4b20-a0a5-a4c32391aaa01",
        "fd41c918-b88b-4b20-a0a5-a4c32391aaaG",
        "fd41c918b88b4b20a0a5a4c32391aaa0",
        "{fd41c918-b88b-4b20-a0a5-a4c32391aaa0}",
    ],
)
def test_the_statement_id_is_a_uuid(value: object) -> None:
    statement = minimal()
    statement["id"] = value
    refused(statement, "statement.id")


@pytest.mark.parametrize(
    ("where", "edit"),
    [
        ("statement.verb.id", lambda s: s["verb"].update(id="ab=c://should.fail.com")),
        ("statement.verb.id", lambda s: s["verb"].update(id="")),
        ("statement.verb.id", lambda s: s["verb"].update(id="completed")),
        ("statement.verb.id", lambda s: s["verb"].update(id="http://example.com/has space")),
        ("statement.object.id", lambda s: s["object"].update(id=12345)),
        (
            "statement.object.definition.type",
            lambda s: s["object"]["definition"].update(type="lesson"),
        ),
        (
            "statement.object.definition.moreInfo",
            lambda s: s["object"]["definition"].update(moreInfo="not a url"),
        ),
        (
            "statement.object.definition.extensions",
            lambda s: s["object"]["definition"].update(extensions={"level": 1}),
        ),
        ("statement.result.extensions", lambda s: s["result"].update(extensions={"x": 1})),
        ("statement.context.extensions", lambda s: s["context"].update(extensions={"": 1})),
        ("statement.context.extensions", lambda s: s["context"].update(extensions=[1])),
        (
            "statement.context.registration",
            lambda s: s["context"].update(registration="not-a-uuid"),
        ),
        (
            "statement.context.statement.id",
            lambda s: s["context"]["statement"].update(id="nope"),
        ),
        (
            "statement.attachments[0].usageType",
            lambda s: s["attachments"][0].update(usageType="certificate"),
        ),
        (
            "statement.attachments[0].fileUrl",
            lambda s: s["attachments"][0].update(fileUrl="file name.pdf"),
        ),
    ],
)
def test_iris_and_uuids_have_their_format(
    where: str, edit: Callable[[dict[str, Any]], object]
) -> None:
    refused(changed(edit), where)


# --- Refusals: actors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "where", "why"),
    [
        ({}, "statement.actor", "exactly one"),
        ({"name": "Nobody"}, "statement.actor", "exactly one"),
        (
            {"mbox": "mailto:a@example.com", "openid": "http://openid.example/a"},
            "statement.actor",
            "exactly one",
        ),
        ({"mbox": "a@example.com"}, "statement.actor.mbox", "mailto"),
        ({"mbox": "mailto:"}, "statement.actor.mbox", "mailto"),
        ({"mbox": 12}, "statement.actor.mbox", "string"),
        ({"mbox_sha1sum": "xyz"}, "statement.actor.mbox_sha1sum", "SHA-1"),
        ({"openid": "not an uri"}, "statement.actor.openid", "IRI"),
        ({"account": {"name": "n"}}, "statement.actor.account.homePage", "required"),
        ({"account": {"homePage": "http://h.example"}}, "statement.actor.account.name", "required"),
        (
            {"account": {"homePage": "http://h.example", "name": 12345}},
            "statement.actor.account.name",
            "string",
        ),
        (
            {"account": {"homePage": "h.example", "name": "n"}},
            "statement.actor.account.homePage",
            "IRI",
        ),
        (
            {"account": {"homePage": "http://h.example", "name": "n", "id": 1}},
            "statement.actor.account.id",
            "not a property",
        ),
        ({"mbox": "mailto:a@example.com", "name": 5}, "statement.actor.name", "string"),
        ({"objectType": "agent", "mbox": "mailto:a@example.com"}, "statement.actor.objectType", ""),
        (
            {"objectType": "Person", "mbox": "mailto:a@example.com"},
            "statement.actor.objectType",
            "",
        ),
        (
            {"mbox": "mailto:a@example.com", "member": [{"mbox": "mailto:b@example.com"}]},
            "statement.actor.member",
            "not a property",
        ),
        ({"objectType": "Group"}, "statement.actor.member", "anonymous"),
        ({"objectType": "Group", "member": []}, "statement.actor.member", "anonymous"),
        ({"objectType": "Group", "member": {}}, "statement.actor.member", "array"),
        (
            {"objectType": "Group", "member": [{"name": "no identifier"}]},
            "statement.actor.member[0]",
            "exactly one",
        ),
        (
            {
                "objectType": "Group",
                "member": [
                    {
                        "objectType": "Group",
                        "member": [{"mbox": "mailto:a@example.com"}],
                    }
                ],
            },
            "statement.actor.member[0].objectType",
            "Agents",
        ),
        (
            {
                "objectType": "Group",
                "mbox": "mailto:g@example.com",
                "openid": "http://openid.example/g",
            },
            "statement.actor",
            "at most one",
        ),
    ],
)
def test_agents_and_groups_follow_their_rules(actor: object, where: str, why: str) -> None:
    statement = minimal()
    statement["actor"] = actor
    assert why in refused(statement, where)


def test_an_identified_group_may_list_members_or_none() -> None:
    statement = minimal()
    statement["actor"] = {"objectType": "Group", "mbox": "mailto:g@example.com", "member": []}
    validation.validate_statement(statement)
    statement["actor"]["member"] = [{"mbox": "mailto:a@example.com"}]
    validation.validate_statement(statement)


# --- Refusals: verbs and language maps -------------------------------------------------------


@pytest.mark.parametrize(
    "tag",
    [
        *("de", "de-DE", "zh-Hant", "sr-Latn-RS", "cmn", "es-419", "ase", "zh-Hans-CN"),
        *("i-klingon", "en-US-x-twain", "ko-KR", "x-private", "de-CH-1901", "en-a-bbb-x-a-ccc"),
    ],
)
def test_rfc_5646_language_tags_are_accepted(tag: str) -> None:
    statement = minimal()
    statement["verb"]["display"] = {tag: "done"}
    validation.validate_statement(statement)


@pytest.mark.parametrize(
    "tag",
    [
        *("", "e", "en_US", "123", "abcdefghi", "zh-z-aaa-z-bbb-c-ccc", "en-US-"),
        *("de-DE-1901-1901", "invalid language code", "en--US", "x"),
    ],
)
def test_tags_that_are_not_rfc_5646_are_refused(tag: str) -> None:
    statement = minimal()
    statement["verb"]["display"] = {tag: "done"}
    assert "RFC 5646" in refused(statement, "statement.verb.display")


@pytest.mark.parametrize(
    ("where", "edit"),
    [
        ("statement.verb.display", lambda s: s["verb"].update(display="completed")),
        ("statement.verb.display", lambda s: s["verb"].update(display=["completed"])),
        ("statement.verb.display.en-US", lambda s: s["verb"].update(display={"en-US": 1})),
        ("statement.verb.id", lambda s: s["verb"].pop("id")),
        ("statement.verb.name", lambda s: s["verb"].update(name="done")),
        ("statement.verb", lambda s: s.update(verb="completed")),
        (
            "statement.object.definition.name",
            lambda s: s["object"]["definition"].update(name={"xx_YY": "x"}),
        ),
        (
            "statement.object.definition.description",
            lambda s: s["object"]["definition"].update(description="text"),
        ),
        ("statement.context.language", lambda s: s["context"].update(language="en_US")),
        ("statement.context.language", lambda s: s["context"].update(language=1)),
        (
            "statement.attachments[0].display",
            lambda s: s["attachments"][0].update(display={"es_MX": "x"}),
        ),
        (
            "statement.attachments[0].description",
            lambda s: s["attachments"][0].update(description={"es-MX-": "x"}),
        ),
    ],
)
def test_verbs_and_language_maps_follow_their_rules(
    where: str, edit: Callable[[dict[str, Any]], object]
) -> None:
    refused(changed(edit), where)
