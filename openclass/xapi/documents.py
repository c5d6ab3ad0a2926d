"""The LRS's document resources (xAPI 1.0.3, part three §2.2–2.7): State, Activity Profile and
Agent Profile documents, and the Activities and Agents resources that describe what a document
is about.

A document is any content (bytes) with its Content-Type, kept under its *place*: the kind, the
activity and/or the agent (by its canonical key, ``agents.key_of``), the registration for a
state, and its own id (``stateId`` / ``profileId``). These functions are the rules; the views
(``views/documents.py``) read the request's parameters, decide who may, and turn a
``DocumentError`` into the error answer.

Concurrency (§3.1) is optimistic, with entity tags: a document's ETag is the SHA-1 of its
content (the spec asks for exactly that, and it makes a repeated identical PUT with the ETag it
was given succeed again — TinCanPython sends its state PUT twice). ``If-Match`` and
``If-None-Match`` are checked against the row read ``FOR UPDATE`` in the transaction that writes,
so two writers cannot both pass the same precondition. A profile PUT over an existing document
without either header is a 409 (the client has not seen what it would overwrite); the State
resource allows it (the spec: state conflicts are unlikely).

A document about one of our people (an account under the installation's own address whose name
is their ``Actor.key``) remembers the person in ``Document.user``: that is what the views scope
reads and writes by; nothing about the person (name, e-mail) is ever written or answered.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone

from . import agents
from .models import Activity, Document, Statement

JSON = "application/json"
#: What a document sent without a Content-Type is stored as (and answered with).
DEFAULT_CONTENT_TYPE = "application/octet-stream"
#: How many of an outside agent's latest statements the Agents resource reads names from.
NAMES_FROM_STATEMENTS = 20

Kind = Document.Kind


class DocumentError(Exception):
    """A request the document rules refuse: ``status`` is the HTTP status to answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Place:
    """Where documents live. ``registration`` is None when the request named none: a single
    document then is the one without a registration, while the ids list and the delete-all of the
    State resource cover every registration (§2.3: "Activity + Agent [+ registration if
    specified]")."""

    kind: str
    activity: str = ""
    agent: str = ""
    registration: str | None = None

    def documents(self) -> QuerySet[Document]:
        found = Document.objects.filter(kind=self.kind, activity=self.activity, agent=self.agent)
        if self.registration is not None:
            found = found.filter(registration=self.registration)
        return found

    def one(self, document_id: str) -> QuerySet[Document]:
        return Document.objects.filter(
            kind=self.kind,
            activity=self.activity,
            agent=self.agent,
            registration=self.registration or "",
            document_id=document_id,
        )


def state(activity: str, agent: dict[str, Any], registration: str | None = None) -> Place:
    return Place(Kind.STATE, activity, agents.key_of(agent), registration)


def activity_profile(activity: str) -> Place:
    return Place(Kind.ACTIVITY_PROFILE, activity=activity)


def agent_profile(agent: dict[str, Any]) -> Place:
    return Place(Kind.AGENT_PROFILE, agent=agents.key_of(agent))


# --- Entity tags and preconditions ---


def etag_of(content: bytes) -> str:
    """The document's entity tag, unquoted: the lowercase hex SHA-1 of its content (§3.1)."""
    return hashlib.sha1(content, usedforsecurity=False).hexdigest()


def parse_etags(header: str | None) -> frozenset[str] | None:
    """An ``If-Match`` / ``If-None-Match`` value as a set of tags (``*`` kept as is), or None when
    the header is absent. Quotes and a weak ``W/`` prefix are dropped: clients that send the tag
    they computed themselves often send it bare."""
    if header is None:
        return None
    tags = set()
    for part in header.split(","):
        tag = part.strip()
        if tag.startswith("W/"):
            tag = tag[2:]
        tag = tag.strip('"').lower()
        if tag:
            tags.add(tag)
    return frozenset(tags)


