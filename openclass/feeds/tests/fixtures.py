"""Fixtures of the outside catalogs' tests: a real HTTP server on 127.0.0.1 answering whatever
the test tells it (a feed, OAI-PMH pages), the installation itself served over HTTP (its demo
feeds and OAI-PMH repository), and catalogs. Registered for the suite by the root conftest.py."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from xml.sax.saxutils import escape

import pytest

from openclass.accounts.models import User
from openclass.feeds.models import OutsideCatalog

#: (status, content type, body)
Answer = tuple[int, str, bytes]


@dataclass
class Source:
    """What the test server answers: ``answer(path, query)`` (the test sets it), and every
    request it was asked (path and query)."""

    url: str
    answer: Callable[[str, dict[str, str]], Answer] = lambda path, query: (404, "text/plain", b"")
    asked: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def serve(self, status: int, content_type: str, body: bytes | str) -> None:
        data = body.encode() if isinstance(body, str) else body
        self.answer = lambda path, query: (status, content_type, data)


@pytest.fixture
def source() -> Iterator[Source]:
    """A real HTTP server on 127.0.0.1, started and stopped by the test."""
    holder: list[Source] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {name: values[0] for name, values in parse_qs(parts.query).items()}
            found = holder[0]
            found.asked.append((parts.path, query))
            status, content_type, body = found.answer(parts.path, query)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    holder.append(Source(url=f"http://127.0.0.1:{server.server_address[1]}"))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield holder[0]
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


class _ThreadingWSGIServer(WSGIServer):
    daemon_threads = True


@pytest.fixture
def installation() -> Iterator[str]:
    """openclass itself (Django's WSGI application) served over HTTP on 127.0.0.1, for its demo
    feeds and OAI-PMH repository (which read no database): its address."""
    from django.core.handlers.wsgi import WSGIHandler

    server = make_server(
        "127.0.0.1",
        0,
        WSGIHandler(),
        server_class=_ThreadingWSGIServer,
        handler_class=_QuietHandler,
    )
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def make_catalog(
    url: str,
    *,
    kind: str = OutsideCatalog.Kind.FEED,
    name: str = "진로진학정보센터",
    site_name: str = "진로진학정보센터",
    by: User | None = None,
    **extra: Any,
) -> OutsideCatalog:
    return OutsideCatalog.objects.create(
        name=name, site_name=site_name, kind=kind, url=url, created_by=by, **extra
    )


# --- OAI-PMH answers --------------------------------------------------------------------------


def oai_record(
    identifier: str,
    title: str = "",
    url: str = "",
    *,
    subjects: tuple[str, ...] = (),
    description: str = "",
    date: str = "2025-03-01",
    kind: str = "",
    deleted: bool = False,
) -> str:
    status = ' status="deleted"' if deleted else ""
    header = (
        f"<header{status}><identifier>{escape(identifier)}</identifier>"
        f"<datestamp>{date}</datestamp></header>"
    )
    if deleted:
        return f"<record>{header}</record>"
    parts = [f"<dc:title>{escape(title)}</dc:title>"] if title else []
    parts += [f"<dc:subject>{escape(subject)}</dc:subject>" for subject in subjects]
    if description:
        parts.append(f"<dc:description>{escape(description)}</dc:description>")
    parts.append(f"<dc:date>{date}</dc:date>")
    if kind:
        parts.append(f"<dc:type>{escape(kind)}</dc:type>")
    parts.append("<dc:identifier>urn:isbn:0000</dc:identifier>")
    if url:
        parts.append(f"<dc:identifier>{escape(url)}</dc:identifier>")
    return (
        f"<record>{header}<metadata>"
        '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"{''.join(parts)}</oai_dc:dc></metadata></record>"
    )


def oai_page(records: list[str], token: str | None = None, error: str = "") -> bytes:
    body = (
        f'<error code="{error}">no</error>'
        if error
        else "<ListRecords>"
        + "".join(records)
        + (f"<resumptionToken>{escape(token)}</resumptionToken>" if token is not None else "")
        + "</ListRecords>"
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
        "<responseDate>2025-03-01T00:00:00Z</responseDate>"
        '<request verb="ListRecords">http://example.org/oai</request>'
        f"{body}</OAI-PMH>"
    ).encode()
