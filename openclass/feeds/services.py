"""Outside catalogs: registering them, and fetching their entries.

A fetch reads the whole source over HTTP first (httpx, ``TIMEOUT`` a request, at most
``MAX_BYTES`` a response, at most ``MAX_PAGES`` OAI-PMH pages), parses it, and only then, in one
transaction, writes the entries: new ones are added, changed ones updated, those the source no
longer has (or, over OAI-PMH, marks deleted) removed, and the outcome recorded on the catalog. A
source that cannot be read or parsed changes no entry: the catalog records the failure with a
message in the platform's language that says what was wrong (and where: the row, the page).

**Formats.** A *feed* is CSV (a header row, UTF-8, a BOM allowed) or JSON (a list of objects, or
an object whose ``entries`` or ``items`` is that list), told apart by the answer's content type,
then the address's ending, then the first character. Its columns / keys: ``id``, ``title``,
``url`` (all three required), ``description``, ``tags`` (a JSON list, or text split at commas
and semicolons), ``area``, ``grade_band`` (elementary/middle/high or 초등/중등/고등),
``audience`` (student/parent/teacher or 학생/학부모/교사), ``published`` (ISO 8601 date or
time). A row missing a required value, with an address that is not http(s), or repeating an
``id`` makes the feed bad. An *OAI-PMH* endpoint is harvested with ``ListRecords`` and
``metadataPrefix=oai_dc`` (and the catalog's ``set``), following ``resumptionToken``: the header's
identifier is the entry's, ``dc:title`` its title, ``dc:description`` its description, the first
http(s) ``dc:identifier`` its address, ``dc:subject`` and ``dc:type`` its tags, the first
``dc:date`` its date. Dublin Core makes every element optional, so a record with no title or
no http(s) address is passed over (it cannot be shown or opened), not an error.

**XML is parsed with defusedxml** (no DTDs, no entities: a billion-laughs or an external entity
is refused), not ``sickle``: sickle is unmaintained since 2020, reads with ``requests`` without
a size limit, and what a harvester needs here (ListRecords, tokens, deleted headers, oai_dc) is
short enough to own and test.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element

import httpx
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError
from defusedxml.ElementTree import fromstring as parse_xml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from openclass.accounts.models import User

from .models import OutsideCatalog, OutsideEntry

log = logging.getLogger(__name__)

#: Seconds a request may take to connect, and between bytes read.
TIMEOUT = 30.0
#: The largest answer read (a feed, or one OAI-PMH page).
MAX_BYTES = 20 * 1024 * 1024
#: The most OAI-PMH pages one harvest follows (a token that never ends is a bad endpoint).
MAX_PAGES = 500
#: The most entries one catalog may hold.
MAX_ENTRIES = 100_000
USER_AGENT = "openclass-feeds/1.0"
#: Seconds after which a fetch's claim on its catalog counts as left by a dead worker.
CLAIM_SECONDS = 3600

OAI = "{http://www.openarchives.org/OAI/2.0/}"
DC = "{http://purl.org/dc/elements/1.1/}"

GRADE_BANDS = {
    "elementary": "elementary",
    "초등": "elementary",
    "초등학교": "elementary",
    "middle": "middle",
    "중등": "middle",
    "중학교": "middle",
    "high": "high",
    "고등": "high",
    "고등학교": "high",
    "": "",
}
AUDIENCES = {
    "student": "student",
    "학생": "student",
    "parent": "parent",
    "학부모": "parent",
    "teacher": "teacher",
    "교사": "teacher",
    "": "",
}


class FetchFailed(Exception):
    """The source could not be read or parsed; ``str()`` is the message the catalog records."""


@dataclass(frozen=True)
class Entry:
    """One entry as the source describes it (before it is stored)."""

    identifier: str
    title: str
    url: str
    description: str = ""
    tags: tuple[str, ...] = ()
    area: str = ""
    grade_band: str = ""
    audience: str = ""
    published_at: datetime.datetime | None = None


@dataclass
class Harvest:
    """What one OAI-PMH page held: the records, the identifiers marked deleted, the token of
    the next page (None on the last)."""

    entries: list[Entry] = field(default_factory=list)
    deleted: set[str] = field(default_factory=set)
    token: str | None = None


@dataclass(frozen=True)
class Fetched:
    """A fetch that worked: how many entries were added, updated and removed."""

    added: int
    updated: int
    removed: int
    total: int


# --- Addresses ------------------------------------------------------------------------------


def is_web_address(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def check_address(url: str) -> None:
    if not is_web_address(url):
        raise ValidationError(
            {"url": _("Only http:// and https:// addresses can be fetched.")}, code="scheme"
        )


# --- Registering ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogDetails:
    name: str
    site_name: str
    kind: str
    url: str
    oai_set: str = ""
    interval_hours: int = 24


def _apply(catalog: OutsideCatalog, details: CatalogDetails) -> None:
    check_address(details.url)
    if details.kind not in OutsideCatalog.Kind.values:
        raise ValidationError({"kind": _("Choose a feed or an OAI-PMH endpoint.")})
    if details.interval_hours < 1:
        raise ValidationError({"interval_hours": _("Fetch at most once an hour.")})
    catalog.name = details.name.strip()
    catalog.site_name = details.site_name.strip()
    catalog.kind = details.kind
    catalog.url = details.url.strip()
    catalog.oai_set = details.oai_set.strip() if details.kind == OutsideCatalog.Kind.OAI else ""
    catalog.interval_hours = details.interval_hours


def register_catalog(by: User, details: CatalogDetails) -> OutsideCatalog:
    """A new catalog, active and due at once (the next scheduled run fetches it)."""
    catalog = OutsideCatalog(created_by=by)
    _apply(catalog, details)
    catalog.save()
    return catalog


def update_catalog(by: User, catalog: OutsideCatalog, details: CatalogDetails) -> OutsideCatalog:
    """A changed catalog; a changed address or kind makes it due at once."""
    moved = (catalog.url, catalog.kind, catalog.oai_set) != (
        details.url.strip(),
        details.kind,
        details.oai_set.strip() if details.kind == OutsideCatalog.Kind.OAI else "",
    )
    _apply(catalog, details)
    if moved:
        catalog.last_fetched_at = None
    catalog.save()
    return catalog


def set_active(by: User, catalog: OutsideCatalog, active: bool) -> OutsideCatalog:
    """Disable (its entries are no longer found, nor fetched) or enable a catalog."""
    catalog.is_active = active
    catalog.save(update_fields=["is_active"])
    return catalog


def due_catalogs(now: datetime.datetime | None = None) -> list[OutsideCatalog]:
    """The active catalogs whose turn it is: never fetched, or fetched their interval ago."""
    now = now or timezone.now()
    return [c for c in OutsideCatalog.objects.filter(is_active=True) if c.is_due(now)]


# --- Reading over HTTP ----------------------------------------------------------------------


def _client() -> httpx.Client:
    return httpx.Client(
        timeout=httpx.Timeout(TIMEOUT),
        follow_redirects=True,
        max_redirects=5,
        headers={"User-Agent": USER_AGENT},
    )


def download(
    client: httpx.Client, url: str, params: Mapping[str, str] | None = None
) -> tuple[bytes, str]:
    """The answer's body (at most ``MAX_BYTES``) and content type; FetchFailed otherwise."""
    try:
        with client.stream("GET", url, params=params) as response:
            if not is_web_address(str(response.url)):
                raise FetchFailed(_("The address led to one that is not http(s)."))
            if response.status_code != 200:
                raise FetchFailed(
                    _("The source answered HTTP %(status)s.") % {"status": response.status_code}
                )
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > MAX_BYTES:
                    raise FetchFailed(
                        _("The answer is larger than %(mb)d MB.") % {"mb": MAX_BYTES // 2**20}
                    )
                chunks.append(chunk)
            return b"".join(chunks), response.headers.get("content-type", "")
    except httpx.TimeoutException as error:
        raise FetchFailed(_("The source did not answer in time.")) from error
    except httpx.HTTPError as error:
        raise FetchFailed(
            _("The source could not be reached (%(error)s).") % {"error": type(error).__name__}
        ) from error


# --- Parsing feeds --------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise ValueError


def _tags(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list):
        items = [_text(item) for item in value]
    else:
        items = re.split(r"[,;]", _text(value))
    seen: dict[str, None] = {}
    for item in items:
        if item.strip():
            seen.setdefault(item.strip()[:100], None)
    return tuple(seen)


def parse_when(value: str) -> datetime.datetime | None:
    """An ISO 8601 date or time (a year alone too), aware in the platform's time zone."""
    value = value.strip()
    if not value:
        return None
    try:
        moment = parse_datetime(value)
        if moment is None:
            if re.fullmatch(r"\d{4}", value):
                value = f"{value}-01-01"
            day = parse_date(value)
            if day is None:
                raise ValueError
            moment = datetime.datetime.combine(day, datetime.time())
    except ValueError:
        raise ValueError(value) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _entry(row: Mapping[str, Any], where: str) -> Entry:
    """One feed row as an Entry; FetchFailed naming ``where`` when it is not one."""
    try:
        identifier = _text(row.get("id"))
        title = _text(row.get("title"))
        url = _text(row.get("url"))
        description = _text(row.get("description"))
        tags = _tags(row.get("tags"))
        area = _text(row.get("area"))
        grade = _text(row.get("grade_band")).lower()
        audience = _text(row.get("audience")).lower()
        published = _text(row.get("published"))
    except ValueError:
        raise FetchFailed(_("%(where)s: a value is not text.") % {"where": where}) from None
    missing = [
        name for name, value in (("id", identifier), ("title", title), ("url", url)) if not value
    ]
    if missing:
        raise FetchFailed(
            _("%(where)s: %(fields)s is missing.") % {"where": where, "fields": ", ".join(missing)}
        )
    if len(identifier) > 500 or len(title) > 500 or len(url) > 1000:
        raise FetchFailed(_("%(where)s: a value is too long.") % {"where": where})
    if not is_web_address(url):
        raise FetchFailed(
            _("%(where)s: the address %(url)s is not an http(s) address.")
            % {"where": where, "url": url[:100]}
        )
    if grade not in GRADE_BANDS:
        raise FetchFailed(
            _("%(where)s: unknown grade band %(value)s (elementary, middle or high).")
            % {"where": where, "value": grade[:50]}
        )
    if audience not in AUDIENCES:
        raise FetchFailed(
            _("%(where)s: unknown audience %(value)s (student, parent or teacher).")
            % {"where": where, "value": audience[:50]}
        )
    try:
        published_at = parse_when(published)
    except ValueError:
        raise FetchFailed(
            _("%(where)s: %(value)s is not a date.") % {"where": where, "value": published[:50]}
        ) from None
    return Entry(
        identifier=identifier,
        title=title,
        url=url,
        description=description,
        tags=tags,
        area=area[:200],
        grade_band=GRADE_BANDS[grade],
        audience=AUDIENCES[audience],
        published_at=published_at,
    )


def _unique(entries: Iterable[Entry]) -> list[Entry]:
    seen: set[str] = set()
    kept = []
    for entry in entries:
        if entry.identifier in seen:
            raise FetchFailed(
                _("The identifier %(id)s appears more than once.") % {"id": entry.identifier[:100]}
            )
        seen.add(entry.identifier)
        kept.append(entry)
        if len(kept) > MAX_ENTRIES:
            raise FetchFailed(_("The source has more than %(n)d entries.") % {"n": MAX_ENTRIES})
    return kept


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FetchFailed(_("The feed is not UTF-8 text.")) from None


def parse_csv(data: bytes) -> list[Entry]:
    reader = csv.DictReader(io.StringIO(_decode(data), newline=""))
    columns = {(name or "").strip() for name in reader.fieldnames or ()}
    missing = sorted({"id", "title", "url"} - columns)
    if missing:
        raise FetchFailed(
            _("The CSV feed has no %(columns)s column.") % {"columns": ", ".join(missing)}
        )
    try:
        rows = [
            {(key or "").strip(): value for key, value in row.items() if key is not None}
            for row in reader
        ]
    except csv.Error as error:
        raise FetchFailed(
            _("The CSV feed cannot be read (%(error)s).") % {"error": error}
        ) from None
    # A row's line: the header is line 1.
    return _unique(
        _entry(row, _("Row %(n)d") % {"n": number}) for number, row in enumerate(rows, start=2)
    )


def parse_json(data: bytes) -> list[Entry]:
    try:
        document = json.loads(_decode(data))
    except json.JSONDecodeError as error:
        raise FetchFailed(
            _("The JSON feed cannot be read (line %(line)d: %(error)s).")
            % {"line": error.lineno, "error": error.msg}
        ) from None
    if isinstance(document, dict):
        document = document.get("entries", document.get("items"))
    if not isinstance(document, list):
        raise FetchFailed(_("The JSON feed is not a list of entries."))
    entries = []
    for number, item in enumerate(document, start=1):
        where = _("Entry %(n)d") % {"n": number}
        if not isinstance(item, dict):
            raise FetchFailed(_("%(where)s is not an object.") % {"where": where})
        entries.append(_entry(item, where))
    return _unique(entries)


def feed_format(url: str, content_type: str, data: bytes) -> str:
    """ "csv" or "json": by the content type, else the address's ending, else the content."""
    kind = content_type.split(";")[0].strip().lower()
    if kind.endswith("json") or kind.endswith("+json"):
        return "json"
    if kind in ("text/csv", "application/csv", "text/comma-separated-values"):
        return "csv"
    path = urlsplit(url).path.lower()
    if path.endswith(".json"):
        return "json"
    if path.endswith(".csv"):
        return "csv"
    start = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return "json" if start in (b"[", b"{") else "csv"


def parse_feed(url: str, content_type: str, data: bytes) -> list[Entry]:
    if feed_format(url, content_type, data) == "json":
        return parse_json(data)
    return parse_csv(data)


# --- Parsing OAI-PMH ------------------------------------------------------------------------


def _all_text(parent: Element, tag: str) -> list[str]:
    return [
        " ".join(element.text.split()) if tag != DC + "description" else element.text.strip()
        for element in parent.iter(tag)
        if element.text and element.text.strip()
    ]


def _oai_entry(record: Element) -> Entry | None:
    header = record.find(OAI + "header")
    identifier = (header.findtext(OAI + "identifier") or "").strip() if header is not None else ""
    metadata = record.find(OAI + "metadata")
    if not identifier or metadata is None:
        return None
    titles = _all_text(metadata, DC + "title")
    links = [value for value in _all_text(metadata, DC + "identifier") if is_web_address(value)]
    if not titles or not links or len(identifier) > 500 or len(links[0]) > 1000:
        return None
    published_at = None
    for value in _all_text(metadata, DC + "date"):
        try:
            published_at = parse_when(value)
            break
        except ValueError:
            continue
    return Entry(
        identifier=identifier,
        title=titles[0][:500],
        url=links[0],
        description="\n\n".join(_all_text(metadata, DC + "description")),
        tags=_tags([*_all_text(metadata, DC + "subject"), *_all_text(metadata, DC + "type")]),
        published_at=published_at,
    )


def parse_oai_page(data: bytes, page: int = 1) -> Harvest:
    """One ListRecords answer. ``noRecordsMatch`` is an empty harvest; another OAI-PMH error
    (or XML that is not OAI-PMH) is FetchFailed."""
    try:
        root: Element = parse_xml(data, forbid_dtd=True)
    except (ParseError, DefusedXmlException) as error:
        raise FetchFailed(
            _("Page %(page)d of the OAI-PMH answer is not well-formed XML (%(error)s).")
            % {"page": page, "error": error}
        ) from None
    if root.tag != OAI + "OAI-PMH":
        raise FetchFailed(_("The answer is not OAI-PMH."))
    problem = root.find(OAI + "error")
    if problem is not None:
        code = problem.get("code", "")
        if code == "noRecordsMatch":
            return Harvest()
        raise FetchFailed(
            _("The OAI-PMH endpoint answered %(code)s: %(message)s")
            % {"code": code, "message": (problem.text or "").strip()[:200]}
        )
    records = root.find(OAI + "ListRecords")
    if records is None:
        raise FetchFailed(_("The OAI-PMH answer has no ListRecords."))
    harvest = Harvest()
    for record in records.findall(OAI + "record"):
        header = record.find(OAI + "header")
        if header is not None and header.get("status") == "deleted":
            identifier = (header.findtext(OAI + "identifier") or "").strip()
            if identifier:
                harvest.deleted.add(identifier)
            continue
        entry = _oai_entry(record)
        if entry is not None:
            harvest.entries.append(entry)
    token = records.find(OAI + "resumptionToken")
    if token is not None and token.text and token.text.strip():
        harvest.token = token.text.strip()
    return harvest


def harvest_oai(client: httpx.Client, url: str, oai_set: str = "") -> list[Entry]:
    """Every live record of the endpoint (or its set), following the resumption tokens; a
    record marked deleted on a later page takes out the one an earlier page gave."""
    params = {"verb": "ListRecords", "metadataPrefix": "oai_dc"}
    if oai_set:
        params["set"] = oai_set
    found: dict[str, Entry] = {}
    for page in range(1, MAX_PAGES + 1):
        data, _type = download(client, url, params)
        harvest = parse_oai_page(data, page)
        for entry in harvest.entries:
            found[entry.identifier] = entry
        for identifier in harvest.deleted:
            found.pop(identifier, None)
        if len(found) > MAX_ENTRIES:
            raise FetchFailed(_("The source has more than %(n)d entries.") % {"n": MAX_ENTRIES})
        if harvest.token is None:
            return list(found.values())
        params = {"verb": "ListRecords", "resumptionToken": harvest.token}
    raise FetchFailed(_("The OAI-PMH endpoint gave more than %(n)d pages.") % {"n": MAX_PAGES})


def read_source(catalog: OutsideCatalog) -> list[Entry]:
    """Every entry the catalog's source has now; FetchFailed when it cannot be read."""
    if not is_web_address(catalog.url):
        raise FetchFailed(_("Only http:// and https:// addresses can be fetched."))
    with _client() as client:
        if catalog.kind == OutsideCatalog.Kind.OAI:
            return harvest_oai(client, catalog.url, catalog.oai_set)
        data, content_type = download(client, catalog.url)
        return parse_feed(catalog.url, content_type, data)


# --- Storing ----------------------------------------------------------------------------------

_FIELDS = ("title", "url", "description", "tags", "area", "grade_band", "audience", "published_at")


def _values(entry: Entry) -> dict[str, Any]:
    return {
        "title": entry.title,
        "url": entry.url,
        "description": entry.description,
        "tags": "\n".join(entry.tags),
        "area": entry.area,
        "grade_band": entry.grade_band,
        "audience": entry.audience,
        "published_at": entry.published_at,
    }


def store(catalog: OutsideCatalog, entries: list[Entry]) -> Fetched:
    """Write a fetch's entries in one transaction and record the outcome. Each added or changed
    entry is saved (and each removed one deleted) one by one, so the search re-indexes exactly
    those on commit; unchanged entries are not touched."""
    now = timezone.now()
    added = updated = 0
    with transaction.atomic():
        # Lock the catalog's row: two fetches of one catalog write one after the other.
        OutsideCatalog.objects.select_for_update().filter(pk=catalog.pk).first()
        existing = {entry.identifier: entry for entry in catalog.entries.all()}
        for entry in entries:
            values = _values(entry)
            stored = existing.pop(entry.identifier, None)
            if stored is None:
                OutsideEntry.objects.create(
                    catalog=catalog, identifier=entry.identifier, fetched_at=now, **values
                )
                added += 1
            elif any(getattr(stored, name) != values[name] for name in _FIELDS):
                for name, value in values.items():
                    setattr(stored, name, value)
                stored.fetched_at = now
                stored.save()
                updated += 1
        removed = len(existing)
        if existing:
            OutsideEntry.objects.filter(pk__in=[e.pk for e in existing.values()]).delete()
        OutsideCatalog.objects.filter(pk=catalog.pk).update(
            last_fetched_at=now,
            last_outcome=OutsideCatalog.Outcome.OK,
            last_error="",
            entry_count=len(entries),
        )
    return Fetched(added=added, updated=updated, removed=removed, total=len(entries))


def _record_failure(catalog: OutsideCatalog, message: str) -> None:
    # The failure counts as a fetch for the schedule: a broken source is tried again at its
    # next turn, not every minute.
    OutsideCatalog.objects.filter(pk=catalog.pk).update(
        last_fetched_at=timezone.now(),
        last_outcome=OutsideCatalog.Outcome.FAILED,
        last_error=message,
    )


def claim(catalog: OutsideCatalog) -> bool:
    """Mark the catalog as being fetched, unless another fetch holds it (one write, so two
    workers cannot both claim it); a claim older than ``CLAIM_SECONDS`` is taken over."""
    now = timezone.now()
    stale = now - datetime.timedelta(seconds=CLAIM_SECONDS)
    free = Q(fetching_since__isnull=True) | Q(fetching_since__lt=stale)
    return OutsideCatalog.objects.filter(free, pk=catalog.pk).update(fetching_since=now) == 1


def fetch_catalog(catalog: OutsideCatalog) -> Fetched:
    """Fetch the catalog now and store what it has. A source that cannot be read leaves every
    entry as it was, records the reason on the catalog, and raises ValidationError with it; so
    does a catalog another worker is fetching (``code="busy"``, nothing recorded)."""
    if not claim(catalog):
        raise ValidationError(_("This catalog is being fetched already."), code="busy")
    try:
        try:
            entries = read_source(catalog)
        except FetchFailed as failure:
            message = str(failure)
            log.warning("outside catalog %s (%s): %s", catalog.pk, catalog.url, message)
            _record_failure(catalog, message)
            raise ValidationError(message, code="fetch") from failure
        return store(catalog, entries)
    finally:
        OutsideCatalog.objects.filter(pk=catalog.pk).update(fetching_since=None)
        catalog.refresh_from_db()
