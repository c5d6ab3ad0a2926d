"""Statement validation (xAPI 1.0.3, part two, section 2): every rule refuses what breaks it,
with a message naming the property, and accepts what the specification allows — the statements
openclass records itself, a cmi5 launch, interactions, sub-statements, signed statements'
attachments and what TinCanPython sends."""

from __future__ import annotations

import hashlib
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


def test_tincans_groups_substatements_attachments_and_authority_are_accepted() -> None:
    signature = b"eyJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl"
    built = tincan.Statement(
        id=uuid.uuid4(),
        actor=tincan.Group(
            name="Team",
            member=[
                tincan.Agent(mbox="mailto:a@example.com"),
                tincan.Agent(account=tincan.AgentAccount(name="x", home_page="https://h.example")),
            ],
        ),
        verb=tincan.Verb(
            id="http://example.com/verbs/planned", display=tincan.LanguageMap({"en-US": "planned"})
        ),
        object=tincan.SubStatement(
            actor=tincan.Agent(openid="http://openid.example.org/1"),
            verb=tincan.Verb(id="http://example.com/verbs/reviewed"),
            object=tincan.StatementRef(id=uuid.uuid4()),
            timestamp=datetime(2026, 1, 1, tzinfo=UTC),
            context=tincan.Context(language="ko-KR"),
        ),
        attachments=[
            tincan.Attachment(
                usage_type=validation.SIGNATURE,
                display=tincan.LanguageMap({"en-US": "Signature"}),
                content_type="application/octet-stream",
                length=len(signature),
                sha2=hashlib.sha256(signature).hexdigest(),
            )
        ],
        authority=tincan.Agent(mbox="mailto:lrs@example.com"),
        stored=datetime(2026, 1, 1, tzinfo=UTC),
    )
    sent = json.loads(built.to_json())
    assert sent["object"]["objectType"] == "SubStatement"
    validation.validate_statement(sent)
    agent_object = tincan.Statement(
        actor=tincan.Agent(mbox="mailto:a@example.com"),
        verb=tincan.Verb(id=VERB),
        object=tincan.Agent(mbox="mailto:b@example.com"),
    )
    validation.validate_statement(json.loads(agent_object.to_json()))


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
        ("statement.verb.display", lambda s: s["verb"].update(display={})),
        ("statement.verb.display", lambda s: s["verb"].update(display={"a12345": "x"})),
        (
            "statement.object.definition.name",
            lambda s: s["object"]["definition"].update(name={}),
        ),
        (
            "statement.attachments[0].description",
            lambda s: s["attachments"][0].update(description={}),
        ),
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


# --- Refusals: objects -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "where"),
    [
        ({}, "statement.object.id"),
        ({"objectType": "Activity"}, "statement.object.id"),
        ({"objectType": "activity", "id": ACTIVITY}, "statement.object.objectType"),
        ({"objectType": "Person", "id": ACTIVITY}, "statement.object.objectType"),
        ({"objectType": 12, "id": ACTIVITY}, "statement.object.objectType"),
        ({"id": ACTIVITY, "definition": "should error"}, "statement.object.definition"),
        ({"id": ACTIVITY, "definition": {"name": 12345}}, "statement.object.definition.name"),
        (
            {"id": ACTIVITY, "definition": {"label": {"en": "x"}}},
            "statement.object.definition.label",
        ),
        ({"id": ACTIVITY, "name": {"en": "x"}}, "statement.object.name"),
        # An Agent or a Group as the object says so: without objectType it is an Activity.
        ({"mbox": "mailto:a@example.com"}, "statement.object.mbox"),
        ({"objectType": "Agent"}, "statement.object"),
        ({"objectType": "Group", "member": []}, "statement.object.member"),
        ({"objectType": "StatementRef"}, "statement.object.id"),
        ({"objectType": "StatementRef", "id": "not-a-uuid"}, "statement.object.id"),
        (
            {"objectType": "StatementRef", "id": str(uuid.uuid4()), "definition": {}},
            "statement.object.definition",
        ),
        ({"objectType": "substatement"}, "statement.object.objectType"),
    ],
)
def test_objects_follow_their_kinds_rules(target: dict[str, Any], where: str) -> None:
    statement = minimal()
    statement["object"] = target
    refused(statement, where)


