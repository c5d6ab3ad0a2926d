"""The Statements resource, /xapi/statements (xAPI 1.0.3, part three §2.1).

- PUT ``?statementId=`` one statement: 204; 409 when a different statement has that id (204, and
  nothing stored, when it is the same one).
- POST one statement or a list: 200 and their ids, all stored or none.
- GET ``?statementId=`` / ``?voidedStatementId=`` one statement (a voided one only through
  ``voidedStatementId``); GET with the query parameters a page of them, newest first (or
  ``ascending``), voided ones left out, and a ``more`` link to the next page.
- Requests may be ``multipart/mixed`` with attachments (first part the JSON); signed statements
  (a JWS attachment) are checked. ``attachments=true`` answers ``multipart/mixed`` likewise.

Pages: at most ``MAX_LIMIT`` statements (``limit=0`` is that too). The ``more`` link is a signed,
relative URL (/xapi/statements/more/<token>) holding the query, where the page stopped and, for
pages oldest first, the newest statement number when the query was first asked: later pages never
show a statement stored after the first (so none is seen twice nor skipped while new ones
arrive), and only the same principal may follow it, for a day.

``since`` is read as ranges of statement numbers (``_spans``), which every index of the store
has, so each query is one PostgreSQL ranks by its index and stops at the page's end.

``X-Experience-API-Consistent-Through`` is the time ``CONSISTENCY_WINDOW`` ago: a statement's
``stored`` is taken before its transaction commits, and openclass's own are written inside the
transactions of the events they record, which end within that window.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import operator
import secrets
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Max, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date
from django.utils.translation.trans_real import parse_accept_lang_header

from openclass.core.db import CompiledQuery

from .. import agents, statements, validation
from ..auth import LrsError, Principal, lrs_endpoint
from ..models import Activity, Attachment, Statement

MAX_LIMIT = 100
CONSISTENCY_WINDOW = timedelta(seconds=5)
MORE_MAX_AGE = timedelta(days=1)
MORE_SALT = "openclass.xapi.more"
SIGNATURE = "http://adlnet.gov/expapi/attachments/signature"
SIGNATURE_ALGORITHMS = ("RS256", "RS384", "RS512")
QUERY_PARAMS = frozenset(
    {
        "agent",
        "verb",
        "activity",
        "registration",
        "related_activities",
        "related_agents",
        "since",
        "until",
        "limit",
        "format",
        "attachments",
        "ascending",
    }
)
SINGLE_PARAMS = frozenset({"statementId", "voidedStatementId", "format", "attachments"})
FORMATS = ("exact", "ids", "canonical")
HASHES = {56: hashlib.sha224, 64: hashlib.sha256, 96: hashlib.sha384, 128: hashlib.sha512}


def _json_text(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)


def _json_response(data: Any, status: int = 200) -> HttpResponse:
    return _json_text_response(_json_text(data), status)


def _json_text_response(text: str, status: int = 200) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="application/json; charset=utf-8")


def _principal(request: HttpRequest) -> Principal:
    principal: Principal = getattr(request, "principal")  # noqa: B009 - set by lrs_endpoint
    return principal


@lrs_endpoint
def statements_resource(request: HttpRequest) -> HttpResponse:
    method = request.method
    if method == "PUT":
        return _put(request)
    if method == "POST":
        return _post(request)
    if method in ("GET", "HEAD"):
        return _get(request)
    raise LrsError(405, "Statements answer GET, HEAD, PUT and POST.", {"Allow": ALLOW})


ALLOW = "GET, HEAD, PUT, POST, OPTIONS"


# --- reading a request -------------------------------------------------------------------------


def _parts(body: bytes, boundary: str) -> list[tuple[dict[str, str], bytes]]:
    """The parts of a multipart/mixed body: (headers by lower-case name, content)."""
    delimiter = b"--" + boundary.encode("latin-1")
    start = body.find(delimiter)
    if start < 0:
        raise LrsError(400, "The multipart body has no part with its boundary.")
    found: list[tuple[dict[str, str], bytes]] = []
    position = start + len(delimiter)
    while True:
        if body[position : position + 2] == b"--":
            return found
        if body[position : position + 2] != b"\r\n":
            raise LrsError(400, "A multipart boundary is not followed by a line break.")
        position += 2
        end = body.find(b"\r\n" + delimiter, position)
        if end < 0:
            raise LrsError(400, "The multipart body does not end with its closing boundary.")
        part = body[position:end]
        head, separator, content = part.partition(b"\r\n\r\n")
        if not separator:
            head, content = (b"", part[2:]) if part.startswith(b"\r\n") else (part, b"")
        headers: dict[str, str] = {}
        for line in head.decode("latin-1").split("\r\n"):
            name, colon, value = line.partition(":")
            if colon:
                headers[name.strip().lower()] = value.strip()
        found.append((headers, content))
        position = end + 2 + len(delimiter)


def _digest_of(content: bytes, sha2: str) -> str:
    algorithm = HASHES.get(len(sha2))
    if algorithm is None:
        raise LrsError(400, f"{sha2[:20]}… is not a SHA-2 digest.")
    return algorithm(content).hexdigest()


def _read(request: HttpRequest) -> tuple[Any, dict[str, tuple[str, bytes]]]:
    """The request's JSON and its attachments' contents by SHA-2 digest (lower case)."""
    content_type = (request.content_type or "").lower()
    body = request.body
    if content_type == "multipart/mixed":
        boundary = request.content_params.get("boundary") if request.content_params else None
        if not boundary:
            raise LrsError(400, "A multipart/mixed request names its boundary.")
        parts = _parts(body, str(boundary))
        if not parts:
            raise LrsError(400, "The multipart body has no parts.")
        first_headers, first = parts[0]
        if first_headers.get("content-type", "").split(";")[0].strip() != "application/json":
            raise LrsError(400, "The first part of a multipart request is application/json.")
        attachments: dict[str, tuple[str, bytes]] = {}
        for headers, content in parts[1:]:
            sha2 = headers.get("x-experience-api-hash", "").lower()
            if not sha2:
                raise LrsError(400, "Every attachment part has an X-Experience-API-Hash.")
            if headers.get("content-transfer-encoding", "").lower() != "binary":
                raise LrsError(400, "Every attachment part is Content-Transfer-Encoding: binary.")
            if _digest_of(content, sha2) != sha2:
                raise LrsError(400, f"The attachment {sha2[:16]}… does not match its hash.")
            attachments[sha2] = (headers.get("content-type", "application/octet-stream"), content)
        return _json(first), attachments
    if content_type != "application/json":
        raise LrsError(400, "Statements are sent as application/json or multipart/mixed.")
    return _json(body), {}


def _json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise LrsError(400, "The body is not JSON.") from None


def _check_attachments(
    data: list[dict[str, Any]], attachments: dict[str, tuple[str, bytes]]
) -> None:
    """Every attachment without a ``fileUrl`` has its part, every part belongs to an
    attachment, and signed statements' signatures hold (part two §2.6)."""
    named: set[str] = set()
    for statement in data:
        for attachment in statement.get("attachments", []):
            sha2 = str(attachment["sha2"]).lower()
            named.add(sha2)
            if sha2 not in attachments and "fileUrl" not in attachment:
                raise LrsError(400, f"The attachment {sha2[:16]}… has no part and no fileUrl.")
            if attachment.get("usageType") == SIGNATURE:
                if sha2 not in attachments:
                    raise LrsError(400, "A signature attachment is sent as a part.")
                _check_signature(statement, attachments[sha2][1])
    extra = set(attachments) - named
    if extra:
        raise LrsError(400, "A part is no attachment of these statements.")


