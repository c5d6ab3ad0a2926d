"""The demo outside tool under ``/demo-tool/`` (계산 연습 데모 도구): an LTI 1.3 tool served by the
installation itself and built on PyLTI1p3, the field's tool library (its Django classes:
``DjangoOIDCLogin``, ``DjangoMessageLaunch``, ``ToolConfDict``), the way any outside tool is.

- **Its key**: an RSA key made once and kept in ``VAR_DIR`` (``demo_tool_key.pem``), published
  at ``/demo-tool/jwks/``; it signs the deep-linking answers and the client assertions of its
  service token requests.
- **Its configuration**: the platform is ``SITE_URL`` (issuer), with the endpoints openclass
  shows on a tool's page (``/lti/auth/``, ``/lti/token/``, ``/lti/jwks/`` — read over HTTP, as an
  outside tool reads them); the client IDs and deployments are the registrations whose login URL
  is this tool's (``lti.demo`` registers it city-wide), which an outside tool's administrator would
  have copied by hand.
- **Launch**: "안녕하세요, <name>" when names are shared, the course's title, and a quiz of three
  sums (the lesson's ``op`` custom parameter: add, sub or mul) whose score goes to the gradebook
  through Assignment and Grade Services (PyLTI1p3's ``AssignmentsGradesService``).
- **Deep linking**: a picker of three quizzes; the chosen ones go back as ``ltiResourceLink``
  items with a line item each.

It shares openclass's session cookie (same origin): PyLTI1p3 keeps its state, nonce and launch
data under its own keys of the session.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from jwcrypto import jwk
from pylti1p3.contrib.django.message_launch import DjangoMessageLaunch
from pylti1p3.contrib.django.oidc_login import DjangoOIDCLogin
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.exception import LtiException
from pylti1p3.grade import Grade
from pylti1p3.lineitem import LineItem
from pylti1p3.tool_config.dict import ToolConfDict

from openclass.core.csp import update_csp

from .models import Tool

log = logging.getLogger(__name__)

KEY_FILE = "demo_tool_key.pem"
NAME = "계산 연습 (데모 도구)"
#: The quizzes the deep-linking picker offers: custom ``op`` → title.
QUIZZES = {"add": "덧셈 퀴즈", "sub": "뺄셈 퀴즈", "mul": "곱셈 퀴즈"}
QUESTIONS = 3
TAG = "demo-quiz"


def site_url() -> str:
    return str(settings.SITE_URL).rstrip("/")


def url(name: str) -> str:
    return site_url() + reverse(f"demo_tool:{name}")


def _private_pem() -> str:
    """The tool's RSA key, made once and kept in VAR_DIR (two processes starting at once make
    one: the file is created exclusively, the loser reads the winner's)."""
    path = Path(settings.VAR_DIR) / KEY_FILE
    if not path.exists():
        pem = jwk.JWK.generate(kty="RSA", size=2048).export_to_pem(private_key=True, password=None)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(descriptor, "wb") as file:
                file.write(pem)
    return path.read_text()


def _public_pem(private: str) -> str:
    key = jwk.JWK.from_pem(private.encode())
    return key.export_to_pem(private_key=False, password=None).decode()


def registrations() -> list[Tool]:
    return list(Tool.objects.filter(login_url=url("login"), is_active=True).order_by("pk"))


def tool_config() -> ToolConfDict:
    """PyLTI1p3's configuration: the platform (issuer) with this tool's registrations."""
    issuer = site_url()
    tools = registrations()
    conf = ToolConfDict(
        {
            issuer: [
                {
                    "default": index == 0,
                    "client_id": tool.client_id,
                    "auth_login_url": issuer + reverse("lti:auth"),
                    "auth_token_url": issuer + "/lti/token/",
                    "auth_audience": None,
                    "key_set_url": issuer + reverse("lti:jwks"),
                    "key_set": None,
                    "deployment_ids": [tool.deployment_id],
                }
                for index, tool in enumerate(tools)
            ]
        }
    )
    private = _private_pem()
    public = _public_pem(private)
    for tool in tools:
        conf.set_private_key(issuer, private, client_id=tool.client_id)
        conf.set_public_key(issuer, public, client_id=tool.client_id)
    return conf