@pytest.mark.parametrize(
    ("definition", "where"),
    [
        ({"interactionType": "Choice"}, "interactionType"),
        ({"interactionType": "true-faLse"}, "interactionType"),
        ({"interactionType": "essay"}, "interactionType"),
        ({"interactionType": "http://example.com/choice"}, "interactionType"),
        ({"interactionType": 12345}, "interactionType"),
        ({"interactionType": {"something": "value"}}, "interactionType"),
        ({"correctResponsesPattern": ["true"]}, "correctResponsesPattern"),
        ({"choices": components("a")}, "choices"),
        ({"interactionType": "choice", "correctResponsesPattern": "a"}, "correctResponsesPattern"),
        (
            {"interactionType": "choice", "correctResponsesPattern": [1]},
            "correctResponsesPattern[0]",
        ),
        ({"interactionType": "choice", "scale": components("a")}, "scale"),
        ({"interactionType": "matching", "choices": components("a")}, "choices"),
        ({"interactionType": "true-false", "steps": components("a")}, "steps"),
        ({"interactionType": "likert", "scale": {"id": "valid"}}, "scale"),
        ({"interactionType": "likert", "scale": ["should error"]}, "scale[0]"),
        ({"interactionType": "choice", "choices": [{"description": {"en": "x"}}]}, "choices[0].id"),
        ({"interactionType": "choice", "choices": [{"id": {"test": "value"}}]}, "choices[0].id"),
        ({"interactionType": "choice", "choices": [{"id": ""}]}, "choices[0].id"),
        (
            {"interactionType": "performance", "steps": [{"id": "a", "description": "x"}]},
            "steps[0].description",
        ),
        (
            {"interactionType": "matching", "target": [{"id": "a", "description": {"t": "v"}}]},
            "target[0].description",
        ),
        (
            {"interactionType": "sequencing", "choices": [{"id": "a"}, {"id": "a"}]},
            "choices[1].id",
        ),
        (
            {"interactionType": "choice", "choices": [{"id": "a", "label": "x"}]},
            "choices[0].label",
        ),
    ],
)
def test_interaction_definitions_follow_their_rules(definition: dict[str, Any], where: str) -> None:
    statement = minimal()
    statement["object"]["definition"] = definition
    refused(statement, f"statement.object.definition.{where}")


def test_interaction_component_lists_are_optional_and_an_empty_definition_is_accepted() -> None:
    for kind in validation.INTERACTION_TYPES:
        statement = minimal()
        statement["object"]["definition"] = {"interactionType": kind}
        validation.validate_statement(statement)
    statement = minimal()
    statement["object"]["definition"] = {}
    validation.validate_statement(statement)


# --- Refusals: sub-statements and statement references ---------------------------------------


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("id", "fd41c918-b88b-4b20-a0a5-a4c32391aaa0"),
        ("stored", "2013-05-18T05:32:34.804Z"),
        ("version", "1.0.0"),
        ("authority", {"mbox": "mailto:lrs@example.com"}),
    ],
)
def test_a_substatement_has_no_id_stored_version_or_authority(key: str, value: object) -> None:
    statement = substatement()
    statement["object"][key] = value
    assert "SubStatement" in refused(statement, f"statement.object.{key}")


@pytest.mark.parametrize("key", ["actor", "verb", "object"])
def test_a_substatement_requires_actor_verb_and_object(key: str) -> None:
    statement = substatement()
    del statement["object"][key]
    refused(statement, f"statement.object.{key}")


def test_a_substatement_cannot_contain_a_substatement() -> None:
    statement = substatement()
    statement["object"]["object"] = copy_of(substatement()["object"])
    assert "cannot contain" in refused(statement, "statement.object.object.objectType")


