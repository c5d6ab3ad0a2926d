"""The LTI Advantage service endpoints a tool calls (no person signed in, no cookie, no CSRF):
the token endpoint (``token``), Assignment and Grade Services (``ags``) and Names and Role
Provisioning Services (``nrps``). Each answers JSON in the service's media type, and refusals
as ``{"error": …, "error_description": …}`` with 400, 401, 403 or 404 (``token.TokenError``).
The rules are in those modules; these views only read the request and write the answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .. import ags, nrps, token
from ..token import TokenError


def _json(data: Any, status: int = 200, content_type: str = "application/json") -> HttpResponse:
    response = JsonResponse(data, status=status, safe=False, content_type=content_type)
    add_never_cache_headers(response)
    return response


def _error(error: TokenError) -> HttpResponse:
    response = _json(error.as_json(), status=error.status)
    if error.status == 401:
        response["WWW-Authenticate"] = f'Bearer error="{error.error}"'
    return response


def _answering(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Turn a ``TokenError`` raised anywhere in ``view`` into its JSON answer."""

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except TokenError as error:
            return _error(error)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _with_next(response: HttpResponse, next_url: str | None) -> HttpResponse:
    if next_url:
        response["Link"] = f'<{next_url}>; rel="next"'
    return response


@csrf_exempt
@require_http_methods(["POST"])
@_answering
def token_endpoint(request: HttpRequest) -> HttpResponse:
    """The OAuth 2.0 token endpoint (client credentials with a JWT client assertion)."""
    answer = token.issue(request.POST)
    return _json(answer)


@csrf_exempt
@require_http_methods(["GET", "POST"])
@_answering
def lineitems(request: HttpRequest, course_id: int) -> HttpResponse:
    caller = token.authenticate(request)
    course = ags.course_for(caller, course_id)
    if request.method == "POST":
        item = ags.create_item(caller, course, ags.parse_body(request.body))
        return _json(ags.item_json(item), status=201, content_type=ags.LINEITEM_TYPE)
    page = ags.list_items(caller, course, request.GET)
    return _with_next(_json(page.entries, content_type=ags.CONTAINER_TYPE), page.next_url)


@csrf_exempt
@require_http_methods(["GET", "PUT", "DELETE"])
@_answering
def lineitem(request: HttpRequest, course_id: int, item_id: int) -> HttpResponse:
    caller = token.authenticate(request)
    course = ags.course_for(caller, course_id)
    item = ags.item_for(caller, course, item_id)
    if request.method == "DELETE":
        ags.delete_item(caller, item)
        return HttpResponse(status=204)
    if request.method == "PUT":
        item = ags.update_item(caller, course, item, ags.parse_body(request.body))
    else:
        ags.require_scope(caller, token.AGS_LINEITEM, token.AGS_LINEITEM_READ)
    return _json(ags.item_json(item), content_type=ags.LINEITEM_TYPE)


@csrf_exempt
@require_http_methods(["POST"])
@_answering
def scores(request: HttpRequest, course_id: int, item_id: int) -> HttpResponse:
    caller = token.authenticate(request)
    course = ags.course_for(caller, course_id)
    item = ags.item_for(caller, course, item_id)
    ags.post_score(caller, course, item, ags.parse_body(request.body))
    return HttpResponse(status=204)


@csrf_exempt
@require_http_methods(["GET"])
@_answering
def results(request: HttpRequest, course_id: int, item_id: int) -> HttpResponse:
    caller = token.authenticate(request)
    course = ags.course_for(caller, course_id)
    item = ags.item_for(caller, course, item_id)
    page = ags.list_results(caller, course, item, request.GET)
    return _with_next(_json(page.entries, content_type=ags.RESULTS_TYPE), page.next_url)


@csrf_exempt
@require_http_methods(["GET"])
@_answering
def memberships(request: HttpRequest, course_id: int) -> HttpResponse:
    caller = token.authenticate(request)
    course = ags.course_for(caller, course_id)
    container, page = nrps.memberships(caller, course, request.GET)
    return _with_next(_json(container, content_type=nrps.MEMBERSHIP_TYPE), page.next_url)
