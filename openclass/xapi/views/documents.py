"""The document resources over HTTP (xAPI 1.0.3, part three §2.2–2.7): the State, Activity Profile
and Agent Profile resources, the Activities and the Agents resources.

Each view reads its parameters (an unknown one, a missing or malformed one is a 400: §3.2.s3.b7),
asks the principal (``auth.Principal``) whether it may — the ``state`` or ``profile`` scope to
write, the scope or ``all/read`` to read, and for a document about an agent ``may_use_agent``: a
student's token reaches only their own documents — and calls ``documents``, whose
``DocumentError`` becomes the error answer. Every GET answers an ETag (the SHA-1 of what it
sends, §3.1.s4.b1) and a document or a list of ids its Last-Modified.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.utils.http import http_date

from .. import agents, documents, validation
from ..auth import LrsError, lrs_endpoint
from ..models import IRI_LENGTH, Document

READING = ("GET", "HEAD")
WRITING = ("PUT", "POST", "DELETE")


class Parameters:
    """A request's query parameters, checked against what the resource takes for its method."""

    def __init__(self, request: HttpRequest, required: set[str], optional: set[str]) -> None:
        given = set(request.GET)
        unknown = given - required - optional
        if unknown:
            raise LrsError(400, f"Unknown parameter(s) here: {', '.join(sorted(unknown))}.")
        missing = required - given
        if missing:
            raise LrsError(400, f"Missing parameter(s): {', '.join(sorted(missing))}.")
        for name in given:
            if len(request.GET.getlist(name)) > 1:
                raise LrsError(400, f"The parameter {name} is given more than once.")
        self.values = {name: request.GET[name] for name in given}

    def __contains__(self, name: str) -> bool:
        return name in self.values

    def activity(self) -> str:
        value = self.values["activityId"]
        validation.validate_iri(value, "activityId")
        if len(value) > IRI_LENGTH:
            raise LrsError(400, f"activityId is longer than {IRI_LENGTH} characters.")
        return value

    def agent(self, *, group: bool = True) -> dict[str, Any]:
        try:
            agent = json.loads(self.values["agent"])
        except ValueError:
            raise LrsError(400, "agent must be an Agent object in JSON.") from None
        validation.validate_agent(agent, "agent")
        if not group and agent.get("objectType") == "Group":
            raise LrsError(400, "agent must be an Agent, not a Group.")
        if len(agents.key_of(agent)) > IRI_LENGTH:
            raise LrsError(400, f"The agent's identifier is longer than {IRI_LENGTH} characters.")
        return dict(agent)

    def registration(self) -> str | None:
        if "registration" not in self.values:
            return None
        value = self.values["registration"]
        validation.validate_uuid(value, "registration")
        return str(uuid.UUID(value))

    def document_id(self, name: str) -> str | None:
        if name not in self.values:
            return None
        value = self.values[name]
        if not value or len(value) > IRI_LENGTH:
            raise LrsError(400, f"{name} must be 1 to {IRI_LENGTH} characters.")
        return value

    def since(self) -> datetime | None:
        if "since" not in self.values:
            return None
        return validation.validate_timestamp(self.values["since"], "since")


def _etag(content: bytes) -> str:
    return '"' + hashlib.sha1(content, usedforsecurity=False).hexdigest() + '"'


def _json(data: Any, last_modified: datetime | None = None) -> HttpResponse:
    content = json.dumps(data, ensure_ascii=False).encode("utf-8")
    response = HttpResponse(content, content_type="application/json; charset=utf-8")
    response["ETag"] = _etag(content)
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    return response


def _document(document: Document) -> HttpResponse:
    response = HttpResponse(bytes(document.content), content_type=document.content_type)
    response["ETag"] = f'"{document.etag}"'
    response["Last-Modified"] = http_date(document.updated.timestamp())
    return response


def _content(request: HttpRequest) -> bytes:
    try:
        return request.body
    except RequestDataTooBig:
        raise LrsError(413, "The document is larger than this LRS accepts.") from None


def _preconditions(request: HttpRequest) -> documents.Preconditions:
    return documents.Preconditions.from_headers(
        request.META.get("HTTP_IF_MATCH"), request.META.get("HTTP_IF_NONE_MATCH")
    )