@pytest.mark.parametrize(
    ("edit", "where"),
    [
        (lambda o: o["actor"].update(mbox="nope"), "statement.object.actor.mbox"),
        (lambda o: o["verb"].update(display={"de-419-DE": "x"}), "statement.object.verb.display"),
        (
            lambda o: o["object"]["definition"].update(name={"zh-z-aaa-z-bbb-c-ccc": "x"}),
            "statement.object.object.definition.name",
        ),
        (lambda o: o["result"].update(success="true"), "statement.object.result.success"),
        (lambda o: o["context"].update(language="x"), "statement.object.context.language"),
        (
            lambda o: o.update(timestamp="01/011/2015"),
            "statement.object.timestamp",
        ),
        (lambda o: o.update(attachments={}), "statement.object.attachments"),
        (lambda o: o.update(foo=1), "statement.object.foo"),
    ],
)
def test_a_substatement_follows_the_rules_of_statements(
    edit: Callable[[dict[str, Any]], object], where: str
) -> None:
    statement = substatement()
    edit(statement["object"])
    refused(statement, where)


def copy_of(value: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(value))


# --- Refusals: result ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "where"),
    [
        (12345, "score"),
        ("should fail", "score"),
        ({"scaled": 1.01}, "score.scaled"),
        ({"scaled": -1.00001}, "score.scaled"),
        ({"scaled": "0.5"}, "score.scaled"),
        ({"scaled": True}, "score.scaled"),
        ({"raw": 0.6767676, "max": 0.6567676}, "score.raw"),
        ({"raw": 0.6767676, "min": 1.4067676}, "score.raw"),
        ({"min": 0.6767676, "max": 0.6767355, "raw": 0.6767643}, "score.max"),
        ({"min": 5, "max": 5}, "score.max"),
        ({"max": "one hundred"}, "score.max"),
        ({"max": "100"}, "score.max"),
        ({"min": float("nan")}, "score.min"),
        ({"percent": 80}, "score.percent"),
    ],
)
def test_a_score_follows_its_rules(score: object, where: str) -> None:
    statement = full()
    statement["result"]["score"] = score
    refused(statement, f"statement.result.{where}")


@pytest.mark.parametrize(
    "score",
    [
        {"scaled": 0.6767676},
        {"scaled": 1.0},
        {"scaled": -1},
        {"raw": 0.6767676},
        {"raw": -50},
        {"min": 0.6767676},
        {"max": 100.6767676},
        {"raw": 0, "min": 0, "max": 1},
        {"raw": 1, "min": 0, "max": 1},
        {},
    ],
)
def test_scores_within_their_bounds_are_accepted(score: dict[str, Any]) -> None:
    statement = full()
    statement["result"]["score"] = score
    validation.validate_statement(statement)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("success", "true"),
        ("success", "We regret to inform you that your effort was unsuccessful."),
        ("success", 1),
        ("completion", "false"),
        ("completion", 0),
        ("response", 12345),
        ("response", {"key": "invalid"}),
        ("duration", "PA1H0M0S"),
        ("duration", "should fail"),
        ("duration", 12345),
        ("duration", {"key": "invalid"}),
        ("duration", "P"),
        ("duration", "PT"),
        ("duration", "PT1H30"),
        ("duration", "1H"),
        ("duration", "P1DT"),
        ("extensions", "should fail"),
        ("extensions", 12345),
        ("outcome", "pass"),
    ],
)
def test_result_properties_have_their_types(key: str, value: object) -> None:
    statement = full()
    statement["result"][key] = value
    refused(statement, f"statement.result.{key}")


@pytest.mark.parametrize(
    "duration",
    [
        *("PT1H0M0.1S", "PT4H35M59.14S", "PT16559.14S", "P3Y1M29DT4H35M59.14S", "P3Y", "P4W"),
        *("PT01H00M02.5S", "P1D", "PT0S", "P0.5Y"),
    ],
)
def test_iso_8601_durations_are_accepted(duration: str) -> None:
    statement = full()
    statement["result"]["duration"] = duration
    validation.validate_statement(statement)


