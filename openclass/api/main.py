"""The Open API, version 1 (``/api/v1/``): django-ninja, every resource module of
``openclass.api.resources`` mounted, every answer that is not a success a problem (RFC 9457),
the OpenAPI 3.1 document at ``/api/v1/openapi.json`` and its interactive page at ``/api/v1/docs``
(Swagger UI from our own static files). The framework's interface: ``openclass.api.framework``.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.docs import Swagger
from ninja.operation import Operation

from . import idempotency, resources
from .auth import BearerAuth
from .framework import PROBLEM_TYPE, ApiError, problem_response, with_etag

logger = logging.getLogger(__name__)

DESCRIPTION = """openclass's Open API: organisations, classes, people, courses, records and more,
each answered exactly as the pages answer the same person. Authentication is a Bearer token
(an OAuth2 access token from openclass's login hub, or a personal access token made at
/api/tokens/); errors are RFC 9457 problem details. The guide: docs/api.md."""


class OpenclassApi(NinjaAPI):
    """ninja's API, with the answers finished the same way everywhere: an ETag on every 200 to
    GET (304 when the client holds it), and a POST's answer kept for its idempotency key."""

    def create_response(
        self,
        request: HttpRequest,
        data: Any,
        *,
        status: int | None = None,
        temporal_response: HttpResponse | None = None,
    ) -> HttpResponse:
        response = super().create_response(
            request, data, status=status, temporal_response=temporal_response
        )
        return finish(request, response)

    def get_openapi_operation_id(self, operation: Operation) -> str:
        return operation.view_func.__name__

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        """ninja's document, with the problems every operation may answer."""
        schema = super().get_openapi_schema(*args, **kwargs)
        components = schema.setdefault("components", {})
        components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        problem = {"content": {PROBLEM_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
        for methods in schema.get("paths", {}).values():
            for method, operation in methods.items():
                responses = operation.setdefault("responses", {})
                for status, description in PROBLEMS.items():
                    responses.setdefault(str(status), {"description": description, **problem})
                if method == "get":
                    responses.setdefault("304", {"description": "Not modified (If-None-Match)."})
        return schema


def finish(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    return with_etag(request, idempotency.finish(request, response))


#: The problems any operation may answer, in the OpenAPI document.
PROBLEMS = {
    400: "Bad request (a cursor or header this API did not give).",
    401: "No token, or one unknown, expired or revoked (WWW-Authenticate: Bearer).",
    403: "The token lacks the scope, or the person may not do this.",
    404: "No such record, or not one the person may see.",
    409: "The request conflicts with the record's state.",
    422: "What was sent is not valid (see errors), or an Idempotency-Key reused.",
    429: "Too many requests (Retry-After).",
}

PROBLEM_SCHEMA = {
    "title": "Problem",
    "description": "RFC 9457 problem details (application/problem+json).",
    "type": "object",
    "properties": {
        "type": {"type": "string", "format": "uri-reference"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
    "required": ["type", "title", "status"],
}

api = OpenclassApi(
    title="openclass Open API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    auth=BearerAuth(),
    docs=Swagger(settings={"persistAuthorization": False}),
    docs_url="/docs",
    openapi_url="/openapi.json",
)


# --- problems -------------------------------------------------------------------------------


def _problem(request: HttpRequest, status: int, detail: str | None = None, **kw: Any) -> Any:
    return finish(request, problem_response(request, status, detail, **kw))


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return _problem(
        request,
        exc.status,
        exc.detail,
        code=exc.code,
        title=exc.title,
        headers=exc.headers,
        errors=exc.errors,
    )


@api.exception_handler(idempotency.Replay)
def _replay(request: HttpRequest, exc: idempotency.Replay) -> HttpResponse:
    return idempotency.replay(exc.record)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _problem(request, 401, _("Send a token: Authorization: Bearer <token>."))


@api.exception_handler(NinjaValidationError)
def _invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = [
        {"loc": [str(part) for part in error.get("loc", ())], "msg": str(error.get("msg", ""))}
        for error in exc.errors
    ]
    return _problem(
        request,
        422,
        _("Some of what was sent is not valid: see errors."),
        code="invalid",
        errors=errors,
    )


@api.exception_handler(DjangoValidationError)
def _django_invalid(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        errors = [
            {"loc": [name], "msg": str(message)}
            for name, messages in exc.message_dict.items()
            for message in messages
        ]
    else:
        errors = [{"loc": [], "msg": str(message)} for message in exc.messages]
    return _problem(
        request,
        422,
        _("Some of what was sent is not valid: see errors."),
        code="invalid",
        errors=errors,
    )


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _problem(request, 404, _("There is no such record, or it is not yours to see."))


@api.exception_handler(PermissionDenied)
def _denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _problem(request, 403, _("You may not do this."))


@api.exception_handler(Throttled)
def _throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    return _problem(request, 429, _("Too many requests."), code="rate-limited")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _problem(request, exc.status_code, str(exc.message))


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API error on %s %s", request.method, request.path, exc_info=exc)
    return _problem(request, 500, _("Something went wrong on our side; try again later."))


# --- the resources --------------------------------------------------------------------------


def _mount_resources() -> None:
    """Every module of ``openclass.api.resources`` with a ``router``, in name order."""
    for module in sorted(pkgutil.iter_modules(resources.__path__), key=lambda m: m.name):
        loaded = importlib.import_module(f"{resources.__name__}.{module.name}")
        router = getattr(loaded, "router", None)
        if router is not None:
            api.add_router("", router)


_mount_resources()


@csrf_exempt
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Any other path under /api/v1/: a 404 problem, not an HTML page (nor, for a PUT or POST,
    Django's CSRF page: the API takes no cookies)."""
    return problem_response(request, 404, _("There is no such resource in this API."))