@dataclass(frozen=True)
class Preconditions:
    """The request's concurrency headers, parsed (None: not sent)."""

    if_match: frozenset[str] | None = None
    if_none_match: frozenset[str] | None = None

    @classmethod
    def from_headers(cls, if_match: str | None, if_none_match: str | None) -> Preconditions:
        return cls(parse_etags(if_match), parse_etags(if_none_match))

    @property
    def given(self) -> bool:
        return self.if_match is not None or self.if_none_match is not None

    def check(self, existing: Document | None) -> None:
        """412 when a precondition fails (RFC 7232 §3.1–3.2, for a method other than GET)."""
        if self.if_match is not None and not _matches(existing, self.if_match):
            raise DocumentError(
                412,
                "If-Match: the document has changed (or does not exist) since that ETag; "
                "fetch it again.",
            )
        if self.if_none_match is not None and _matches(existing, self.if_none_match):
            raise DocumentError(412, "If-None-Match: the document already exists.")


def _matches(existing: Document | None, tags: frozenset[str]) -> bool:
    return existing is not None and ("*" in tags or existing.etag in tags)


# --- Content ---


def media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _parsed_json(content: bytes) -> Any:
    try:
        return json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise DocumentError(400, f"The content is not valid JSON: {error}") from error


def _checked_content(content: bytes, content_type: str) -> None:
    """A document sent as application/json must be JSON (part three §3.2: the content must match
    its Content-Type); any other type is stored as the bytes it is."""
    if media_type(content_type) == JSON:
        _parsed_json(content)


# --- Writing ---


def _write(
    place: Place,
    document_id: str,
    existing: Document | None,
    content: bytes,
    content_type: str,
    user: Any,
) -> Document:
    now = timezone.now()
    if existing is not None:
        existing.content = content
        existing.content_type = content_type
        existing.etag = etag_of(content)
        existing.updated = now
        existing.user = user if user is not None else existing.user
        existing.save(update_fields=["content", "content_type", "etag", "updated", "user"])
        return existing
    # A savepoint: a concurrent writer creating the same document wins the unique constraint, and
    # the caller's retry then finds it (and checks the preconditions against it).
    with transaction.atomic():
        return Document.objects.create(
            kind=place.kind,
            document_id=document_id,
            activity=place.activity,
            agent=place.agent,
            registration=place.registration or "",
            content=content,
            content_type=content_type,
            etag=etag_of(content),
            updated=now,
            user=user,
        )


def _locked(place: Place, document_id: str) -> Document | None:
    return place.one(document_id).select_for_update().first()