# --- Refusals: context -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "where"),
    [
        ("registration", {"key": "should fail"}, "registration"),
        ("registration", "should fail", "registration"),
        ("registration", "AA97B177-9383-4934-8543-0F91A7A028368", "registration"),
        ("registration", "MA97B177-9383-4934-8543-0F91A7A02836", "registration"),
        ("instructor", {"key": "should fail"}, "instructor.key"),
        ("instructor", "should fail", "instructor"),
        ("team", {"mbox": "mailto:a@example.com"}, "team.objectType"),
        ("team", {"objectType": "Agent", "mbox": "mailto:a@example.com"}, "team.objectType"),
        ("team", "should fail", "team"),
        ("contextActivities", "should fail", "contextActivities"),
        ("contextActivities", {}, "contextActivities"),
        ("contextActivities", {"parents": [{"id": ACTIVITY}]}, "contextActivities.parents"),
        ("contextActivities", {"Parent": [{"id": ACTIVITY}]}, "contextActivities.Parent"),
        ("contextActivities", {"parent": "should fail"}, "contextActivities.parent"),
        ("contextActivities", {"parent": [{"id": "nope"}]}, "contextActivities.parent[0].id"),
        (
            "contextActivities",
            {"parent": [{"objectType": "Agent", "mbox": "mailto:a@example.com"}]},
            "contextActivities.parent[0].mbox",
        ),
        (
            "contextActivities",
            {"grouping": {"objectType": "StatementRef", "id": str(uuid.uuid4())}},
            "contextActivities.grouping.objectType",
        ),
        ("revision", 12345, "revision"),
        ("revision", {"key": "should fail"}, "revision"),
        ("platform", 12345, "platform"),
        ("language", "a12345", "language"),
        ("language", "de-419-DE", "language"),
        ("statement", {"id": str(uuid.uuid4())}, "statement.objectType"),
        ("statement", {"objectType": "StatementRef", "id": 12345}, "statement.id"),
        ("statement", {"objectType": "Activity", "id": ACTIVITY}, "statement.objectType"),
        ("extensions", "should fail", "extensions"),
        ("mood", "calm", "mood"),
    ],
)
def test_context_properties_follow_their_rules(key: str, value: object, where: str) -> None:
    statement = full()
    statement["context"][key] = value
    refused(statement, f"statement.context.{where}")


@pytest.mark.parametrize("key", ["revision", "platform"])
@pytest.mark.parametrize(
    "target",
    [
        {"objectType": "Agent", "mbox": "mailto:a@example.com"},
        {"objectType": "Group", "member": [{"mbox": "mailto:a@example.com"}]},
        {"objectType": "StatementRef", "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"},
    ],
    ids=["agent", "group", "statement-ref"],
)
def test_revision_and_platform_only_when_the_object_is_an_activity(
    key: str, target: dict[str, Any]
) -> None:
    statement = minimal()
    statement["object"] = target
    statement["context"] = {key: "x"}
    assert "only when the object is an Activity" in refused(statement, f"statement.context.{key}")


def test_revision_and_platform_are_refused_with_a_substatement_object() -> None:
    statement = substatement()
    statement["context"] = {"platform": "openclass"}
    refused(statement, "statement.context.platform")
    inner = substatement()
    inner["object"]["object"] = {"objectType": "Agent", "mbox": "mailto:a@example.com"}
    refused(inner, "statement.object.context.revision")


@pytest.mark.parametrize("role", ["instructor", "team"])
def test_anonymous_groups_as_instructor_or_team_are_accepted(role: str) -> None:
    statement = full()
    statement["context"][role] = {
        "objectType": "Group",
        "member": [{"mbox": "mailto:a@example.com"}, {"openid": "http://openid.example/b"}],
    }
    validation.validate_statement(statement)


# --- Refusals: timestamps, version, authority, attachments -----------------------------------


