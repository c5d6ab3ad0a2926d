"""Real media through a real Janus: two browsers publish Chromium's fake camera and microphone
into one VideoRoom and each plays the other's video.

Janus never offers loopback candidates, so everything runs in a private network namespace
(``netns.NetNamespace``): Janus, a static server for the test page (``media_page/`` with Debian's
adapter.js and janus.js) and chromium, started through a wrapper script. This process stays
outside and reaches into the namespace only through subprocesses: the readiness probes and the
room creation (``JanusClient`` run with ``ip netns exec``). Needs root; skipped otherwise.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from openclass.core.tests.chromium import CHROMIUM_ARGS
from openclass.live.janus import signed_token
from openclass.live.process import LocalJanus, is_installed
from openclass.live.registry import local_janus_config

from .netns import NamespacedJanus, NetNamespace, chromium_wrapper, media_page, netns_available

pytestmark = pytest.mark.browser

# The namespace is new and empty, so fixed ports are free in it.
JANUS_PORT, ADMIN_PORT, PAGE_PORT = 8088, 7088, 8000

CREATE_ROOM = """
import json, sys
from openclass.live.janus import JanusClient
p = json.load(sys.stdin)
client = JanusClient(p["api_url"], token_secret=p["token_secret"], admin_key=p["admin_key"])
try:
    client.create_room(
        p["room"], secret=p["secret"], description="media test", publishers=4,
        allowed=p["allowed"],
    )
finally:
    client.close()
"""


@pytest.fixture
def ns() -> Iterator[NetNamespace]:
    if not netns_available():
        pytest.skip("needs root and iproute2 to create a network namespace")
    with NetNamespace() as namespace:
        yield namespace


@pytest.fixture
def janus(ns: NetNamespace, tmp_path: Path) -> Iterator[NamespacedJanus]:
    if not is_installed():
        pytest.fail("janus is missing: `scripts/setup.sh --test` installs Debian's janus")
    config = local_janus_config(
        # Nobody listens there: the event handler's posts are refused, which Janus shrugs off.
        events_url=f"http://{ns.peer_ip}:9/events",
        http_port=JANUS_PORT,
        admin_port=ADMIN_PORT,
        recordings_dir=str(tmp_path / "recordings"),
        bind_ip=ns.host_ip,
    )
    server = NamespacedJanus(config, tmp_path / "janus", command_prefix=ns.prefix, ns=ns)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def page_url(ns: NetNamespace, tmp_path: Path) -> Iterator[str]:
    with media_page(ns, tmp_path / "site", PAGE_PORT) as url:
        yield url


@pytest.fixture
def ns_browser(chromium, ns: NetNamespace, tmp_path: Path) -> Iterator[object]:
    """Chromium inside the namespace, launched by the session's Playwright (a second sync
    Playwright cannot run beside the ``chromium`` fixture's)."""
    wrapper = chromium_wrapper(ns, tmp_path)
    browser = chromium.browser_type.launch(
        executable_path=str(wrapper), headless=True, args=CHROMIUM_ARGS
    )
    try:
        yield browser
    finally:
        browser.close()


def create_room(ns: NetNamespace, janus: LocalJanus, settings, room: int, pins: list[str]) -> None:
    request = {
        "api_url": janus.api_url,
        "token_secret": settings.JANUS_TOKEN_SECRET,
        "admin_key": settings.JANUS_ADMIN_KEY,
        "room": room,
        "secret": secrets.token_urlsafe(12),
        "allowed": pins,
    }
    ns.run_python(CREATE_ROOM, input=json.dumps(request))


def wait_for_video(page, timeout: float = 20.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        stats = page.evaluate("mediaStats()")
        assert stats["error"] is None, stats["error"]
        if stats["videoWidth"] > 0 and stats["framesDecoded"] > 0:
            return stats
        assert time.monotonic() < deadline, f"no remote video within {timeout} s: {stats}"
        time.sleep(0.2)


def test_two_browsers_see_each_other(ns, janus, page_url, ns_browser, settings):
    room = secrets.randbelow(1_000_000) + 1
    feeds = [secrets.randbelow(1_000_000) + 1]
    feeds.append(feeds[0] + 1)
    pins = [secrets.token_urlsafe(16) for _ in feeds]
    create_room(ns, janus, settings, room, pins)

    contexts, pages, errors = [], [], []
    try:
        for index, feed in enumerate(feeds):
            context = ns_browser.new_context()
            context.set_default_timeout(10_000)
            contexts.append(context)
            page = context.new_page()
            page.on(
                "console",
                lambda message: errors.append(message.text) if message.type == "error" else None,
            )
            page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))
            page.goto(page_url)
            page.evaluate(
                "options => startMedia(options)",
                {
                    "server": janus.api_url,
                    "token": signed_token(settings.JANUS_TOKEN_SECRET, 600),
                    "room": room,
                    "feed": feed,
                    "pin": pins[index],
                    "peers": [feeds[1 - index]],
                },
            )
            pages.append(page)
        for page in pages:
            stats = wait_for_video(page)
            assert stats["videoWidth"] > 0 and stats["framesDecoded"] > 0, stats
        assert errors == []
    finally:
        for context in contexts:
            context.close()