def _signed(statement: dict[str, Any]) -> dict[str, Any]:
    """What a signature's payload is compared with: the statement as its author made it."""
    return {
        key: value
        for key, value in statement.items()
        if key not in ("authority", "stored", "version", "attachments")
    }


def _check_signature(statement: dict[str, Any], content: bytes) -> None:
    from cryptography import x509
    from jwcrypto import jwk, jws
    from jwcrypto.common import JWException

    try:
        token = jws.JWS()
        token.deserialize(content.decode("ascii").strip())
        header = token.jose_header
        payload = json.loads(token.objects["payload"])
    except (JWException, UnicodeDecodeError, ValueError, KeyError, TypeError):
        raise LrsError(400, "The signature is not a JWS.") from None
    if not isinstance(header, dict) or header.get("alg") not in SIGNATURE_ALGORITHMS:
        raise LrsError(400, "A signature is signed with RS256, RS384 or RS512.")
    if not isinstance(payload, dict):
        raise LrsError(400, "The signature's payload is not a statement.")
    expected = _signed(statement)
    signed = _signed(payload)
    if "id" not in payload:
        expected.pop("id", None)
    if statements.comparable(signed) != statements.comparable(expected):
        raise LrsError(400, "The signature's payload is not this statement.")
    chain = header.get("x5c")
    if chain:
        try:
            certificate = x509.load_der_x509_certificate(base64.b64decode(chain[0]))
            key = jwk.JWK.from_pyca(certificate.public_key())
            token.verify(key, alg=header["alg"])
        except (JWException, ValueError, TypeError, IndexError):
            raise LrsError(400, "The signature does not verify with its certificate.") from None