@pytest.mark.parametrize("key", ["timestamp", "stored"])
@pytest.mark.parametrize(
    "value",
    [
        "should fail",
        "01/011/2015",
        "2008-09-15T15:53:00.601-00",
        "2008-09-15T15:53:00.601-0000",
        "2008-09-15T15:53:00.601-00:00",
        "2008-09-15",
        "2008-09-15 15:53:00Z",
        "2008-13-15T15:53:00Z",
        "2008-02-30T15:53:00Z",
        "2008-09-15T25:53:00Z",
        "2008-09-15T15:53:00+25:00",
        "2008-09-15T15:53:00.Z",
        1221494000,
        "",
    ],
)
def test_timestamps_are_iso_8601(key: str, value: object) -> None:
    statement = minimal()
    statement[key] = value
    refused(statement, f"statement.{key}")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2013-05-18T05:32:34.804Z", datetime(2013, 5, 18, 5, 32, 34, 804000, tzinfo=UTC)),
        ("2013-05-18T05:32:34Z", datetime(2013, 5, 18, 5, 32, 34, tzinfo=UTC)),
        ("2013-05-18T05:32Z", datetime(2013, 5, 18, 5, 32, tzinfo=UTC)),
        ("2013-05-18T14:32:34.804+09:00", datetime(2013, 5, 18, 5, 32, 34, 804000, tzinfo=UTC)),
        ("2013-05-18T00:32:34-0500", datetime(2013, 5, 18, 5, 32, 34, tzinfo=UTC)),
        ("2013-05-18T07:32:34+02", datetime(2013, 5, 18, 5, 32, 34, tzinfo=UTC)),
        ("2013-05-18T05:32:34+00:00", datetime(2013, 5, 18, 5, 32, 34, tzinfo=UTC)),
        ("2013-05-18T05:32:34.123456789Z", datetime(2013, 5, 18, 5, 32, 34, 123456, tzinfo=UTC)),
        ("2013-05-18T05:32:34", datetime(2013, 5, 18, 5, 32, 34, tzinfo=UTC)),
        ("20130518T053234Z", datetime(2013, 5, 18, 5, 32, 34, tzinfo=UTC)),
        ("20130518T143234.5+0900", datetime(2013, 5, 18, 5, 32, 34, 500000, tzinfo=UTC)),
    ],
)
def test_timestamps_are_parsed_to_aware_datetimes(value: str, expected: datetime) -> None:
    parsed = validation.validate_timestamp(value, "since")
    assert parsed == expected and parsed.tzinfo is not None
    statement = minimal()
    statement["timestamp"] = value
    validation.validate_statement(statement)


def test_validate_timestamp_names_what_it_checks() -> None:
    with pytest.raises(Invalid, match=r"^until: "):
        validation.validate_timestamp("yesterday", "until")


@pytest.mark.parametrize("version", ["1.0", "1.0.0", "1.0.3", "1.0.9", "1.0.10"])
def test_versions_1_0_x_are_accepted(version: str) -> None:
    statement = minimal()
    statement["version"] = version
    validation.validate_statement(statement)


@pytest.mark.parametrize("version", ["should fail", "0.9.9", "1.1.0", "2.0.0", "1", "1.0.", 1.0])
def test_other_versions_are_refused(version: object) -> None:
    statement = minimal()
    statement["version"] = version
    refused(statement, "statement.version")


TWO_MEMBERS = [
    {
        "account": {
            "homePage": "http://example.com/xAPI/OAuth/Token",
            "name": "oauth_consumer_x75db",
        }
    },
    {"mbox": "mailto:bob@example.com"},
]


def test_an_authority_is_an_agent_or_an_anonymous_group_of_two() -> None:
    statement = minimal()
    statement["authority"] = {"objectType": "Group", "member": TWO_MEMBERS}
    validation.validate_statement(statement)
    statement["authority"] = {"account": {"homePage": "http://example.com", "name": "client"}}
    validation.validate_statement(statement)


