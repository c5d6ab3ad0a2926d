"""The content security policy's middleware (django-csp's, its usual header built once), and
widening the policy for one response.

django-csp's middleware reads the sources to add off the response itself, where its
``csp_update`` decorator puts them; a page that decides at run time (a lesson's kind, the
Janus servers of the pool) sets them here instead, under that same attribute."""

from __future__ import annotations

from typing import Any

from csp import middleware as csp_middleware
from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseBase

from .runtime import runtime

#: The attribute django-csp's middleware reads (``csp.middleware``, ``csp.decorators``).
_CSP_UPDATE = "_csp_update"


def update_csp(response: HttpResponseBase, sources: dict[str, list[str]]) -> None:
    """Add ``sources`` (``{"connect-src": [...]}``) to the policy of this response only."""
    setattr(response, _CSP_UPDATE, sources)


class CSPMiddleware(csp_middleware.CSPMiddleware):
    """django-csp's middleware, with the site's own policy built once per process.

    Most responses carry no sources of their own and no nonce, so their header is the settings'
    policy: django-csp built it anew for each response, twice (enforced and report-only), about
    a tenth of a millisecond of every request. Here those two are built on first use (again
    after ``CONTENT_SECURITY_POLICY*`` change, in tests); a response with sources of its own
    (``update_csp``, django-csp's decorators) or a nonce is built as django-csp builds it."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if (response.status_code in (500, 404) and settings.DEBUG) or _own_parts(request, response):
            return super().process_response(request, response)
        for report_only, header, exempt, setting in _HEADERS:
            policy = _site.get(report_only)
            if (
                policy
                and header not in response
                and not getattr(response, exempt, False)
                and not request.path_info.startswith(_excluded(setting))
            ):
                response[header] = policy
        if getattr(request, "_csp_nonce", None) is None:
            # As django-csp: a nonce asked for after the header is written is an error.
            late = csp_middleware.CheckableLazyObject(self._csp_nonce_post_response)
            setattr(request, "csp_nonce", late)  # noqa: B010 (an attribute django-csp adds)
        return response


#: (report-only, header, the response's exemption, the setting) of django-csp's two headers.
_HEADERS = (
    (False, HEADER, "_csp_exempt", "CONTENT_SECURITY_POLICY"),
    (True, HEADER_REPORT_ONLY, "_csp_exempt_ro", "CONTENT_SECURITY_POLICY_REPORT_ONLY"),
)
_OWN = tuple(
    f"_csp_{part}{suffix}" for part in ("config", "update", "replace") for suffix in ("", "_ro")
)


class _SitePolicy:
    """The site's two headers, built on first use: settings only decide them."""

    def __init__(self) -> None:
        self.built: dict[bool, str] = {}

    def reset(self) -> None:
        self.built = {}

    def get(self, report_only: bool) -> str:
        built = self.built
        if report_only not in built:
            built[report_only] = build_policy(report_only=report_only)
        return built[report_only]


_site = runtime.register("core.csp", _SitePolicy())


def _own_parts(request: HttpRequest, response: HttpResponseBase) -> bool:
    """Whether this response's policy is not the site's: sources of its own, or a nonce."""
    return getattr(request, "_csp_nonce", None) is not None or any(
        getattr(response, name, None) is not None for name in _OWN
    )


def _excluded(setting: str) -> tuple[str, ...]:
    return tuple((getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES", None) or ())


@receiver(setting_changed)
def _policy_changed(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _site.reset()
