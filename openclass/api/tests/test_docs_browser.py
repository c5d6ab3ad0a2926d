"""The interactive docs page in a real browser under the site's CSP: Swagger UI renders the
document from our static files, with no console error (a CSP violation would be one)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from openclass.core.tests.browser import DESKTOP

pytestmark = pytest.mark.browser


def test_the_docs_page_renders_under_the_csp(open_page) -> None:
    page = open_page(**DESKTOP)
    page.goto("/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("openclass Open API")
    expect(page.locator(".opblock-tag-section").first).to_be_visible()
    expect(page.get_by_text("/api/v1/people", exact=True).first).to_be_attached()
    expect(page.locator("button.authorize")).to_be_visible()
