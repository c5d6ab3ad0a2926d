"""deploy/nginx.conf, as shipped, lets browsers reach the Janus API but neither Janus's info
endpoint nor its admin API (issue 15, 1i).

Debian's nginx is not installed where the suite runs, so the file is read here and nginx's own
choice of location is replayed: an exact match first, then the longest prefix (final if it is
``^~``), then the first regular expression that matches, in the file's order."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

CONF = Path(__file__).resolve().parents[3] / "deploy" / "nginx.conf"
LOCATION = re.compile(r"location\s+(=|~\*|~|\^~)?\s*(\S+)\s*\{([^{}]*)\}")


@dataclass
class Location:
    modifier: str
    pattern: str
    body: str


def locations() -> list[Location]:
    text = re.sub(r"#[^\n]*", "", CONF.read_text(encoding="utf-8"))
    return [Location(m or "", p, b) for m, p, b in LOCATION.findall(text)]


def chosen(uri: str) -> Location:
    found = locations()
    for location in found:
        if location.modifier == "=" and location.pattern == uri:
            return location
    prefixes = [loc for loc in found if loc.modifier in ("", "^~") and uri.startswith(loc.pattern)]
    longest = max(prefixes, key=lambda loc: len(loc.pattern), default=None)
    if longest is not None and longest.modifier == "^~":
        return longest
    for location in found:
        if location.modifier in ("~", "~*"):
            flags = re.IGNORECASE if location.modifier == "~*" else 0
            if re.search(location.pattern, uri, flags):
                return location
    assert longest is not None, uri
    return longest


def refused(location: Location) -> bool:
    return bool(re.search(r"\breturn\s+40[34]\b|\bdeny\s+all\b", location.body))


@pytest.mark.parametrize(
    "uri", ["/janus/info", "/janus/INFO", "/janus/info/", "/janus/admin", "/janus/admin/sessions"]
)
def test_janus_info_and_admin_are_not_reachable_from_outside(uri) -> None:
    location = chosen(uri)
    assert refused(location) and "proxy_pass" not in location.body, (uri, location)


@pytest.mark.parametrize("uri", ["/janus", "/janus/1234", "/janus/1234/5678"])
def test_the_janus_api_is_proxied(uri) -> None:
    location = chosen(uri)
    assert "proxy_pass http://127.0.0.1:8088/janus" in location.body, (uri, location)


def test_the_admin_api_port_is_never_proxied() -> None:
    assert ":7088" not in CONF.read_text(encoding="utf-8")