def put(
    place: Place,
    document_id: str,
    content: bytes,
    content_type: str | None,
    preconditions: Preconditions = Preconditions(),
    *,
    user: Any = None,
) -> Document:
    """Store ``content`` as the document, replacing what was there (§2.3, §2.6, §2.7 PUT)."""
    content_type = content_type or DEFAULT_CONTENT_TYPE
    _checked_content(content, content_type)
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                existing = _locked(place, document_id)
                preconditions.check(existing)
                if existing is not None and place.kind != Kind.STATE and not preconditions.given:
                    raise DocumentError(
                        409,
                        "The document already exists: GET it, then PUT again with If-Match set "
                        "to its ETag (or If-None-Match: * to create it only when absent).",
                    )
                return _write(place, document_id, existing, content, content_type, user)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def post(
    place: Place,
    document_id: str,
    content: bytes,
    content_type: str | None,
    preconditions: Preconditions = Preconditions(),
    *,
    user: Any = None,
) -> Document:
    """Store a new document as given, or merge a JSON object into an existing JSON object: the
    posted top-level properties replace the stored ones (§2.2, "JSON Procedure"). Anything else
    over an existing document is a 400 and changes nothing."""
    content_type = content_type or DEFAULT_CONTENT_TYPE
    _checked_content(content, content_type)
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                existing = _locked(place, document_id)
                preconditions.check(existing)
                if existing is None:
                    return _write(place, document_id, None, content, content_type, user)
                merged = _merged(existing, content, content_type)
                return _write(place, document_id, existing, merged, existing.content_type, user)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _merged(existing: Document, content: bytes, content_type: str) -> bytes:
    if media_type(content_type) != JSON or media_type(existing.content_type) != JSON:
        raise DocumentError(
            400,
            "A POST to an existing document merges JSON objects: both the stored and the posted "
            "document must be application/json (use PUT to replace it).",
        )
    posted = _parsed_json(content)
    stored = _parsed_json(bytes(existing.content))
    if not isinstance(posted, dict) or not isinstance(stored, dict):
        raise DocumentError(
            400,
            "A POST to an existing document merges JSON objects: both documents must be JSON "
            "objects (use PUT to replace it).",
        )
    stored.update(posted)
    return json.dumps(stored, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def delete(place: Place, document_id: str, preconditions: Preconditions = Preconditions()) -> None:
    """Delete one document; deleting one that is not there is done already (204), unless the
    client said which version it meant to delete (If-Match: 412)."""
    with transaction.atomic():
        existing = _locked(place, document_id)
        preconditions.check(existing)
        if existing is not None:
            existing.delete()


def delete_all(place: Place) -> int:
    """The State resource's multiple-document DELETE: every state of the activity and agent (of
    the one registration when given). The number deleted."""
    deleted, _ = place.documents().delete()
    return deleted


# --- Reading ---


def get(place: Place, document_id: str) -> Document:
    document = place.one(document_id).first()
    if document is None:
        raise DocumentError(404, "No such document.")
    return document


def ids(place: Place, since: datetime | None = None) -> tuple[list[str], datetime | None]:
    """The ids of the place's documents updated after ``since`` (exclusive), and when the latest
    of them was updated (the answer's Last-Modified, §2.2.s6.b2)."""
    found = place.documents()
    if since is not None:
        found = found.filter(updated__gt=since)
    latest = found.aggregate(latest=Max("updated"))["latest"]
    return sorted(set(found.values_list("document_id", flat=True))), latest


def activity_object(activity_id: str) -> dict[str, Any]:
    """The Activities resource: the activity's canonical definition, or a bare Activity object
    when the LRS has none (§2.5.s2: it still answers an Activity)."""
    answer: dict[str, Any] = {"objectType": "Activity", "id": activity_id}
    known = Activity.objects.filter(activity_id=activity_id).first()
    if known is not None and known.definition:
        answer["definition"] = known.definition
    return answer


_IFIS = ("mbox", "mbox_sha1sum", "openid", "account")


def person(agent: dict[str, Any]) -> dict[str, Any]:
    """The Agents resource's Person object: what the LRS knows of the agent, each property an
    array (§2.4). For one of our people that is their opaque account and nothing else, never a
    name nor an e-mail, whatever the request carried; for anyone else, the identifier asked for
    and the names given with it, in the request and in the latest statements they made."""
    answer: dict[str, Any] = {"objectType": "Person"}
    for ifi in _IFIS:
        if ifi in agent:
            answer[ifi] = [
                {"homePage": agent[ifi]["homePage"], "name": agent[ifi]["name"]}
                if ifi == "account"
                else agent[ifi]
            ]
            break
    if _is_ours(agent):
        return answer
    names = _names(agent)
    if names:
        answer["name"] = names
    return answer


def _is_ours(agent: dict[str, Any]) -> bool:
    """An account under our own address (even one we do not know): never given a name."""
    account = agent.get("account")
    return isinstance(account, dict) and (
        str(account.get("homePage", "")).rstrip("/") == agents.home_page()
    )


def _names(agent: dict[str, Any]) -> list[str]:
    names: list[str] = []

    def add(candidates: Iterable[Any]) -> None:
        for name in candidates:
            if isinstance(name, str) and name and name not in names:
                names.append(name)

    add([agent.get("name")])
    latest = (
        Statement.objects.filter(actor=agents.key_of(agent))
        .order_by("-number")
        .values_list("full", flat=True)[:NAMES_FROM_STATEMENTS]
    )
    add(full.get("actor", {}).get("name") for full in latest if isinstance(full, dict))
    return names
