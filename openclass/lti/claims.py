"""What openclass tells a tool in a launch: the id_token's claims (LTI 1.3 Core, Deep Linking
2.0, and the AGS and NRPS service claims when the tool is granted them), signed with the
platform's key (``hub.services.signing_key``: the same keys as the login hub's JWKS).

Nothing names a person but what the tool may receive: ``sub`` is opaque and per tool
(``Tool.subject``); names only with ``share_name``; an e-mail only with ``share_email`` and never
for a student under 14 (``privacy.access.under_fourteen``).
"""

from __future__ import annotations

import importlib
import time
from typing import Any

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from jwcrypto import jwt

from openclass.accounts.capabilities import has_capability
from openclass.accounts.models import User
from openclass.courses import access as course_access
from openclass.courses.models import Course
from openclass.hub import services as hub
from openclass.privacy.access import under_fourteen

from .models import LaunchRequest, ResourceLink, Tool

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
AGS_ENDPOINT = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
AGS_SCOPES = [
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
]
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
ADMINISTRATOR = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"
COURSE_OFFERING = "http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"
#: How long an id_token is good for: the tool validates it at once.
ID_TOKEN_SECONDS = 300


def issuer() -> str:
    return settings.SITE_URL.rstrip("/")


def absolute(path: str) -> str:
    return issuer() + path


def _reverse_or_none(name: str, **kwargs: Any) -> str | None:
    """A service URL lti-services provides, absolute; None while it is not there."""
    try:
        return absolute(reverse(name, kwargs=kwargs))
    except NoReverseMatch:
        return None


def roles_for(user: User, course: Course) -> list[str]:
    """Our roles in LIS terms: a student of the course is a Learner, a manager an Instructor,
    the office an Administrator (and an Instructor of a course it manages)."""
    roles: list[str] = []
    if course_access.is_enrolled(user, course):
        roles.append(LEARNER)
    if course_access.can_manage_course(user, course):
        roles.append(INSTRUCTOR)
    if has_capability(user, "lti.manage"):
        roles.append(ADMINISTRATOR)
    return roles


def split_name(name: str) -> tuple[str, str]:
    """(given, family): "김민준" is 김 + 민준; a name written with a space ends with the family
    name ("Jane Doe")."""
    name = name.strip()
    if " " in name:
        given, family = name.rsplit(" ", 1)
        return given, family
    return name[1:], name[:1]


def person_claims(tool: Tool, user: User) -> dict[str, Any]:
    claims: dict[str, Any] = {}
    if tool.share_name and user.name:
        given, family = split_name(user.name)
        claims.update(name=user.name, given_name=given, family_name=family)
    if tool.share_email and user.email and not under_fourteen(user):
        claims["email"] = user.email
    return claims


def service_claims(tool: Tool, course: Course, link: ResourceLink | None) -> dict[str, Any]:
    """The AGS endpoint and NRPS claims, for a tool granted them (URLs from lti-services)."""
    claims: dict[str, Any] = {}
    if tool.may_post_scores:
        lineitems = _reverse_or_none("lti:ags_lineitems", course_id=course.pk)
        if lineitems:
            endpoint: dict[str, Any] = {"scope": AGS_SCOPES, "lineitems": lineitems}
            if link is not None:
                item_id = _line_item_for(link)
                if item_id is not None:
                    lineitem = _reverse_or_none(
                        "lti:ags_lineitem", course_id=course.pk, item_id=item_id
                    )
                    if lineitem:
                        endpoint["lineitem"] = lineitem
            claims[AGS_ENDPOINT] = endpoint
    if tool.may_read_members:
        memberships = _reverse_or_none("lti:nrps_memberships", course_id=course.pk)
        if memberships:
            claims[NRPS] = {"context_memberships_url": memberships, "service_versions": ["2.0"]}
    return claims


def _line_item_for(link: ResourceLink) -> int | None:
    """The line item lti-services keeps for the lesson's resource link, if it offers one."""
    finder = _ags_function("line_item_for_link")
    return finder(link) if finder is not None else None


def _ags_function(name: str) -> Any:
    """A function of lti-services' ``ags`` module, or None while it is not there."""
    try:
        module = importlib.import_module("openclass.lti.ags")
    except ImportError:
        return None
    return getattr(module, name, None)


def id_token_claims(launch: LaunchRequest, now: int | None = None) -> dict[str, Any]:
    """The claims of the id_token answering ``launch`` (its nonce already recorded)."""
    now = now or int(time.time())
    tool = launch.tool
    user = launch.user
    course = launch.course
    claims: dict[str, Any] = {
        "iss": issuer(),
        "aud": tool.client_id,
        "azp": tool.client_id,
        "sub": tool.subject(user.pk),
        "iat": now,
        "exp": now + ID_TOKEN_SECONDS,
        "nonce": launch.nonce,
        LTI + "version": "1.3.0",
        LTI + "deployment_id": tool.deployment_id,
        LTI + "roles": roles_for(user, course),
        LTI + "context": {
            "id": str(course.pk),
            "label": course.title[:60],
            "title": course.title,
            "type": [COURSE_OFFERING],
        },
        LTI + "tool_platform": {
            "guid": issuer(),
            "name": "openclass",
            "product_family_code": "openclass",
        },
        "locale": "ko-KR",
    }
    claims.update(person_claims(tool, user))
    link = launch.resource_link
    if launch.kind == LaunchRequest.Kind.RESOURCE_LINK and link is not None:
        lesson = link.lesson
        claims[LTI + "message_type"] = "LtiResourceLinkRequest"
        claims[LTI + "target_link_uri"] = link.target
        claims[LTI + "resource_link"] = {
            "id": str(link.resource_link_id),
            "title": lesson.title,
            "description": lesson.description,
        }
        claims[LTI + "launch_presentation"] = {
            "document_target": link.presentation,
            "locale": "ko-KR",
            "return_url": absolute(reverse("courses:detail", args=[course.pk])),
        }
        if link.custom:
            claims[LTI + "custom"] = dict(link.custom)
    else:
        claims[LTI + "message_type"] = "LtiDeepLinkingRequest"
        claims[LTI + "target_link_uri"] = tool.deep_linking_target
        claims[DL + "deep_linking_settings"] = {
            "deep_link_return_url": absolute(reverse("lti:deep_link_return", args=[launch.pk])),
            "accept_types": ["ltiResourceLink"],
            "accept_presentation_document_targets": ["iframe", "window"],
            "accept_multiple": True,
            "auto_create": True,
            "title": course.title,
            "data": launch.data,
        }
        claims[LTI + "launch_presentation"] = {"document_target": "window", "locale": "ko-KR"}
    claims.update(service_claims(tool, course, link))
    return claims


def sign(claims: dict[str, Any]) -> str:
    """``claims`` as a JWT signed RS256 by the platform's active key (its kid in the header)."""
    kid, key = hub.signing_key()
    token = jwt.JWT(header={"alg": "RS256", "typ": "JWT", "kid": kid}, claims=claims)
    token.make_signed_token(key)
    return str(token.serialize())
