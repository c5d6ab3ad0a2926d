"""Widening the content security policy for one response (django-csp).

django-csp's middleware reads the sources to add off the response itself, where its
``csp_update`` decorator puts them; a page that decides at run time (a lesson's kind, the
Janus servers of the pool) sets them here instead, under that same attribute."""

from __future__ import annotations

from django.http import HttpResponseBase

#: The attribute django-csp's middleware reads (``csp.middleware``, ``csp.decorators``).
_CSP_UPDATE = "_csp_update"


def update_csp(response: HttpResponseBase, sources: dict[str, list[str]]) -> None:
    """Add ``sources`` (``{"connect-src": [...]}``) to the policy of this response only."""
    setattr(response, _CSP_UPDATE, sources)
