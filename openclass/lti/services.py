"""The commands of openclass as an LTI 1.3 platform.

Registering a tool (the office: city-wide; a teacher: for their own courses), putting a tool
behind a lesson, and the two launches:

- **Resource link launch** (a lesson of kind ``tool``): ``start_launch`` makes a one-time
  ``LaunchRequest`` and ``login_initiation_url`` is the tool's third-party-initiated login with
  our hints; the tool comes back to ``/lti/auth/`` (an OIDC authorization request) and
  ``authorize`` checks it — the person signed in is the one the hints were made for, the redirect
  URI is one the tool registered, the launch is unused and fresh, the nonce new — and answers
  with a signed id_token (``claims``) to post to the redirect URI. A student's launch is an xAPI
  ``launched`` statement in the same transaction, and completes the lesson when the tool cannot
  post scores (one that can completes it by reporting the activity completed, ``ags``).
- **Deep Linking 2.0**: ``start_deep_linking`` (a teacher, a section of a course they manage, a
  tool offered to them) makes the launch; the tool posts the teacher back to
  ``/lti/deep-link/return/<launch>/`` with a JWT signed by its own key, and ``receive_deep_links``
  verifies it (the tool's JWKS, iss, aud, deployment, message type, the echoed data) and turns
  each ``ltiResourceLink`` item into a lesson of kind ``tool`` in the section, in one
  transaction: a bad JWT changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from jwcrypto import jws, jwt
from jwcrypto.common import JWException

from openclass.accounts import scoping
from openclass.accounts.capabilities import has_capability, require_capability
from openclass.accounts.models import User
from openclass.courses import access as course_access
from openclass.courses import selectors as course_selectors
from openclass.courses.models import Enrolment, Lesson, Section
from openclass.courses.services import courses as course_services
from openclass.hub import services as hub
from openclass.xapi import services as xapi

from . import claims, keys
from .access import may_use_tool
from .models import DEEP_LINKING_LIFETIME, LAUNCH_LIFETIME, LaunchRequest, ResourceLink, Tool

DL_RESPONSE = "LtiDeepLinkingResponse"
#: The longest title a lesson takes (``Lesson.title``).
TITLE_LENGTH = 120


# --- Registration ---------------------------------------------------------------------------


def redirect_uri_errors(uris: list[str]) -> list[str]:
    validate = URLValidator(schemes=hub.allowed_uri_schemes())
    errors = []
    for uri in uris:
        try:
            validate(uri)
        except ValidationError:
            errors.append(uri)
    return errors


def save_tool(actor: User, tool: Tool) -> Tool:
    """Register ``tool`` (new) or store its changes. The office's tools are offered city-wide;
    a teacher's are theirs, for their own courses."""
    if tool.pk is None:
        require_capability(actor, "lti.register")
        tool.created_by = actor
        tool.city_wide = has_capability(actor, "lti.manage")
        tool.school = None if tool.city_wide else scoping.school_of(actor)
    else:
        require_capability(actor, "lti.register", tool)
    if not tool.redirect_uris:
        raise ValidationError({"redirect_uris": _("Give at least one redirect URI.")})
    wrong = redirect_uri_errors(tool.redirect_uris)
    if wrong:
        raise ValidationError(
            {"redirect_uris": _("Not a usable address: %(uris)s") % {"uris": ", ".join(wrong)}}
        )
    tool.full_clean()
    tool.save()
    return tool


def set_tool_active(actor: User, tool: Tool, active: bool) -> Tool:
    """Disable a tool (its lessons no longer launch, its launches in flight are refused) or
    enable it again."""
    require_capability(actor, "lti.register", tool)
    tool.is_active = active
    tool.save(update_fields=["is_active"])
    return tool


@dataclass(frozen=True)
class LinkDetails:
    tool: Tool
    presentation: str
    custom: dict[str, str]


