"""A relying site's back end for the tests: a real HTTP server on 127.0.0.1 (``http.server`` in a
thread) that records what openclass sends it — back-channel logout tokens, and the browser
arriving at its redirect URI — and answers with the statuses the test chose. Also the checks a
site makes on a logout token (Back-Channel Logout 1.0, §2.6), with Authlib's JOSE."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from authlib.jose import JsonWebKey, JsonWebToken

EVENT = "http://schemas.openid.net/event/backchannel-logout"


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, list[str]]
    content_type: str
    form: dict[str, list[str]]


@dataclass
class Receiver:
    """What the server received, and the statuses it answers POSTs with (the last one is kept
    for every POST after the list runs out)."""

    url: str = ""
    statuses: list[int] = field(default_factory=lambda: [200])
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def posts(self, path: str | None = None) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.method == "POST" and path in (None, r.path)]

    def wait_for_posts(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.posts()) >= count:
                return self.posts()
            time.sleep(0.05)
        raise AssertionError(f"expected {count} POSTs within {timeout} s, got {self.posts()}")

    def _status(self) -> int:
        with self.lock:
            return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]


@contextmanager
def receiving_site() -> Iterator[Receiver]:
    """Run a receiver on a free 127.0.0.1 port until the block ends."""
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def _record(self, method: str) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8") if length else ""
            with receiver.lock:
                receiver.received.append(
                    Received(
                        method,
                        parts.path,
                        parse_qs(parts.query),
                        self.headers.get("Content-Type", ""),
                        parse_qs(body),
                    )
                )

        def do_POST(self) -> None:
            self._record("POST")
            status = receiver._status()
            self.send_response(status)
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self) -> None:
            self._record("GET")
            body = b"<!doctype html><title>site</title><p>back at the site</p>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def check_logout_token(token: str, jwks: dict[str, Any], *, issuer: str, client_id: str) -> dict:
    """The checks a relying site makes on a logout token; its claims, or AssertionError."""
    header = json.loads(_b64(token.split(".")[0]))
    assert header.get("typ") == "logout+jwt", header
    assert header.get("alg") == "RS256", header
    claims = JsonWebToken(["RS256"]).decode(
        token,
        JsonWebKey.import_key_set(jwks),
        claims_options={
            "iss": {"essential": True, "value": issuer},
            "aud": {"essential": True, "value": client_id},
            "iat": {"essential": True},
            "exp": {"essential": True},
            "jti": {"essential": True},
        },
    )
    claims.validate(leeway=5)
    assert set(claims["events"]) == {EVENT} and claims["events"][EVENT] == {}, claims
    assert "nonce" not in claims, "a logout token never carries a nonce"
    assert claims.get("sub") or claims.get("sid"), claims
    assert abs(time.time() - claims["iat"]) < 120, "not a fresh token"
    assert claims["exp"] - claims["iat"] <= 300, "a logout token lives minutes, not longer"
    return dict(claims)


def _b64(part: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
