"""LTI 1.3 against a real tool, in chromium, on the real server (uvicorn on 127.0.0.1).

The tool is written here with PyLTI1p3 — the field's own tool library, not openclass's code —
on its generic classes (``OIDCLogin``, ``MessageLaunch``, ``ToolConfDict``) with this test's
request, session and cookie adapters, served by ``wsgiref`` on another port of 127.0.0.1. It is
registered with the platform like any tool; it validates the launch the way PyLTI1p3 does (the
platform's JWKS fetched over HTTP, state, nonce, registration, deployment) and shows what it
validated. Deep linking sends two items back, which become lessons.

The demo tool the installation serves (``/demo-tool/``, PyLTI1p3's Django classes) is launched
too, as a student in ``make run`` would: it reads the platform's key set from the same server.
"""

from __future__ import annotations

import html
import json
import re
import secrets
import threading
from collections.abc import Callable, Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from jwcrypto import jwk
from playwright.sync_api import Page, expect
from pylti1p3.cookie import CookieService
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.exception import LtiException
from pylti1p3.message_launch import MessageLaunch
from pylti1p3.oidc_login import OIDCLogin
from pylti1p3.redirect import Redirect
from pylti1p3.request import Request
from pylti1p3.session import SessionService
from pylti1p3.tool_config import ToolConfDict

from openclass.core.tests.browser import (
    assert_no_horizontal_scroll,
    log_in,
    serious_axe_violations,
)
from openclass.core.tests.live_server import STUDENT, TEACHER, LiveServer

pytestmark = pytest.mark.browser

COURSE = "LTI 실험 강좌"
LESSON = "1차시 외부 도구"
DEMO_LESSON = "2차시 데모 도구"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"
#: The server's ids of what ``register`` made (client id, course, section, lessons).
IDS: dict[str, Any] = {}


# --- the tool (PyLTI1p3 on wsgiref) ---------------------------------------------------------


class ToolRequest(Request):
    """PyLTI1p3's request: the parameters, cookies and this test tool's own session."""

    def __init__(self, params: dict[str, str], cookies: dict[str, str], session: dict) -> None:
        self._params = params
        self._cookies = cookies
        self._session = session

    @property
    def session(self) -> dict:
        return self._session

    def get_param(self, key: str) -> str | None:
        return self._params.get(key)

    def get_cookie(self, key: str) -> str | None:
        return self._cookies.get(key)

    def is_secure(self) -> bool:
        return False


class ToolCookies(CookieService):
    def __init__(self, request: ToolRequest) -> None:
        self._request = request
        self.to_set: dict[str, str] = {}

    def _key(self, name: str) -> str:
        return f"{self._cookie_prefix}-{name}"

    def get_cookie(self, name: str) -> str | None:
        return self._request.get_cookie(self._key(name))

    def set_cookie(self, name: str, value: Any, exp: int | None = 3600) -> None:
        self.to_set[self._key(name)] = str(value)


class ToolRedirect(Redirect[tuple[str, str]]):
    def __init__(self, location: str) -> None:
        self._location = location

    def do_redirect(self) -> tuple[str, str]:
        return ("302 Found", self._location)

    def do_js_redirect(self) -> tuple[str, str]:
        return self.do_redirect()

    def set_redirect_url(self, location: str) -> None:
        self._location = location

    def get_redirect_url(self) -> str:
        return self._location


class ToolLogin(OIDCLogin):
    def get_redirect(self, url: str) -> ToolRedirect:
        return ToolRedirect(url)

    def get_response(self, html: str) -> Any:
        return ("200 OK", html)


class ToolLaunch(MessageLaunch):
    def _get_request_param(self, key: str) -> str | None:
        return self._request.get_param(key)


