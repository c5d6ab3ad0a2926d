"""The demo's open data, served by the installation (``feeds.demo``): an OAI-PMH 2.0 repository at
``/catalogs/demo/oai`` and the feeds ``/catalogs/demo/feed.json`` and ``feed.csv``. Public (no
login): it is the demo's open data, read by the installation's own scheduled fetch.

The repository answers the six verbs — Identify, ListMetadataFormats, ListSets, ListIdentifiers,
ListRecords (``PAGE_SIZE`` records a page, then a ``resumptionToken``), GetRecord — in
``oai_dc`` only, with the protocol's error codes (badVerb, badArgument, cannotDisseminateFormat,
idDoesNotExist, noRecordsMatch, badResumptionToken). Datestamps are days; deleted records are
kept (``deletedRecord`` persistent) and listed with ``status="deleted"``.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from xml.etree.ElementTree import Element, SubElement, tostring

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from .. import demo

PAGE_SIZE = 50
OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
OAI_SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"

#: The arguments each verb takes: (required, optional); a resumption token is exclusive.
VERBS: dict[str, tuple[set[str], set[str]]] = {
    "Identify": (set(), set()),
    "ListMetadataFormats": (set(), {"identifier"}),
    "ListSets": (set(), {"resumptionToken"}),
    "ListIdentifiers": ({"metadataPrefix"}, {"from", "until", "set"}),
    "ListRecords": ({"metadataPrefix"}, {"from", "until", "set"}),
    "GetRecord": ({"identifier", "metadataPrefix"}, set()),
}


class OaiError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(request.path)


def _site_base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _envelope(request: HttpRequest, arguments: dict[str, str] | None) -> Element:
    root = Element(
        "OAI-PMH",
        {
            "xmlns": OAI_NS,
            "xmlns:xsi": XSI_NS,
            "xsi:schemaLocation": f"{OAI_NS} {OAI_SCHEMA}",
        },
    )
    SubElement(root, "responseDate").text = (
        timezone.now().astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    )
    SubElement(root, "request", arguments or {}).text = _base_url(request)
    return root


def _answer(root: Element, status: int = 200) -> HttpResponse:
    body = b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(
        root, encoding="utf-8", xml_declaration=False
    )
    return HttpResponse(body, content_type="text/xml; charset=utf-8", status=status)


def _header(parent: Element, record: demo.DemoRecord) -> None:
    header = SubElement(parent, "header", {"status": "deleted"} if record.deleted else {})
    SubElement(header, "identifier").text = record.identifier
    SubElement(header, "datestamp").text = record.day.isoformat()
    SubElement(header, "setSpec").text = record.site


def _record(parent: Element, record: demo.DemoRecord, base: str) -> None:
    element = SubElement(parent, "record")
    _header(element, record)
    if record.deleted:
        return
    metadata = SubElement(element, "metadata")
    dc = SubElement(
        metadata,
        "oai_dc:dc",
        {
            "xmlns:oai_dc": OAI_DC_NS,
            "xmlns:dc": DC_NS,
            "xsi:schemaLocation": f"{OAI_DC_NS} {OAI_DC_SCHEMA}",
        },
    )
    SubElement(dc, "dc:title").text = record.title
    SubElement(dc, "dc:creator").text = demo.SITE_BY_SLUG[record.site].name
    for tag in record.tags:
        SubElement(dc, "dc:subject").text = tag
    SubElement(dc, "dc:description").text = record.description
    SubElement(dc, "dc:publisher").text = demo.SITE_BY_SLUG[record.site].name
    SubElement(dc, "dc:date").text = record.day.isoformat()
    SubElement(dc, "dc:type").text = record.kind
    SubElement(dc, "dc:format").text = "text/html"
    SubElement(dc, "dc:identifier").text = record.url(base)
    SubElement(dc, "dc:language").text = "ko"


def _oai_records() -> list[demo.DemoRecord]:
    return [
        record for record in demo.demo_records() if demo.SITE_BY_SLUG[record.site].kind == "oai"
    ]


def _day(value: str, name: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value) if len(value) == 10 else _bad_day(value, name)
    except ValueError:
        return _bad_day(value, name)


def _bad_day(value: str, name: str) -> datetime.date:
    raise OaiError("badArgument", f"{name} is not a date of the form YYYY-MM-DD: {value[:40]}")


def _selected(arguments: dict[str, str]) -> list[demo.DemoRecord]:
    if arguments.get("metadataPrefix") != "oai_dc":
        raise OaiError("cannotDisseminateFormat", "Only oai_dc is offered.")
    records = _oai_records()
    if "set" in arguments:
        records = [record for record in records if record.site == arguments["set"]]
    if "from" in arguments:
        since = _day(arguments["from"], "from")
        records = [record for record in records if record.day >= since]
    if "until" in arguments:
        until = _day(arguments["until"], "until")
        records = [record for record in records if record.day <= until]
    if not records:
        raise OaiError("noRecordsMatch", "No record matches the request.")
    return records


def _token(arguments: dict[str, str], offset: int) -> str:
    parts = [
        str(offset),
        arguments.get("set", ""),
        arguments.get("from", ""),
        arguments.get("until", ""),
    ]
    return "|".join(parts)


def _from_token(token: str) -> tuple[dict[str, str], int]:
    parts = token.split("|")
    if len(parts) != 4 or not parts[0].isdigit():
        raise OaiError(
            "badResumptionToken", "The resumption token is not one this repository gave."
        )
    arguments = {"metadataPrefix": "oai_dc"}
    for name, value in zip(("set", "from", "until"), parts[1:], strict=True):
        if value:
            arguments[name] = value
    return arguments, int(parts[0])


def _list(request: HttpRequest, verb: str, arguments: dict[str, str]) -> Element:
    if "resumptionToken" in arguments:
        selection, offset = _from_token(arguments["resumptionToken"])
        try:
            records = _selected(selection)
        except OaiError as error:
            raise OaiError("badResumptionToken", error.message) from error
        if offset <= 0 or offset >= len(records):
            raise OaiError("badResumptionToken", "The resumption token is out of range.")
    else:
        selection, offset = arguments, 0
        records = _selected(selection)
    root = _envelope(request, {"verb": verb, **arguments})
    body = SubElement(root, verb)
    base = _site_base(request)
    for record in records[offset : offset + PAGE_SIZE]:
        if verb == "ListRecords":
            _record(body, record, base)
        else:
            _header(body, record)
    following = offset + PAGE_SIZE
    if following < len(records) or offset > 0:
        SubElement(
            body,
            "resumptionToken",
            {"completeListSize": str(len(records)), "cursor": str(offset)},
        ).text = _token(selection, following) if following < len(records) else ""
    return root


def _answer_verb(request: HttpRequest, verb: str, arguments: dict[str, str]) -> Element:
    base = _site_base(request)
    if verb == "Identify":
        root = _envelope(request, {"verb": verb})
        identify = SubElement(root, "Identify")
        SubElement(identify, "repositoryName").text = "openclass 데모 공개 자료"
        SubElement(identify, "baseURL").text = _base_url(request)
        SubElement(identify, "protocolVersion").text = "2.0"
        SubElement(identify, "adminEmail").text = "demo@openclass.example"
        earliest = min(record.day for record in _oai_records())
        SubElement(identify, "earliestDatestamp").text = earliest.isoformat()
        SubElement(identify, "deletedRecord").text = "persistent"
        SubElement(identify, "granularity").text = "YYYY-MM-DD"
        return root
    if verb == "ListMetadataFormats":
        if "identifier" in arguments and not any(
            record.identifier == arguments["identifier"] for record in _oai_records()
        ):
            raise OaiError("idDoesNotExist", "No record has that identifier.")
        root = _envelope(request, {"verb": verb, **arguments})
        formats = SubElement(root, verb)
        offered = SubElement(formats, "metadataFormat")
        SubElement(offered, "metadataPrefix").text = "oai_dc"
        SubElement(offered, "schema").text = OAI_DC_SCHEMA
        SubElement(offered, "metadataNamespace").text = OAI_DC_NS
        return root
    if verb == "ListSets":
        if "resumptionToken" in arguments:
            raise OaiError("badResumptionToken", "The list of sets has one page.")
        root = _envelope(request, {"verb": verb})
        sets = SubElement(root, verb)
        for site in demo.SITES:
            if site.kind == "oai":
                element = SubElement(sets, "set")
                SubElement(element, "setSpec").text = site.slug
                SubElement(element, "setName").text = site.name
        return root
    if verb == "GetRecord":
        if arguments["metadataPrefix"] != "oai_dc":
            raise OaiError("cannotDisseminateFormat", "Only oai_dc is offered.")
        found = next((r for r in _oai_records() if r.identifier == arguments["identifier"]), None)
        if found is None:
            raise OaiError("idDoesNotExist", "No record has that identifier.")
        root = _envelope(request, {"verb": verb, **arguments})
        _record(SubElement(root, verb), found, base)
        return root
    return _list(request, verb, arguments)


@require_GET
def oai(request: HttpRequest) -> HttpResponse:
    """The OAI-PMH repository of the demo's open courseware, career centre and reading site."""
    verbs = request.GET.getlist("verb")
    arguments: dict[str, str] = {}
    try:
        if len(verbs) != 1 or verbs[0] not in VERBS:
            raise OaiError("badVerb", "The verb is missing, repeated or not an OAI-PMH verb.")
        verb = verbs[0]
        required, optional = VERBS[verb]
        for name in request.GET:
            if name == "verb":
                continue
            values = request.GET.getlist(name)
            if len(values) != 1:
                raise OaiError("badArgument", f"{name} is repeated.")
            arguments[name] = values[0]
        names = set(arguments)
        exclusive = verb in ("ListIdentifiers", "ListRecords", "ListSets")
        if exclusive and "resumptionToken" in names:
            if names != {"resumptionToken"}:
                raise OaiError("badArgument", "resumptionToken is an exclusive argument.")
        elif not required <= names or not names <= required | optional:
            raise OaiError("badArgument", "An argument is missing or not allowed for this verb.")
        root = _answer_verb(request, verb, arguments)
    except OaiError as error:
        # A badVerb or badArgument answer echoes no arguments (the protocol, 3.6).
        echo = None if error.code in ("badVerb", "badArgument") else {"verb": verbs[0], **arguments}
        root = _envelope(request, echo)
        SubElement(root, "error", {"code": error.code}).text = error.message
    return _answer(root)