@pytest.mark.parametrize(
    ("authority", "where"),
    [
        ({"objectType": "Group", "member": TWO_MEMBERS[:1]}, "statement.authority.member"),
        (
            {"objectType": "Group", "member": [*TWO_MEMBERS, {"mbox": "mailto:j@example.com"}]},
            "statement.authority.member",
        ),
        ({"objectType": "Group"}, "statement.authority.member"),
        (
            {"objectType": "Group", "openid": "http://openid.example.org/1", "member": TWO_MEMBERS},
            "statement.authority",
        ),
        (
            {"objectType": "Group", "mbox": "mailto:g@example.com", "member": TWO_MEMBERS},
            "statement.authority",
        ),
        ({"name": "nobody"}, "statement.authority"),
        ({"objectType": 123, "mbox": "mailto:a@example.com"}, "statement.authority.objectType"),
        (
            {"objectType": "Agent", "mbox": "mailto:a@example.com", "name": {}},
            "statement.authority.name",
        ),
    ],
)
def test_other_authorities_are_refused(authority: object, where: str) -> None:
    statement = minimal()
    statement["authority"] = authority
    refused(statement, where)


@pytest.mark.parametrize(
    ("edit", "where"),
    [
        (lambda s: s.update(attachments={"usageType": "x"}), "statement.attachments"),
        (lambda s: s.update(attachments=[12345]), "statement.attachments[0]"),
        (lambda s: s.update(attachments=["should fail"]), "statement.attachments[0]"),
        (lambda a: a[0].pop("usageType"), "statement.attachments[0].usageType"),
        (lambda a: a[0].pop("display"), "statement.attachments[0].display"),
        (lambda a: a[0].pop("contentType"), "statement.attachments[0].contentType"),
        (lambda a: a[0].pop("length"), "statement.attachments[0].length"),
        (lambda a: a[0].pop("sha2"), "statement.attachments[0].sha2"),
        (lambda a: a[0].update(usageType="should fail"), "statement.attachments[0].usageType"),
        (lambda a: a[0].update(contentType="should fail"), "statement.attachments[0].contentType"),
        (lambda a: a[0].update(contentType=12), "statement.attachments[0].contentType"),
        (lambda a: a[0].update(length="should fail"), "statement.attachments[0].length"),
        (lambda a: a[0].update(length="27"), "statement.attachments[0].length"),
        (lambda a: a[0].update(length=27.5), "statement.attachments[0].length"),
        (lambda a: a[0].update(length=-1), "statement.attachments[0].length"),
        (lambda a: a[0].update(sha2=12345), "statement.attachments[0].sha2"),
        (lambda a: a[0].update(sha2="not hex"), "statement.attachments[0].sha2"),
        (lambda a: a[0].update(fileUrl="should fail"), "statement.attachments[0].fileUrl"),
        (lambda a: a[0].update(display="should error"), "statement.attachments[0].display"),
        (lambda a: a[0].update(description=12345), "statement.attachments[0].description"),
        (lambda a: a[0].update(Description={"en": "x"}), "statement.attachments[0].Description"),
        (
            lambda a: a[0].update(usageType=validation.SIGNATURE, contentType="application/json"),
            "statement.attachments[0].contentType",
        ),
    ],
)
def test_attachments_follow_their_rules(edit: Callable[[Any], object], where: str) -> None:
    statement = full()
    if where == "statement.attachments" or where == "statement.attachments[0]":
        edit(statement)
    else:
        edit(statement["attachments"])
    refused(statement, where)


@pytest.mark.parametrize(
    "content_type",
    ["text/plain; charset=ascii", "application/pdf", "image/svg+xml", "application/vnd.ms-excel"],
)
def test_media_types_are_accepted(content_type: str) -> None:
    statement = full()
    statement["attachments"][0]["contentType"] = content_type
    validation.validate_statement(statement)


# --- Voiding ---------------------------------------------------------------------------------


def voiding(target: dict[str, Any]) -> dict[str, Any]:
    return {
        "actor": {"mbox": "mailto:teacher@example.com"},
        "verb": {"id": validation.VOIDED, "display": {"en-US": "voided"}},
        "object": target,
    }