class PyLtiTool:
    """An LTI 1.3 tool: /login, /launch, /jwks, each PyLTI1p3's own handling."""

    def __init__(self, key: jwk.JWK) -> None:
        self.private_pem = key.export_to_pem(private_key=True, password=None).decode()
        self.public_pem = key.export_to_pem().decode()
        self.sessions: dict[str, dict] = {}
        self.validated: list[dict[str, Any]] = []
        self.errors: list[str] = []
        self.url = ""
        self.platform = ""
        self.client_id = ""
        self.deployment_id = ""

    def config(self) -> ToolConfDict:
        conf = ToolConfDict(
            {
                self.platform: [
                    {
                        "default": True,
                        "client_id": self.client_id,
                        "auth_login_url": f"{self.platform}/lti/auth/",
                        "auth_token_url": f"{self.platform}/lti/token/",
                        "auth_audience": None,
                        "key_set_url": f"{self.platform}/lti/jwks/",
                        "key_set": None,
                        "deployment_ids": [self.deployment_id],
                    }
                ]
            }
        )
        conf.set_private_key(self.platform, self.private_pem, client_id=self.client_id)
        conf.set_public_key(self.platform, self.public_pem, client_id=self.client_id)
        return conf

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        path = environ["PATH_INFO"]
        params = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        if environ["REQUEST_METHOD"] == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length).decode()
            params.update({k: v[0] for k, v in parse_qs(body).items()})
        jar = SimpleCookie(environ.get("HTTP_COOKIE", ""))
        cookies = {name: morsel.value for name, morsel in jar.items()}
        sid = cookies.get("testtool_sid") or secrets.token_urlsafe(16)
        session = self.sessions.setdefault(sid, {})
        request = ToolRequest(params, cookies, session)
        cookie_service = ToolCookies(request)
        session_service = SessionService(request)
        headers = [("Set-Cookie", f"testtool_sid={sid}; Path=/; HttpOnly; SameSite=Lax")]
        try:
            status, content = self.route(path, request, session_service, cookie_service)
        except LtiException as error:
            self.errors.append(str(error))
            status, content = "400 Bad Request", f"<p id='error'>{html.escape(str(error))}</p>"
        for name, value in cookie_service.to_set.items():
            headers.append(("Set-Cookie", f"{name}={value}; Path=/; HttpOnly; SameSite=Lax"))
        if status.startswith("302"):
            headers.append(("Location", content))
            content = ""
        elif path == "/jwks":
            headers.append(("Content-Type", "application/json"))
        else:
            headers.append(("Content-Type", "text/html; charset=utf-8"))
            content = (
                "<!doctype html><html lang='ko'><title>test tool</title>"
                f"<link rel='icon' href='data:,'><body>{content}"
            )
        start_response(status, headers)
        return [content.encode()]

    def route(
        self, path: str, request: ToolRequest, sessions: SessionService, cookies: ToolCookies
    ) -> tuple[str, str]:
        if path == "/jwks":
            return "200 OK", json.dumps(self.config().get_jwks())
        if path == "/login":
            login = ToolLogin(request, self.config(), sessions, cookies)
            return login.redirect(f"{self.url}/launch")
        if path == "/launch":
            launch = ToolLaunch(request, self.config(), sessions, cookies)
            data = launch.get_launch_data()
            self.validated.append(dict(data))
            if launch.is_deep_link_launch():
                return "200 OK", self.picker(launch)
            context = data.get(LTI + "context") or {}
            link = data.get(LTI + "resource_link") or {}
            return "200 OK", (
                "<h1 id='validated'>validated</h1>"
                f"<p id='who'>{html.escape(data.get('name', '-'))}</p>"
                f"<p id='course'>{html.escape(context.get('title', ''))}</p>"
                f"<p id='link'>{html.escape(link.get('title', ''))}</p>"
                f"<p id='roles'>{html.escape(' '.join(data.get(LTI + 'roles', [])))}</p>"
            )
        return "404 Not Found", "not found"

    def picker(self, launch: ToolLaunch) -> str:
        resources = [
            DeepLinkResource()
            .set_url(f"{self.url}/launch?item={item}")
            .set_title(title)
            .set_custom_params({"item": item})
            for item, title in (("a", "도구 활동 가"), ("b", "도구 활동 나"))
        ]
        token = launch.get_deep_link().get_response_jwt(resources)
        settings = launch.get_launch_data()[
            "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
        ]
        return (
            f"<form method='post' action='{html.escape(settings['deep_link_return_url'])}'>"
            f"<input type='hidden' name='JWT' value='{token}'>"
            "<button id='return' type='submit'>두 가지 보내기</button></form>"
        )


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def tool() -> Iterator[PyLtiTool]:
    app = PyLtiTool(jwk.JWK.generate(kty="RSA", size=2048))
    server: WSGIServer = make_server("127.0.0.1", 0, app, handler_class=QuietHandler)
    app.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app
    finally:
        server.shutdown()
        server.server_close()


# --- the platform ---------------------------------------------------------------------------