# --- writing ----------------------------------------------------------------------------------


def _writable(request: HttpRequest, allowed: frozenset[str]) -> Principal:
    principal = _principal(request)
    unknown = set(request.GET) - allowed
    if unknown:
        raise LrsError(400, f"Unknown parameter: {sorted(unknown)[0][:40]}.")
    if not principal.may("statements/write"):
        raise LrsError(403, "These credentials may not write statements.")
    return principal


def _put(request: HttpRequest) -> HttpResponse:
    principal = _writable(request, frozenset({"statementId"}))
    wanted = request.GET.get("statementId")
    if wanted is None:
        raise LrsError(400, "PUT names the statement: statementId.")
    validation.validate_uuid(wanted, "statementId")
    data, attachments = _read(request)
    if not isinstance(data, dict):
        raise LrsError(400, "PUT takes one statement.")
    validation.validate_statement(data)
    if "id" in data and uuid.UUID(str(data["id"])) != uuid.UUID(wanted):
        raise LrsError(400, "The statement's id is not statementId.")
    data = {**data, "id": str(uuid.UUID(wanted))}
    _save(principal, [data], attachments)
    return HttpResponse(status=204)


def _post(request: HttpRequest) -> HttpResponse:
    principal = _writable(request, frozenset())
    data, attachments = _read(request)
    batch = validation.validate_statements(data)
    ids = _save(principal, [dict(statement) for statement in batch], attachments)
    return _json_response(ids)


def _save(
    principal: Principal,
    batch: list[dict[str, Any]],
    attachments: dict[str, tuple[str, bytes]],
) -> list[str]:
    """Store what is new in ``batch``, all or nothing; the ids of all of it, in order."""
    _check_attachments(batch, attachments)
    for statement in batch:
        statement.setdefault("id", str(uuid.uuid4()))
        statement["id"] = str(uuid.UUID(str(statement["id"])))
    ids = [statement["id"] for statement in batch]
    abouts = [statements.about_for(statement) for statement in batch]
    for about in abouts:
        if not principal.may_write_about(about.user):
            raise LrsError(403, "These credentials may not write statements about this actor.")
    try:
        with transaction.atomic():
            known = {
                str(row.statement_id): row
                for row in Statement.objects.select_for_update().filter(statement_id__in=ids)
            }
            new, new_abouts = [], []
            for statement, about in zip(batch, abouts, strict=True):
                row = known.get(statement["id"])
                if row is not None:
                    if not statements.same_statement(row, statement):
                        raise LrsError(409, f"Statement {statement['id']} exists, different.")
                    continue
                _check_voiding(principal, statement, batch)
                new.append(statement)
                new_abouts.append(about)
            for sha2, (content_type, content) in attachments.items():
                Attachment.objects.get_or_create(
                    sha2=sha2, defaults={"content_type": content_type, "content": content}
                )
            if new:
                statements.store(
                    new,
                    authority=principal.authority(),
                    client=principal.client,
                    about=new_abouts,
                    define=principal.may("define"),
                )
    except IntegrityError:
        raise LrsError(409, "A statement with one of these ids was stored meanwhile.") from None
    return ids


