"""The installable-app pieces and the security headers, through Django's test client."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.urls import reverse

from openclass.accounts.models import User
from openclass.core.tests.live_server import STUDENT, TEACHER, seed

pytestmark = pytest.mark.django_db


def static_name(url: str) -> str:
    """The source name of a hashed static URL: /static/web/app.54c2c9737fd3.css → web/app.css."""
    name = url.removeprefix(staticfiles_storage.base_url)
    return re.sub(r"\.[0-9a-f]{12}(\.[^./]+)$", r"\1", name)


def test_manifest_is_an_installable_web_app(client) -> None:
    response = client.get(reverse("web:manifest"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/manifest+json")
    manifest = json.loads(response.content)
    assert manifest["name"] and manifest["short_name"]
    assert manifest["start_url"] == reverse("web:home")
    assert manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert re.fullmatch(r"#[0-9a-fA-F]{6}", manifest["theme_color"])
    icons = {(icon["sizes"], icon.get("purpose", "any")): icon for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any")} <= icons.keys()
    for icon in manifest["icons"]:
        assert icon["type"] == "image/png"
        assert icon["src"].startswith(staticfiles_storage.base_url)
        assert staticfiles_storage.exists(static_name(icon["src"])), icon["src"]


def test_manifest_follows_the_language(client) -> None:
    client.cookies["django_language"] = "en"
    assert json.loads(client.get(reverse("web:manifest")).content)["lang"] == "en"
    client.cookies["django_language"] = "ko"
    assert json.loads(client.get(reverse("web:manifest")).content)["lang"] == "ko"


def test_service_worker_is_served_from_the_root_and_caches_the_offline_page(client) -> None:
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]
    script = response.content.decode()
    shell = re.search(r"const SHELL = \[(.*?)\];", script, re.DOTALL)
    assert shell, "sw.js lists no app shell"
    urls = re.findall(r'"([^"]+)"', shell.group(1))
    assert reverse("web:offline") in urls
    for url in urls:
        if url.startswith(staticfiles_storage.base_url):
            assert staticfiles_storage.exists(static_name(url)), url
    # Signed-in pages are never cached: only navigations fall back, and only to the offline page.
    assert 'caches.match("' + reverse("web:offline") + '")' in script
    assert "{%" not in script and "{{" not in script


def test_offline_page_renders_without_signing_in(client) -> None:
    response = client.get(reverse("web:offline"))
    assert response.status_code == 200
    assert "web/offline.html" in [t.name for t in response.templates]
    body = response.content.decode()
    assert "<h1>" in body
    assert f'href="{reverse("web:home")}"' in body


def test_health_check_answers_ok_and_is_never_cached(client) -> None:
    response = client.get(reverse("web:health"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]
    assert client.post(reverse("web:health")).status_code == 405


class InlineScriptFinder(HTMLParser):
    """Collects <script> elements without src and on* event-handler attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "script":
            self.scripts += 1
            if not names.get("src"):
                self.problems.append(f"inline <script> {attrs}")
        self.problems += [f"<{tag} {name}=…>" for name in names if name.startswith("on")]


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        if words := part.split():
            directives[words[0].lower()] = words[1:]
    return directives


@pytest.fixture
def people() -> dict[str, User]:
    seed(with_course=False)  # the pages checked need people, not the course's video
    return {
        "student": User.objects.get(username=STUDENT.username),
        "teacher": User.objects.get(username=TEACHER.username),
    }


@pytest.mark.parametrize(
    ("who", "url_name"),
    [
        (None, "accounts:login"),
        (None, "web:offline"),
        ("student", "web:home"),
        ("teacher", "web:home"),
        ("teacher", "accounts:people"),
        ("teacher", "accounts:password_change"),
    ],
)
def test_pages_carry_a_csp_that_allows_no_inline_script(client, people, who, url_name) -> None:
    if who:
        client.force_login(people[who])
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    header = response.get("Content-Security-Policy")
    assert header, "no Content-Security-Policy header"
    directives = csp_directives(header)
    script_src = directives.get("script-src", directives.get("default-src"))
    assert script_src == ["'self'"], f"script-src allows more than the site's own files: {header}"
    assert directives.get("object-src") == ["'none'"]
    assert directives.get("base-uri") == ["'self'"]
    assert directives.get("frame-ancestors") == ["'none'"]
    assert "'unsafe-inline'" not in directives.get("style-src", directives["default-src"])
    finder = InlineScriptFinder()
    finder.feed(response.content.decode())
    assert finder.scripts, "the page loads no script at all"
    assert finder.problems == [], "inline script the CSP would block"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
