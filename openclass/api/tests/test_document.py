"""The OpenAPI 3.1 document and the interactive docs page, served from our own static files
under the site's strict CSP (no CDN, no inline script or style)."""

from __future__ import annotations

import re

from django.contrib.staticfiles import finders
from django.test import Client


def test_the_document_is_openapi_3_1_with_problems(db) -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.1.")
    assert document["components"]["securitySchemes"]["BearerAuth"]["scheme"] == "bearer"
    people = document["paths"]["/api/v1/people"]["get"]
    assert people["operationId"] == "people_list"
    assert {"200", "401", "403", "429"} <= set(people["responses"])
    problem = people["responses"]["401"]["content"]["application/problem+json"]
    assert problem["schema"]["$ref"] == "#/components/schemas/Problem"


def test_the_docs_page_uses_only_our_static_files(db) -> None:
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(source.startswith("/") for source in sources), sources
    for source in sources:
        if source.startswith("/static/"):
            assert finders.find(source.removeprefix("/static/")), source
    # Every script is a file, or data the browser does not run.
    for attributes, _body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S):
        assert "src=" in attributes or 'type="application/json"' in attributes, attributes
    assert "style=" not in html and "<style" not in html