def _check_voiding(
    principal: Principal, statement: dict[str, Any], batch: list[dict[str, Any]]
) -> None:
    """A voiding statement may not void a voiding statement (part two §2.3.2), nor a statement
    its writer did not write and may not both read and write about (a student voiding another's
    record by its id)."""
    if not validation.is_voiding(statement):
        return
    try:
        target = uuid.UUID(str(statement["object"]["id"]))
    except ValueError:
        raise LrsError(400, "A voiding statement's object is a StatementRef with a UUID.") from None
    row = Statement.objects.filter(statement_id=target).first()
    if row is not None:
        if row.verb == validation.VOIDED:
            raise LrsError(400, "A voiding statement cannot be voided.")
        wrote = principal.client is not None and row.client_id == principal.client.pk
        if not wrote and not (
            principal.may_write_about(row.user)
            and Statement.objects.filter(principal.readable_statements(), pk=row.pk).exists()
        ):
            raise LrsError(403, "These credentials may not void that statement.")
    target_text = str(target)
    if any(validation.is_voiding(other) and other["id"] == target_text for other in batch):
        raise LrsError(400, "A voiding statement cannot be voided.")


# --- reading ----------------------------------------------------------------------------------


def _boolean(params: QueryDict, name: str) -> bool:
    value = params.get(name, "false").lower()
    if value not in ("true", "false"):
        raise LrsError(400, f"{name} is true or false.")
    return value == "true"


def _format(params: QueryDict) -> str:
    value = params.get("format", "exact")
    if value not in FORMATS:
        raise LrsError(400, "format is ids, exact or canonical.")
    return value


def _readable(request: HttpRequest) -> Principal:
    principal = _principal(request)
    if not principal.may("statements/read/mine"):
        raise LrsError(403, "These credentials may not read statements.")
    return principal


def _get(request: HttpRequest) -> HttpResponse:
    principal = _readable(request)
    params = request.GET
    if "statementId" in params or "voidedStatementId" in params:
        unknown = set(params) - SINGLE_PARAMS
        if unknown or ("statementId" in params and "voidedStatementId" in params):
            raise LrsError(400, "A single statement's GET takes only format and attachments.")
        return _single(request, principal, params)
    unknown = set(params) - QUERY_PARAMS
    if unknown:
        raise LrsError(400, f"Unknown parameter: {sorted(unknown)[0][:40]}.")
    query = {name: params[name] for name in QUERY_PARAMS if name in params}
    _filters(query)  # refuse a malformed query before anything is read
    return _page(request, principal, query, after=None, top=None)


def _single(request: HttpRequest, principal: Principal, params: QueryDict) -> HttpResponse:
    voided = "voidedStatementId" in params
    wanted = str(params.get("voidedStatementId" if voided else "statementId", ""))
    validation.validate_uuid(wanted, "voidedStatementId" if voided else "statementId")
    shape = _format(params)
    with_attachments = _boolean(params, "attachments")
    row = (
        Statement.objects.filter(principal.readable_statements())
        .filter(statement_id=uuid.UUID(wanted), voided=voided)
        .first()
    )
    if row is None:
        raise LrsError(404, "No such statement (or not one these credentials may read).")
    shown = _shaped([row.full], shape, request)[0]
    response = _answer(_json_text(shown), [row.full], with_attachments)
    response["Last-Modified"] = http_date(row.stored.timestamp())
    return response


def _filters(query: dict[str, str]) -> tuple[list[Q], tuple[str, ...]]:
    """The query parameters that select statements (§2.1.3), as filters on ``Statement`` of
    which a statement meets any, and the related rows (``activities``, ``agents``) they join:
    ``agent`` matches the actor or the object, two filters each keeping to its own index rather
    than one OR the planner answers by reading the table.

    The related activities and agents are joins, not EXISTS: a statement names each of them once
    (unique constraints), so a join adds no duplicate, and it lets the database walk the
    ``(activity, statement)`` index newest first and stop at the page's end. As a semi-join it
    gathered every statement of the activity first (2,500 rows read for a course's page of 50 at
    5 million statements)."""
    rule = Q()
    alternatives = [Q()]
    joined: list[str] = []
    if "agent" in query:
        try:
            agent = json.loads(query["agent"])
        except ValueError:
            raise LrsError(400, "agent is an Agent or identified Group, as JSON.") from None
        validation.validate_agent(agent, "agent")
        key = agents.key_of(agent)
        if query.get("related_agents", "false").lower() == "true":
            rule &= Q(agents__agent=key)
            joined.append("agents")
        else:
            alternatives = [Q(actor=key), Q(object_agent=key)]
    if "verb" in query:
        validation.validate_iri(query["verb"], "verb")
        rule &= Q(verb=query["verb"])
    if "activity" in query:
        validation.validate_iri(query["activity"], "activity")
        if query.get("related_activities", "false").lower() == "true":
            rule &= Q(activities__activity=query["activity"])
            joined.append("activities")
        else:
            rule &= Q(object_activity=query["activity"])
    if "registration" in query:
        validation.validate_uuid(query["registration"], "registration")
        rule &= Q(registration=uuid.UUID(query["registration"]))
    for name in ("related_activities", "related_agents", "ascending", "attachments"):
        if name in query and query[name].lower() not in ("true", "false"):
            raise LrsError(400, f"{name} is true or false.")
    if "format" in query and query["format"] not in FORMATS:
        raise LrsError(400, "format is ids, exact or canonical.")
    for name in ("since", "until"):
        if name in query:
            validation.validate_timestamp(query[name], name)
    if "limit" in query:
        _limit(query)
    return [rule & alternative for alternative in alternatives], tuple(joined)