def _framed(response: HttpResponse) -> HttpResponse:
    """The tool's pages open inside openclass's lesson page (same origin)."""
    setattr(response, "_csp_replace", {"frame-ancestors": ["'self'"]})  # noqa: B010
    return response


def _refused(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    return _framed(render(request, "lti/demo_tool/error.html", {"message": message}, status=status))


@require_GET
def jwks(request: HttpRequest) -> JsonResponse:
    """The tool's public key (the platform checks its deep-linking answers and assertions)."""
    public = _public_pem(_private_pem())
    return JsonResponse({"keys": [dict(_jwk_of(public))]})


def _jwk_of(public_pem: str) -> dict[str, Any]:
    from pylti1p3.registration import Registration

    return dict(Registration.get_jwk(public_pem))


@csrf_exempt
@never_cache
@xframe_options_sameorigin
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    """The OIDC third-party-initiated login: back to the platform's authorization endpoint."""
    target = request.POST.get("target_link_uri") or request.GET.get("target_link_uri") or ""
    if not target.startswith(url("launch")):
        return _refused(request, _("This is not an address of this tool."))
    try:
        # The answer comes to the registered redirect URI; the quiz is the lesson's custom "op".
        response = DjangoOIDCLogin(request, tool_config()).redirect(url("launch"))
    except LtiException as error:
        return _refused(request, _("The login could not start: %(error)s") % {"error": error})
    return _framed(response)


def _numbers(seed: str, op: str) -> list[tuple[int, int]]:
    """The quiz's three questions: the same for one person in one lesson (from a digest of
    who, which lesson and which quiz)."""
    digest = hashlib.sha256(seed.encode()).digest()
    top = 9 if op == "mul" else 50
    pairs = []
    for index in range(QUESTIONS):
        a = 2 + digest[2 * index] % (top - 1)
        b = 1 + digest[2 * index + 1] % top
        if op == "sub" and b > a:
            a, b = b, a
        pairs.append((a, b))
    return pairs


def _op(custom: dict[str, Any]) -> str:
    """The lesson's quiz: its ``op`` custom parameter, else addition."""
    op = str(custom.get("op") or "")
    return op if op in QUIZZES else "add"


def _answer(op: str, a: int, b: int) -> int:
    return a - b if op == "sub" else a * b if op == "mul" else a + b


SYMBOL = {"add": "+", "sub": "−", "mul": "×"}


@csrf_exempt
@never_cache
@xframe_options_sameorigin
@require_POST
def launch(request: HttpRequest) -> HttpResponse:
    """A validated launch: the quiz, or the deep-linking picker."""
    try:
        message_launch = DjangoMessageLaunch(request, tool_config())
        data: dict[str, Any] = dict(message_launch.get_launch_data())
    except LtiException as error:
        return _refused(
            request, _("The launch could not be validated: %(error)s") % {"error": error}
        )
    launch_id = message_launch.get_launch_id()
    if message_launch.is_deep_link_launch():
        return render(
            request,
            "lti/demo_tool/picker.html",
            {"launch_id": launch_id, "quizzes": QUIZZES.items(), "name": NAME},
        )
    lti = "https://purl.imsglobal.org/spec/lti/claim/"
    custom = data.get(lti + "custom") or {}
    op = _op(custom)
    link = data.get(lti + "resource_link") or {}
    questions = _numbers(f"{data.get('sub')}:{link.get('id')}:{op}", op)
    return _framed(
        render(
            request,
            "lti/demo_tool/quiz.html",
            {
                "launch_id": launch_id,
                "name": data.get("name", ""),
                "course": (data.get(lti + "context") or {}).get("title", ""),
                "lesson": link.get("title", ""),
                "questions": [(index, a, SYMBOL[op], b) for index, (a, b) in enumerate(questions)],
                "scores": message_launch.has_ags(),
                "learner": message_launch.check_student_access(),
                "tool": NAME,
            },
        )
    )


@never_cache
@xframe_options_sameorigin
@require_POST
def score(request: HttpRequest) -> HttpResponse:
    """The quiz handed in: counted, and the score posted to the platform's gradebook (AGS)."""
    conf = tool_config()
    try:
        message_launch = DjangoMessageLaunch.from_cache(
            request.POST.get("launch_id", ""), request, conf
        )
    except LtiException:
        return _refused(request, _("The launch has expired. Open the lesson again."))
    data: dict[str, Any] = dict(message_launch.get_launch_data())
    lti = "https://purl.imsglobal.org/spec/lti/claim/"
    custom = data.get(lti + "custom") or {}
    op = _op(custom)
    link = data.get(lti + "resource_link") or {}
    questions = _numbers(f"{data.get('sub')}:{link.get('id')}:{op}", op)
    correct = 0
    for index, (a, b) in enumerate(questions):
        given = request.POST.get(f"q{index}", "").strip()
        if given.lstrip("-").isdigit() and int(given) == _answer(op, a, b):
            correct += 1
    posted = ""
    if message_launch.has_ags() and message_launch.check_student_access():
        grade = (
            Grade()
            .set_score_given(correct)
            .set_score_maximum(QUESTIONS)
            .set_timestamp(timezone.now().isoformat())
            .set_activity_progress("Completed")
            .set_grading_progress("FullyGraded")
            .set_user_id(data["sub"])
        )
        # One line item per lesson: PyLTI1p3 finds an existing one by its tag, and the
        # platform ties it to the lesson's resource link (the next launch names it).
        link_id = str(link.get("id") or "")
        item = (
            LineItem()
            .set_tag(f"{TAG}:{link_id}")
            .set_score_maximum(QUESTIONS)
            .set_label(link.get("title") or NAME)
            .set_resource_id(link_id)
            .set_resource_link_id(link_id)
        )
        try:
            ags = message_launch.get_ags()
            if ags.can_put_grade():
                ags.put_grade(grade, None if "lineitem" in _ags_claim(data) else item)
                posted = "sent"
        except (LtiException, requests.RequestException, ValueError, KeyError) as error:
            log.warning("demo tool: the score was not posted: %s", error)
            posted = "failed"
    return _framed(
        render(
            request,
            "lti/demo_tool/result.html",
            {"correct": correct, "total": QUESTIONS, "posted": posted, "tool": NAME},
        )
    )


def _ags_claim(data: dict[str, Any]) -> dict[str, Any]:
    return data.get("https://purl.imsglobal.org/spec/lti-ags/claim/endpoint") or {}


@never_cache
@require_POST
def pick(request: HttpRequest) -> HttpResponse:
    """The picked quizzes, back to the platform as deep-linking content items."""
    try:
        message_launch = DjangoMessageLaunch.from_cache(
            request.POST.get("launch_id", ""), request, tool_config()
        )
    except LtiException:
        return _refused(request, _("The launch has expired. Open the lesson again."))
    if not message_launch.is_deep_link_launch():
        return HttpResponseBadRequest()
    chosen = [op for op in QUIZZES if request.POST.get(op) == "1"]
    resources = [
        DeepLinkResource()
        .set_url(f"{url('launch')}?op={op}")
        .set_title(QUIZZES[op])
        .set_custom_params({"op": op})
        .set_lineitem(LineItem().set_tag(TAG).set_score_maximum(QUESTIONS).set_label(QUIZZES[op]))
        for op in chosen
    ]
    deep_link = message_launch.get_deep_link()
    token = deep_link.get_response_jwt(resources)
    return_url = message_launch.get_launch_data()[
        "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
    ]["deep_link_return_url"]
    response = render(
        request,
        "lti/demo_tool/return.html",
        {"action": return_url, "jwt": token, "count": len(resources)},
    )
    parts = urlsplit(return_url)
    update_csp(response, {"form-action": [f"{parts.scheme}://{parts.netloc}"]})
    return response