def _allow(request: HttpRequest, scope: str, agent: dict[str, Any] | None = None) -> None:
    principal = getattr(request, "principal")  # noqa: B009 - set by lrs_endpoint
    method = request.method or "GET"
    allowed = principal.may_read(scope) if method in READING else principal.may(scope)
    if not allowed:
        raise LrsError(403, f"These credentials do not carry the {scope} scope.")
    if agent is not None and not principal.may_use_agent(agent):
        raise LrsError(403, "These credentials may not use documents about this agent.")


def _method(request: HttpRequest, allowed: tuple[str, ...]) -> str:
    method = request.method or "GET"
    if method not in allowed:
        raise LrsError(405, f"{method} is not offered here.", {"Allow": ", ".join(allowed)})
    return method


def _serve(
    request: HttpRequest,
    place: documents.Place,
    document_id: str | None,
    since: datetime | None,
    user: Any = None,
) -> HttpResponse:
    """One request on a place, by method (the caller checked the parameters and the access)."""
    method = request.method or "GET"
    try:
        if method in READING:
            if document_id is not None:
                return _document(documents.get(place, document_id))
            found, latest = documents.ids(place, since)
            return _json(found, latest)
        if method == "DELETE":
            if document_id is None:
                documents.delete_all(place)
            else:
                documents.delete(place, document_id, _preconditions(request))
            return HttpResponse(status=204)
        assert document_id is not None  # PUT and POST require it
        write: Callable[..., Document] = documents.put if method == "PUT" else documents.post
        write(
            place,
            document_id,
            _content(request),
            request.META.get("CONTENT_TYPE") or None,
            _preconditions(request),
            user=user,
        )
        return HttpResponse(status=204)
    except documents.DocumentError as error:
        raise LrsError(error.status, error.message) from None


@lrs_endpoint
def state(request: HttpRequest) -> HttpResponse:
    """/xapi/activities/state (§2.3)."""
    method = _method(request, (*READING, *WRITING))
    if method in ("PUT", "POST"):
        parameters = Parameters(request, {"activityId", "agent", "stateId"}, {"registration"})
    elif method == "DELETE":
        parameters = Parameters(request, {"activityId", "agent"}, {"registration", "stateId"})
    else:
        parameters = Parameters(
            request, {"activityId", "agent"}, {"registration", "stateId", "since"}
        )
    activity = parameters.activity()
    agent = parameters.agent()
    registration = parameters.registration()
    state_id = parameters.document_id("stateId")
    since = parameters.since()
    _allow(request, "state", agent)
    place = documents.state(activity, agent, registration)
    return _serve(request, place, state_id, since, agents.user_of(agent))


@lrs_endpoint
def activity_profile(request: HttpRequest) -> HttpResponse:
    """/xapi/activities/profile (§2.7)."""
    method = _method(request, (*READING, *WRITING))
    if method in READING:
        parameters = Parameters(request, {"activityId"}, {"profileId", "since"})
    else:
        parameters = Parameters(request, {"activityId", "profileId"}, set())
    activity = parameters.activity()
    profile_id = parameters.document_id("profileId")
    since = parameters.since()
    _allow(request, "profile")
    return _serve(request, documents.activity_profile(activity), profile_id, since)


@lrs_endpoint
def agent_profile(request: HttpRequest) -> HttpResponse:
    """/xapi/agents/profile (§2.6)."""
    method = _method(request, (*READING, *WRITING))
    if method in READING:
        parameters = Parameters(request, {"agent"}, {"profileId", "since"})
    else:
        parameters = Parameters(request, {"agent", "profileId"}, set())
    agent = parameters.agent()
    profile_id = parameters.document_id("profileId")
    since = parameters.since()
    _allow(request, "profile", agent)
    place = documents.agent_profile(agent)
    return _serve(request, place, profile_id, since, agents.user_of(agent))


@lrs_endpoint
def activities(request: HttpRequest) -> HttpResponse:
    """/xapi/activities (§2.5): an activity's canonical definition, for any caller the LRS
    knows (an activity's definition is about no one)."""
    _method(request, READING)
    parameters = Parameters(request, {"activityId"}, set())
    return _json(documents.activity_object(parameters.activity()))


@lrs_endpoint
def agents_resource(request: HttpRequest) -> HttpResponse:
    """/xapi/agents (§2.4): the Person object of an agent the caller may use."""
    _method(request, READING)
    parameters = Parameters(request, {"agent"}, set())
    agent = parameters.agent(group=False)
    principal = getattr(request, "principal")  # noqa: B009 - set by lrs_endpoint
    if not principal.may_use_agent(agent):
        raise LrsError(403, "These credentials may not look up this agent.")
    return _json(documents.person(agent))