def seed() -> None:
    """Run in the server's Django: the school, a teacher's class course with the class enrolled,
    an office admin, and the demo tool (``lti.demo``) behind a lesson of the course."""
    from openclass.accounts.models import Organisation, User
    from openclass.catalog.models import Topic
    from openclass.core.registry import DemoOptions
    from openclass.core.tests.live_server import seed as seed_school
    from openclass.courses.models import Course, Lesson, Section
    from openclass.courses.services import courses as services
    from openclass.lti import demo
    from openclass.lti.models import ResourceLink

    seed_school(with_course=False)
    User.objects.create_user(
        "office-admin",
        password="office-admin-password-1",
        name="교육청 관리자",
        role=User.Role.OFFICE_ADMIN,
        organisation=Organisation.objects.get(kind=Organisation.Kind.OFFICE),
    )
    teacher = User.objects.get(username=TEACHER.username)
    klass = Organisation.objects.get(kind=Organisation.Kind.CLASS)
    course = Course.objects.create(
        title=COURSE,
        topic=Topic.objects.get(code="safety-health"),
        scope=Course.Scope.CLASS,
        organisation=klass,
        owner=teacher,
        is_published=True,
    )
    course.teachers.add(teacher)
    Section.objects.create(course=course, title="1단원", position=1)
    services.enrol_organisation(teacher, course, klass)
    demo.build_demo(DemoOptions(size="small", seed=1, with_videos=False))
    lesson = Lesson.objects.create(
        section=course.sections.get(), title=DEMO_LESSON, kind=Lesson.Kind.TOOL, position=2
    )
    tool = demo.demo_tool_registration()
    assert tool is not None
    ResourceLink.objects.create(lesson=lesson, tool=tool, custom={"op": "add"})


def register(tool_url: str) -> None:
    """Run in the server's Django: the test tool, registered city-wide by the office as a
    lesson of the course; prints its client id, deployment id, course and lesson ids."""
    from openclass.accounts.models import User
    from openclass.courses.models import Course, Lesson
    from openclass.lti import services
    from openclass.lti.models import ResourceLink, Tool

    office = User.objects.get(username="office-admin")
    tool = services.save_tool(
        office,
        Tool(
            name="테스트 도구",
            login_url=f"{tool_url}/login",
            launch_url=f"{tool_url}/launch",
            jwks_url=f"{tool_url}/jwks",
            redirect_uris=[f"{tool_url}/launch"],
            share_name=True,
        ),
    )
    course = Course.objects.get(title=COURSE)
    lesson = Lesson.objects.create(
        section=course.sections.get(), title=LESSON, kind=Lesson.Kind.TOOL, position=1
    )
    ResourceLink.objects.create(lesson=lesson, tool=tool)
    demo_lesson = Lesson.objects.get(title=DEMO_LESSON)
    print(
        json.dumps(
            {
                "client_id": tool.client_id,
                "deployment_id": tool.deployment_id,
                "course": course.pk,
                "section": course.sections.get().pk,
                "lesson": lesson.pk,
                "demo_lesson": demo_lesson.pk,
            }
        )
    )


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, tool: PyLtiTool) -> Iterator[LiveServer]:
    server = LiveServer(Path(tmp_path_factory.mktemp("lti-var")))
    server.env["OPENCLASS_SITE_URL"] = server.url  # the issuer, and the demo tool's addresses
    server.env["OPENCLASS_HUEY_IMMEDIATE"] = "1"
    server.var_dir.mkdir(parents=True, exist_ok=True)
    server.collect_static()
    server.migrate()
    server.shell("from openclass.lti.tests.test_launch_browser import seed; seed()")
    ids = json.loads(
        server.shell(
            f"from openclass.lti.tests.test_launch_browser import register; register({tool.url!r})"
        )
    )
    tool.platform = server.url
    tool.client_id = ids["client_id"]
    tool.deployment_id = ids["deployment_id"]
    IDS.update(ids)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def new_page(chromium, live: LiveServer) -> Iterator[Callable[..., Page]]:
    """Pages in fresh browser contexts (a Korean phone); the test fails on a console error."""
    contexts, pages = [], []

    def factory(**options: Any) -> Page:
        context = chromium.new_context(
            base_url=live.url, locale="ko-KR", viewport={"width": 360, "height": 740}, **options
        )
        context.set_default_timeout(20_000)
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.console_errors = errors
        pages.append(page)
        return page

    yield factory
    problems = [f"{p.url}: {e}" for p in pages for e in p.console_errors]
    for context in contexts:
        context.close()
    assert not problems, "Browser console errors:\n" + "\n".join(problems)