def _limit(query: dict[str, str]) -> int:
    text = query.get("limit", "0")
    if not text.isascii() or not text.isdigit() or len(text) > 9:
        raise LrsError(400, "limit is a whole number, 0 or more.")
    limit = int(text)
    return MAX_LIMIT if limit == 0 else min(limit, MAX_LIMIT)


@dataclass(frozen=True)
class Span:
    """Statement numbers above ``above`` and up to ``upto`` (None: the newest there is); of
    them, when ``stored_after`` is given, only those stored after it."""

    above: int
    upto: int | None
    stored_after: datetime | None = None

    @property
    def empty(self) -> bool:
        return self.upto is not None and self.above >= self.upto


def _number_by_stored(lookup: str, *order: str) -> CompiledQuery:
    """The number of the statement first in ``order`` of those stored ``lookup`` a moment,
    compiled once: ``_spans`` reads two on every query with ``since``, and the ORM took four
    times as long to build each as PostgreSQL to answer it."""
    return CompiledQuery(
        lambda moment: (
            Statement.objects.filter(**{lookup: moment}).order_by(*order).values_list("number")[:1]
        ),
        datetimes=(0,),
    )


_LAST_STORED_BY = _number_by_stored("stored__lte", "-stored", "-number")
_FIRST_STORED_AFTER = _number_by_stored("stored__gt", "stored", "number")


def _spans(since: datetime | None, top: int | None) -> list[Span]:
    """The statement numbers up to ``top`` a query with ``since`` selects, newest first: the
    numbers from the first statement stored after ``since`` plus ``CONSISTENCY_WINDOW`` on,
    every one of them stored after ``since``; below, down to the last one stored by ``since``
    less the window, the numbers whose ``stored`` must be read; none further down.

    Why it holds: a statement's number is given when it is inserted, after its ``stored`` was
    taken, and its transaction ends within ``CONSISTENCY_WINDOW`` of that (the rule the
    consistent-through header rests on). So a statement numbered below one stored by ``since``
    less the window was stored by ``since``; one numbered above one stored after ``since`` plus
    the window was stored after ``since``.

    Why: ``since`` as a filter is one PostgreSQL cannot rank. Its estimate of how many of a
    range of numbers were stored since a time multiplies the two as if unrelated, so for the
    last week of a course it read every statement of the week through the ``stored`` index
    (78,000 rows, 50–100 ms at 5 million statements) and for the last minutes it walked the
    ``stored`` index once per row of the course. As numbers the same query reads a few dozen
    index entries. Two reads of the ``stored`` index, each one row, find the bounds."""
    if since is None:
        return [Span(0, top)]
    floor = next(iter(_LAST_STORED_BY.rows(since - CONSISTENCY_WINDOW)), (0,))[0]
    first = next(iter(_FIRST_STORED_AFTER.rows(since + CONSISTENCY_WINDOW)), (None,))[0]
    if first is None or (top is not None and first > top):
        return [Span(floor, top, since)]
    return [Span(first - 1, top), Span(floor, first - 1, since)]