def link_lesson(actor: User, lesson: Lesson, details: LinkDetails) -> ResourceLink:
    """Put ``details.tool`` behind a lesson of kind ``tool`` of a course ``actor`` manages."""
    require_capability(actor, "course.manage", lesson.section.course)
    if lesson.kind != Lesson.Kind.TOOL:
        raise ValidationError(_("Only a lesson of the kind outside tool launches a tool."))
    existing = ResourceLink.objects.filter(lesson=lesson).first()
    keeps = existing is not None and existing.tool_id == details.tool.pk
    if not keeps and not may_use_tool(actor, details.tool):
        raise PermissionDenied
    if details.presentation not in ResourceLink.Presentation.values:
        raise ValidationError({"presentation": _("Choose how the tool opens.")})
    link = existing or ResourceLink(lesson=lesson)
    if existing is not None and not keeps:
        # Another tool: its own resource link (the old tool's results stay the old link's).
        link.delete()
        link = ResourceLink(lesson=lesson)
    link.tool = details.tool
    link.presentation = details.presentation
    link.custom = details.custom
    link.save()
    return link


def parse_custom(text: str) -> dict[str, str]:
    """``key=value`` lines as the custom parameters."""
    custom: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise ValidationError(
                {"custom": _("Line %(number)s is not key=value.") % {"number": number}}
            )
        custom[key.strip()] = value.strip()
    return custom


# --- Launching ------------------------------------------------------------------------------


def start_launch(user: User, lesson: Lesson) -> LaunchRequest:
    """A person opens a tool lesson: their launch, if the lesson opens for them and its tool is
    active."""
    course = lesson.section.course
    viewer = course_access.viewer_of(user, course)
    if not viewer.may_open_lessons:
        raise PermissionDenied(_("Enrol in the course to study its lessons."))
    if viewer.is_student and not course_selectors.is_open(course):
        raise PermissionDenied(_("This course is not open now."))
    link = ResourceLink.objects.select_related("tool").filter(lesson=lesson).first()
    if link is None:
        raise ValidationError(_("No tool is set up for this lesson yet."))
    if not link.tool.is_active:
        raise PermissionDenied(_("This outside tool is disabled."))
    return LaunchRequest.objects.create(
        kind=LaunchRequest.Kind.RESOURCE_LINK,
        user=user,
        tool=link.tool,
        resource_link=link,
        course=course,
    )


def start_deep_linking(user: User, section: Section, tool: Tool) -> LaunchRequest:
    """A teacher picks content inside ``tool`` for ``section`` of a course they manage."""
    require_capability(user, "course.manage", section.course)
    if not may_use_tool(user, tool):
        raise PermissionDenied
    return LaunchRequest.objects.create(
        kind=LaunchRequest.Kind.DEEP_LINKING,
        user=user,
        tool=tool,
        course=section.course,
        section=section,
    )


def login_initiation_url(launch: LaunchRequest) -> str:
    """The tool's third-party-initiated login, with our hints (LTI 1.3 Core §5.1.1)."""
    tool = launch.tool
    if launch.resource_link is not None:
        target = launch.resource_link.target
    else:
        target = tool.deep_linking_target
    query = urlencode(
        {
            "iss": claims.issuer(),
            "login_hint": launch.login_hint,
            "target_link_uri": target,
            "lti_message_hint": launch.message_hint,
            "client_id": tool.client_id,
            "lti_deployment_id": tool.deployment_id,
        }
    )
    separator = "&" if urlsplit(tool.login_url).query else "?"
    return f"{tool.login_url}{separator}{query}"


@dataclass(frozen=True)
class Answer:
    """What ``/lti/auth/`` posts to the tool."""

    redirect_uri: str
    id_token: str
    state: str