def _feed_records(request: HttpRequest) -> list[demo.DemoRecord]:
    site = request.GET.get("site") or None
    return [
        record
        for record in demo.demo_records()
        if demo.SITE_BY_SLUG[record.site].kind in ("json", "csv")
        and (site is None or record.site == site)
        and not record.deleted
    ]


@require_GET
def feed_json(request: HttpRequest) -> HttpResponse:
    """The demo feed as JSON: ``{"entries": [...]}`` (``?site=`` one site's)."""
    base = _site_base(request)
    rows = [demo.feed_row(record, base) for record in _feed_records(request)]
    return HttpResponse(
        json.dumps({"entries": rows}, ensure_ascii=False, indent=1),
        content_type="application/json; charset=utf-8",
    )


@require_GET
def feed_csv(request: HttpRequest) -> HttpResponse:
    """The demo feed as CSV, the documented columns in its header (tags joined by commas)."""
    base = _site_base(request)
    out = io.StringIO()
    columns = [
        "id",
        "title",
        "description",
        "url",
        "tags",
        "area",
        "grade_band",
        "audience",
        "published",
    ]
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    for record in _feed_records(request):
        row = demo.feed_row(record, base)
        row["tags"] = ", ".join(record.tags)
        writer.writerow(row)
    return HttpResponse(out.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