def test_a_students_launch_validates_at_the_tool(
    live: LiveServer, tool: PyLtiTool, new_page: Callable[..., Page]
) -> None:
    ids = IDS
    page = new_page()
    log_in(page, STUDENT)
    page.goto(f"/courses/{ids['course']}/lessons/{ids['lesson']}/")
    frame = page.frame_locator("iframe.tool-frame")
    expect(frame.locator("#validated")).to_have_text("validated")
    expect(frame.locator("#who")).to_have_text(STUDENT.name)
    expect(frame.locator("#course")).to_have_text(COURSE)
    expect(frame.locator("#link")).to_have_text(LESSON)
    expect(frame.locator("#roles")).to_have_text(
        "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
    )
    data = tool.validated[-1]
    assert data["aud"] == tool.client_id and data["iss"] == live.url
    assert data[LTI + "deployment_id"] == tool.deployment_id
    assert STUDENT.username not in json.dumps(data)
    assert not tool.errors

    # The demo tool served by the installation: PyLTI1p3's Django classes, the same server's
    # key set read over HTTP while the launch is answered.
    page.goto(f"/courses/{ids['course']}/lessons/{ids['demo_lesson']}/")
    demo = page.frame_locator("iframe.tool-frame")
    expect(demo.locator("[data-greeting]")).to_contain_text(STUDENT.name)
    expect(demo.locator("main")).to_contain_text(COURSE)
    questions = demo.locator(".quiz-question")
    expect(questions).to_have_count(3)
    for index in range(3):
        label = questions.nth(index).locator("label").inner_text()
        a, b = (int(n) for n in re.findall(r"\d+", label))
        demo.locator(f"#q{index}").fill(str(a + b))
    demo.locator("button[type=submit]").click()
    expect(demo.locator("[data-score]")).to_contain_text("3")
    # …and its score went to the gradebook through AGS (the token endpoint, then the score).
    expect(demo.locator("[data-posted]")).to_be_visible()


def test_deep_linking_returns_two_lessons(
    live: LiveServer, tool: PyLtiTool, new_page: Callable[..., Page]
) -> None:
    ids = IDS
    page = new_page()
    log_in(page, TEACHER)
    page.goto(f"/courses/{ids['course']}/content/")
    page.locator(f"a[href='/lti/deep-link/{ids['section']}/']").click()
    page.locator("#id_tool").select_option(label="테스트 도구")
    page.locator("main form button[type=submit]").click()
    page.locator("#return").click()
    expect(page).to_have_url(re.compile(rf"/courses/{ids['course']}/content/$"))
    expect(page.locator("main")).to_contain_text("도구 활동 가")
    expect(page.locator("main")).to_contain_text("도구 활동 나")
    made = json.loads(
        live.shell(
            "import json; from openclass.lti.models import ResourceLink; "
            "print(json.dumps(sorted([l.lesson.title, l.target_link_uri, l.custom] for l in "
            "ResourceLink.objects.filter(lesson__title__startswith='도구 활동'))))"
        )
    )
    assert made == [
        ["도구 활동 가", f"{tool.url}/launch?item=a", {"item": "a"}],
        ["도구 활동 나", f"{tool.url}/launch?item=b", {"item": "b"}],
    ]
    assert tool.validated[-1][LTI + "message_type"] == "LtiDeepLinkingRequest"
    assert not tool.errors


def test_the_tool_pages_work_on_a_phone_and_pass_axe(
    live: LiveServer, new_page: Callable[..., Page]
) -> None:
    """A teacher's tools pages at 360 px: no sideways scroll, no serious axe violation."""
    ids = IDS
    page = new_page()
    log_in(page, TEACHER)
    seen = []
    page.goto("/lti/tools/")
    page.locator("main a[href='/lti/tools/register/']").click()
    page.locator("#id_name").fill("휴대폰 도구")
    page.locator("#id_login_url").fill("https://phone.example.org/login")
    page.locator("#id_launch_url").fill("https://phone.example.org/launch")
    page.locator("#id_jwks_url").fill("https://phone.example.org/jwks")
    page.locator("#id_redirect_uris_text").fill("https://phone.example.org/launch")
    seen.append(page.url)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main")).to_contain_text("https://phone.example.org/login")
    seen.append(page.url)
    for url in (
        "/lti/tools/",
        f"/lti/lessons/{ids['lesson']}/tool/",
        f"/lti/deep-link/{ids['section']}/",
    ):
        page.goto(url)
        seen.append(page.url)
    for url in seen:
        page.goto(url)
        assert_no_horizontal_scroll(page)
    # axe-core is an inline script the CSP refuses: its own page lets it in.
    checker = new_page(bypass_csp=True)
    log_in(checker, TEACHER)
    problems = []
    for url in seen:
        checker.goto(url)
        problems += serious_axe_violations(checker)
    assert problems == []
