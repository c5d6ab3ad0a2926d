"""The search page, suggestions as one types, and the office's page of queries that found
nothing (SPEC F-14)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from openclass.accounts.capabilities import has_capability, require_capability
from openclass.core.params import parse_int

from . import services
from .backends import FACETS
from .models import Query
from .selectors import FACET_NAMES, score_part_name, value_name

#: Only a value this long is taken as a facet's choice (a longer one is no facet value).
MAX_FACET_VALUE = 120


def _chosen(request: HttpRequest) -> dict[str, str]:
    return {
        name: value
        for name in FACETS
        if (value := request.GET.get(name, "").strip()) and len(value) <= MAX_FACET_VALUE
    }


def _link(request: HttpRequest, **changes: Any) -> str:
    """This page's address with some parameters changed (``None`` removes one); the page
    goes back to 1 whenever the filters change."""
    params = request.GET.copy()
    params.pop("page", None)
    for name, value in changes.items():
        if value is None:
            params.pop(name, None)
        else:
            params[name] = value
    return f"?{params.urlencode()}"


@login_required
@require_GET
def results(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, "search.use")
    query = request.GET.get("q", "").strip()
    chosen = _chosen(request)
    page = parse_int(request.GET.get("page"), minimum=1, maximum=1000) or 1
    explain = has_capability(request.user, "search.explain")
    found = services.search(
        request.user,
        query,
        filters=chosen,
        page=page,
        explain=explain,
        log=bool(query) and page == 1 and not chosen,
    )
    facets = [
        {
            "name": name,
            "label": FACET_NAMES[name],
            "chosen": chosen.get(name),
            "chosen_label": value_name(name, chosen[name]) if name in chosen else "",
            "clear": _link(request, **{name: None}),
            "values": [
                {
                    "value": value,
                    "label": value_name(name, value),
                    "count": count,
                    "link": _link(request, **{name: value}),
                    "current": chosen.get(name) == value,
                }
                for value, count in found.facets.get(name, [])
            ],
        }
        for name in FACETS
        if found.facets.get(name) or name in chosen
    ]
    level = services.scopes.level(request.user)
    context = {
        "query": query,
        "found": found,
        "facets": facets,
        "chosen": chosen,
        "explain": explain,
        "rows": [
            {
                "hit": hit,
                "kind": value_name("kind", hit.document.kind),
                "parts": [
                    (score_part_name(name), value)
                    for name, value in (hit.explanation or {}).get("parts", {}).items()
                ],
            }
            for hit in found.hits
        ],
        "first_number": (found.page - 1) * services.PER_PAGE + 1,
        "popular": services.popular_queries(level),
        "related": services.related_topics(request.user, query)
        if query and not found.total
        else [],
        "page_links": {
            "previous": _page_link(request, found.page - 1) if found.page > 1 else "",
            "next": _page_link(request, found.page + 1) if found.page < found.pages else "",
        },
        "search_query": query,
    }
    return render(request, "search/results.html", context)


def _page_link(request: HttpRequest, page: int) -> str:
    params = request.GET.copy()
    params["page"] = str(page)
    return f"?{params.urlencode()}"


@login_required
@require_GET
def suggest(request: HttpRequest) -> JsonResponse:
    """Suggestions for the header's search box, as JSON: titles (with their page) and popular
    searches."""
    require_capability(request.user, "search.use")
    text = request.GET.get("q", "")[:200]
    found = services.suggest(request.user, text)
    return JsonResponse(
        {
            "suggestions": [
                {
                    "text": entry.text,
                    "url": entry.url,
                    "kind": str(value_name("kind", entry.kind)) if entry.kind else "",
                }
                for entry in found
            ]
        }
    )


@login_required
@require_GET
def gaps(request: HttpRequest) -> HttpResponse:
    """The office's page of searches that found nothing lately: what the city looks for and
    the platform does not have yet."""
    require_capability(request.user, "search.view_gaps")
    days = parse_int(request.GET.get("days"), minimum=1, maximum=365) or services.POPULAR_DAYS
    levels = dict(Query.Level.choices)
    found = services.unanswered_queries(days=days)
    for gap in found:
        gap["level_names"] = [str(levels.get(level, level)) for level in gap["levels"]]
    return render(request, "search/gaps.html", {"days": days, "gaps": found})