@dataclass(frozen=True)
class Selection:
    """Statements a query selects: ``rows`` that meet ``rule``. ``joined`` names the related
    rows (``activities``, ``agents``) the rule joins; ``few`` says the rule's own index holds
    few statements (those with a StatementRef), read in one go."""

    rows: QuerySet[Statement]
    rule: Q
    joined: tuple[str, ...] = ()
    few: bool = False

    def within(self, span: Span) -> QuerySet[Statement, tuple[int, datetime, str]]:
        """Those in ``span``, as ``(number, stored, the statement as JSON text)``.

        One ``filter`` call, so the bounds apply to the rule's own join; and the bounds are
        said of the joined rows' statement column as well: PostgreSQL carries an equality
        across a join but not a range, and told only ``number`` in a range it walks the
        joined rows' ``(activity, statement)`` index from the activity's newest statement
        down to its oldest."""
        bounds = Q(number__gt=span.above)
        for joined in self.joined:
            bounds &= Q(**{f"{joined}__statement_id__gt": span.above})
        if span.upto is not None:
            bounds &= Q(number__lte=span.upto)
            for joined in self.joined:
                bounds &= Q(**{f"{joined}__statement_id__lte": span.upto})
        if span.stored_after is not None:
            bounds &= Q(stored__gt=span.stored_after)
        return self.rows.filter(self.rule & bounds).values_list(
            "number", "stored", Cast("full", TextField())
        )


def _selected(principal: Principal, query: dict[str, str]) -> list[Selection]:
    """The statements a query selects but for ``since`` (see ``_spans``), as selections to
    merge: those meeting each alternative of its filters, and (when it has filters) the
    statements targeting one that does — a statement with a StatementRef meets a filter its
    target meets (§2.1.3). Several queries, not one with an OR, so each keeps to its index (the
    last starts from the few statements with a StatementRef)."""
    rules, joined = _filters(query)
    rows = Statement.objects.filter(voided=False).filter(principal.readable_statements())
    if "until" in query:
        rows = rows.filter(stored__lte=validation.validate_timestamp(query["until"], "until"))
    if rules == [Q()]:
        return [Selection(rows, Q())]
    targets = Statement.objects.filter(functools.reduce(operator.or_, rules))
    return [Selection(rows, rule, joined) for rule in rules] + [
        Selection(
            rows,
            Q(object_statement__isnull=False, object_statement__in=targets.values("statement_id")),
            few=True,
        )
    ]


def _page(
    request: HttpRequest,
    principal: Principal,
    query: dict[str, str],
    *,
    after: int | None,
    top: int | None,
) -> HttpResponse:
    limit = _limit(query)
    ascending = query.get("ascending", "false").lower() == "true"
    if top is None and ascending:
        # Later pages stop at the newest statement of the first (newest-first pages stop
        # before the last one shown, which is enough).
        top = Statement.objects.aggregate(top=Max("number"))["top"] or 0
    since = None
    if "since" in query:
        since = validation.validate_timestamp(query["since"], "since")
    spans = _spans(since, top)  # newest first
    whole = Span(spans[-1].above, spans[0].upto, since)  # for the StatementRef selection

    def clipped(span: Span) -> Span:
        """``span`` less what earlier pages showed."""
        if ascending:
            return replace(span, above=max(span.above, after or 0))
        if after is None:
            return span
        return replace(span, upto=after - 1 if span.upto is None else min(span.upto, after - 1))

    spans = [clipped(span) for span in (reversed(spans) if ascending else spans)]
    whole = clipped(whole)
    merged: dict[int, tuple[int, datetime, str]] = {}
    for selection in _selected(principal, query):
        found: list[tuple[int, datetime, str]] = []
        for span in [whole] if selection.few else spans:
            if span.empty or len(found) > limit:
                continue
            rows = selection.within(span).order_by("number" if ascending else "-number")
            found += rows[: limit + 1 - len(found)]
        for row in found:
            merged[row[0]] = row
    found = [merged[number] for number in sorted(merged, reverse=not ascending)][: limit + 1]
    more = ""
    if len(found) > limit:
        found = found[:limit]
        more = _more_url(principal, query, after=found[-1][0], top=top)
    texts = [text for _number, _stored, text in found]
    shape = _format(QueryDict(_q(query)))
    with_attachments = query.get("attachments", "false").lower() == "true"
    fulls = [json.loads(text) for text in texts] if shape != "exact" or with_attachments else []
    if shape == "exact":
        # The statements as stored, not parsed and written again: a page's JSON work was a
        # sixth of the server's time under the dashboards' load.
        shown = ", ".join(texts)
    else:
        shown = ", ".join(_json_text(one) for one in _shaped(fulls, shape, request))
    response = _answer(
        f'{{"statements": [{shown}], "more": {_json_text(more)}}}', fulls, with_attachments
    )
    last_stored = max((stored for _number, stored, _text in found), default=None)
    if last_stored is not None:
        response["Last-Modified"] = http_date(last_stored.timestamp())
    return response


