"""Statement validation of the built-in learning record store (xAPI 1.0.3, part two, section 2).

A pure module: no database, no settings. ``validate_statement`` checks one statement as a client
sends it and raises ``Invalid`` naming the first property that breaks a rule, as a path
("statement.verb.id: must be an IRI"); the statements resource answers 400 with that message.
The messages are for client developers and stay in English.

The rules, from xAPI 1.0.3 (Data 2.2, 2.4, 4) and the ADL LRS conformance test suite's refusals:

- property names are case-sensitive and a statement has no property the specification does not
  define; a property the specification types is never ``null`` (only the values inside an
  ``extensions`` object may be anything);
- ``actor``, ``verb`` and ``object`` are required; ``id`` (and every UUID) is in RFC 4122's
  string form (8-4-4-4-12 hex digits, either case);
- an Agent has exactly one inverse functional identifier (``mbox`` a ``mailto:`` IRI,
  ``mbox_sha1sum`` 40 hex digits, ``openid`` a URI, ``account`` with ``homePage`` and ``name``);
  a Group has at most one, an anonymous Group lists its members, and members are Agents; an
  Agent or Group used as the object says so in ``objectType``;
- verb ids, activity ids and types, ``moreInfo``, extension keys and usage types are IRIs;
  language maps have at least one entry, keyed by a well-formed RFC 5646 tag;
  ``interactionType`` is one of the ten (exactly), is required by ``correctResponsesPattern``
  and the component lists, and decides which component lists a definition may carry (their ids
  strings, unique in a list);
- a SubStatement has no ``id``, ``stored``, ``version`` or ``authority``, follows the rules of
  a statement and does not nest another SubStatement; a voiding statement's object is a
  StatementRef;
- ``result.score``: numbers, ``scaled`` in [-1, 1], ``min`` < ``max``, ``raw`` between them;
  ``success``/``completion`` booleans, ``response`` a string, ``duration`` ISO 8601;
- ``context.revision`` and ``context.platform`` only when the object is an Activity; ``team`` is
  a Group; ``contextActivities`` has at least one of ``parent``, ``grouping``, ``category``,
  ``other`` (and nothing else), each an Activity or an array of them;
- ``timestamp`` and ``stored`` are ISO 8601 date-times, extended or basic format; without an
  offset they are read as UTC (the specification only says SHOULD include one); the ``-00:00``
  offset is refused, as the conformance suite expects; ``version`` is "1.0" or "1.0.x";
- ``authority`` is an Agent, or an anonymous Group of exactly two Agents (OAuth three-legged);
- an attachment has ``usageType``, ``display``, ``contentType`` (a media type), ``length`` (a
  non-negative integer) and ``sha2`` (a SHA-2 hex digest); a signature attachment is
  ``application/octet-stream``.

Left to the statements resource (they need the database or the request): a voiding statement
must not target another voiding statement, a PUT's ``statementId`` must match the body's ``id``,
an existing id must hold the same statement, and a signature attachment's JWS must match.
"""

from __future__ import annotations

import functools
import math
import re
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

VOIDED = "http://adlnet.gov/expapi/verbs/voided"
SIGNATURE = "http://adlnet.gov/expapi/attachments/signature"

STATEMENT_PROPERTIES = frozenset(
    {
        "id",
        "actor",
        "verb",
        "object",
        "result",
        "context",
        "timestamp",
        "stored",
        "authority",
        "version",
        "attachments",
    }
)
SUBSTATEMENT_PROPERTIES = frozenset(
    {"objectType", "actor", "verb", "object", "result", "context", "timestamp", "attachments"}
)
AGENT_PROPERTIES = frozenset({"objectType", "name", "mbox", "mbox_sha1sum", "openid", "account"})
GROUP_PROPERTIES = AGENT_PROPERTIES | {"member"}
IFIS = ("mbox", "mbox_sha1sum", "openid", "account")
INTERACTION_TYPES = frozenset(
    {
        "true-false",
        "choice",
        "fill-in",
        "long-fill-in",
        "matching",
        "performance",
        "sequencing",
        "likert",
        "numeric",
        "other",
    }
)
#: The interaction component lists each interaction type may carry.
COMPONENT_LISTS: dict[str, frozenset[str]] = {
    "choice": frozenset({"choices"}),
    "sequencing": frozenset({"choices"}),
    "likert": frozenset({"scale"}),
    "matching": frozenset({"source", "target"}),
    "performance": frozenset({"steps"}),
}
ALL_COMPONENT_LISTS = frozenset({"choices", "scale", "source", "target", "steps"})
DEFINITION_PROPERTIES = frozenset(
    {"name", "description", "type", "moreInfo", "extensions", "interactionType"}
    | {"correctResponsesPattern"}
    | ALL_COMPONENT_LISTS
)
CONTEXT_ACTIVITY_KINDS = frozenset({"parent", "grouping", "category", "other"})


