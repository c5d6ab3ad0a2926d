"""The Open API's framework: what every resource module under ``openclass/api/resources/`` uses.

Writing a resource
------------------
Add a module ``openclass/api/resources/<area>.py`` exposing ``router = Router(tags=[...])``
(``from ninja import Router``). ``openclass.api.main`` imports every module of that package and
mounts its router at ``/api/v1/`` — paths are written whole (``@router.get("/courses")``), ids in
paths as ``{id:pk}`` (our bounded id converter), and every operation function has a name unique in
the whole API (it is the URL name ``api-v1:<function name>`` and the permission matrix lists it).

Every operation is authenticated (Bearer token: an OAuth2 access token from the login hub, or a
personal access token) before it runs; the function then finds ``request.auth``, a ``Caller``,
and ``request.user`` = ``request.auth.user`` (so ``record_read(request, …)``, ``has_capability``
and the scoping functions work as in a page). Annotate it ``request: ApiRequest`` (a typed
``HttpRequest`` whose ``user`` is a ``User``) for mypy. A typical list::

    from ninja import Router, Schema
    from openclass.api.framework import Page, audit_read, paginate, require_scope, since
    from openclass.accounts import scoping
    from openclass.accounts.capabilities import require_capability

    router = Router(tags=["courses"])

    class CourseOut(Schema):
        id: int
        title: str

    @router.get("/courses", response=Page[CourseOut])
    def courses_list(request: ApiRequest, cursor: str | None = None, limit: int = 50,
                     updated_since: datetime | None = None):
        require_scope(request, "courses")                  # 403 problem without the scope
        require_capability(request.user, "course.teach")   # PermissionDenied → 403 problem
        rows = since(selectors.visible_courses(request.user), updated_since)
        return paginate(request, rows, cursor=cursor, limit=limit,
                        order=("updated_at", "pk") if updated_since else ("pk",))

    @router.get("/courses/{id:pk}", response=CourseOut)
    def course_detail(request: ApiRequest, pk: int):
        require_scope(request, "courses")
        return get_visible_or_404(visible_courses(request.user), pk)   # 404 problem

The pieces
----------
``Caller`` (``request.auth``)
    who is calling: ``user`` (a client-credentials token acts as its site's service account),
    ``site`` (the hub.Site of an OAuth2 token; None for a personal token), ``kind``
    (``"oauth"``/``"personal"``), ``token_id``, ``token_name`` and ``scopes``.
``require_scope(request, scope)``
    403 problem (``WWW-Authenticate: Bearer error="insufficient_scope"``) unless the token has the
    scope. Scopes are ``openclass.api.scopes.API_SCOPES`` (profile, school, roster,
    roster.write, courses, records, live, operations, notifications). A scope only narrows: the
    person's capabilities and the areas' access/scoping rules are asked as the pages ask them.
``ApiError(status, detail, *, code=..., headers=...)``
    raise it for any refusal: it becomes an RFC 9457 problem (``application/problem+json``:
    type, title, status, detail, instance). Django's ``Http404``, ``PermissionDenied`` and
    ``ValidationError``, and ninja's own validation errors, become problems too — so raising them
    (``get_object_or_404``, ``require_capability``) is fine. Write ``detail`` with gettext:
    it is localised (Korean by default, ``Accept-Language`` respected).
``Page[Schema]``, ``paginate(request, queryset, cursor=, limit=, order=)``
    the list envelope ``{items, next_cursor}`` over an opaque signed cursor on a stable
    ascending ordering whose last field is ``pk``; ``limit`` is capped at ``MAX_LIMIT``.
``since(queryset, updated_since, field="updated_at")``
    the ``updated_since`` filter for sync (rows changed at or after the moment; pair it with
    ``order=("updated_at", "pk")`` so a client can page through everything that changed).
``audit_read(request, what=None, students=(), **where)``
    call it in every operation that reads people or records: one ``AuthEvent`` (API_READ, the
    caller's site, ``GET /api/v1/…``), and, with ``what`` (a ``privacy.AccessRecord.What``) and
    the students read, ``privacy.services.record_read`` as the pages do.
``get_visible_or_404(queryset, pk)``
    the object when the (already scoped) queryset holds it, else a 404 problem.
``check_if_match(request, CurrentOut.from_orm(obj))``
    in a PUT: a client that sends ``If-Match`` with an ETag its GET gave gets a 412 problem when
    the record changed since.

What every operation gets without asking
    ETags on 200 answers to GET (a weak validator over the body; ``If-None-Match`` → 304);
    ``Idempotency-Key`` on every POST (same key and body → the stored answer, marked
    ``Idempotent-Replayed: true``; same key with another body → 422; kept 24 h); rate limits per
    token and per site (429 + ``Retry-After``); a 401 problem with ``WWW-Authenticate: Bearer``
    for a missing, expired, revoked or disabled token, and its ``AuthEvent`` (API_AUTH_FAILED).

Tests: ``openclass/api/tests/helpers.py`` makes callers: ``personal_token(user, scopes)`` and
``oauth_token(user, scopes, site=...)`` return a raw token for ``Authorization: Bearer …``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.core import signing
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Schema
from ninja.renderers import JSONRenderer

from openclass.accounts.models import User

__all__ = [
    "MAX_LIMIT",
    "ApiError",
    "ApiRequest",
    "Caller",
    "Page",
    "audit_read",
    "caller_of",
    "check_if_match",
    "get_visible_or_404",
    "paginate",
    "problem_response",
    "require_scope",
    "since",
]

#: The most rows one page holds; a larger ``limit`` is cut to it.
MAX_LIMIT = 200
DEFAULT_LIMIT = 50
PROBLEM_TYPE = "application/problem+json"
#: ``type`` of a problem with a code of ours: ``urn:openclass:api:<code>`` (docs/api.md lists
#: them); without one, ``about:blank`` and the status's title (RFC 9457 §4.2.1).
PROBLEM_URN = "urn:openclass:api:"


# --- the caller -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    """Who is calling, resolved from the Bearer token (``request.auth``)."""

    user: Any
    site: Any
    kind: str  # "oauth" or "personal"
    token_id: int
    token_name: str
    scopes: frozenset[str] = field(default_factory=frozenset)
    #: The start of the token's SHA-256 (never the token): tells tokens apart in the rate
    #: counters even when a database reuses a deleted row's id.
    ref: str = ""

    OAUTH = "oauth"
    PERSONAL = "personal"

    @property
    def key(self) -> str:
        """Names the token (never holds it): idempotency records and rate counters use it."""
        return f"{self.kind}:{self.token_id}"

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class ApiRequest(HttpRequest):
    """The request an operation receives (for annotations: ninja passes the same
    ``HttpRequest``): authenticated, ``user`` is the caller's ``User`` and ``auth`` the
    ``Caller``."""

    user: User
    auth: Caller


def caller_of(request: HttpRequest) -> Caller:
    caller = getattr(request, "auth", None)
    if not isinstance(caller, Caller):  # an operation without authentication: a defect
        raise ApiError(401, _("Authentication is required."))
    return caller


def require_scope(request: HttpRequest, scope: str) -> Caller:
    """The caller, when its token carries ``scope``; else a 403 problem."""
    caller = caller_of(request)
    if not caller.has_scope(scope):
        raise ApiError(
            403,
            _("This token does not have the scope “%(scope)s”.") % {"scope": scope},
            code="insufficient-scope",
            headers={
                "WWW-Authenticate": (
                    f'Bearer realm="openclass", error="insufficient_scope", scope="{scope}"'
                )
            },
        )
    return caller


# --- problems (RFC 9457) --------------------------------------------------------------------

#: Korean-translatable titles of the statuses the API answers with.
TITLES: dict[int, Any] = {
    400: gettext_lazy("Bad request"),
    401: gettext_lazy("Authentication required"),
    403: gettext_lazy("Not allowed"),
    404: gettext_lazy("Not found"),
    405: gettext_lazy("Method not allowed"),
    409: gettext_lazy("Conflict"),
    412: gettext_lazy("Precondition failed"),
    422: gettext_lazy("Unprocessable request"),
    429: gettext_lazy("Too many requests"),
    500: gettext_lazy("Server error"),
}


class ApiError(Exception):
    """A refusal, answered as a problem. ``errors`` (a list of ``{loc, msg}``) goes into the
    problem as an extension member, for field errors."""

    def __init__(
        self,
        status: int,
        detail: str | None = None,
        *,
        code: str | None = None,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(detail or str(status))
        self.status = status
        self.detail = detail
        self.code = code
        self.title = title
        self.headers = headers or {}
        self.errors = errors


def problem_body(
    request: HttpRequest,
    status: int,
    detail: str | None = None,
    *,
    code: str | None = None,
    title: str | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    if title is None:
        known = TITLES.get(status)
        title = str(known) if known is not None else HTTPStatus(status).phrase
    body: dict[str, Any] = {
        "type": f"{PROBLEM_URN}{code}" if code else "about:blank",
        "title": title,
        "status": status,
        "detail": detail or title,
        "instance": request.path,
    }
    if errors:
        body["errors"] = errors
    return body


def problem_response(
    request: HttpRequest,
    status: int,
    detail: str | None = None,
    *,
    code: str | None = None,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> HttpResponse:
    body = problem_body(request, status, detail, code=code, title=title, errors=errors)
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False, default=str),
        status=status,
        content_type=PROBLEM_TYPE,
    )
    for name, value in (headers or {}).items():
        response[name] = value
    if status == 401 and "WWW-Authenticate" not in response:
        response["WWW-Authenticate"] = 'Bearer realm="openclass"'
    response["Content-Language"] = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
    return response


# --- lookups --------------------------------------------------------------------------------

M = TypeVar("M", bound=Model)


def get_visible_or_404(queryset: QuerySet[M], pk: int) -> M:
    return found_or_404(queryset.filter(pk=pk).first())


def found_or_404(found: M | None) -> M:
    """``found``, or the 404 problem of a record the caller may not see (or that is not)."""
    if found is None:
        raise ApiError(404, _("There is no such record, or it is not yours to see."))
    return found


# --- pagination -----------------------------------------------------------------------------

T = TypeVar("T")
_CURSOR_SALT = "openclass.api.cursor"


class Page(Schema, Generic[T]):
    """One page of a list: ``next_cursor`` is null on the last page."""

    items: list[T]
    next_cursor: str | None = None


def _encode_value(value: Any) -> list[Any]:
    if isinstance(value, dt.datetime):
        return ["t", value.isoformat()]
    if isinstance(value, dt.date):
        return ["d", value.isoformat()]
    return ["v", value]


def _decode_value(item: Any) -> Any:
    if not isinstance(item, list) or len(item) != 2:
        raise ValueError("bad cursor value")
    kind, value = item
    if kind == "t":
        return dt.datetime.fromisoformat(value)
    if kind == "d":
        return dt.date.fromisoformat(value)
    if kind == "v" and isinstance(value, int | str | float | bool):
        return value
    raise ValueError("bad cursor value")


def _bad_cursor() -> ApiError:
    return ApiError(400, _("The cursor is not one this API gave."), code="bad-cursor")


def _after(order: Sequence[str], values: list[Any]) -> Q:
    """Rows strictly after ``values`` in the ascending ``order``: (a, b) > (x, y)."""
    query = Q(pk__in=[])
    for index, name in enumerate(order):
        step = Q(**{f"{name}__gt": values[index]})
        for earlier, value in zip(order[:index], values[:index], strict=True):
            step &= Q(**{earlier: value})
        query |= step
    return query


def paginate(
    request: HttpRequest,
    queryset: QuerySet[Any],
    *,
    cursor: str | None = None,
    limit: int | None = DEFAULT_LIMIT,
    order: Sequence[str] = ("pk",),
) -> dict[str, Any]:
    """``{"items": [...], "next_cursor": ...}``: a page of ``queryset`` in the ascending
    ``order`` (its last field must be ``pk``, so the ordering is total), after ``cursor``.

    Keyset pagination: a row inserted or deleted between two pages neither repeats nor hides
    another; with ``("updated_at", "pk")``, a row changed meanwhile comes again, later (a sync
    client sees its newest state)."""
    order = tuple(order)
    if not order or order[-1] != "pk":
        raise ValueError("the ordering of a page must end with pk")
    size = max(1, min(limit or DEFAULT_LIMIT, MAX_LIMIT))
    if cursor:
        try:
            payload = signing.loads(
                base64.urlsafe_b64decode(cursor.encode() + b"==").decode(), salt=_CURSOR_SALT
            )
            if payload.get("o") != list(order) or payload.get("p") != request.path:
                raise ValueError("cursor of another list")
            values = [_decode_value(item) for item in payload["k"]]
            if len(values) != len(order):
                raise ValueError("cursor of another ordering")
        except (signing.BadSignature, ValueError, TypeError, KeyError, AttributeError):
            raise _bad_cursor() from None
        queryset = queryset.filter(_after(order, values))
    rows = list(queryset.order_by(*order)[: size + 1])
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        payload = {
            "o": list(order),
            "p": request.path,
            "k": [_encode_value(getattr(last, name)) for name in order],
        }
        signed = signing.dumps(payload, salt=_CURSOR_SALT, compress=True)
        next_cursor = base64.urlsafe_b64encode(signed.encode()).decode().rstrip("=")
    return {"items": rows, "next_cursor": next_cursor}


def since(
    queryset: QuerySet[M], updated_since: dt.datetime | None, field: str = "updated_at"
) -> QuerySet[M]:
    """Rows changed at or after ``updated_since`` (None: every row). A moment without a zone is
    taken in the site's zone (Asia/Seoul). The moment is compared in UTC: PostgreSQL takes
    offsets up to ±15:59 only, Python (and RFC 3339) up to ±23:59."""
    if updated_since is None:
        return queryset
    if timezone.is_naive(updated_since):
        updated_since = timezone.make_aware(updated_since)
    updated_since = updated_since.astimezone(dt.UTC)
    return queryset.filter(**{f"{field}__gte": updated_since})


# --- audit ----------------------------------------------------------------------------------


def audit_read(
    request: HttpRequest,
    what: str | None = None,
    students: Iterable[Any] = (),
    obj: Any = None,
    **where: Any,
) -> None:
    """Record that the caller read people or records through the API: an ``AuthEvent``
    (API_READ) naming the site and the path, and, given ``what`` and the students whose records
    were read, the privacy access log as the pages write it (``course=``, ``klass=`` say where).
    """
    from openclass.hub import audit
    from openclass.hub.models import AuthEvent
    from openclass.privacy.services import record_read

    caller = caller_of(request)
    audit.record(
        AuthEvent.Kind.API_READ,
        request=request,
        user=caller.user,
        site=caller.site,
        detail=f"{request.method} {request.get_full_path()}",
    )
    if what is not None:
        record_read(request, what, list(students), obj, **where)


# --- ETags ----------------------------------------------------------------------------------


def etag_of(content: bytes) -> str:
    return 'W/"' + hashlib.sha256(content).hexdigest()[:40] + '"'


def _matches(header: str, etag: str) -> bool:
    if header.strip() == "*":
        return True
    bare = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == bare for tag in header.split(","))


def with_etag(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """A 200 answer to GET gets an ETag; a client that already holds it gets 304."""
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    if response.streaming:
        return response
    etag = etag_of(response.content)
    response["ETag"] = etag
    asked = request.headers.get("If-None-Match")
    if asked and _matches(asked, etag):
        not_modified = HttpResponseNotModified()
        not_modified["ETag"] = etag
        return not_modified
    return response


def check_if_match(request: HttpRequest, current: Schema) -> None:
    """For a PUT that sends ``If-Match``: 412 unless it names the ETag a GET of the record
    gives now (``current``: the record as its GET's response schema, e.g.
    ``PersonOut.from_orm(person)``)."""
    asked = request.headers.get("If-Match")
    if not asked:
        return
    content = JSONRenderer().render(request, current.model_dump(), response_status=200)
    if not _matches(asked, etag_of(content.encode())):
        raise ApiError(
            412,
            _("The record changed since you read it; read it again."),
            code="changed",
        )