def test_a_voiding_statement_voids_a_statement_ref() -> None:
    statement = voiding({"objectType": "StatementRef", "id": str(uuid.uuid4())})
    validation.validate_statement(statement)
    assert validation.is_voiding(statement)
    assert not validation.is_voiding(minimal())
    assert not validation.is_voiding(full())


@pytest.mark.parametrize(
    "target",
    [
        {"id": ACTIVITY},
        {"objectType": "Agent", "mbox": "mailto:a@example.com"},
        substatement()["object"]
        | {"object": {"objectType": "StatementRef", "id": str(uuid.uuid4())}},
    ],
    ids=["activity", "agent", "substatement-with-statement-ref"],
)
def test_a_voiding_statement_whose_object_is_not_a_statement_ref_is_refused(
    target: dict[str, Any],
) -> None:
    assert "StatementRef" in refused(voiding(target), "statement.object")


# --- Batches, the agent parameter, the helpers -----------------------------------------------


def test_a_single_statement_or_a_list_is_a_list() -> None:
    one = minimal()
    assert validation.validate_statements(one) == [one]
    two = [minimal(), full()]
    assert validation.validate_statements(two) == two


@pytest.mark.parametrize("body", [[], "statement", 3, None, {"actor": "x"}])
def test_an_empty_or_malformed_body_is_refused(body: object) -> None:
    with pytest.raises(Invalid):
        validation.validate_statements(body)


def test_the_faulty_statement_of_a_batch_is_named() -> None:
    bad = minimal()
    bad["verb"]["id"] = "done"
    with pytest.raises(Invalid, match=r"^statements\[1\]\.verb\.id: must be an IRI"):
        validation.validate_statements([minimal(), bad])


def test_the_same_id_twice_in_one_batch_is_refused() -> None:
    first, second = minimal(), minimal()
    first["id"] = "fd41c918-b88b-4b20-a0a5-a4c32391aaa0"
    second["id"] = "FD41C918-B88B-4B20-A0A5-A4C32391AAA0"
    with pytest.raises(Invalid, match=r"^statements\[1\]\.id: "):
        validation.validate_statements([first, second])
    second["id"] = str(uuid.uuid4())
    assert len(validation.validate_statements([first, second])) == 2


@pytest.mark.parametrize(
    "agent",
    [
        {"mbox": "mailto:a@example.com"},
        {"objectType": "Agent", "mbox_sha1sum": "ebd31e95054c018b10727ccffd2ef2ec3a016ee9"},
        {"openid": "http://openid.example.org/12345"},
        {"account": {"homePage": "https://o.example", "name": "k"}},
        {"objectType": "Group", "account": {"homePage": "https://o.example", "name": "class-1"}},
    ],
)
def test_an_agent_parameter_with_one_identifier_is_accepted(agent: dict[str, Any]) -> None:
    validation.validate_agent(agent)


@pytest.mark.parametrize(
    "agent",
    [
        {},
        {"name": "A"},
        {"mbox": "mailto:a@example.com", "openid": "http://openid.example.org/1"},
        {"objectType": "Group", "member": [{"mbox": "mailto:a@example.com"}]},
        {"mbox": "a@example.com"},
        "mailto:a@example.com",
        None,
    ],
)
def test_an_agent_parameter_without_exactly_one_identifier_is_refused(agent: object) -> None:
    with pytest.raises(Invalid, match=r"^agent"):
        validation.validate_agent(agent)


def test_the_helpers_name_what_they_check() -> None:
    validation.validate_iri("http://example.com/a", "activityId")
    validation.validate_uuid("fd41c918-b88b-4b20-a0a5-a4c32391aaa0", "registration")
    validation.validate_language_map({"ko-KR": "완료함", "en": "done"}, "display")
    with pytest.raises(Invalid, match=r"^activityId: must be an IRI"):
        validation.validate_iri("lesson 1", "activityId")
    with pytest.raises(Invalid, match=r"^registration: must be a UUID"):
        validation.validate_uuid("1234", "registration")
    with pytest.raises(Invalid, match=r"^display: "):
        validation.validate_language_map({"ko_KR": "x"}, "display")
    assert isinstance(Invalid("x"), ValueError)
