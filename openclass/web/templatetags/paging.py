"""``{% include "web/_pagination.html" %}``'s helper: a page's address keeps every filter the
list was asked with."""

from __future__ import annotations

from django import template
from django.http import QueryDict

register = template.Library()


@register.filter
def with_page(query: QueryDict, number: int) -> str:
    """The query string of ``query`` with ``page`` set to ``number`` (escaped by the template)."""
    kept = query.copy()
    kept["page"] = str(number)
    return kept.urlencode()