def _q(query: dict[str, str]) -> str:
    params = QueryDict(mutable=True)
    params.update(query)
    return params.urlencode()


def _who(principal: Principal) -> str:
    if principal.client is not None:
        return f"c{principal.client.pk}"
    site = principal.site.pk if principal.site is not None else ""
    return f"u{principal.user.pk if principal.user else ''}s{site}"


def _more_url(principal: Principal, query: dict[str, str], *, after: int, top: int | None) -> str:
    token = signing.dumps(
        {"q": query, "a": after, "t": top, "w": _who(principal)}, salt=MORE_SALT, compress=True
    )
    return reverse("xapi:statements_more", kwargs={"token": token})


@lrs_endpoint
def more(request: HttpRequest, token: str) -> HttpResponse:
    """The next page of a statements query (the ``more`` link)."""
    if request.method not in ("GET", "HEAD"):
        raise LrsError(405, "A more link answers GET.", {"Allow": "GET, HEAD, OPTIONS"})
    principal = _readable(request)
    if request.GET:
        raise LrsError(400, "A more link takes no parameters.")
    try:
        state = signing.loads(token, salt=MORE_SALT, max_age=MORE_MAX_AGE)
        query, after, who = state["q"], int(state["a"]), state["w"]
        top = None if state["t"] is None else int(state["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise LrsError(404, "This more link is unknown or expired.") from None
    if who != _who(principal):
        raise LrsError(404, "This more link is unknown or expired.")
    return _page(request, principal, dict(query), after=after, top=top)


# --- shaping the answer -----------------------------------------------------------------------


def _consistent_through() -> str:
    return (timezone.now() - CONSISTENCY_WINDOW).isoformat()


def _answer(text: str, fulls: list[dict[str, Any]], with_attachments: bool) -> HttpResponse:
    """``text`` (JSON), or multipart/mixed with it and the attachments of ``fulls`` after it."""
    if not with_attachments:
        response = _json_text_response(text)
    else:
        wanted = {
            str(attachment.get("sha2", "")).lower()
            for full in fulls
            for attachment in full.get("attachments", [])
        }
        stored = Attachment.objects.filter(sha2__in=wanted).order_by("sha2")
        boundary = secrets.token_hex(16)
        chunks = [
            f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(),
            text.encode("utf-8"),
        ]
        for attachment in stored:
            chunks.append(
                (
                    f"\r\n--{boundary}\r\nContent-Type: {attachment.content_type}\r\n"
                    "Content-Transfer-Encoding: binary\r\n"
                    f"X-Experience-API-Hash: {attachment.sha2}\r\n\r\n"
                ).encode("latin-1")
            )
            chunks.append(bytes(attachment.content))
        chunks.append(f"\r\n--{boundary}--\r\n".encode())
        response = HttpResponse(
            b"".join(chunks), content_type=f"multipart/mixed; boundary={boundary}"
        )
    response["X-Experience-API-Consistent-Through"] = _consistent_through()
    return response


def _shaped(fulls: list[dict[str, Any]], shape: str, request: HttpRequest) -> list[Any]:
    if shape == "ids":
        return [_ids_statement(full) for full in fulls]
    if shape == "canonical":
        languages = [
            tag for tag, _q in parse_accept_lang_header(request.headers.get("Accept-Language", ""))
        ]
        return _canonical(fulls, languages)
    return fulls


_IFIS = ("mbox", "mbox_sha1sum", "openid", "account")


def _ids_agent(agent: dict[str, Any]) -> dict[str, Any]:
    kind = agent.get("objectType", "Agent")
    ifis = {key: agent[key] for key in _IFIS if key in agent}
    if kind == "Group" and not ifis:
        return {"objectType": "Group", "member": [_ids_agent(m) for m in agent.get("member", [])]}
    return {"objectType": kind, **ifis}


def _ids_object(target: dict[str, Any]) -> dict[str, Any]:
    kind = target.get("objectType", "Activity")
    if kind == "Activity":
        return {"objectType": "Activity", "id": target["id"]}
    if kind in ("Agent", "Group"):
        return _ids_agent(target)
    if kind == "SubStatement":
        return {"objectType": "SubStatement", **_ids_statement(target, sub=True)}
    return target


def _ids_statement(statement: dict[str, Any], *, sub: bool = False) -> dict[str, Any]:
    shown = {key: value for key, value in statement.items() if key != "objectType" or not sub}
    shown["actor"] = _ids_agent(statement["actor"])
    shown["verb"] = {"id": statement["verb"]["id"]}
    shown["object"] = _ids_object(statement["object"])
    if "authority" in statement:
        shown["authority"] = _ids_agent(statement["authority"])
    if "context" in statement:
        context = dict(statement["context"])
        for role in ("instructor", "team"):
            if role in context:
                context[role] = _ids_agent(context[role])
        if "contextActivities" in context:
            context["contextActivities"] = {
                kind: [
                    {"objectType": "Activity", "id": activity["id"]}
                    for activity in (activities if isinstance(activities, list) else [activities])
                ]
                for kind, activities in context["contextActivities"].items()
            }
        shown["context"] = context
    return shown


def _pick(language_map: Any, languages: list[str]) -> Any:
    """One entry of a language map: the first of the reader's languages it has (a tag or its
    primary language), else its first."""
    if not isinstance(language_map, dict) or len(language_map) <= 1:
        return language_map
    lowered = {tag.lower(): tag for tag in language_map}
    for wanted in [*languages, "ko-kr", "ko", "en-us", "en"]:
        wanted = wanted.lower()
        if wanted == "*":
            break
        if wanted in lowered:
            tag = lowered[wanted]
            return {tag: language_map[tag]}
        for lower, tag in lowered.items():
            if lower.split("-")[0] == wanted.split("-")[0]:
                return {tag: language_map[tag]}
    tag = next(iter(language_map))
    return {tag: language_map[tag]}


def _canonical_definition(definition: dict[str, Any], languages: list[str]) -> dict[str, Any]:
    shown = dict(definition)
    for key in ("name", "description"):
        if key in shown:
            shown[key] = _pick(shown[key], languages)
    for key in ("choices", "scale", "source", "target", "steps"):
        if isinstance(shown.get(key), list):
            shown[key] = [
                {**item, "description": _pick(item.get("description"), languages)}
                if isinstance(item, dict) and "description" in item
                else item
                for item in shown[key]
            ]
    return shown


def _canonical(fulls: list[dict[str, Any]], languages: list[str]) -> list[dict[str, Any]]:
    ids: set[str] = set()
    for full in fulls:
        ids |= statements._activities(full)
    definitions = {
        activity.activity_id: activity.definition
        for activity in Activity.objects.filter(activity_id__in=list(ids))
    }

    def activity(value: dict[str, Any]) -> dict[str, Any]:
        definition = definitions.get(value.get("id", ""), value.get("definition"))
        shown = dict(value)
        if definition:
            shown["definition"] = _canonical_definition(definition, languages)
        return shown

    def statement(value: dict[str, Any]) -> dict[str, Any]:
        shown = dict(value)
        verb = dict(value["verb"])
        if "display" in verb:
            verb["display"] = _pick(verb["display"], languages)
        shown["verb"] = verb
        target = value["object"]
        if target.get("objectType", "Activity") == "Activity":
            shown["object"] = activity(target)
        elif target.get("objectType") == "SubStatement":
            shown["object"] = statement(target)
        if "context" in value and "contextActivities" in value["context"]:
            context = dict(value["context"])
            context["contextActivities"] = {
                kind: [
                    activity(a)
                    for a in (activities if isinstance(activities, list) else [activities])
                ]
                for kind, activities in context["contextActivities"].items()
            }
            shown["context"] = context
        if "attachments" in value:
            shown["attachments"] = [
                {
                    **attachment,
                    **{
                        key: _pick(attachment[key], languages)
                        for key in ("display", "description")
                        if key in attachment
                    },
                }
                for attachment in value["attachments"]
            ]
        return shown

    return [statement(full) for full in fulls]