class LaunchRefused(ValidationError):
    """The authorization request was refused; ``status`` is the page's answer (400 or 403)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def authorize(user: User | AnonymousUser, params: Mapping[str, str]) -> Answer:
    """Answer the tool's OIDC authorization request (LTI 1.3 Core §5.1.1.2–3), or refuse it."""
    if "openid" not in params.get("scope", "").split():
        raise LaunchRefused(_("The request does not ask for openid."))
    if params.get("response_type") != "id_token" or params.get("response_mode") != "form_post":
        raise LaunchRefused(_("The request must ask for an id_token by form_post."))
    if params.get("prompt", "none") != "none":
        raise LaunchRefused(_("The request must not ask to prompt."))
    tool = Tool.objects.filter(client_id=params.get("client_id", "")).first()
    if tool is None:
        raise LaunchRefused(_("No tool is registered with this client ID."))
    if not tool.is_active:
        raise LaunchRefused(_("This outside tool is disabled."), status=403)
    redirect_uri = params.get("redirect_uri", "")
    if redirect_uri not in tool.redirect_uris:
        raise LaunchRefused(_("The redirect URI is not one the tool registered."))
    if not params.get("nonce") or not params.get("state"):
        raise LaunchRefused(_("The request has no state or nonce."))
    if not user.is_authenticated:
        raise LaunchRefused(_("Sign in to openclass first."), status=403)
    now = timezone.now()
    with transaction.atomic():
        launch = (
            LaunchRequest.objects.select_for_update()
            .filter(tool=tool, message_hint=params.get("lti_message_hint", ""))
            .first()
        )
        if launch is None or launch.login_hint != params.get("login_hint"):
            raise LaunchRefused(_("This launch is unknown."))
        if launch.user_id != user.pk:
            raise LaunchRefused(_("This launch was made for someone else."), status=403)
        if launch.used_at is not None:
            raise LaunchRefused(_("This launch was already used. Open the lesson again."))
        if launch.created_at < now - LAUNCH_LIFETIME:
            raise LaunchRefused(_("This launch has expired. Open the lesson again."))
        launch.state = params["state"][:500]
        launch.nonce = params["nonce"][:500]
        launch.used_at = now
        try:
            with transaction.atomic():
                launch.save(update_fields=["state", "nonce", "used_at"])
        except IntegrityError:
            raise LaunchRefused(_("This nonce was already used.")) from None
        launch = LaunchRequest.objects.select_related(
            "tool", "user", "course", "resource_link__lesson", "resource_link__tool"
        ).get(pk=launch.pk)
        token = claims.sign(claims.id_token_claims(launch))
        if launch.kind == LaunchRequest.Kind.RESOURCE_LINK:
            _record_launch(launch)
    return Answer(redirect_uri=redirect_uri, id_token=token, state=launch.state)


def _record_launch(launch: LaunchRequest) -> None:
    """A student's launch, as an xAPI statement (in the launch's transaction). A tool that may
    not post scores can never say the student finished, so reaching it completes the lesson, as
    opening a link does; one that may post completes it when it reports the activity completed
    (``ags.post_score``)."""
    link = launch.resource_link
    if link is None:
        return
    enrolment = Enrolment.objects.filter(course=launch.course, student=launch.user).first()
    if enrolment is None:
        return
    lesson = link.lesson
    xapi.record(
        launch.user,
        "launched",
        xapi.Activity("tool", lesson.pk, lesson.title),
        where=xapi.Where(
            course=xapi.Activity("course", launch.course.pk, launch.course.title),
            registration=xapi.registration_for(enrolment.pk),
        ),
    )
    if not link.tool.may_post_scores:
        course_services.complete_lesson(launch.user, lesson)


# --- Deep Linking ---------------------------------------------------------------------------


def _refuse(message: str) -> ValidationError:
    return ValidationError(message, code="deep_linking")


def verify_deep_linking_response(launch: LaunchRequest, token: str) -> dict[str, Any]:
    """The claims of the tool's deep-linking response JWT, verified, or a ValidationError."""
    tool = launch.tool
    try:
        parsed = jws.JWS()
        parsed.deserialize(token)
        header = parsed.jose_header
    except (JWException, ValueError):
        raise _refuse(_("The tool's answer is not a JWT.")) from None
    if not isinstance(header, dict) or header.get("alg") != "RS256":
        raise _refuse(_("The tool's answer must be signed with RS256."))
    key_set = keys.tool_key_set(tool, kid=header.get("kid"))
    try:
        verified = jwt.JWT(
            jwt=token,
            key=key_set,
            algs=["RS256"],
            check_claims={"exp": None, "iat": None},
            expected_type="JWS",
        )
        data = json.loads(verified.claims)
    except (JWException, ValueError) as error:
        raise _refuse(_("The tool's answer is not signed with its key, or has expired.")) from (
            error
        )
    audience = data.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    lti = claims.LTI
    checks = [
        data.get("iss") == tool.client_id,
        claims.issuer() in audiences,
        bool(data.get("nonce")),
        data.get(lti + "deployment_id") == tool.deployment_id,
        data.get(lti + "message_type") == DL_RESPONSE,
        data.get(lti + "version") == "1.3.0",
        data.get(claims.DL + "data") == launch.data,
    ]
    if not all(checks):
        raise _refuse(_("The tool's answer is not for this deep-linking request."))
    return data


