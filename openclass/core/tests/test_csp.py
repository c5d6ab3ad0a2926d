"""The CSP middleware (``core.csp.CSPMiddleware``) sets exactly the headers django-csp's own does:
the site's policy, a response's own sources, a nonce, exemptions, report-only, excluded
prefixes — and follows a change of the settings."""

from __future__ import annotations

import pytest
from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CSPMiddleware as StockCSPMiddleware
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from openclass.core.csp import CSPMiddleware, update_csp

REPORT_ONLY = {"DIRECTIVES": {"default-src": ["'self'"], "img-src": ["https://example.org"]}}


def _headers(middleware_class, path: str, prepare) -> dict[str, str | None]:
    request = RequestFactory().get(path)

    def view(request):
        response = HttpResponse("ok")
        prepare(request, response)
        return response

    middleware = middleware_class(view)
    response = middleware(request)
    return {header: response.get(header) for header in (HEADER, HEADER_REPORT_ONLY)}


def _nothing(request, response) -> None:
    pass


def _own_sources(request, response) -> None:
    update_csp(response, {"connect-src": ["wss://janus.example.org"]})


def _replaced(request, response) -> None:
    response._csp_replace = {"frame-ancestors": ["'self'"]}


def _nonce(request, response) -> None:
    assert str(request.csp_nonce)  # a page that asks for one


def _exempt(request, response) -> None:
    response._csp_exempt = True


def _set_by_the_view(request, response) -> None:
    response[HEADER] = "default-src 'none'"


CASES = [_nothing, _own_sources, _replaced, _nonce, _exempt, _set_by_the_view]


@pytest.mark.parametrize("prepare", CASES, ids=lambda case: case.__name__)
def test_the_same_headers_as_django_csp(prepare) -> None:
    ours = _headers(CSPMiddleware, "/", prepare)
    stock = _headers(StockCSPMiddleware, "/", prepare)
    if prepare is _nonce:
        # A nonce is new for each request: compare the policies without it.
        ours = {k: v.split("'nonce-")[0] if v else v for k, v in ours.items()}
        stock = {k: v.split("'nonce-")[0] if v else v for k, v in stock.items()}
    assert ours == stock
    assert prepare in (_exempt,) or ours[HEADER]


@pytest.mark.parametrize("prepare", CASES, ids=lambda case: case.__name__)
def test_report_only_and_excluded_prefixes_as_django_csp(settings, prepare) -> None:
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {
        **REPORT_ONLY,
        "EXCLUDE_URL_PREFIXES": ["/excluded/"],
    }
    for path in ("/", "/excluded/page"):
        ours = _headers(CSPMiddleware, path, prepare)
        stock = _headers(StockCSPMiddleware, path, prepare)
        if prepare is _nonce:
            ours = {k: v.split("'nonce-")[0] if v else v for k, v in ours.items()}
            stock = {k: v.split("'nonce-")[0] if v else v for k, v in stock.items()}
        assert ours == stock, path


def test_the_site_policy_follows_the_settings() -> None:
    before = _headers(CSPMiddleware, "/", _nothing)[HEADER]
    changed = {"DIRECTIVES": {"default-src": ["'self'"], "img-src": ["https://other.example"]}}
    with override_settings(CONTENT_SECURITY_POLICY=changed):
        during = _headers(CSPMiddleware, "/", _nothing)[HEADER]
    assert "https://other.example" in during
    assert _headers(CSPMiddleware, "/", _nothing)[HEADER] == before


def test_a_nonce_asked_after_the_header_is_an_error() -> None:
    from csp.exceptions import CSPNonceError

    request = RequestFactory().get("/")
    CSPMiddleware(lambda request: HttpResponse("ok"))(request)
    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)
