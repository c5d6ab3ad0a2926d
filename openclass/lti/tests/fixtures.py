"""Fixtures for the LTI platform's tests: a tool's own RSA key and its key set served over HTTP on
127.0.0.1 (a real server the platform fetches from), and a registered city-wide tool behind a
lesson of kind ``tool`` in the class course, with student_a1 enrolled."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from jwcrypto import jwk

from openclass.accounts.tests.fixtures import City
from openclass.courses.models import Enrolment, Lesson, Section
from openclass.courses.tests.fixtures import Courses
from openclass.lti.models import ResourceLink, Tool

TOOL = "https://tool.example.org"


@dataclass
class ToolKey:
    key: jwk.JWK
    kid: str
    jwks_url: str
    #: How many times the key set was fetched.
    fetches: list[str]


class _KeySetHandler(BaseHTTPRequestHandler):
    key_set: bytes = b""
    fetches: list[str]

    def do_GET(self) -> None:
        self.fetches.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.key_set)))
        self.end_headers()
        self.wfile.write(self.key_set)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def tool_rsa_key() -> jwk.JWK:
    return jwk.JWK.generate(kty="RSA", size=2048, kid="tool-key-1")


@pytest.fixture
def tool_key(tool_rsa_key: jwk.JWK) -> Iterator[ToolKey]:
    """The tool's key and its JWKS, served by a real HTTP server on 127.0.0.1."""
    public = json.loads(tool_rsa_key.export_public())
    public.update(alg="RS256", use="sig")
    fetches: list[str] = []
    handler = type(
        "Handler",
        (_KeySetHandler,),
        {"key_set": json.dumps({"keys": [public]}).encode(), "fetches": fetches},
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/jwks.json"
        yield ToolKey(tool_rsa_key, str(tool_rsa_key.get("kid")), url, fetches)
    finally:
        server.shutdown()
        server.server_close()
        from openclass.core.runtime import runtime

        runtime.get("lti.tool_key_sets").reset()


@dataclass
class LtiWorld:
    city: City
    courses: Courses
    tool: Tool
    section: Section
    lesson: Lesson
    link: ResourceLink
    key: ToolKey


@pytest.fixture
def lti(city: City, courses: Courses, tool_key: ToolKey) -> LtiWorld:
    tool = Tool.objects.create(
        name="수학 도구",
        login_url=f"{TOOL}/login",
        launch_url=f"{TOOL}/launch",
        jwks_url=tool_key.jwks_url,
        redirect_uris=[f"{TOOL}/launch"],
        share_name=True,
        share_email=True,
        created_by=city.office_admin,
        city_wide=True,
    )
    section = courses.class_course.sections.get()
    lesson = Lesson.objects.create(
        section=section, title="4차시 계산 연습", kind=Lesson.Kind.TOOL, position=4
    )
    link = ResourceLink.objects.create(
        lesson=lesson, tool=tool, custom={"level": "3"}, presentation="iframe"
    )
    Enrolment.objects.create(course=courses.class_course, student=city.north.student_a1)
    Enrolment.objects.create(course=courses.class_course, student=city.north.student_a2)
    return LtiWorld(city, courses, tool, section, lesson, link, tool_key)


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def auth_params(
    tool: Tool, login: dict[str, str], *, state: str = "st-1", nonce: str = "nonce-1"
) -> dict[str, str]:
    """The tool's authorization request after its login initiation (what PyLTI1p3 sends)."""
    return {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": tool.client_id,
        "redirect_uri": tool.redirect_uris[0],
        "state": state,
        "nonce": nonce,
        "login_hint": login["login_hint"],
        "lti_message_hint": login["lti_message_hint"],
    }


def start(client: Client, lesson: Lesson) -> dict[str, str]:
    """Open a tool lesson's launch: the tool's login initiation parameters."""
    response = client.get(f"/lti/launch/{lesson.pk}/")
    assert response.status_code == 302, response.content
    return query_of(response["Location"])