class Invalid(ValueError):
    """A statement (or a query parameter holding part of one) breaks a rule of xAPI 1.0.3; the
    message names the property: ``"statement.verb.id: must be an IRI"``."""


def _fail(path: str, message: str) -> Invalid:
    return Invalid(f"{path}: {message}")


# --- Formats ---------------------------------------------------------------------------------

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# RFC 3987: a scheme (a letter, then letters, digits, "+", "-", ".") and a colon, then no
# whitespace, control characters or the characters an IRI may never hold.
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`\x00-\x1f\x7f]+$")
_MAILTO = re.compile(r"^mailto:[^@\s:/?#]+@[^@\s/?#]+$")
_SHA1 = re.compile(r"^[0-9a-fA-F]{40}$")
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_MEDIA_TYPE = re.compile(
    r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+\-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+\-]*(\s*;\s*\S.*)?$"
)
_VERSION = re.compile(r"^1\.0(\.\d+)?$")
_NUMBER = r"\d+(?:[.,]\d+)?"
_DURATION = re.compile(
    rf"^P(?=\d|T\d)(?:(?:({_NUMBER})Y)?(?:({_NUMBER})M)?(?:({_NUMBER})D)?"
    rf"(?:T(?=\d)(?:({_NUMBER})H)?(?:({_NUMBER})M)?(?:({_NUMBER})S)?)?|({_NUMBER})W)$"
)
# ISO 8601 date and time, extended (2026-12-06T04:30:00.123+09:00) or basic
# (20261206T043000.123+0900) format; the offset is optional (then UTC).
_TIMESTAMP = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?"
    r"(Z|z|[+-]\d{2}(?::?\d{2})?)?$"
)
_TIMESTAMP_BASIC = re.compile(
    r"^(\d{4})(\d{2})(\d{2})[Tt](\d{2})(\d{2})(?:(\d{2})(?:[.,](\d+))?)?"
    r"(Z|z|[+-]\d{2}(?:\d{2})?)?$"
)

# RFC 5646, section 2.1 (case-insensitive).
_ALNUM = "[a-z0-9]"
_LANGTAG = re.compile(
    r"^(?:"
    r"(?P<language>[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4}|[a-z]{5,8})"
    r"(?:-(?P<script>[a-z]{4}))?"
    r"(?:-(?P<region>[a-z]{2}|\d{3}))?"
    rf"(?P<variants>(?:-(?:{_ALNUM}{{5,8}}|\d{_ALNUM}{{3}}))*)"
    rf"(?P<extensions>(?:-[0-9a-wyz](?:-{_ALNUM}{{2,8}})+)*)"
    rf"(?:-x(?:-{_ALNUM}{{1,8}})+)?"
    rf"|x(?:-{_ALNUM}{{1,8}})+"
    r"|en-gb-oed|i-ami|i-bnn|i-default|i-enochian|i-hak|i-klingon|i-lux|i-mingo|i-navajo"
    r"|i-pwn|i-tao|i-tay|i-tsu|sgn-be-fr|sgn-be-nl|sgn-ch-de"
    r"|art-lojban|cel-gaulish|no-bok|no-nyn|zh-guoyu|zh-hakka|zh-min|zh-min-nan|zh-xiang"
    r")$",
    re.IGNORECASE,
)


def is_language_tag(value: object) -> bool:
    """Whether ``value`` is a well-formed RFC 5646 language tag (no singleton or variant twice)."""
    return isinstance(value, str) and _is_language_tag(value)


@functools.lru_cache(maxsize=4096)
def _is_language_tag(value: str) -> bool:
    # A handful of tags ("ko-KR", "en-US") fill nearly every statement: remembered.
    match = _LANGTAG.match(value)
    if match is None:
        return False
    variants = [v.lower() for v in (match.group("variants") or "").split("-") if v]
    if len(set(variants)) != len(variants):
        return False
    extensions = (match.group("extensions") or "").lower().split("-")
    singletons = [part for part in extensions if len(part) == 1]
    return len(set(singletons)) == len(singletons)


def is_iri(value: object) -> bool:
    return isinstance(value, str) and _IRI.match(value) is not None


def is_uuid(value: object) -> bool:
    return isinstance(value, str) and _UUID.match(value) is not None


def is_duration(value: object) -> bool:
    return isinstance(value, str) and _DURATION.match(value) is not None


# --- Building blocks -------------------------------------------------------------------------


def _object(value: object, path: str) -> dict[str, Any]:
    if value is None:
        raise _fail(path, "must not be null")
    if not isinstance(value, dict):
        raise _fail(path, "must be a JSON object")
    for key, item in value.items():
        if not isinstance(key, str):
            raise _fail(path, "property names must be strings")
        if item is None:
            raise _fail(f"{path}.{key}", "must not be null")
    return value


def _properties(
    value: Mapping[str, Any],
    path: str,
    allowed: Iterable[str],
    required: Iterable[str] = (),
) -> None:
    allowed = frozenset(allowed)
    for key in value:
        if key not in allowed:
            raise _fail(
                f"{path}.{key}", "is not a property of this object (names are case-sensitive)"
            )
    for key in required:
        if key not in value:
            raise _fail(f"{path}.{key}", "is required")


def _list(value: object, path: str) -> list[Any]:
    if value is None:
        raise _fail(path, "must not be null")
    if not isinstance(value, list):
        raise _fail(path, "must be an array")
    for index, item in enumerate(value):
        if item is None:
            raise _fail(f"{path}[{index}]", "must not be null")
    return value


def _string(value: object, path: str, *, empty: bool = True) -> str:
    if not isinstance(value, str):
        raise _fail(path, "must be a string")
    if not empty and not value:
        raise _fail(path, "must not be empty")
    return value


def _boolean(value: object, path: str) -> bool:
    if not isinstance(value, bool):
        raise _fail(path, "must be a boolean (true or false)")
    return value


def _number(value: object, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(path, "must be a number")
    if not math.isfinite(value):
        raise _fail(path, "must be a finite number")
    return float(value)


def validate_iri(value: object, what: str) -> None:
    """An IRI (RFC 3987): a scheme, a colon, and no whitespace or forbidden characters."""
    if not is_iri(value):
        raise _fail(what, "must be an IRI (such as http://example.com/verbs/done)")


def validate_uuid(value: object, what: str) -> None:
    """A UUID in its RFC 4122 string form (8-4-4-4-12 hexadecimal digits)."""
    if not is_uuid(value):
        raise _fail(what, "must be a UUID (8-4-4-4-12 hexadecimal digits)")


def validate_timestamp(value: object, what: str) -> datetime:
    """An ISO 8601 date and time; returns it as an aware datetime (UTC when no offset is
    given). Refuses the "-00:00" offset, which ISO 8601 keeps for an unknown local time."""
    if not isinstance(value, str):
        raise _fail(what, "must be an ISO 8601 timestamp string")
    match = _TIMESTAMP.match(value) or _TIMESTAMP_BASIC.match(value)
    if match is None:
        raise _fail(what, "must be an ISO 8601 timestamp, such as 2026-12-06T04:30:00.000Z")
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    if offset in ("-00", "-00:00", "-0000"):
        raise _fail(what, 'must not use the "-00:00" offset')
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        zone: timezone = UTC
        if offset and offset not in ("Z", "z"):
            digits = offset[1:].replace(":", "")
            hours, minutes = int(digits[:2]), int(digits[2:4] or "0")
            if hours > 23 or minutes > 59:
                raise ValueError(offset)
            delta = timedelta(hours=hours, minutes=minutes)
            zone = timezone(-delta if offset[0] == "-" else delta)
        return datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second or "0"),
            micro,
            tzinfo=zone,
        )
    except ValueError:
        raise _fail(what, "is not a real date and time") from None


def validate_language_map(value: object, what: str) -> None:
    """An object with at least one entry, whose keys are RFC 5646 language tags and whose values
    are strings."""
    language_map = _object(value, what)
    if not language_map:
        raise _fail(what, "a language map has at least one entry")
    for tag, text in language_map.items():
        if not is_language_tag(tag):
            raise _fail(what, f"{tag!r} is not an RFC 5646 language tag")
        _string(text, f"{what}.{tag}")


def _extensions(value: object, path: str) -> None:
    if value is None:
        raise _fail(path, "must not be null")
    if not isinstance(value, dict):
        raise _fail(path, "must be a JSON object")
    for key in value:
        if not is_iri(key):
            raise _fail(path, f"the key {key!r} must be an IRI")


# --- Agents and groups -----------------------------------------------------------------------


def _ifis(agent: Mapping[str, Any], path: str) -> list[str]:
    found = [ifi for ifi in IFIS if ifi in agent]
    if "mbox" in agent:
        mbox = _string(agent["mbox"], f"{path}.mbox")
        if not _MAILTO.match(mbox):
            raise _fail(f"{path}.mbox", 'must be a "mailto:" IRI (mailto:name@example.com)')
    if "mbox_sha1sum" in agent:
        digest = _string(agent["mbox_sha1sum"], f"{path}.mbox_sha1sum")
        if not _SHA1.match(digest):
            raise _fail(f"{path}.mbox_sha1sum", "must be a SHA-1 hex digest (40 hex digits)")
    if "openid" in agent:
        validate_iri(agent["openid"], f"{path}.openid")
    if "account" in agent:
        account = _object(agent["account"], f"{path}.account")
        _properties(account, f"{path}.account", ("homePage", "name"), ("homePage", "name"))
        validate_iri(account["homePage"], f"{path}.account.homePage")
        _string(account["name"], f"{path}.account.name")
    return found


def _agent(value: object, path: str, *, object_type_required: bool = False) -> dict[str, Any]:
    agent = _object(value, path)
    _properties(agent, path, AGENT_PROPERTIES)
    if ("objectType" in agent or object_type_required) and agent.get("objectType") != "Agent":
        raise _fail(f"{path}.objectType", 'must be "Agent"')
    if "name" in agent:
        _string(agent["name"], f"{path}.name")
    found = _ifis(agent, path)
    if len(found) != 1:
        raise _fail(
            path,
            "an Agent must have exactly one of mbox, mbox_sha1sum, openid, account"
            + (f" (it has {', '.join(found)})" if found else ""),
        )
    return agent


def _group(value: object, path: str, *, identified: bool = False) -> dict[str, Any]:
    group = _object(value, path)
    _properties(group, path, GROUP_PROPERTIES)
    if group.get("objectType") != "Group":
        raise _fail(f"{path}.objectType", 'must be "Group"')
    if "name" in group:
        _string(group["name"], f"{path}.name")
    found = _ifis(group, path)
    if len(found) > 1:
        raise _fail(path, f"a Group has at most one identifier (it has {', '.join(found)})")
    if identified and not found:
        raise _fail(
            path, "must be an identified Group (one of mbox, mbox_sha1sum, openid, account)"
        )
    if "member" in group:
        members = _list(group["member"], f"{path}.member")
        for index, member in enumerate(members):
            member_path = f"{path}.member[{index}]"
            if isinstance(member, dict) and member.get("objectType") == "Group":
                raise _fail(f"{member_path}.objectType", "a Group's members are Agents, not Groups")
            _agent(member, member_path)
    if not found and not group.get("member"):
        raise _fail(f"{path}.member", "an anonymous Group must list its members")
    return group


def _actor(value: object, path: str) -> dict[str, Any]:
    """An Agent (``objectType`` "Agent" or absent) or a Group."""
    actor = _object(value, path)
    if actor.get("objectType", "Agent") == "Group":
        return _group(actor, path)
    return _agent(actor, path)


def validate_agent(data: object, what: str = "agent") -> None:
    """An Agent, or an identified Group, with exactly one inverse functional identifier: the
    ``agent`` query parameter of the statements and document resources."""
    agent = _object(data, what)
    if agent.get("objectType", "Agent") == "Group":
        _group(agent, what, identified=True)
    else:
        _agent(agent, what)


# --- Verbs and objects -----------------------------------------------------------------------


def _verb(value: object, path: str) -> dict[str, Any]:
    verb = _object(value, path)
    _properties(verb, path, ("id", "display"), ("id",))
    validate_iri(verb["id"], f"{path}.id")
    if "display" in verb:
        validate_language_map(verb["display"], f"{path}.display")
    return verb


def _components(value: object, path: str) -> None:
    components = _list(value, path)
    seen: set[str] = set()
    for index, item in enumerate(components):
        component_path = f"{path}[{index}]"
        component = _object(item, component_path)
        _properties(component, component_path, ("id", "description"), ("id",))
        identifier = _string(component["id"], f"{component_path}.id", empty=False)
        if identifier in seen:
            raise _fail(f"{component_path}.id", f"{identifier!r} is used twice in this list")
        seen.add(identifier)
        if "description" in component:
            validate_language_map(component["description"], f"{component_path}.description")


def _definition(value: object, path: str) -> None:
    definition = _object(value, path)
    _properties(definition, path, DEFINITION_PROPERTIES)
    for key in ("name", "description"):
        if key in definition:
            validate_language_map(definition[key], f"{path}.{key}")
    if "type" in definition:
        validate_iri(definition["type"], f"{path}.type")
    if "moreInfo" in definition:
        validate_iri(definition["moreInfo"], f"{path}.moreInfo")
    if "extensions" in definition:
        _extensions(definition["extensions"], f"{path}.extensions")
    interaction_type = definition.get("interactionType")
    if "interactionType" in definition and (
        not isinstance(interaction_type, str) or interaction_type not in INTERACTION_TYPES
    ):
        raise _fail(
            f"{path}.interactionType",
            "must be one of " + ", ".join(sorted(INTERACTION_TYPES)) + " (case-sensitive)",
        )
    if "correctResponsesPattern" in definition:
        if interaction_type is None:
            raise _fail(f"{path}.correctResponsesPattern", "needs an interactionType")
        patterns = _list(definition["correctResponsesPattern"], f"{path}.correctResponsesPattern")
        for index, pattern in enumerate(patterns):
            _string(pattern, f"{path}.correctResponsesPattern[{index}]")
    allowed = COMPONENT_LISTS.get(str(interaction_type), frozenset())
    for key in sorted(ALL_COMPONENT_LISTS & definition.keys()):
        if key not in allowed:
            raise _fail(
                f"{path}.{key}",
                f"is not a component list of interactionType {interaction_type!r}"
                if interaction_type
                else "needs an interactionType",
            )
        _components(definition[key], f"{path}.{key}")


def _activity(value: object, path: str) -> dict[str, Any]:
    activity = _object(value, path)
    _properties(activity, path, ("objectType", "id", "definition"), ("id",))
    if "objectType" in activity and activity["objectType"] != "Activity":
        raise _fail(f"{path}.objectType", 'must be "Activity"')
    validate_iri(activity["id"], f"{path}.id")
    if "definition" in activity:
        _definition(activity["definition"], f"{path}.definition")
    return activity


def _statement_ref(value: object, path: str) -> dict[str, Any]:
    ref = _object(value, path)
    _properties(ref, path, ("objectType", "id"), ("objectType", "id"))
    if ref["objectType"] != "StatementRef":
        raise _fail(f"{path}.objectType", 'must be "StatementRef"')
    validate_uuid(ref["id"], f"{path}.id")
    return ref


def _target(value: object, path: str, *, sub: bool) -> str:
    """The statement's object; returns its objectType."""
    target = _object(value, path)
    kind = target.get("objectType", "Activity")
    if kind == "Activity":
        _activity(target, path)
    elif kind == "Agent":
        _agent(target, path, object_type_required=True)
    elif kind == "Group":
        _group(target, path)
    elif kind == "StatementRef":
        _statement_ref(target, path)
    elif kind == "SubStatement":
        if sub:
            raise _fail(f"{path}.objectType", "a SubStatement cannot contain a SubStatement")
        _substatement(target, path)
    else:
        raise _fail(
            f"{path}.objectType",
            'must be "Activity", "Agent", "Group", "StatementRef" or "SubStatement"',
        )
    return str(kind)


# --- Result and context ----------------------------------------------------------------------


def _score(value: object, path: str) -> None:
    score = _object(value, path)
    _properties(score, path, ("scaled", "raw", "min", "max"))
    numbers = {key: _number(score[key], f"{path}.{key}") for key in score}
    if "scaled" in numbers and not -1 <= numbers["scaled"] <= 1:
        raise _fail(f"{path}.scaled", "must be between -1 and 1")
    low, high, raw = numbers.get("min"), numbers.get("max"), numbers.get("raw")
    if low is not None and high is not None and not low < high:
        raise _fail(f"{path}.max", "must be greater than min")
    if raw is not None and low is not None and raw < low:
        raise _fail(f"{path}.raw", "must not be less than min")
    if raw is not None and high is not None and raw > high:
        raise _fail(f"{path}.raw", "must not be greater than max")


def _result(value: object, path: str) -> None:
    result = _object(value, path)
    _properties(
        result, path, ("score", "success", "completion", "response", "duration", "extensions")
    )
    if "score" in result:
        _score(result["score"], f"{path}.score")
    for key in ("success", "completion"):
        if key in result:
            _boolean(result[key], f"{path}.{key}")
    if "response" in result:
        _string(result["response"], f"{path}.response")
    if "duration" in result and not is_duration(result["duration"]):
        raise _fail(f"{path}.duration", "must be an ISO 8601 duration, such as PT1H30M5.25S")
    if "extensions" in result:
        _extensions(result["extensions"], f"{path}.extensions")


def _context_activities(value: object, path: str) -> None:
    activities = _object(value, path)
    _properties(activities, path, CONTEXT_ACTIVITY_KINDS)
    if not activities:
        raise _fail(path, "must have at least one of parent, grouping, category, other")
    for kind, item in activities.items():
        if isinstance(item, list):
            for index, activity in enumerate(_list(item, f"{path}.{kind}")):
                _activity(activity, f"{path}.{kind}[{index}]")
        else:
            _activity(item, f"{path}.{kind}")


def _context(value: object, path: str, object_type: str) -> None:
    context = _object(value, path)
    _properties(
        context,
        path,
        (
            "registration",
            "instructor",
            "team",
            "contextActivities",
            "revision",
            "platform",
            "language",
            "statement",
            "extensions",
        ),
    )
    if "registration" in context:
        validate_uuid(context["registration"], f"{path}.registration")
    if "instructor" in context:
        _actor(context["instructor"], f"{path}.instructor")
    if "team" in context:
        _group(context["team"], f"{path}.team")
    if "contextActivities" in context:
        _context_activities(context["contextActivities"], f"{path}.contextActivities")
    for key in ("revision", "platform"):
        if key in context:
            _string(context[key], f"{path}.{key}")
            if object_type != "Activity":
                raise _fail(f"{path}.{key}", "is allowed only when the object is an Activity")
    if "language" in context and not is_language_tag(context["language"]):
        raise _fail(f"{path}.language", "must be an RFC 5646 language tag")
    if "statement" in context:
        _statement_ref(context["statement"], f"{path}.statement")
    if "extensions" in context:
        _extensions(context["extensions"], f"{path}.extensions")


# --- Attachments, authority, statements ------------------------------------------------------


def _attachments(value: object, path: str) -> None:
    for index, item in enumerate(_list(value, path)):
        item_path = f"{path}[{index}]"
        attachment = _object(item, item_path)
        _properties(
            attachment,
            item_path,
            ("usageType", "display", "description", "contentType", "length", "sha2", "fileUrl"),
            ("usageType", "display", "contentType", "length", "sha2"),
        )
        validate_iri(attachment["usageType"], f"{item_path}.usageType")
        validate_language_map(attachment["display"], f"{item_path}.display")
        if "description" in attachment:
            validate_language_map(attachment["description"], f"{item_path}.description")
        content_type = _string(attachment["contentType"], f"{item_path}.contentType")
        if not _MEDIA_TYPE.match(content_type):
            raise _fail(f"{item_path}.contentType", "must be an Internet media type")
        length = attachment["length"]
        if isinstance(length, bool) or not isinstance(length, int) or length < 0:
            raise _fail(f"{item_path}.length", "must be a non-negative integer")
        sha2 = _string(attachment["sha2"], f"{item_path}.sha2")
        if not _HEX.match(sha2) or len(sha2) not in (56, 64, 96, 128):
            raise _fail(f"{item_path}.sha2", "must be a SHA-2 hex digest")
        if "fileUrl" in attachment:
            validate_iri(attachment["fileUrl"], f"{item_path}.fileUrl")
        if (
            attachment["usageType"] == SIGNATURE
            and content_type.split(";")[0].strip() != "application/octet-stream"
        ):
            raise _fail(f"{item_path}.contentType", 'a signature is "application/octet-stream"')


def _authority(value: object, path: str) -> None:
    authority = _object(value, path)
    if authority.get("objectType", "Agent") == "Group":
        group = _group(authority, path)
        if any(ifi in group for ifi in IFIS):
            raise _fail(path, "an authority Group is anonymous (OAuth: the client and the user)")
        if len(group["member"]) != 2:
            raise _fail(f"{path}.member", "an authority Group has exactly two Agents (OAuth)")
    else:
        _agent(authority, path)


def _body(statement: dict[str, Any], path: str, *, sub: bool) -> None:
    """What statements and sub-statements share: actor, verb, object, result, context,
    timestamp, attachments."""
    for key in ("actor", "verb", "object"):
        if key not in statement:
            raise _fail(f"{path}.{key}", "is required")
    _actor(statement["actor"], f"{path}.actor")
    verb = _verb(statement["verb"], f"{path}.verb")
    target = _object(statement["object"], f"{path}.object")
    if verb["id"] == VOIDED and target.get("objectType") != "StatementRef":
        raise _fail(f"{path}.object", "a voiding statement's object must be a StatementRef")
    kind = _target(target, f"{path}.object", sub=sub)
    if "result" in statement:
        _result(statement["result"], f"{path}.result")
    if "context" in statement:
        _context(statement["context"], f"{path}.context", kind)
    if "timestamp" in statement:
        validate_timestamp(statement["timestamp"], f"{path}.timestamp")
    if "attachments" in statement:
        _attachments(statement["attachments"], f"{path}.attachments")


def _substatement(target: dict[str, Any], path: str) -> None:
    for key in ("id", "stored", "version", "authority"):
        if key in target:
            raise _fail(f"{path}.{key}", "a SubStatement must not have this property")
    _properties(target, path, SUBSTATEMENT_PROPERTIES)
    _body(target, path, sub=True)


def validate_statement(data: object, path: str = "statement") -> None:
    """Check one statement against xAPI 1.0.3; raise ``Invalid`` naming the first wrong
    property."""
    statement = _object(data, path)
    _properties(statement, path, STATEMENT_PROPERTIES)
    if "id" in statement:
        validate_uuid(statement["id"], f"{path}.id")
    _body(statement, path, sub=False)
    if "stored" in statement:
        validate_timestamp(statement["stored"], f"{path}.stored")
    if "authority" in statement:
        _authority(statement["authority"], f"{path}.authority")
    if "version" in statement:
        version = _string(statement["version"], f"{path}.version")
        if not _VERSION.match(version):
            raise _fail(f"{path}.version", 'must start with "1.0." (this LRS speaks 1.0.x)')


def validate_statements(data: object) -> list[dict[str, Any]]:
    """A POST body: one statement or an array of them. Returns the list, each statement
    checked, none twice (the same ``id`` twice in one batch is refused)."""
    if isinstance(data, dict):
        validate_statement(data)
        return [data]
    if not isinstance(data, list):
        raise _fail("statements", "must be a statement or an array of statements")
    if not data:
        raise _fail("statements", "must not be empty")
    seen: set[uuid.UUID] = set()
    for index, statement in enumerate(data):
        path = f"statements[{index}]"
        validate_statement(statement, path)
        if "id" in statement:
            identifier = uuid.UUID(statement["id"])
            if identifier in seen:
                raise _fail(f"{path}.id", "the same id is used twice in this batch")
            seen.add(identifier)
    return data


def is_voiding(statement: Mapping[str, Any]) -> bool:
    """Whether a (validated) statement voids another: verb "voided", object a StatementRef."""
    verb = statement.get("verb")
    target = statement.get("object")
    return (
        isinstance(verb, dict)
        and verb.get("id") == VOIDED
        and isinstance(target, dict)
        and target.get("objectType") == "StatementRef"
    )