def _line_item_hook(link: ResourceLink, item: dict[str, Any]) -> None:
    """A content item's ``lineItem``: handed to lti-services (``ags.create_line_item_for_link``)
    when it is there."""
    line_item = item.get("lineItem")
    if not isinstance(line_item, dict):
        return
    create = claims._ags_function("create_line_item_for_link")
    if create is None:
        return
    create(
        link,
        label=str(line_item.get("label") or link.lesson.title),
        score_maximum=line_item.get("scoreMaximum"),
        resource_id=str(line_item.get("resourceId") or ""),
        tag=str(line_item.get("tag") or ""),
    )


def receive_deep_links(
    launch_pk: int, token: str, user: User | AnonymousUser | None = None, now: Any = None
) -> list[Lesson]:
    """The tool sends the teacher back with content items: each ``ltiResourceLink`` becomes a
    lesson of kind ``tool`` in the launch's section, all or none."""
    now = now or timezone.now()
    with transaction.atomic():
        launch = (
            LaunchRequest.objects.select_for_update(of=("self",))
            .select_related("tool", "user", "section__course", "course")
            .filter(pk=launch_pk, kind=LaunchRequest.Kind.DEEP_LINKING)
            .first()
        )
        if launch is None or launch.section is None:
            raise _refuse(_("This deep-linking request is unknown."))
        if user is not None and user.is_authenticated and user.pk != launch.user_id:
            raise PermissionDenied(_("This deep-linking request was made for someone else."))
        if launch.used_at is None or launch.returned_at is not None:
            raise _refuse(_("This deep-linking request was not launched or is already answered."))
        if launch.used_at < now - DEEP_LINKING_LIFETIME:
            raise _refuse(_("This deep-linking request has expired. Start it again."))
        if not launch.tool.is_active:
            raise _refuse(_("This outside tool is disabled."))
        data = verify_deep_linking_response(launch, token)
        items = data.get(claims.DL + "content_items") or []
        if not isinstance(items, list):
            raise _refuse(_("The tool's answer has no list of content items."))
        teacher = launch.user
        section = launch.section
        made: list[Lesson] = []
        for item in items:
            if not isinstance(item, dict) or item.get("type") != "ltiResourceLink":
                continue
            title = str(item.get("title") or launch.tool.name)[:TITLE_LENGTH]
            url = str(item.get("url") or "")
            if url and redirect_uri_errors([url]):
                raise _refuse(_("A content item's address is not usable: %(url)s") % {"url": url})
            custom = item.get("custom") if isinstance(item.get("custom"), dict) else {}
            window = item.get("window")
            presentation = (
                ResourceLink.Presentation.WINDOW
                if isinstance(window, dict) or item.get("presentation") == "window"
                else ResourceLink.Presentation.IFRAME
            )
            lesson = course_services.save_lesson(
                teacher,
                section,
                Lesson(
                    title=title,
                    kind=Lesson.Kind.TOOL,
                    description=str(item.get("text") or ""),
                ),
            )
            link = ResourceLink.objects.create(
                lesson=lesson,
                tool=launch.tool,
                target_link_uri=url,
                custom={str(k): str(v) for k, v in (custom or {}).items()},
                presentation=presentation,
            )
            _line_item_hook(link, item)
            made.append(lesson)
        launch.returned_at = now
        launch.save(update_fields=["returned_at"])
    return made


#: Launches are kept this long after they were made (well past any use: 10 minutes to
#: authorize, an hour to return from deep linking), then pruned.
KEEP_LAUNCHES = timedelta(days=2)


def prune_launches(now: Any = None) -> int:
    """Delete the launches nobody can use any more; returns how many. A deleted launch's hints
    answer "unknown launch", so nothing can be replayed with them."""
    now = now or timezone.now()
    deleted, _ = LaunchRequest.objects.filter(created_at__lt=now - KEEP_LAUNCHES).delete()
    return deleted
